// Wasm function body → JavaScript function source.
//
// Operand-stack slots become JS variables named by height and type (`s3i` is an i32 at height 3),
// so a slot's type never changes and V8 keeps it monomorphic. Blocks become labelled blocks,
// loops `for (;;)` with `continue`, branches copy their values into the target's slots.
// Pure values (constants, local reads, arithmetic that cannot trap) stay pending as expressions
// and are folded into the instruction that uses them; they are written to their slots only when
// control flow needs them there or a local they read is about to change. The invariant that
// keeps this correct, and its debug-mode check, are in folding-check.ts.
// Identifiers are all generated here: nothing from the module's bytes reaches the source text
// except numbers, so names in a module cannot inject code.
import { bodyCode } from '../binary/code.js';
import type { BlockType, FuncType, Instr, ModuleIR, ValType } from '../binary/module.js';
import type { OpInfo, Quad, Template, Wide } from '../binary/opcodes.js';
import type { ConstantPool } from './constants.js';
import { checkPendingConsumed, foldingChecks } from './folding-check.js';
import { holdFloatLanesAsNumbers } from './float-lanes.js';
import { RESULT_VAR, splitLargeFunction, splitting } from './outline.js';

const typeLetter: Record<ValType, string> = {
  i32: 'i', i64: 'I', f32: 'f', f64: 'F', v128: 'V', funcref: 'r', externref: 'r',
};

/**
 * A value's JS variables: an i64 is two int32 variables, its low and high words; a v128 four
 * int32 words, bytes 0..3 first (see Quad in opcodes.ts).
 */
export type Value = string[];

export function valueParts(base: string, t: ValType): Value {
  if (t === 'i64') return [`${base}L`, `${base}H`];
  if (t === 'v128') return [`${base}W0`, `${base}W1`, `${base}W2`, `${base}W3`];
  return [base];
}

/** The initial value of a variable holding (a word of) a value of type `t`. */
export function zeroOf(t: ValType): string {
  return t === 'funcref' || t === 'externref' ? 'null' : '0';
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

/**
 * The same in a function whose JavaScript will likely be split (outline.ts): a chain's cases are
 * `case` arms, which the splitting moves one by one, where nested labelled blocks only move as a
 * whole. sql.js (SQLite's VDBE loop) warm 610 -> 445 ms; QuickJS, Lua, zstd, brotli, tiktoken,
 * hash-wasm and the bench kernels unchanged within noise. In small functions nested blocks stay:
 * a branch out of them is one `break`, out of a chain a jump through its `switch`.
 */
const SPLIT_CHAIN_MIN_LENGTH = 16;

/** Fewest br_table targets dispatched through a chain's case table rather than a `switch`. */
const BR_TABLE_CHAIN_MIN_TARGETS = 4;

/** Fewest characters of JavaScript a byte of Wasm code becomes (measured 8–12 on real modules). */
const MIN_CHARS_PER_CODE_BYTE = 8;

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

/** Instructions after which a new fuel segment starts. */
const CONTROL = new Set(['block', 'loop', 'if', 'else', 'end', 'br', 'br_if', 'br_table', 'return', 'unreachable']);

/**
 * The variables a pending expression reads: locals by index (≥ 0) and stack slots by height,
 * stored as `~height` (< 0). One flat array: the code generator makes one per pending value.
 */
type Reads = readonly number[];
const NO_READS: Reads = [];

/** Longest expression folded into its user; longer ones are written to their slot. */
const MAX_FOLDED_LENGTH = 400;

function literal(n: number): string {
  return n < 0 || Object.is(n, -0) ? `(${n === 0 ? '-0' : n})` : String(n);
}

function wrapNegative(text: string): string {
  return text.startsWith('-') ? `(${text})` : text;
}

/** A template split once into text and references, so rendering is a join. */
type Segment = string | { operand: number; part: number } | { special: 'address' | 'lo' } | { scratch: number };

interface ParsedTemplate {
  segments: Segment[];
  /** How often each operand is referenced (the address counts for operand 0). */
  uses: number[];
  /** The scratch variables (`$m0`…`$m9`) it uses, by name, in ascending order. */
  scratches: string[];
}

const parsedTemplates = new Map<string, ParsedTemplate>();

/**
 * Templates made per immediate (v128 constants, shuffles) are new strings and objects: the caches
 * start over past this many entries rather than grow with every module a process compiles.
 */
const MAX_CACHED_TEMPLATES = 20_000;

function parseTemplate(template: string): ParsedTemplate {
  let parsed = parsedTemplates.get(template);
  if (parsed) return parsed;
  if (parsedTemplates.size >= MAX_CACHED_TEMPLATES) parsedTemplates.clear();
  const segments: Segment[] = [];
  const uses: number[] = [];
  // `$0l`/`$0h`: an i64 operand's words; `$0w0`…`$0w3`: a v128 operand's.
  const re = /\$(\d)(w[0-3]|[lh])?|\$A|\$lo|\$m(\d)/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m.index > last) segments.push(template.slice(last, m.index));
    if (m[0] === '$lo') segments.push({ special: 'lo' });
    else if (m[3] !== undefined) segments.push({ scratch: Number(m[3]) });
    else {
      const operand = m[0] === '$A' ? 0 : Number(m[1]);
      uses[operand] = (uses[operand] ?? 0) + 1;
      const part = m[2] === undefined || m[2] === 'l' ? 0 : m[2] === 'h' ? 1 : Number(m[2][1]);
      segments.push(m[0] === '$A' ? { special: 'address' } : { operand, part });
    }
    last = re.lastIndex;
  }
  if (last < template.length) segments.push(template.slice(last));
  const scratches: string[] = [];
  for (let k = 0; k < 10; k++) if (segments.some((seg) => typeof seg === 'object' && 'scratch' in seg && seg.scratch === k)) scratches.push(`m${k}`);
  parsed = { segments, uses, scratches };
  parsedTemplates.set(template, parsed);
  return parsed;
}

