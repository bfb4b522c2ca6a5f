// Runs the official WebAssembly JS API tests (../shared/js-api-tests, testharness.js) on an engine,
// one file per worker thread (its own realm), at most two files at a time.
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findRepoRoot } from '../spec/script.js';
import type { FileJob, FileReport, TestResult } from './worker.js';

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const suiteRoot = resolve(repoRoot, '../shared/js-api-tests/test');
const testsDir = join(suiteRoot, 'js-api');
const heapbaseUrl = pathToFileURL(join(repoRoot, 'dist/src/index.js')).href;
const workerUrl = new URL('./worker.js', import.meta.url);
const FILE_TIMEOUT_MS = 30_000;
/** Files marked `// META: timeout=long` (web-platform-tests gives them 6× the normal timeout; limits.any.js: 21 s on Node here). */
const LONG_FILE_TIMEOUT_MS = 120_000;

function timeoutOf(file: string): number {
  return /^\/\/ META: timeout=long$/m.test(readFileSync(join(testsDir, file), 'utf8')) ? LONG_FILE_TIMEOUT_MS : FILE_TIMEOUT_MS;
}

/** The files run: every `.any.js` except tentative ones and the proposals beyond WebAssembly 2.0. */
export function testFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.any.js')) out.push(relative(testsDir, path));
    }
  };
  walk(testsDir);
  return out
    .filter((f) => !f.includes('tentative') && !f.includes('memory64') && !f.startsWith('js-string/') && !f.startsWith('gc/'))
    .sort();
}

/** testharness.js, the file's `// META: script=` includes in order, then the file. */
function scriptsOf(file: string): string[] {
  const path = join(testsDir, file);
  const includes = [...readFileSync(path, 'utf8').matchAll(/^\/\/ META: script=(\S+)/gm)].map((m) => {
    const src = m[1];
    return src.startsWith('/wasm/jsapi/') ? join(testsDir, src.slice('/wasm/jsapi/'.length)) : join(dirname(path), src);
  });
  return [join(suiteRoot, 'harness/testharness.js'), ...includes, path];
}

export type Engine = FileJob['engine'];
export interface FileOutcome { file: string; results: TestResult[]; error: string | null }

function runFile(file: string, engine: Engine): Promise<FileOutcome> {
  return new Promise((resolvePromise) => {
    const job: FileJob = { engine, heapbaseUrl, scripts: scriptsOf(file) };
    const worker = new Worker(workerUrl, { workerData: job, stdout: true, stderr: true });
    let report: FileReport | undefined;
    let settled = false;
    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      const harnessError = report && report.harnessStatus !== 'OK' ? `harness ${report.harnessStatus}: ${report.harnessMessage}` : null;
      resolvePromise({ file, results: report?.results ?? [], error: error ?? harnessError });
    };
    const timeout = timeoutOf(file);
    const timer = setTimeout(() => finish(`timed out after ${timeout / 1000} s`), timeout);
    worker.on('message', (m: FileReport) => {
      report = m;
      finish(null);
    });
    worker.on('error', (e) => finish(`worker threw: ${String(e?.stack ?? e)}`));
    worker.on('exit', (code) => finish(report ? null : `worker exited (code ${code}) before the harness completed`));
  });
}

/** Runs jobs with at most `limit` at a time, keeping their order in the result. */
export async function runAll(files: string[], engines: Engine[], limit = 2): Promise<Map<Engine, FileOutcome[]>> {
  const jobs = engines.flatMap((engine) => files.map((file, i) => ({ engine, file, i })));
  const out = new Map<Engine, FileOutcome[]>(engines.map((e) => [e, []]));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      out.get(job.engine)![job.i] = await runFile(job.file, job.engine);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return out;
}

/** `file › test name`, with a counter for names a file repeats. */
export function resultKeys(outcome: FileOutcome): Map<string, TestResult> {
  const keys = new Map<string, TestResult>();
  for (const r of outcome.results) {
    let key = `${outcome.file} › ${r.name}`;
    for (let n = 2; keys.has(key); n++) key = `${outcome.file} › ${r.name} (#${n})`;
    keys.set(key, r);
  }
  return keys;
}
