// Calling exports with values as exact bit patterns, for the spec testsuite: a JS number cannot
// carry every f32 NaN, so the JS boundary cannot express the tests' NaN payloads.
import type { ValType } from '../binary/module.js';
import { Global } from './api-objects.js';
import { boundaryError, exportFunction, internalFunction, isExportedFunction, type WasmFunction } from './func.js';
import { V128 } from './simd.js';
import { HI, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits, i64_from_bigint, i64_to_bigint } from './numeric.js';

/**
 * Bit form: i32 number, i64 bigint, f32 uint32 number, f64 uint64 bigint, v128 uint128 bigint
 * (byte 0 in the low bits), references as values.
 */
function pushInternal(into: unknown[], v: unknown, t: ValType): void {
  switch (t) {
    case 'v128': for (let k = 0; k < 4; k++) into.push(Number(BigInt.asIntN(32, (v as bigint) >> BigInt(32 * k)))); break;
    case 'i32': into.push(Number(v) | 0); break;
    case 'i64': into.push(i64_from_bigint(v as bigint), HI[0]); break;
    case 'f32': into.push(f32_from_bits(Number(v) | 0)); break;
    case 'f64': into.push(f64_from_bits(i64_from_bigint(v as bigint), HI[0])); break;
    case 'funcref': into.push(isExportedFunction(v) ? v[internalFunction] : v); break;
    default: into.push(v);
  }
}

/** The bit form of a value that is not an i64 (an i64 is read from its two words by the caller). */
function toBits(v: unknown, t: ValType): unknown {
  switch (t) {
    case 'f32': return f32_to_bits(v as number) >>> 0;
    case 'f64': {
      const lo = f64_to_bits(v as number);
      return BigInt.asUintN(64, i64_to_bigint(lo, HI[0]));
    }
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
  params.forEach((t, i) => pushInternal(tagged, args[i], t));
  let r: unknown;
  try {
    r = internal(...tagged.slice(1));
  } catch (e) {
    throw boundaryError(e);
  }
  if (results.length === 1) {
    if (results[0] === 'v128') return [v128Bits([r, V128[1], V128[2], V128[3]])];
    return [results[0] === 'i64' ? i64_to_bigint(r as number, HI[0]) : toBits(r, results[0])];
  }
  const flat = r as unknown[];
  let k = 1;
  return results.map((t) => {
    if (t === 'v128') return v128Bits([flat[k++], flat[k++], flat[k++], flat[k++]]);
    return t === 'i64' ? i64_to_bigint(flat[k++] as number, flat[k++] as number) : toBits(flat[k++], t);
  });
}

function v128Bits(words: unknown[]): bigint {
  let x = 0n;
  for (let k = 0; k < 4; k++) x |= BigInt((words[k] as number) >>> 0) << BigInt(32 * k);
  return x;
}

export function globalBits(g: unknown): unknown {
  if (!(g instanceof Global)) throw new TypeError('globalBits: not a WebAssembly.Global');
  if (g.storage.type.type === 'v128') return v128Bits([...(g.storage.value as Int32Array)]);
  return toBits(g.storage.value, g.storage.type.type);
}