const operandUsesCache = new Map<Template, number[]>();

/**
 * How often a template (or the parts of a wide or v128 one, together) references each word of
 * each operand, the most-referenced word counting: an operand read twice is computed once, into
 * a temporary, but the four words of a v128 are four separate expressions.
 */
function operandUses(template: Template): number[] {
  let uses = operandUsesCache.get(template);
  if (uses === undefined) {
    if (operandUsesCache.size >= MAX_CACHED_TEMPLATES) operandUsesCache.clear();
    uses = [];
    const parts = typeof template === 'string' ? [template]
      : 'w' in template ? [template.pre, ...template.w]
      : [template.pre, template.lo, template.hi];
    const byWord = new Map<string, number>();
    for (const tpl of parts) {
      if (tpl === undefined) continue;
      for (const seg of parseTemplate(tpl).segments) {
        if (typeof seg === 'string' || !('operand' in seg || ('special' in seg && seg.special === 'address'))) continue;
        const [operand, part] = 'operand' in seg ? [seg.operand, seg.part] : [0, 0];
        const key = `${operand}.${part}`;
        const n = (byWord.get(key) ?? 0) + 1;
        byWord.set(key, n);
        uses[operand] = Math.max(uses[operand] ?? 0, n);
      }
    }
    operandUsesCache.set(template, uses);
  }
  return uses;
}

