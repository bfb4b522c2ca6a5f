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
    case 'ref.null': return null;
    case 'ref.func': return functions[ins.a];
    case 'global.get': return globals[ins.a].value;
    default: throw new Error(`not a constant instruction: ${ins.op.name}`);
  }
}
