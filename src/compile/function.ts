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
  /** Slot variables used, with their types, to declare them. */
  const slots = new Map<string, ValType>();
  const out: string[] = [];
  let labelCount = 0;
  let chainCount = 0;
  const chainVars: string[] = [];
  let needsResultTemp = false;

  const slot = (height: number, t: ValType): string => {
    const name = `s${height}${typeLetter[t]}`;
    slots.set(name, t);
    return name;
  };
  const push = (t: ValType): string => {
    stack.push(t);
    return slot(stack.length - 1, t);
  };
  const pop = (): string => {
    const t = stack.pop()!;
    return slot(stack.length, t);
  };
  const top = (): string => slot(stack.length - 1, stack[stack.length - 1]);

  const blockSig = (bt: BlockType | undefined): FuncType => {
    if (bt === null || bt === undefined) return { params: [], results: [] };
    if (typeof bt === 'number') return m.types[bt];
    return { params: [], results: [bt] };
  };

  /** Moves the top `types.length` values into the slots starting at `height`. */
  const moveTop = (height: number, types: readonly ValType[]): void => {
    const from = stack.length - types.length;
    if (from === height) return;
    for (let i = 0; i < types.length; i++) out.push(`${slot(height + i, types[i])} = ${slot(from + i, types[i])};`);
  };

  const returnStatement = (results: readonly ValType[]): string => {
    const from = stack.length - results.length;
    if (results.length === 0) return 'return;';
    if (results.length === 1) return `return ${slot(from, results[0])};`;
    // Element 0 is null: see multiResult in runtime/func.ts.
    return `return [null, ${results.map((t, i) => slot(from + i, t)).join(', ')}];`;
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

  const callResults = (callee: string, argTypes: readonly ValType[], results: readonly ValType[]): void => {
    const args: string[] = [];
    for (let i = argTypes.length - 1; i >= 0; i--) args[i] = pop();
    const call = `${callee}(${args.join(', ')})`;
    if (results.length === 0) out.push(`${call};`);
    else if (results.length === 1) out.push(`${push(results[0])} = ${call};`);
    else {
      needsResultTemp = true;
      out.push(`r = ${call};`);
      results.forEach((t, i) => out.push(`${push(t)} = r[${i + 1}];`));
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
        const cond = name === 'if' ? pop() : '';
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
        out.push(`if (${pop()} !== 0) {`);
        branch(ins.a);
        out.push('}');
        break;
      case 'br_table': {
        out.push(`switch (${pop()}) {`);
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
        const index = pop();
        callResults(`table_func(T${ins.b}, ${index}, ${signatureId(t)})`, t.params, t.results);
        break;
      }
      case 'drop':
        stack.pop();
        break;
      case 'select': {
        const cond = pop();
        const other = pop();
        out.push(`if (${cond} === 0) ${top()} = ${other};`);
        break;
      }
      case 'local.get': {
        const t = localTypes[ins.a];
        out.push(`${push(t)} = l${ins.a};`);
        break;
      }
      case 'local.set':
        out.push(`l${ins.a} = ${pop()};`);
        break;
      case 'local.tee':
        out.push(`l${ins.a} = ${top()};`);
        break;
      case 'global.get':
        out.push(`${push(m.globals[ins.a].type)} = g${ins.a}.value;`);
        break;
      case 'global.set': {
        const v = pop();
        if (ins.a === options.stackPointerGlobal) {
          // One compare on the hot path: only a new low-water mark does more.
          out.push(`if (${v} < spMin) { if (${v} < spLow) trap('stack overflow'); spMin = ${v}; }`);
        }
        out.push(`g${ins.a}.value = ${v};`);
        break;
      }
      case 'table.get': {
        const i = pop();
        out.push(`${push(m.tables[ins.a].element)} = table_get(T${ins.a}, ${i});`);
        break;
      }
      case 'table.set': {
        const v = pop();
        out.push(`table_set(T${ins.a}, ${pop()}, ${v});`);
        break;
      }
      case 'table.size':
        out.push(`${push('i32')} = T${ins.a}.elements.length;`);
        break;
      case 'table.grow': {
        const n = pop();
        const init = pop();
        out.push(`${push('i32')} = table_grow(T${ins.a}, ${init}, ${n});`);
        break;
      }
      case 'table.fill': {
        const n = pop();
        const v = pop();
        out.push(`table_fill(T${ins.a}, ${pop()}, ${v}, ${n});`);
        break;
      }
      case 'table.copy': {
        const n = pop();
        const s = pop();
        out.push(`table_copy(T${ins.a}, T${ins.b}, ${pop()}, ${s}, ${n});`);
        break;
      }
      case 'table.init': {
        const n = pop();
        const s = pop();
        out.push(`table_init(T${ins.b}, E, ${ins.a}, ${pop()}, ${s}, ${n});`);
        break;
      }
      case 'elem.drop':
        out.push(`elem_drop(E, ${ins.a});`);
        break;
      case 'memory.size':
        out.push(`${push('i32')} = mem0.pages();`);
        break;
      case 'memory.grow': {
        const n = pop();
        out.push(`${push('i32')} = mem0.grow(${n} >>> 0);`);
        break;
      }
      case 'memory.fill': {
        const n = pop();
        const v = pop();
        out.push(`memory_fill(mem0, ${pop()}, ${v}, ${n});`);
        break;
      }
      case 'memory.copy': {
        const n = pop();
        const s = pop();
        out.push(`memory_copy(mem0, ${pop()}, ${s}, ${n});`);
        break;
      }
      case 'memory.init': {
        const n = pop();
        const s = pop();
        out.push(`memory_init(mem0, D, ${ins.a}, ${pop()}, ${s}, ${n});`);
        break;
      }
      case 'data.drop':
        out.push(`data_drop(D, ${ins.a});`);
        break;
      case 'i32.const':
        out.push(`${push('i32')} = ${ins.a};`);
        break;
      case 'i64.const':
        out.push(`${push('i64')} = ${ins.big}n;`);
        break;
      case 'f32.const':
        out.push(`${push('f32')} = ${constants.f32(ins.a)};`);
        break;
      case 'f64.const':
        out.push(`${push('f64')} = ${constants.f64(ins.big!)};`);
        break;
      case 'ref.null':
        out.push(`${push(ins.types![0])} = null;`);
        break;
      case 'ref.is_null': {
        const v = pop();
        out.push(`${push('i32')} = +(${v} === null);`);
        break;
      }
      case 'ref.func':
        out.push(`${push('funcref')} = ${funcName(ins.a)};`);
        break;
      default:
        emitTemplate(ins);
    }
  }

  function emitTemplate(ins: Instr): void {
    const { sig, js, mem } = ins.op;
    if (!sig || js === undefined) throw new Error(`no code generator for ${ins.op.name}`);
    const operands: string[] = [];
    for (let i = sig.params.length - 1; i >= 0; i--) operands[i] = pop();
    let expr: string;
    if (mem) {
      const base = `${operands[0]} >>> 0`;
      const address = ins.b === 0 ? base : `(${base}) + ${ins.b}`;
      expr = js.replace('$A', address).replace('$V', operands[1] ?? '');
    } else {
      expr = js.replace(/\$(\d)/g, (_, i: string) => operands[Number(i)]);
    }
    if (sig.results.length === 0) out.push(`${expr};`);
    else out.push(`${push(sig.results[0])} = ${expr};`);
  }

  const params = type.params.map((_, i) => `l${i}`).join(', ');
  const decls: string[] = [];
  for (let i = type.params.length; i < localTypes.length; i++) decls.push(`l${i} = ${zeroOf(localTypes[i])}`);
  for (const [name, t] of slots) decls.push(`${name} = ${zeroOf(t)}`);
  if (needsResultTemp) decls.push('r');
  decls.push(...chainVars);
  const declLine = decls.length ? `let ${decls.join(', ')};\n` : '';
  return `function ${funcName(funcIndex)}(${params}) {\n${declLine}${out.join('\n')}\n}\n`;
}
