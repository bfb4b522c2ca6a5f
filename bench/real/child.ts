// Child process of the real-programs benchmark: one (program, engine) pair.
//
//   node --expose-gc dist/bench/real/child.js PROGRAM ENGINE [--quick] [--warm N] [--warm-budget-ms MS]
//
// ENGINE is node (Node's own WebAssembly), heapbase or polywasm; heapbase and polywasm are installed
// as globalThis.WebAssembly before the package's glue is imported. Prints one JSON line:
// cold ms (import glue + compile + instantiate + first run, timed around the workload), the ms of
// each warm run (the run part again on the same loaded instance), and a digest of the first run's
// outputs; every warm run's outputs must give the same digest.
import { createHash } from 'node:crypto';
import { WORKLOADS } from './workloads.js';

const [program, engine, ...rest] = process.argv.slice(2);
const quick = rest.includes('--quick');
const option = (name: string, fallback: number): number => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const warmRuns = option('--warm', 5);
const warmBudgetMs = option('--warm-budget-ms', Infinity);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function out(value: object): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const workload = WORKLOADS.find((w) => w.name === program);
if (!workload) {
  out({ ok: false, error: `unknown program ${program}` });
  process.exit(2);
}

const engineStarted = performance.now();
let moduleConstructed = 0;
const native = (globalThis as any).WebAssembly;
if (engine === 'heapbase' || engine === 'polywasm') {
  const source: any = engine === 'heapbase' ? (await import('../../src/index.js')).WebAssembly : (await import('polywasm')).WebAssembly;
  // the namespace's interface objects are not enumerable (WebIDL): copy every own property
  const namespace: any = Object.defineProperties({}, Object.getOwnPropertyDescriptors(source));
  // polywasm has no LinkError or RuntimeError: glue that names them (Emscripten's abort) gets Node's
  const borrowed: string[] = [];
  for (const name of ['CompileError', 'LinkError', 'RuntimeError']) if (!(name in namespace)) { namespace[name] = native[name]; borrowed.push(name); }
  // count modules the engine builds, to be sure the Wasm really runs on it
  const Module = source.Module;
  namespace.Module = new Proxy(Module, { construct(target, args, newTarget) { moduleConstructed++; return Reflect.construct(target, args, newTarget); } });
  for (const f of ['compile', 'instantiate'] as const) {
    const original = source[f];
    namespace[f] = (...a: unknown[]) => { moduleConstructed++; return original.apply(source, a); };
  }
  (globalThis as any).WebAssembly = namespace;
} else if (engine !== 'node') {
  out({ ok: false, error: `unknown engine ${engine}` });
  process.exit(2);
}
const engineLoadMs = performance.now() - engineStarted;

const runOnce = async (ctx: unknown): Promise<string> => {
  const digest = createHash('sha256');
  const record = (value: unknown): void => {
    if (value instanceof Uint8Array || value instanceof Uint32Array || ArrayBuffer.isView(value)) {
      const v = value as ArrayBufferView;
      digest.update(`<bytes ${v.constructor.name} ${v.byteLength}>`);
      digest.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else digest.update(typeof value === 'string' ? value : JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
    digest.update('\n');
  };
  await workload.run(ctx, record, quick);
  return digest.digest('hex');
};

try {
  const input = workload.input?.(quick);
  gc();
  const started = performance.now();
  const ctx = await workload.load(quick, input);
  const loadMs = performance.now() - started;
  const digest = await runOnce(ctx);
  const coldMs = performance.now() - started;
  const warm: number[] = [];
  let unstable: string | null = null;
  const warmStarted = performance.now();
  for (let i = 0; i < warmRuns; i++) {
    // at least two warm runs (or --warm, if fewer); stop early past the budget
    if (i > 1 && performance.now() - warmStarted > warmBudgetMs) break;
    gc();
    const t = performance.now();
    const d = await runOnce(ctx);
    warm.push(performance.now() - t);
    if (d !== digest && unstable === null) unstable = `warm run ${i + 1} gave digest ${d.slice(0, 12)}, the first run ${digest.slice(0, 12)}`;
  }
  out({ ok: true, program, engine, quick, digest, unstable, engineLoadMs, loadMs, coldMs, warm, moduleConstructed, uptimeMs: performance.now() });
} catch (error) {
  out({ ok: false, program, engine, error: String((error as Error)?.stack ?? error).slice(0, 600), moduleConstructed });
}
// some glue keeps handles open (timers, workers): the figures are out, end here
process.exit(0);
