// A child process of bench/density.ts: makes many live instances of the trimmed memory fixture
// on one engine and prints one line of JSON about them.
//
//   node --expose-gc --max-old-space-size=16384 dist/bench/density-child.js heapbase <count>
//   node --expose-gc dist/bench/density-child.js native <count> <time limit ms> <rss limit bytes>
//
// heapbase: compiles the module once, makes `count` instances kept alive in an array, calls
// `touch` on each and checks its result, and measures process memory (after a full GC) before
// and after. native (Node's WebAssembly): makes instances until one fails, `count` is reached,
// or the time or RSS limit is; reports how many it made and the error.
import { readFileSync } from 'node:fs';
import { Instance, Module } from '../src/index.js';
import { nativeWasm } from '../test/helpers/native-wasm.js';

const FIXTURE = new URL('../../test/fixtures/memory/static_data_trimmed.wasm', import.meta.url);

/** `touch(i)` increments byte i of the 100-byte static array ("static data\0…") and returns it as a signed char. */
function expectedTouch(i: number): number {
  const initial = 'static data'.charCodeAt(i % 100) || 0;
  return ((initial + 1) << 24) >> 24;
}

export interface MemorySample { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }

export interface HeapbaseDensity {
  engine: 'heapbase';
  instances: number;
  /** Bytes of linear memory each instance allocated. */
  linearBytes: number;
  /** Process memory per instance, after the calls: RSS growth, and JS heap + external growth. */
  rssBytesPerInstance: number;
  heapExternalBytesPerInstance: number;
  /** The same, measured right after the instances were made (before any call). */
  afterCreate: { rssBytesPerInstance: number; heapExternalBytesPerInstance: number };
  before: MemorySample;
  after: MemorySample;
  /** Calls of an export that returned the right value (every instance's `touch`). */
  callsChecked: number;
  createSeconds: number;
  callSeconds: number;
  /** The whole child, from its start to the JSON (compile, GCs and measurements included). */
  totalSeconds: number;
}

export interface NativeDensity {
  engine: 'native';
  /** Live instances made. */
  instances: number;
  /** Why it stopped: the first error, or the limit it reached. */
  stopped: 'error' | 'count' | 'time' | 'rss';
  error: string | null;
  /** `count`, the time limit and the RSS limit it was given. */
  limits: { count: number; ms: number; rssBytes: number };
  linearBytes: number;
  /** Process memory per instance made (RSS growth, JS heap + external growth). */
  rssBytesPerInstance: number;
  heapExternalBytesPerInstance: number;
  totalSeconds: number;
}

const started = performance.now();

function settle(): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

const perInstance = (before: MemorySample, after: MemorySample, n: number): { rssBytesPerInstance: number; heapExternalBytesPerInstance: number } => ({
  rssBytesPerInstance: n === 0 ? 0 : Math.round((after.rss - before.rss) / n),
  heapExternalBytesPerInstance: n === 0 ? 0 : Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / n),
});

function heapbase(count: number): HeapbaseDensity {
  const bytes = new Uint8Array(readFileSync(FIXTURE));
  const module = new Module(bytes);
  // The first instance gets the lazily compiled factory, the second the shared eager one: both
  // are made (and dropped) before measuring, so the compiled code is not counted per instance.
  for (let i = 0; i < 2; i++) {
    const warm = new Instance(module, {});
    (warm.exports.touch as (i: number) => number)(0);
  }
  // The array that keeps them alive is made first, so its 8 bytes a slot are not counted
  // (`new Array(1_000_000)` would be a dictionary: filled by push, it is a packed array).
  const live: (Instance | null)[] = [];
  for (let i = 0; i < count; i++) live.push(null);
  const before = settle();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) live[i] = new Instance(module, {});
  const createSeconds = (performance.now() - t0) / 1000;
  const afterCreate = settle();
  const t1 = performance.now();
  let callsChecked = 0;
  for (let i = 0; i < count; i++) {
    const got = (live[i]!.exports.touch as (i: number) => number)(i % 100);
    if (got !== expectedTouch(i % 100)) throw new Error(`instance ${i}: touch(${i % 100}) returned ${got}, expected ${expectedTouch(i % 100)}`);
    callsChecked++;
  }
  const callSeconds = (performance.now() - t1) / 1000;
  const after = settle();
  const linearBytes = live[0]?.memory?.size ?? 0;
  const result: HeapbaseDensity = {
    engine: 'heapbase',
    instances: live.length,
    linearBytes,
    ...perInstance(before, after, count),
    afterCreate: perInstance(before, afterCreate, count),
    before,
    after,
    callsChecked,
    createSeconds,
    callSeconds,
    totalSeconds: 0,
  };
  result.totalSeconds = (performance.now() - started) / 1000;
  return result;
}

function native(count: number, limitMs: number, rssLimit: number): NativeDensity {
  const bytes = new Uint8Array(readFileSync(FIXTURE));
  const module = new nativeWasm.Module(bytes);
  const live: { exports: Record<string, unknown> }[] = [];
  const before = settle();
  const t0 = performance.now();
  let stopped: NativeDensity['stopped'] = 'count';
  let error: string | null = null;
  while (live.length < count) {
    if ((live.length & 255) === 0) {
      if (performance.now() - t0 > limitMs) { stopped = 'time'; break; }
      if (process.memoryUsage.rss() > rssLimit) { stopped = 'rss'; break; }
    }
    try {
      const instance = new nativeWasm.Instance(module, {});
      (instance.exports.touch as (i: number) => number)(live.length % 100);
      live.push(instance);
    } catch (e) {
      stopped = 'error';
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      break;
    }
  }
  const after = settle();
  const linearBytes = live.length ? (live[0].exports.memory as { buffer: ArrayBuffer }).buffer.byteLength : 0;
  return {
    engine: 'native',
    instances: live.length,
    stopped,
    error,
    limits: { count, ms: limitMs, rssBytes: rssLimit },
    linearBytes,
    ...perInstance(before, after, live.length),
    totalSeconds: (performance.now() - started) / 1000,
  };
}

const [engine, countArg, msArg, rssArg] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: density-child.js heapbase|native <count> [time limit ms] [rss limit bytes]\n');
  process.exit(2);
}
if (engine === 'heapbase') process.stdout.write(`${JSON.stringify(heapbase(count))}\n`);
else if (engine === 'native') process.stdout.write(`${JSON.stringify(native(count, Number(msArg ?? 60_000), Number(rssArg ?? 8 * 2 ** 30)))}\n`);
else {
  process.stderr.write(`density-child: unknown engine ${engine}\n`);
  process.exit(2);
}
