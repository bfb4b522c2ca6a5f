// Compile speed: `new Module(bytes)` (decode + validate + code generation) on heapbase, against
// `new WebAssembly.Module(bytes)` on Node for reference. Each compile gets distinct bytes (a
// custom section with a counter), because V8 caches compiled modules by their bytes. Also runs
// the synthetic module's exports on both engines and compares results and final memory.
import { heapbase, native, type Engine } from './engines.js';
import { formatResult, sameResult } from './programs.js';
import { syntheticModule, withNonce } from './synthetic.js';
import { median } from './stats.js';

export interface CompileFigure {
  module: string;
  bytes: number;
  functions: number | null;
  heapbase: { ms: number; mbPerS: number; samples: number[] } | { error: string };
  native: { ms: number; mbPerS: number; samples: number[] };
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let nonce = 0;

export function measureCompile(label: string, bytes: Uint8Array, reps: number, functions: number | null = null): CompileFigure {
  const samples: Record<'heapbase' | 'native', number[]> = { heapbase: [], native: [] };
  let error: string | null = null;
  // one untimed compile each first, so heapbase's own code is warm
  for (const e of [heapbase, native]) {
    try {
      e.compile(withNonce(bytes, nonce++));
    } catch (err) {
      if (e === native) throw err;
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }
  for (let i = 0; i < reps; i++) {
    for (const e of error ? [native] : [heapbase, native]) {
      const b = withNonce(bytes, nonce++);
      gc();
      const t0 = performance.now();
      e.compile(b);
      samples[e.name as 'heapbase' | 'native'].push(performance.now() - t0);
    }
  }
  const figure = (s: number[]): { ms: number; mbPerS: number; samples: number[] } => {
    const ms = median(s);
    return { ms, mbPerS: bytes.length / 1e6 / (ms / 1000), samples: s };
  };
  return {
    module: label,
    bytes: bytes.length,
    functions,
    heapbase: error ? { error } : figure(samples.heapbase),
    native: figure(samples.native),
  };
}

export interface SyntheticCheck {
  calls: number;
  mismatches: string[];
}

function memoryHash(exports: Record<string, unknown>): number {
  const buffer = (exports.mem as { buffer: ArrayBuffer }).buffer;
  const words = new Int32Array(buffer);
  let h = 0;
  for (let i = 0; i < words.length; i++) h = (Math.imul(h, 31) + words[i]) | 0;
  return h;
}

/** Runs every exported function of the synthetic module once, in order, on both engines. */
export function checkSynthetic(bytes: Uint8Array, calls: { name: string; args: (number | bigint)[] }[]): SyntheticCheck {
  const outcomes = (e: Engine): unknown[] => {
    let exports: Record<string, unknown>;
    try {
      exports = e.instantiate(e.compile(bytes), {}).exports;
    } catch (err) {
      return [err];
    }
    const out: unknown[] = [];
    for (const c of calls) {
      try {
        out.push((exports[c.name] as (...a: unknown[]) => unknown)(...c.args));
      } catch (err) {
        out.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      }
    }
    out.push(`memory hash ${memoryHash(exports)}`);
    return out;
  };
  const ours = outcomes(heapbase);
  const theirs = outcomes(native);
  const mismatches: string[] = [];
  const same = (a: unknown, b: unknown): boolean => sameResult(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
    if (!same(ours[i], theirs[i])) {
      const what = i < calls.length ? `${calls[i].name}(${calls[i].args.map(formatResult).join(', ')})` : i === calls.length ? 'final memory' : `#${i}`;
      mismatches.push(`synthetic module, ${what}: heapbase gave ${formatResult(ours[i])}, native ${formatResult(theirs[i])}`);
    }
  }
  return { calls: calls.length, mismatches };
}

export { syntheticModule };
