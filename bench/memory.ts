// Bytes of memory per instance: 10,000 instances of the trimmed C fixture, kept alive, on
// heapbase and on Node's own WebAssembly (which cannot allocate less than one 64 KiB page).
import { readFileSync } from 'node:fs';
import { Instance, Module } from '../src/index.js';
import { nativeWasm } from '../test/helpers/native-wasm.js';

export interface MemoryFigures {
  instances: number;
  linearBytes: { heapbase: number; native: number };
  measuredBytes: { heapbase: number; native: number };
}

function settle(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

/** Process memory used per instance: external (ArrayBuffers, Wasm memories) + JS heap + RSS growth beyond them. */
function perInstance(before: NodeJS.MemoryUsage, after: NodeJS.MemoryUsage, n: number): number {
  const external = after.external - before.external;
  const heap = after.heapUsed - before.heapUsed;
  const rss = after.rss - before.rss;
  return Math.round(Math.max(external + heap, rss) / n);
}

export function measureInstanceMemory(fixture: URL, instances = 10_000): MemoryFigures {
  const bytes = readFileSync(fixture);

  const ours = new Module(bytes);
  const keepOurs: Instance[] = [];
  let before = settle();
  for (let i = 0; i < instances; i++) keepOurs.push(new Instance(ours, {}));
  let after = settle();
  const heapbaseMeasured = perInstance(before, after, instances);
  const heapbaseLinear = keepOurs[0].memory!.size;
  keepOurs.length = 0;

  const native = new nativeWasm.Module(bytes);
  const keepNative: { exports: Record<string, unknown> }[] = [];
  before = settle();
  for (let i = 0; i < instances; i++) keepNative.push(new nativeWasm.Instance(native, {}));
  after = settle();
  const nativeMeasured = perInstance(before, after, instances);
  const nativeLinear = (keepNative[0].exports.memory as { buffer: ArrayBuffer }).buffer.byteLength;
  keepNative.length = 0;

  return {
    instances,
    linearBytes: { heapbase: heapbaseLinear, native: nativeLinear },
    measuredBytes: { heapbase: heapbaseMeasured, native: nativeMeasured },
  };
}