/** An f32 lane read as a value (slot n) right after being written as bits (slot 2); see simd-opcodes.ts. */
const LANE_FROM_BITS = /\(simd_I32\[\d\] = \(?\(simd_F32\[2\] = /;
const BITS_READ = ', simd_I32[2])';

/**
 * `(simd_I32[n] = (simd_F32[2] = x, simd_I32[2]), simd_F32[n])`, an f32 lane written as bits and
 * read straight back (a pending f32x4 result used by another f32x4 operation), is
 * `Math.fround(x)`: no trip through the typed arrays. A NaN comes out as the canonical NaN instead
 * of its payload, which Wasm allows for the arithmetic results that are the only writers of slot 2.
 */
function unboxLanes(text: string): string {
  for (let m = LANE_FROM_BITS.exec(text); m !== null; m = LANE_FROM_BITS.exec(text)) {
    const start = m.index + m[0].length;
    let depth = 0;
    let end = -1;
    for (let i = start; i < text.length && end < 0; i++) {
      const c = text.charCodeAt(i);
      if (c === 40) depth++;
      else if (c === 41) depth--;
      else if (depth === 0 && c === 44 && text.startsWith(BITS_READ, i)) end = i;
    }
    if (end < 0) break;
    let after = end + BITS_READ.length;
    if (m[0].includes('((')) {
      if (text[after] !== ')') break;
      after++;
    }
    const tail = /^, simd_F32\[\d\]\)/.exec(text.slice(after, after + 16));
    if (tail === null) break;
    text = `${text.slice(0, m.index)}Math.fround(${text.slice(start, end)})${text.slice(after + tail[0].length)}`;
  }
  return text;
}

/** The words of a v128 result left pending: f32 lane arithmetic, or a literal (v128.const). */
const FOLDED_V128_WORD = /simd_F32|^\(?-?\d+\)?$/;

/** An instruction's template: the opcode table's, or for SIMD lane and shuffle instructions the one for its immediate. */
function templateOf(op: OpInfo, ins: Instr): Template | undefined {
  if (op.jsByImm) return op.jsByImm({ lane: ins.lane, bytes: ins.bytes ?? [] });
  return op.js ?? op.js64 ?? op.js128;
}

/** Stands for the new low word in a rendered high-word expression until it is placed. */
const LO_MARK = '\u0000';

/** Whether `expr` reads the variable `name`. */
function mentions(expr: string, name: string): boolean {
  for (let at = expr.indexOf(name); at >= 0; at = expr.indexOf(name, at + 1)) {
    // Bounds checked here: charCodeAt outside the string deoptimises V8's optimised code.
    const end = at + name.length;
    const before = at > 0 ? expr.charCodeAt(at - 1) : 32;
    const after = end < expr.length ? expr.charCodeAt(end) : 32;
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
}

/** Whether `expr` is one call, `f(...)`, which needs no parentheses to be an operand. */
function isCall(expr: string): boolean {
  const open = expr.indexOf('(');
  if (open <= 0 || !/^[\w.]+$/.test(expr.slice(0, open))) return false;
  let depth = 0;
  for (let i = open; i < expr.length; i++) {
    const c = expr.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && --depth === 0) return i === expr.length - 1;
  }
  return false;
}

/** A name or a literal: cheap to repeat in an expression. */
const simple = (expr: string): boolean => /^[\w.]+$|^\(-[\d.e+]+\)$/.test(expr);

function render(template: string, operands: Value[], address: string, lo: string): string {
  let text = '';
  for (const seg of parseTemplate(template).segments) {
    if (typeof seg === 'string') text += seg;
    else if ('scratch' in seg) text += `m${seg.scratch}`;
    else if ('special' in seg) text += seg.special === 'address' ? address : lo;
    else text += operands[seg.operand][seg.part];
  }
  return text;
}

/**
 * A JS condition for an i32 used as a boolean. A folded comparison `(+(a < b))` is used as the
 * boolean it converts; anything else is compared with 0.
 */
function truthy(cond: string): string {
  if (cond.startsWith('(+(') && cond.endsWith('))') && balanced(cond.slice(3, -2))) return cond.slice(2, -1);
  return `${cond} !== 0`;
}

/** Whether the parentheses in `text` pair up (so it is one expression, not `a) || (b`). */
function balanced(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) depth++;
    else if (c === 41 && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Globals below this index get a closure constant each (fastest); the rest are read from the
 * globals array, because V8's parser gives up at about 100,000 declarations in one scope.
 */
export const GLOBAL_CONSTANTS = 10_000;

export function globalRef(index: number): string {
  return index < GLOBAL_CONSTANTS ? `g${index}` : `G[${index}]`;
}

/** Names the JS function of Wasm function `index`. */
export function funcName(index: number): string {
  return `f${index}`;
}

/** The JS parameters of a function of type `type`: an i64 is two (low and high word). */
export function paramNames(type: FuncType): string[] {
  return type.params.flatMap((t, i) => valueParts(`l${i}`, t));
}

/** Module-wide facts the code generator needs besides the IR. */
export interface CodegenOptions {
  /** The auxiliary stack pointer global, whose writes are checked (stack guard) and tracked (peak). */
  stackPointerGlobal: number | null;
  /** Count instructions against the instance's `fuel` (a separate compilation: no cost when off). */
  fuel?: boolean;
  /** Compile functions that only other functions call directly on their first call (compile/module.ts). */
  lazy?: boolean;
  /**
   * Memory profile (a separate compilation: no cost when off): a write that ends above `heapTop`
   * goes to `noteWrite` (compile/module.ts), and memory.grow goes through `profiledGrow`, which logs it.
   */
  memoryProfile?: boolean;
}

/**
 * The JavaScript function for Wasm function `funcIndex`. `mayGrowMemory` (per function index, see
 * memory-growth.ts) tells which calls may replace the memory's view.
 */
export function compileFunction(
  m: ModuleIR,
  funcIndex: number,
  constants: ConstantPool,
  options: CodegenOptions,
  mayGrowMemory: readonly boolean[],
): string {
  const type = m.types[m.funcTypes[funcIndex]];
  const body = m.bodies[funcIndex - m.importedFuncCount];
  const chainMinLength = (body.codeEnd - body.codeStart) * MIN_CHARS_PER_CODE_BYTE > splitting.maxFunctionChars ? SPLIT_CHAIN_MIN_LENGTH : CHAIN_MIN_LENGTH;
  const code = bodyCode(body);
  const localTypes = [...type.params, ...body.locals];
  const stack: ValType[] = [];
  // Both indexed by stack height, and written above their length when a value is pushed over
  // one that was never pending: created holey so that every function's arrays share one map.
  /** Per stack entry: its pending expression (not yet in its slot), or null. */
  const pending = new Array<Value | null>(8);
  /** Per pending entry: what its expression reads (locals, and slots by height). */
  const pendingReads = new Array<Reads>(8);
  /** Debug mode: per pending entry, the line it was made at (see folding-check.ts). */
  const checking = foldingChecks.enabled;
  const pendingSince: number[] = [];
  /** Variables to declare, with their initial values. */
  const declared = new Map<string, string>();
  let out: string[] = [];
  let labelCount = 0;
  let chainCount = 0;
  const chainVars: string[] = [];

  /** The JS variables of a value: one, or two (low and high word) for an i64. */
  /** Slot variables by type letter and height, made (and declared) once. */
  const slotNames: Record<string, Value[]> = {};
  const slot = (height: number, t: ValType): Value => {
    const letter = typeLetter[t];
    const byHeight = (slotNames[letter] ??= []);
    let names = byHeight[height];
    if (names === undefined) {
      names = valueParts(`s${height}${letter}`, t);
      for (const n of names) declared.set(n, zeroOf(t));
      byHeight[height] = names;
    }
    return names;
  };
  const localNames: Value[] = [];
  const local = (index: number): Value => (localNames[index] ??= valueParts(`l${index}`, localTypes[index]));
  /** Before slot `height` is written: pending values below it that read it get their own slots first. */
  const protectSlot = (height: number): void => {
    for (let j = 0; j < height; j++) if (pending[j] && pendingReads[j].includes(~height)) materialize(j);
  };
  const push = (t: ValType): Value => {
    const height = stack.length;
    protectSlot(height);
    pending[height] = null;
    stack.push(t);
    return slot(height, t);
  };
  /** Pushes a pure value as an expression, to be folded into its user. */
  const pushPending = (t: ValType, parts: Value, reads: Reads): void => {
    pending[stack.length] = parts;
    pendingReads[stack.length] = reads;
    if (checking) pendingSince[stack.length] = out.length;
    stack.push(t);
  };
  /** What the values popped since the last instruction began read: the first `poppedCount`. */
  const popped: number[] = [];
  let poppedCount = 0;
  const poppedReads = (): Reads => (poppedCount === 0 ? NO_READS : popped.slice(0, poppedCount));
  const pop = (): Value => {
    const t = stack.pop()!;
    const i = stack.length;
    const p = pending[i];
    if (p) {
      pending[i] = null;
      if (checking) checkPendingConsumed(p, out, pendingSince[i], funcIndex);
      const reads = pendingReads[i];
      for (let k = 0; k < reads.length; k++) popped[poppedCount++] = reads[k];
      return p;
    }
    popped[poppedCount++] = ~i;
    return slot(i, t);
  };
  /** Pops a value known to be one part (not an i64). */
  const pop1 = (): string => pop()[0];
  function materialize(i: number): void {
    const p = pending[i];
    if (!p) return;
    protectSlot(i);
    pending[i] = null;
    if (checking) checkPendingConsumed(p, out, pendingSince[i], funcIndex);
    assign(slot(i, stack[i]), p);
  }
  /** Writes every pending value to its slot, as control flow needs. */
  const flush = (): void => {
    for (let i = stack.length - 1; i >= 0; i--) materialize(i);
  };
  /** Writes the pending values that read local `index`, before it changes. */
  const flushReadersOf = (index: number): void => {
    for (let i = 0; i < stack.length; i++) if (pending[i] && pendingReads[i].includes(index)) materialize(i);
  };
  const top = (): Value => {
    materialize(stack.length - 1);
    return slot(stack.length - 1, stack[stack.length - 1]);
  };
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
      // A v128 is returned as its first word, the others in V128[1..3] (an i64's high word in HI[0]).
      if (values[0].length === 4) return `return (V128[1] = ${values[0][1]}, V128[2] = ${values[0][2]}, V128[3] = ${values[0][3]}, ${lo});`;
      return hi === undefined ? `return ${lo};` : `return (HI[0] = ${hi}, ${lo});`;
    }
    // Element 0 is null: see multiResult in runtime/func.ts.
    return `return [null, ${values.flat().join(', ')}];`;
  };

  const frames: Frame[] = [
    { kind: 'func', label: '', height: 0, params: [], results: type.results, reachable: true },
  ];

  /**
   * When every target of a br_table but the default is a block of one chain whose cases have not
   * started: the chain and the case each target enters.
   */
  const chainDispatch = (targets: readonly number[]): { chain: BlockChain; cases: number[] } | null => {
    if (targets.length < BR_TABLE_CHAIN_MIN_TARGETS) return null;
    const frameAt = (depth: number): Frame => frames[frames.length - 1 - depth];
    const first = frameAt(targets[0]);
    const chain = first.kind === 'chain' ? first.chain! : null;
    if (chain === null || chain.currentCase !== null) return null;
    const cases: number[] = new Array(targets.length);
    for (let i = 0; i < targets.length; i++) {
      const f = frameAt(targets[i]);
      if (f.kind !== 'chain' || f.chain !== chain) return null;
      cases[i] = f.chainIndex!;
    }
    return { chain, cases };
  };

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
  const usesMemoryView = code.some((i) => i.op.mem !== undefined);
  /** Whether f32x4 lanes are read as values (float-lanes.ts). */
  const usesFloatLanes = code.some((i) => i.op.code >> 8 === 0xfd && i.op.name.startsWith('f32x4.'));
  const reloadMemoryView = (): void => {
    if (usesMemoryView) out.push('dv = memView;');
  };

  const callResults = (callee: string, argTypes: readonly ValType[], results: readonly ValType[], mayGrow: boolean): void => {
    const args: Value[] = [];
    for (let i = argTypes.length - 1; i >= 0; i--) args[i] = pop();
    const call = `${callee}(${args.flat().join(', ')})`;
    callResultsOf(call, results);
    if (mayGrow) reloadMemoryView();
  };

  const callResultsOf = (call: string, results: readonly ValType[]): void => {
    if (results.length === 0) out.push(`${call};`);
    else if (results.length === 1) {
      const parts = push(results[0]);
      const [lo, hi] = parts;
      out.push(`${lo} = ${call};`);
      if (parts.length === 4) out.push(`${parts[1]} = V128[1];`, `${parts[2]} = V128[2];`, `${parts[3]} = V128[3];`);
      else if (hi !== undefined) out.push(`${hi} = HI[0];`);
    } else {
      out.push(`${temp('r')} = ${call};`);
      let k = 1;
      for (const t of results) for (const part of push(t)) out.push(`${part} = r[${k++}];`);
    }
  };

  /** The end of the bytes the last template instruction wrote, for the memory profile ('' if none). */
  let writeEnd = '';

  // Fuel: each straight-line segment (from one control instruction to the next) is charged its
  // instruction count at its start, so a loop pays per iteration and a call on entry.
  let segmentLine = -1;
  let segmentCount = 0;
  const closeSegment = (): void => {
    if (segmentLine >= 0 && segmentCount > 0) out[segmentLine] = `if ((fuel -= ${segmentCount}) < 0) trap('out of fuel');`;
    segmentLine = -1;
  };
  const openSegment = (): void => {
    if (!options.fuel) return;
    closeSegment();
    segmentLine = out.length;
    segmentCount = 0;
    out.push('');
  };
  openSegment();

  // Depth of blocks opened inside unreachable code, which is skipped.
  let skipDepth = 0;
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
    poppedCount = 0;
    segmentCount++;
    // Most instructions are the opcode table's templates: they skip the switch on names.
    if (ins.op.js !== undefined || ins.op.js64 !== undefined || ins.op.js128 !== undefined || ins.op.jsByImm !== undefined) {
      emitTemplate(ins);
      continue;
    }
    switch (name) {
      case 'local.get':
        pushPending(localTypes[ins.a], local(ins.a), [ins.a]);
        break;
      case 'i32.const':
        pushPending('i32', [literal(ins.a)], NO_READS);
        break;
      case 'local.set': {
        const v = pop();
        flushReadersOf(ins.a);
        assign(local(ins.a), v);
        break;
      }
      case 'end': {
        flush();
        if (frame.kind === 'func') {
          if (frame.reachable) out.push(returnStatement(frame.results));
          break;
        }
        if (frame.kind === 'chain') {
          const chain = frame.chain!;
          const k = frame.chainIndex!;
          if (chain.currentCase === null) {
            if (frame.reachable) out.push(`j${chain.id} = ${k};`);
            out.push('}', `D${chain.id}: for (;;) { switch (j${chain.id}) {`);
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
      case 'i64.const':
        pushPending('i64', [literal(ins.a), literal(ins.b)], NO_READS);
        break;
      case 'select': {
        const cond = pop1();
        const other = pop();
        const t = stack[stack.length - 1];
        if (other.length === 1 && pending[stack.length - 1]) {
          const kept = pop1();
          pushPending(t, [`(${truthy(cond)} ? ${kept} : ${other[0]})`], poppedReads());
          break;
        }
        const kept = top();
        out.push(`if (${cond} === 0) {`);
        assign(kept, other);
        out.push('}');
        break;
      }
      case 'f64.const':
        pushPending('f64', [wrapNegative(constants.f64(ins.a, ins.b))], NO_READS);
        break;
      case 'block': case 'loop': case 'if': {
        if (name === 'block' && ins.blockType === null) {
          flush();
          let length = 1;
          while (code[pc + length].op.name === 'block' && code[pc + length].blockType === null) length++;
          if (length >= chainMinLength) {
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
        flush();
        const label = `L${labelCount++}`;
        frames.push({ kind: name, label, height: stack.length - bt.params.length, params: bt.params, results: bt.results, reachable: true });
        if (name === 'block') out.push(`${label}: {`);
        else if (name === 'loop') out.push(`${label}: for (;;) {`);
        else out.push(`${label}: if (${truthy(cond)}) {`);
        break;
      }
      case 'local.tee': {
        const t = stack[stack.length - 1];
        const v = pop();
        flushReadersOf(ins.a);
        assign(local(ins.a), v);
        pushPending(t, local(ins.a), [ins.a]);
        break;
      }
      case 'drop':
        stack.pop();
        pending[stack.length] = null; // a value dropped in one branch must not reappear in the next
        break;
      case 'global.get': {
        const parts = push(m.globals[ins.a].type);
        const [lo, hi] = parts;
        // i64 globals keep a BigInt (their JS API value); C code rarely uses them. A v128
        // global's cell holds an Int32Array of its words.
        if (parts.length === 4) parts.forEach((p, k) => out.push(`${p} = ${globalRef(ins.a)}.value[${k}];`));
        else if (hi === undefined) out.push(`${lo} = ${globalRef(ins.a)}.value;`);
        else out.push(`${lo} = i64_from_bigint(${globalRef(ins.a)}.value);`, `${hi} = HI[0];`);
        break;
      }
      case 'br_if': {
        const cond = pop1();
        flush();
        out.push(`if (${truthy(cond)}) {`);
        branch(ins.a);
        out.push('}');
        break;
      }
      case 'global.set': {
        const parts = pop();
        const [v, hi] = parts;
        if (parts.length === 4) {
          parts.forEach((p, k) => out.push(`${globalRef(ins.a)}.value[${k}] = ${p};`));
          break;
        }
        if (hi !== undefined) {
          out.push(`${globalRef(ins.a)}.value = i64_to_bigint(${v}, ${hi});`);
          break;
        }
        if (ins.a === options.stackPointerGlobal) {
          // One compare on the hot path: only a new low-water mark does more.
          out.push(`if (${v} < spMin) { if (${v} < spLow) trap('stack overflow'); spMin = ${v}; }`);
        }
        out.push(`${globalRef(ins.a)}.value = ${v};`);
        break;
      }
      case 'else':
        flush();
        out.push('} else {');
        stack.length = frame.height;
        for (const t of frame.params) push(t); // in their slots, as the if found them
        frame.reachable = true;
        break;
      case 'call': {
        const t = m.types[m.funcTypes[ins.a]];
        callResults(funcName(ins.a), t.params, t.results, mayGrowMemory[ins.a]);
        break;
      }
      case 'br':
        flush();
        branch(ins.a);
        frame.reachable = false;
        break;
      case 'f32.const':
        pushPending('f32', [wrapNegative(constants.f32(ins.a))], NO_READS);
        break;
      case 'return':
        flush();
        out.push(returnStatement(type.results));
        frame.reachable = false;
        break;
      case 'br_table': {
        const index = pop1();
        flush();
        const targets = ins.targets!;
        const chain = chainDispatch(targets);
        if (chain !== null) {
          // Every target but the default is a block of one chain, entered before its cases: the
          // chain's own `switch` dispatches once, from a table of case numbers, instead of a
          // second `switch` here (an interpreter's loop: one indirect jump per instruction, not two).
          const j = `j${chain.chain.id}`;
          out.push(`${j} = ${index};`, `if ((${j} >>> 0) < ${targets.length}) { ${j} = ${constants.int32Table(chain.cases)}[${j}]; break J${chain.chain.id}; }`);
          branch(ins.a);
          frame.reachable = false;
          break;
        }
        out.push(`switch (${index}) {`);
        const byDepth = new Map<number, number[]>();
        targets.forEach((depth, i) => {
          if (depth === ins.a) return;
          const cases = byDepth.get(depth) ?? [];
          cases.push(i);
          byDepth.set(depth, cases);
        });
        for (const [depth, cases] of byDepth) {
          let labels = '';
          for (const c of cases) labels += `case ${c}: `;
          out.push(`${labels}{`);
          branch(depth);
          out.push('}');
        }
        out.push('default: {');
        branch(ins.a);
        out.push('}', '}');
        frame.reachable = false;
        break;
      }
      case 'call_indirect': {
        const t = m.types[ins.a];
        const index = pop1();
        // by type index, not the process's signature id: generated code is the same in every process (code-cache.ts)
        callResults(`table_func(T${ins.b}, ${index}, SIG[${ins.a}])`, t.params, t.results, true);
        break;
      }
      case 'unreachable':
        out.push(`trap('unreachable');`);
        frame.reachable = false;
        break;
      case 'nop':
        break;
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
        const grow = options.memoryProfile ? `profiledGrow(${n} >>> 0, ${funcIndex})` : `mem0.grow(${n} >>> 0)`;
        out.push(`${push('i32')[0]} = ${grow};`);
        reloadMemoryView();
        break;
      }
      case 'memory.fill': {
        const n = pop1();
        const v = pop1();
        bulkWrite(pop1(), n, (d, len) => `memory_fill(mem0, ${d}, ${v}, ${len});`);
        break;
      }
      case 'memory.copy': {
        const n = pop1();
        const s = pop1();
        bulkWrite(pop1(), n, (d, len) => `memory_copy(mem0, ${d}, ${s}, ${len});`);
        break;
      }
      case 'memory.init': {
        const n = pop1();
        const s = pop1();
        bulkWrite(pop1(), n, (d, len) => `memory_init(mem0, D, ${ins.a}, ${d}, ${s}, ${len});`);
        break;
      }
      case 'data.drop':
        out.push(`data_drop(D, ${ins.a});`);
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
    if (options.fuel && CONTROL.has(name)) openSegment();
  }
  closeSegment();

  /** A bulk write of `length` bytes at `dest`: with the memory profile, what it wrote is noted. */
  function bulkWrite(dest: string, length: string, call: (dest: string, length: string) => string): void {
    if (!options.memoryProfile) {
      out.push(call(dest, length));
      return;
    }
    out.push(`${temp('pa')} = ${dest} >>> 0;`, `${temp('pn')} = ${length} >>> 0;`, call('pa', 'pn'));
    out.push('if (pn !== 0 && pa + pn > heapTop) noteWrite(pa, pa + pn);');
  }

  function emitTemplate(ins: Instr): void {
    emitTemplateBody(ins);
    if (writeEnd !== '') {
      out.push(`if (${writeEnd} > heapTop) noteWrite(pa, ${writeEnd});`);
      writeEnd = '';
    }
  }

  function emitTemplateBody(ins: Instr): void {
    const op = ins.op;
    const { sig, mem } = op;
    let template = templateOf(op, ins);
    if (op.js64ByCount) {
      // A constant count is a pending literal on top of the stack.
      const count = pending[stack.length - 1]?.[0];
      if (count !== undefined && /^\(?-?\d+\)?$/.test(count)) template = op.js64ByCount(Number(count.replace(/[()]/g, '')) & 63);
    }
    if (!sig || template === undefined) throw new Error(`no code generator for ${op.name}`);
    const js = typeof template === 'string' ? template : undefined;
    const js64 = typeof template === 'object' && !('w' in template) ? template : undefined;
    const js128 = typeof template === 'object' && 'w' in template ? template : undefined;
    // Sized up front: filling an empty array from the top index makes it holey only for two or
    // more operands, and the two array maps made V8 deoptimise the code generator (cold start).
    const operands = new Array<Value>(sig.params.length);
    for (let i = sig.params.length - 1; i >= 0; i--) operands[i] = pop();
    // An operand used twice is computed once, into a temporary. Temporaries are named by
    // operand position and reused by the next instruction: a result that reads one is never
    // left pending (the folding invariant, folding-check.ts).
    const uses = operandUses(template);
    let readsTemporary = false;
    for (let i = 0; i < operands.length; i++) {
      if ((uses[i] ?? 0) < 2) continue;
      const cached = (part: number): string => {
        const expr = operands[i][part];
        if (simple(expr)) return expr;
        readsTemporary = true;
        const tmp = temp(`u${i}${part}`);
        out.push(`${tmp} = ${expr};`);
        return tmp;
      };
      // Array literals, like every other Value (a `.map` result has another array map).
      const n = operands[i].length;
      operands[i] = n === 1 ? [cached(0)] : n === 2 ? [cached(0), cached(1)] : [cached(0), cached(1), cached(2), cached(3)];
    }
    let address = mem ? addressOf(operands[0][0], ins.b) : '';
    if (options.memoryProfile && mem?.store) {
      // the address once, for the access and for the profile after it (a trapping write raises nothing)
      out.push(`${temp('pa')} = ${address};`);
      address = 'pa';
      writeEnd = `pa + ${mem.width}`;
    }
    if (js128) {
      emitQuad(js128, operands, address, !mem && !op.traps && !readsTemporary);
    } else if (js64) {
      const [lo, hi] = push('i64');
      const loExpr = render(js64.lo, operands, address, '');
      if (!js64.pre) {
        // Written straight to the result's words when the second one written does not read the
        // first (an operand may live in the result's slot); otherwise through a temporary.
        const hiExpr = render(js64.hi, operands, address, LO_MARK);
        if (!mentions(hiExpr, lo)) {
          out.push(`${lo} = ${loExpr};`, `${hi} = ${hiExpr.includes(LO_MARK) ? hiExpr.split(LO_MARK).join(lo) : hiExpr};`);
          return;
        }
        if (!hiExpr.includes(LO_MARK) && !mentions(loExpr, hi)) {
          out.push(`${hi} = ${hiExpr};`, `${lo} = ${loExpr};`);
          return;
        }
      }
      const t = temp('t');
      if (js64.pre) {
        for (const name of parseTemplate(js64.pre).scratches) temp(name);
        out.push(render(js64.pre, operands, address, t));
      }
      out.push(`${t} = ${loExpr};`, `${hi} = ${render(js64.hi, operands, address, t)};`, `${lo} = ${t};`);
    } else if (sig.results.length === 0) {
      out.push(`${render(js!, operands, address, '')};`);
    } else if (mem || op.traps) {
      out.push(`${push(sig.results[0])[0]} = ${render(js!, operands, address, '')};`);
    } else {
      const expr = render(js!, operands, address, '');
      if (readsTemporary || expr.length > MAX_FOLDED_LENGTH) out.push(`${push(sig.results[0])[0]} = ${expr};`);
      else pushPending(sig.results[0], [`(${expr})`], poppedReads());
    }
  }

  /**
   * A v128 result. Pure f32 lane arithmetic and constants (no memory, no helper writing V128, no
   * statements first) stay pending, to be folded into their user like scalar arithmetic: a chain
   * of f32x4 operations then passes lanes as numbers (see unboxLanes). Integer lane arithmetic is
   * written to its slot: folded, its SWAR operands land in temporaries and V8's code was slower
   * (blend intrinsics 217 -> 409 ms, histogram 112 -> 196, dot_i16 96 -> 113). Otherwise the four words go straight into the
   * result's variables, unless a word reads a variable written before it (an operand in the
   * result's slot), then through temporaries.
   */
  function emitQuad(q: Quad, operands: Value[], address: string, pure: boolean): void {
    const words = q.w.map((w) => unboxLanes(render(w, operands, address, '')));
    if (pure && !q.pre && words.every((w) => FOLDED_V128_WORD.test(w) && w.length <= MAX_FOLDED_LENGTH && !w.includes('V128'))) {
      const folded = (w: string): string => (simple(w) || isCall(w) ? w : `(${w})`);
      pushPending('v128', [folded(words[0]), folded(words[1]), folded(words[2]), folded(words[3])], poppedReads());
      return;
    }
    const result = push('v128');
    if (q.pre) {
      for (const name of parseTemplate(q.pre).scratches) temp(name);
      const pre = render(q.pre, operands, address, '');
      out.push(pre.endsWith(';') ? pre : `${pre};`);
    }
    let clash = false;
    for (let k = 1; k < 4 && !clash; k++) for (let j = 0; j < k; j++) if (mentions(words[k], result[j])) clash = true;
    if (!clash) {
      for (let k = 0; k < 4; k++) if (result[k] !== words[k]) out.push(`${result[k]} = ${words[k]};`);
      return;
    }
    for (let k = 0; k < 4; k++) out.push(`${temp(`q${k}`)} = ${words[k]};`);
    for (let k = 0; k < 4; k++) out.push(`${result[k]} = q${k};`);
  }

  /** The effective address of a memory access: the unsigned base plus the static offset. */
  function addressOf(base: string, offset: number): string {
    return offset === 0 ? `(${base} >>> 0)` : `((${base} >>> 0) + ${offset})`;
  }

  const params = paramNames(type);
  for (let i = type.params.length; i < localTypes.length; i++) {
    for (const part of local(i)) declared.set(part, zeroOf(localTypes[i]));
  }
  const decls: string[] = usesMemoryView ? ['dv = memView'] : [];
  for (const [n, init] of declared) decls.push(`${n} = ${init}`);
  decls.push(...chainVars);
  if (usesFloatLanes) out = holdFloatLanesAsNumbers(out, new Set(params));
  const source = out.join('\n');
  if (source.length > splitting.maxFunctionChars) {
    const variables = [
      ...params,
      ...declared.keys(),
      ...chainVars.map((v) => v.split(' ')[0]),
      ...(usesMemoryView ? ['dv'] : []),
    ];
    const split = splitLargeFunction(out, variables); // one line per entry, as it needs
    if (split.usesResult) decls.push(`${RESULT_VAR} = 0`);
    return instanceScopedFunction(funcIndex, type, decls, split);
  }
  const declLine = decls.length ? `let ${decls.join(', ')};\n` : '';
  return `function ${funcName(funcIndex)}(${params.join(', ')}) {\n${declLine}${source}\n}\n`;
}

/**
 * A split function keeps its variables and pieces in a scope made once per instance: a call then
 * allocates no context and no closures (measured: 80 variables and one piece, 190 → 70–110 ns
 * per call; QuickJS's interpreter function, called once per JavaScript call and split into 170
 * pieces, 1,100 → 620 ms on a fib and loop script). This holds for a function that is re-entered
 * (recursion, or an import calling an export) too: every activation works on its own copies
 * (outline.ts), and the shared variables only carry a piece's assignments to its caller, which
 * reloads them right after the call, before anything else can run. Every call starts by setting
 * each variable as a fresh call would (parameters, zeros, `dv`), so a call that trapped leaves
 * nothing behind.
 */
function instanceScopedFunction(index: number, type: FuncType, decls: readonly string[], split: { closures: string[]; body: string[] }): string {
  const params = paramNames(type);
  const args = params.map((_, k) => `a${k}`);
  const paramDecls = type.params.flatMap((t, i) => valueParts(`l${i}`, t).map((p) => `${p} = ${zeroOf(t)}`));
  const declared = [...paramDecls, ...decls];
  const entry = [...params.map((p, k) => `${p} = ${args[k]};`), ...decls.map((d) => `${d};`)];
  const name = funcName(index);
  return [
    `var ${name} = (() => {`,
    ...(declared.length > 0 ? [`let ${declared.join(', ')};`] : []),
    ...split.closures,
    `return function ${name}(${args.join(', ')}) {`,
    ...entry,
    ...split.body,
    '};',
    '})();',
    '',
  ].join('\n');
}
