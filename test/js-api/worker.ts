// Runs one JS API test file (testharness.js, its META includes, the test) in this worker's own
// realm, with heapbase or Node's WebAssembly as the global `WebAssembly`, and posts the results.
// Its own realm matters: assert_throws_js compares constructors with the realm's TypeError.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { runInThisContext } from 'node:vm';

export interface FileJob { engine: 'heapbase' | 'node'; heapbaseUrl: string; scripts: string[] }
export interface TestResult { name: string; passed: boolean; message: string }
export interface FileReport { results: TestResult[]; harnessStatus: string; harnessMessage: string }

const job = workerData as FileJob;
const scope = globalThis as Record<string, unknown>;

if (job.engine === 'heapbase') {
  const heapbase = (await import(job.heapbaseUrl)) as { WebAssembly: unknown };
  Object.defineProperty(globalThis, 'WebAssembly', { value: heapbase.WebAssembly, writable: true, configurable: true, enumerable: false });
}
scope.self = globalThis;
scope.GLOBAL = { isWindow: () => false, isWorker: () => false, isShadowRealm: () => false };

const results: TestResult[] = [];
const STATUS_NAMES = ['OK', 'ERROR', 'TIMEOUT', 'PRECONDITION_FAILED'];
const done = (harness: { status: number; message: string | null }): void => {
  const report: FileReport = { results, harnessStatus: STATUS_NAMES[harness.status] ?? String(harness.status), harnessMessage: harness.message ?? '' };
  parentPort!.postMessage(report);
};

try {
  runInThisContext(readFileSync(job.scripts[0], 'utf8'), { filename: job.scripts[0] });
  const addResult = scope.add_result_callback as (cb: (t: { name: string; status: number; message: string | null }) => void) => void;
  const addCompletion = scope.add_completion_callback as (cb: (tests: unknown, harness: { status: number; message: string | null }) => void) => void;
  addResult((t) => results.push({ name: t.name, passed: t.status === 0, message: t.message ?? '' }));
  addCompletion((_tests, harness) => done(harness));
  for (const file of job.scripts.slice(1)) runInThisContext(readFileSync(file, 'utf8'), { filename: file });
} catch (e) {
  done({ status: 1, message: `loading the scripts threw: ${String((e as Error)?.stack ?? e)}` });
}
