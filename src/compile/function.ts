// Wasm function body → JavaScript function source.
//
// Operand-stack slots become JS variables named by height and type (`s3i` is an i32 at height 3),
// so a slot's type never changes and V8 keeps it monomorphic. Blocks become labelled blocks,
// loops `for (;;)` with `continue`, branches copy their values into the target's slots.
// Identifiers are all generated here: nothing from the module's bytes reaches the source text
// except numbers, so names in a module cannot inject code.
import type { BlockType, FuncType, Instr, ModuleIR, ValType } from '../binary/module.js';
import type { ConstantPool } from './constants.js';
import { signatureId } from '../runtime/func.js';

const typeLetter: Record<ValType, string> = {
  i32: 'i', i64: 'I', f32: 'f', f64: 'F', v128: 'V', funcref: 'r', externref: 'r',
};

/** A value's JS variables: an i64 is two int32 variables, its low and high words. */
export type Value = string[];

export function valueParts(base: string, t: ValType): Value {
  return t === 'i64' ? [`${base}L`, `${base}H`] : [base];
}

export function zeroOf(t: ValType): string {
  return t === 'i64' ? '0n' : t === 'funcref' || t === 'externref' ? 'null' : '0';
}

/**
 * A run of directly nested void blocks (a C `switch` compiled to `br_table` opens one block per
 * case) is emitted flat, because V8's parser fails at about 2,700 nested labelled blocks:
 *
 *   J: { innermost body; a branch to block k: `j = k; break J;` }
 *   D: for (;;) { switch (j) {
 *     case n-1: C(n-1): { code after block n-1 ends }   // falls through, like the blocks
 *     ...
 *     case 1: C1: { code after block 1 ends }
 *   } break; }
 *
 * In case code after block k, a branch to block k-1 is `break Ck`; to any other block m
 * `j = m; continue D;` (m = 0 matches no case and leaves).
 */
interface BlockChain {
  id: number;
  length: number;
  /** The case being emitted, or null while still inside the innermost block. */
  currentCase: number | null;
}

/** Shortest run of nested blocks emitted as a chain. */
const CHAIN_MIN_LENGTH = 64;

interface Frame {
  kind: 'func' | 'block' | 'loop' | 'if' | 'chain';
  /** For kind 'chain': the chain and this block's index in it (0 = outermost). */
  chain?: BlockChain;
  chainIndex?: number;
  label: string;
  /** Stack height below the frame's parameters. */
  height: number;
  params: readonly ValType[];
  results: readonly ValType[];
  reachable: boolean;
}

/** Names the JS function of Wasm function `index`. */
export function funcName(index: number): string {
  return `f${index}`;
}

/** Module-wide facts the code generator needs besides the IR. */
export interface CodegenOptions {
  /** The auxiliary stack pointer global, whose writes are checked (stack guard) and tracked (peak). */
  stackPointerGlobal: number | null;
}

