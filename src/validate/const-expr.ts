// Constant expressions (global initialisers, segment offsets, element expressions), as
// WebAssembly 2.0 defines them: `t.const` (v128.const too), `ref.null`, `ref.func`, and `global.get` of an
// imported immutable global, then `end`, leaving exactly one value of the expected type.
import type { ConstExpr, GlobalType } from '../binary/module.js';
import { CompileError } from '../runtime/errors.js';
import { FUNCREF, I32, I64, F32, F64, V128, type TypeCode, typeCode, typeName } from './types.js';

export interface ConstContext {
  /** Number of functions (imported and defined). */
  funcCount: number;
  /** Every global's type; only the first `visibleGlobals` may be read. */
  globals: readonly GlobalType[];
  /** Globals a constant expression may read: the imported ones. */
  visibleGlobals: number;
}

/**
 * Checks `expr` and returns nothing; throws CompileError. `what` names the expression for
 * messages ("global 3", "elem segment 0 offset", …); `fallbackPos` is used for an empty expression.
 */
export function validateConstExpr(
  expr: ConstExpr,
  expected: TypeCode,
  ctx: ConstContext,
  what: string | (() => string),
  fallbackPos: number | undefined,
): void {
  const stack: TypeCode[] = [];
  const last = expr.length - 1;
  for (let i = 0; i < expr.length; i++) {
    const ins = expr[i];
    switch (ins.op.name) {
      case 'i32.const': stack.push(I32); break;
      case 'i64.const': stack.push(I64); break;
      case 'f32.const': stack.push(F32); break;
      case 'f64.const': stack.push(F64); break;
      case 'v128.const': stack.push(V128); break;
      case 'ref.null': stack.push(typeCode(ins.types![0])); break;
      case 'ref.func':
        if (ins.a >= ctx.funcCount) throw new CompileError(`unknown function ${ins.a} (in ${describe(what)})`, ins.pos);
        stack.push(FUNCREF);
        break;
      case 'global.get': {
        if (ins.a >= ctx.visibleGlobals) {
          const why = ins.a < ctx.globals.length ? ': only imported globals may be read here' : '';
          throw new CompileError(`unknown global ${ins.a} (in ${describe(what)})${why}`, ins.pos);
        }
        const g = ctx.globals[ins.a];
        if (g.mutable) {
          throw new CompileError(`constant expression required (in ${describe(what)}): global ${ins.a} is mutable`, ins.pos);
        }
        stack.push(typeCode(g.type));
        break;
      }
      case 'end':
        // An inner `end` can only close a block, which is not constant either.
        if (i !== last) notConstant(ins.op.name, ins.pos, what);
        break;
      default:
        notConstant(ins.op.name, ins.pos, what);
    }
  }
  if (stack.length !== 1 || stack[0] !== expected) {
    const got = stack.length === 0 ? 'nothing' : stack.map(typeName).join(' ');
    const pos = expr.length > 0 ? expr[last].pos : fallbackPos;
    throw new CompileError(`type mismatch (in ${describe(what)}): expected ${typeName(expected)}, got ${got}`, pos);
  }
}

/** `what` is a function where building the text for every segment would cost more than checking it. */
function describe(what: string | (() => string)): string {
  return typeof what === 'string' ? what : what();
}

function notConstant(name: string, pos: number, what: string | (() => string)): never {
  throw new CompileError(`constant expression required (in ${describe(what)}): ${name} is not a constant instruction`, pos);
}

/** Adds the function indices of `ref.func` instructions in `expr` to `refs`. */
export function collectRefs(expr: ConstExpr | null, refs: Uint8Array): void {
  if (expr === null) return;
  for (const ins of expr) {
    if (ins.op.name === 'ref.func' && ins.a < refs.length) refs[ins.a] = 1;
  }
}
