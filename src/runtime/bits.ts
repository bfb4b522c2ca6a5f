// Calling exports with values as exact bit patterns, for the spec testsuite: a JS number cannot
// carry every f32 NaN, so the JS boundary cannot express the tests' NaN payloads.
import type { ValType } from '../binary/module.js';
import { Global } from './api-objects.js';
import { boundaryError, exportFunction, internalFunction, isExportedFunction, type WasmFunction } from './func.js';
import { f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits } from './numeric.js';

/** Bit form: i32 number, i64 bigint, f32 uint32 number, f64 uint64 bigint, references as values. */
function fromBits(v: unknown, t: ValType): unknown {
  switch (t) {
    case 'i32': return Number(v) | 0;
    case 'i64': return BigInt.asIntN(64, v as bigint);
    case 'f32': return f32_from_bits(Number(v) | 0);
    case 'f64': return f64_from_bits(BigInt.asIntN(64, v as bigint));
    case 'funcref': return isExportedFunction(v) ? v[internalFunction] : v;
    default: return v;
  }
}

function toBits(v: unknown, t: ValType): unknown {
  switch (t) {
    case 'f32': return f32_to_bits(v as number) >>> 0;
    case 'f64': return BigInt.asUintN(64, f64_to_bits(v as number));
    case 'funcref': return v === null ? null : exportFunction(v as WasmFunction);
    default: return v;
  }
}

export function invokeWithBits(fn: unknown, args: unknown[]): unknown[] {
  if (!isExportedFunction(fn)) throw new TypeError('invokeWithBits: not a WebAssembly function');
  const internal = fn[internalFunction];
  const { params, results } = internal.type;
  // Starts with a string so V8 keeps the array's elements boxed: NaN payloads survive.
  const tagged: unknown[] = [''];
  params.forEach((t, i) => tagged.push(fromBits(args[i], t)));
  let r: unknown;
  try {
    r = internal(...tagged.slice(1));
  } catch (e) {
    throw boundaryError(e);
  }
  if (results.length === 1) return [toBits(r, results[0])];
  return results.map((t, i) => toBits((r as unknown[])[i + 1], t));
}

export function globalBits(g: unknown): unknown {
  if (!(g instanceof Global)) throw new TypeError('globalBits: not a WebAssembly.Global');
  return toBits(g.storage.value, g.storage.type.type);
}