export function compileFunction(m: ModuleIR, funcIndex: number, constants: ConstantPool, options: CodegenOptions): string {
  const type = m.types[m.funcTypes[funcIndex]];
  const body = m.bodies[funcIndex - m.importedFuncCount];
  const localTypes = [...type.params, ...body.locals];
  const stack: ValType[] = [];
  /** Variables to declare, with their initial values. */
  const declared = new Map<string, string>();
  const out: string[] = [];
  let labelCount = 0;
  let chainCount = 0;
  const chainVars: string[] = [];

  /** The JS variables of a value: one, or two (low and high word) for an i64. */
  const slot = (height: number, t: ValType): Value => {
    const names = valueParts(`s${height}${typeLetter[t]}`, t);
    for (const n of names) if (!declared.has(n)) declared.set(n, t === 'i64' ? '0' : zeroOf(t));
    return names;
  };
  const local = (index: number): Value => valueParts(`l${index}`, localTypes[index]);
  const push = (t: ValType): Value => {
    stack.push(t);
    return slot(stack.length - 1, t);
  };
  const pop = (): Value => {
    const t = stack.pop()!;
    return slot(stack.length, t);
  };
  /** Pops a value known to be one variable (not an i64). */
  const pop1 = (): string => pop()[0];
  const top = (): Value => slot(stack.length - 1, stack[stack.length - 1]);
  const temp = (name: string): string => {
    declared.set(name, '0');
    return name;
  };
  const assign = (to: Value, from: Value): void => {
    for (let i = 0; i < to.length; i++) if (to[i] !== from[i]) out.push(`${to[i]} = ${from[i]};`);
  };

  const blockSig = (bt: BlockType | undefined): FuncType => {
    if (bt === null || bt === undefined) return { params: [], results: [] };
    if (typeof bt === 'number') return m.types[bt];
    return { params: [], results: [bt] };
  };

  /** Moves the top `types.length` values into the slots starting at `height`. */
  const moveTop = (height: number, types: readonly ValType[]): void => {
    const from = stack.length - types.length;
    if (from === height) return;
    for (let i = 0; i < types.length; i++) assign(slot(height + i, types[i]), slot(from + i, types[i]));
  };

  const returnStatement = (results: readonly ValType[]): string => {
    const from = stack.length - results.length;
    if (results.length === 0) return 'return;';
    const values = results.map((t, i) => slot(from + i, t));
    if (results.length === 1) {
      const [lo, hi] = values[0];
      return hi === undefined ? `return ${lo};` : `return (HI[0] = ${hi}, ${lo});`;
    }
    // Element 0 is null: see multiResult in runtime/func.ts.
    return `return [null, ${values.flat().join(', ')}];`;
  };

  const frames: Frame[] = [
    { kind: 'func', label: '', height: 0, params: [], results: type.results, reachable: true },
  ];

  /** Code for a branch to the frame `depth` levels out. */
  const branch = (depth: number): void => {
    const target = frames[frames.length - 1 - depth];
    if (target.kind === 'func') {
      out.push(returnStatement(target.results));
    } else if (target.kind === 'loop') {
      moveTop(target.height, target.params);
      out.push(`continue ${target.label};`);
    } else if (target.kind === 'chain') {
      const chain = target.chain!;
      const k = target.chainIndex!;
      if (chain.currentCase === null) out.push(`j${chain.id} = ${k}; break J${chain.id};`);
      else if (k === chain.currentCase - 1) out.push(`break C${chain.id}_${chain.currentCase};`);
      else out.push(`j${chain.id} = ${k}; continue D${chain.id};`);
    } else {
      moveTop(target.height, target.results);
      out.push(`break ${target.label};`);
    }
  };

  /** Whether the function reads or writes memory through `dv`, its local copy of memView. */
  const usesMemoryView = body.code.some((i) => i.op.mem !== undefined);
  const reloadMemoryView = (): void => {
    if (usesMemoryView) out.push('dv = memView;');
  };

  const callResults = (callee: string, argTypes: readonly ValType[], results: readonly ValType[]): void => {
    const args: Value[] = [];
    for (let i = argTypes.length - 1; i >= 0; i--) args[i] = pop();
    const call = `${callee}(${args.flat().join(', ')})`;
    callResultsOf(call, results);
    reloadMemoryView();
  };

  const callResultsOf = (call: string, results: readonly ValType[]): void => {
    if (results.length === 0) out.push(`${call};`);
    else if (results.length === 1) {
      const [lo, hi] = push(results[0]);
      out.push(`${lo} = ${call};`);
      if (hi !== undefined) out.push(`${hi} = HI[0];`);
    } else {
      out.push(`${temp('r')} = ${call};`);
      let k = 1;
      for (const t of results) for (const part of push(t)) out.push(`${part} = r[${k++}];`);
    }
  };

  // Depth of blocks opened inside unreachable code, which is skipped.
  let skipDepth = 0;
  const code = body.code;
  for (let pc = 0; pc < code.length; pc++) {
    const ins = code[pc];
    const name = ins.op.name;
    const frame = frames[frames.length - 1];
    if (!frame.reachable) {
      if (name === 'block' || name === 'loop' || name === 'if') { skipDepth++; continue; }
      if (skipDepth > 0) {
        if (name === 'end') skipDepth--;
        continue;
      }
      if (name !== 'end' && name !== 'else') continue;
    }
    switch (name) {
      case 'unreachable':
        out.push(`trap('unreachable');`);
        frame.reachable = false;
        break;
      case 'nop':
        break;
      case 'block': case 'loop': case 'if': {
        if (name === 'block' && ins.blockType === null) {
          let length = 1;
          while (code[pc + length].op.name === 'block' && code[pc + length].blockType === null) length++;
          if (length >= CHAIN_MIN_LENGTH) {
            const chain: BlockChain = { id: chainCount++, length, currentCase: null };
            for (let k = 0; k < length; k++) {
              frames.push({ kind: 'chain', chain, chainIndex: k, label: '', height: stack.length, params: [], results: [], reachable: true });
            }
            chainVars.push(`j${chain.id} = 0`);
            out.push(`J${chain.id}: {`);
            pc += length - 1;
            break;
          }
        }
        const bt = blockSig(ins.blockType);
        const cond = name === 'if' ? pop1() : '';
        const label = `L${labelCount++}`;
        frames.push({ kind: name, label, height: stack.length - bt.params.length, params: bt.params, results: bt.results, reachable: true });
        if (name === 'block') out.push(`${label}: {`);
        else if (name === 'loop') out.push(`${label}: for (;;) {`);
        else out.push(`${label}: if (${cond} !== 0) {`);
        break;
      }
      case 'else':
        out.push('} else {');
        stack.length = frame.height;
        stack.push(...frame.params);
        frame.reachable = true;
        break;
      case 'end': {
        if (frame.kind === 'func') {
          if (frame.reachable) out.push(returnStatement(frame.results));
          break;
        }
        if (frame.kind === 'chain') {
          const chain = frame.chain!;
          const k = frame.chainIndex!;
          if (chain.currentCase === null) {
            if (frame.reachable) out.push(`j${chain.id} = ${k};`);
            out.push(`}\nD${chain.id}: for (;;) { switch (j${chain.id}) {`);
          } else {
            out.push('}');
          }
          if (k > 0) {
            out.push(`case ${k}: C${chain.id}_${k}: {`);
            chain.currentCase = k;
          } else {
            out.push('} break; }');
          }
        } else {
          if (frame.kind === 'loop' && frame.reachable) out.push(`break ${frame.label};`);
          out.push('}');
        }
        frames.pop();
        stack.length = frame.height;
        for (const t of frame.results) push(t);
        break;
      }
      case 'br':
        branch(ins.a);
        frame.reachable = false;
        break;
      case 'br_if':
        out.push(`if (${pop1()} !== 0) {`);
        branch(ins.a);
        out.push('}');
        break;
      case 'br_table': {
        out.push(`switch (${pop1()}) {`);
        const targets = ins.targets!;
        const byDepth = new Map<number, number[]>();
        targets.forEach((depth, i) => {
          if (depth === ins.a) return;
          const cases = byDepth.get(depth) ?? [];
          cases.push(i);
          byDepth.set(depth, cases);
        });
        for (const [depth, cases] of byDepth) {
          out.push(cases.map((c) => `case ${c}:`).join(' ') + ' {');
          branch(depth);
          out.push('}');
        }
        out.push('default: {');
        branch(ins.a);
        out.push('}}');
        frame.reachable = false;
        break;
      }
      case 'return':
        out.push(returnStatement(type.results));
        frame.reachable = false;
        break;
      case 'call': {
        const t = m.types[m.funcTypes[ins.a]];
        callResults(funcName(ins.a), t.params, t.results);
        break;
      }
      case 'call_indirect': {
        const t = m.types[ins.a];
        const index = pop1();
        callResults(`table_func(T${ins.b}, ${index}, ${signatureId(t)})`, t.params, t.results);
        break;
      }
      case 'drop':
        stack.pop();
        break;
      case 'select': {
        const cond = pop1();
        const other = pop();
        const kept = top();
        out.push(`if (${cond} === 0) {`);
        assign(kept, other);
        out.push('}');
        break;
      }
      case 'local.get':
        assign(push(localTypes[ins.a]), local(ins.a));
        break;
      case 'local.set':
        assign(local(ins.a), pop());
        break;
      case 'local.tee':
        assign(local(ins.a), top());
        break;
      case 'global.get': {
        const [lo, hi] = push(m.globals[ins.a].type);
        // i64 globals keep a BigInt (their JS API value); C code rarely uses them.
        if (hi === undefined) out.push(`${lo} = g${ins.a}.value;`);
        else out.push(`${lo} = i64_from_bigint(g${ins.a}.value);`, `${hi} = HI[0];`);
        break;
      }
      case 'global.set': {
        const [v, hi] = pop();
        if (hi !== undefined) {
          out.push(`g${ins.a}.value = i64_to_bigint(${v}, ${hi});`);
          break;
        }
        if (ins.a === options.stackPointerGlobal) {
          // One compare on the hot path: only a new low-water mark does more.
          out.push(`if (${v} < spMin) { if (${v} < spLow) trap('stack overflow'); spMin = ${v}; }`);
        }
        out.push(`g${ins.a}.value = ${v};`);
        break;
      }
      case 'table.get': {
        const i = pop1();
        out.push(`${push(m.tables[ins.a].element)[0]} = table_get(T${ins.a}, ${i});`);
        break;
      }
      case 'table.set': {
        const v = pop1();
        out.push(`table_set(T${ins.a}, ${pop1()}, ${v});`);
        break;
      }
      case 'table.size':
        out.push(`${push('i32')[0]} = T${ins.a}.elements.length;`);
        break;
      case 'table.grow': {
        const n = pop1();
        const init = pop1();
        out.push(`${push('i32')[0]} = table_grow(T${ins.a}, ${init}, ${n});`);
        break;
      }
      case 'table.fill': {
        const n = pop1();
        const v = pop1();
        out.push(`table_fill(T${ins.a}, ${pop1()}, ${v}, ${n});`);
        break;
      }
      case 'table.copy': {
        const n = pop1();
        const s = pop1();
        out.push(`table_copy(T${ins.a}, T${ins.b}, ${pop1()}, ${s}, ${n});`);
        break;
      }
      case 'table.init': {
        const n = pop1();
        const s = pop1();
        out.push(`table_init(T${ins.b}, E, ${ins.a}, ${pop1()}, ${s}, ${n});`);
        break;
      }
      case 'elem.drop':
        out.push(`elem_drop(E, ${ins.a});`);
        break;
      case 'memory.size':
        out.push(`${push('i32')[0]} = mem0.pages();`);
        break;
      case 'memory.grow': {
        const n = pop1();
        out.push(`${push('i32')[0]} = mem0.grow(${n} >>> 0);`);
        reloadMemoryView();
        break;
      }
      case 'memory.fill': {
        const n = pop1();
        const v = pop1();
        out.push(`memory_fill(mem0, ${pop1()}, ${v}, ${n});`);
        break;
      }
      case 'memory.copy': {
        const n = pop1();
        const s = pop1();
        out.push(`memory_copy(mem0, ${pop1()}, ${s}, ${n});`);
        break;
      }
      case 'memory.init': {
        const n = pop1();
        const s = pop1();
        out.push(`memory_init(mem0, D, ${ins.a}, ${pop1()}, ${s}, ${n});`);
        break;
      }
      case 'data.drop':
        out.push(`data_drop(D, ${ins.a});`);
        break;
      case 'i32.const':
        out.push(`${push('i32')[0]} = ${ins.a};`);
        break;
      case 'i64.const': {
        const [lo, hi] = push('i64');
        out.push(`${lo} = ${Number(BigInt.asIntN(32, ins.big!))};`, `${hi} = ${Number(BigInt.asIntN(32, ins.big! >> 32n))};`);
        break;
      }
      case 'f32.const':
        out.push(`${push('f32')[0]} = ${constants.f32(ins.a)};`);
        break;
      case 'f64.const':
        out.push(`${push('f64')[0]} = ${constants.f64(ins.big!)};`);
        break;
      case 'ref.null':
        out.push(`${push(ins.types![0])[0]} = null;`);
        break;
      case 'ref.is_null': {
        const v = pop1();
        out.push(`${push('i32')[0]} = +(${v} === null);`);
        break;
      }
      case 'ref.func':
        out.push(`${push('funcref')[0]} = ${funcName(ins.a)};`);
        break;
      default:
        emitTemplate(ins);
    }
  }

  function emitTemplate(ins: Instr): void {
    const { sig, js, js64, mem } = ins.op;
    if (!sig || (js === undefined && js64 === undefined)) throw new Error(`no code generator for ${ins.op.name}`);
    const operands: Value[] = [];
    for (let i = sig.params.length - 1; i >= 0; i--) operands[i] = pop();
    const fill = (template: string): string => {
      let text = template;
      if (mem) {
        const base = `${operands[0][0]} >>> 0`;
        text = text.replaceAll('$A', ins.b === 0 ? `(${base})` : `((${base}) + ${ins.b})`);
      }
      return text.replace(/\$(\d)([lh]?)/g, (_, i: string, part: string) => operands[Number(i)][part === 'h' ? 1 : 0]);
    };
    if (js64) {
      const [lo, hi] = push('i64');
      const t = temp('t');
      out.push(`${t} = ${fill(js64.lo)};`, `${hi} = ${fill(js64.hi).replaceAll('$lo', t)};`, `${lo} = ${t};`);
    } else if (sig.results.length === 0) {
      out.push(`${fill(js!)};`);
    } else {
      out.push(`${push(sig.results[0])[0]} = ${fill(js!)};`);
    }
  }

  const params = type.params.flatMap((t, i) => valueParts(`l${i}`, t)).join(', ');
  for (let i = type.params.length; i < localTypes.length; i++) {
    for (const part of local(i)) declared.set(part, localTypes[i] === 'i64' ? '0' : zeroOf(localTypes[i]));
  }
  const decls = [...declared].map(([n, init]) => `${n} = ${init}`);
  if (usesMemoryView) decls.unshift('dv = memView');
  decls.push(...chainVars);
  const declLine = decls.length ? `let ${decls.join(', ')};\n` : '';
  return `function ${funcName(funcIndex)}(${params}) {\n${declLine}${out.join('\n')}\n}\n`;
}
