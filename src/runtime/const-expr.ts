// Evaluating constant expressions (global initialisers, segment offsets and elements).
import type { ConstExpr } from '../binary/module.js';
import type { WasmFunction } from './func.js';
import type { GlobalCell } from './global.js';
import { f32_from_bits, f64_from_bits, i64_to_bigint } from './numeric.js';

export function evalConst(expr: ConstExpr, globals: GlobalCell[], functions: WasmFunction[]): unknown {
  // Validation allows exactly one instruction before `end`. (No array of values here:
  // V8 arrays of doubles canonicalise NaN payloads.)
  const ins = expr[0];
  switch (ins.op.name) {
    case 'i32.const': return ins.a;
    case 'i64.const': return i64_to_bigint(ins.a, ins.b);
    case 'f32.const': return f32_from_bits(ins.a);
    case 'f64.const': return f64_from_bits(ins.a, ins.b);
    case 'v128.const': return v128FromBytes(ins.bytes!);
    case 'ref.null': return null;
    case 'ref.func': return functions[ins.a];
    // A v128 is a mutable Int32Array in its global's cell: copied, never shared.
    case 'global.get': { const v = globals[ins.a].value; return v instanceof Int32Array ? v.slice() : v; }
    default: throw new Error(`not a constant instruction: ${ins.op.name}`);
  }
}

/** A v128 value as its global cells hold it: four int32 words, bytes 0..3 first. */
function v128FromBytes(bytes: readonly number[]): Int32Array {
  const words = new Int32Array(4);
  for (let k = 0; k < 4; k++) words[k] = bytes[4 * k] | (bytes[4 * k + 1] << 8) | (bytes[4 * k + 2] << 16) | (bytes[4 * k + 3] << 24);
  return words;
}
