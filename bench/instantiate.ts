// Instantiation time: `new Instance(module, {})` for a small, already compiled module, heapbase
// against Node's WebAssembly. Timed in batches (instances are dropped right away); the figure is
// the median over batches of the mean µs per instance.
import { heapbase, native, type Engine } from './engines.js';
import { median } from './stats.js';

export interface InstantiateFigure {
  module: string;
  bytes: number;
  heapbaseUs: number | null;
  nativeUs: number;
  error: string | null;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

export function measureInstantiate(label: string, bytes: Uint8Array, batches: number, perBatch: number): InstantiateFigure {
  const engines: Engine[] = [heapbase, native];
  const modules = new Map<Engine, object>();
  let error: string | null = null;
  for (const e of engines) {
    try {
      const m = e.compile(bytes);
      for (let i = 0; i < 50; i++) e.instantiate(m, {}); // warm-up
      modules.set(e, m);
    } catch (err) {
      if (e === native) throw err;
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
  const samples = new Map<Engine, number[]>(engines.map((e) => [e, []]));
  let keep: unknown = null;
  for (let b = 0; b < batches; b++) {
    for (const e of engines) {
      const m = modules.get(e);
      if (!m) continue;
      gc();
      const t0 = performance.now();
      for (let i = 0; i < perBatch; i++) keep = e.instantiate(m, {});
      samples.get(e)!.push(((performance.now() - t0) * 1000) / perBatch);
    }
  }
  void keep;
  return {
    module: label,
    bytes: bytes.length,
    heapbaseUs: modules.has(heapbase) ? median(samples.get(heapbase)!) : null,
    nativeUs: median(samples.get(native)!),
    error,
  };
}
