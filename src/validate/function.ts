// Validation of function bodies: the algorithm of the spec's appendix ("Validation Algorithm"),
// with an operand stack of type codes (0 = Unknown, for unreachable code) and control frames
// kept in parallel arrays, so checking an instruction allocates nothing.
import { blankInstr, readInstrInto } from '../binary/code.js';
import type { BlockType, FuncBody, Instr, ModuleIR } from '../binary/module.js';
import { allOps, type OpInfo } from '../binary/opcodes.js';
import { Reader } from '../binary/reader.js';
import { CompileError } from '../runtime/errors.js';
import {
  EMPTY, FUNCREF, I32, SINGLE, UNKNOWN, isNumOrVec, isRef, sameTypes, type TypeCode, typeCode, typeCodes, typeName,
} from './types.js';

/** What the module validator has worked out before looking at bodies. */
export interface ModuleContext {
  readonly m: ModuleIR;
  /** Parameter and result type codes of each entry of the type section. */
  readonly typeParams: readonly Uint8Array[];
  readonly typeResults: readonly Uint8Array[];
  /** Type code and mutability of every global. */
  readonly globalTypes: Uint8Array;
  readonly globalMutable: Uint8Array;
  /** Element type code of every table. */
  readonly tableTypes: Uint8Array;
  /** Type code of every element segment. */
  readonly elemTypes: Uint8Array;
  /** 1 for each function index that `ref.func` may name in a body (C.refs). */
  readonly refs: Uint8Array;
}

export interface BodyFacts {
  maxHeight: number;
  /** The first memory.size / memory.grow in the body, or null. */
  resizeOp: 'memory.size' | 'memory.grow' | null;
  resizePos: number;
  /** Function indices of its direct calls (repeats possible). */
  callees: number[];
  /** Contains memory.grow or call_indirect (any callee): may grow the memory whatever it calls directly. */
  growsMemoryItself: boolean;
  /**
   * Deepest nesting of blocks, loops and ifs as the generated JavaScript nests them (the body
   * counts 1; a void block opened directly inside another counts 0, as the code generator emits
   * such runs flat: a C switch's hundreds of blocks nest 1 deep).
   */
  maxDepth: number;
}

// Kinds of control frames.
const BLOCK = 0;
const LOOP = 1;
const IF = 2;
const ELSE = 3;
const FUNC = 4;

// Fixed signatures from the opcode table, as type codes, indexed by `slot(op)`.
const sigParams: (Uint8Array | undefined)[] = new Array(1024);
const sigResults: (Uint8Array | undefined)[] = new Array(1024);
/** log2 of the natural alignment of loads and stores, indexed by `slot(op)`. */
const naturalAlign = new Int8Array(1024).fill(-1);
/** 1 for atomic accesses, whose alignment must be exactly natural, indexed by `slot(op)`. */
const exactAlign = new Uint8Array(1024);
/** The lane count of SIMD lane instructions (their index must be below it), indexed by `slot(op)`. */
const laneCount = new Uint8Array(1024);

/** Single bytes at 0..255, 0xfc-prefixed at 256.., 0xfe-prefixed (atomics) at 512.., 0xfd (SIMD) at 768... */
function slot(op: OpInfo): number {
  if (op.code < 0x100) return op.code;
  const prefix = op.code >> 8;
  return (prefix === 0xfc ? 0x100 : prefix === 0xfe ? 0x200 : 0x300) | (op.code & 0xff);
}

for (const op of allOps) {
  if (op.sig === undefined) continue;
  const k = slot(op);
  sigParams[k] = typeCodes(op.sig.params);
  sigResults[k] = typeCodes(op.sig.results);
  if (op.mem !== undefined) naturalAlign[k] = 31 - Math.clz32(op.mem.width);
  if (op.mem?.atomic) exactAlign[k] = 1;
  if (op.lanes !== undefined) laneCount[k] = op.lanes;
}

export class FunctionValidator {
  // Operand stack.
  private vals = new Uint8Array(256);
  private sp = 0;
  private maxSp = 0;
  // Control stack, one entry per open block.
  private cKind = new Uint8Array(32);
  private cStart: Uint8Array[] = new Array(32);
  private cEnd: Uint8Array[] = new Array(32);
  private cHeight = new Int32Array(32);
  private cUnreachable = new Uint8Array(32);
  /** Each frame's nesting depth in the generated JavaScript (see BodyFacts.maxDepth). */
  private cDepth = new Int32Array(32);
  private csp = 0;
  /** Deepest control nesting in the current body, as BodyFacts.maxDepth counts it. */
  private maxDepth = 0;
  /** Scratch space for br_table's pop-and-push-back. */
  private scratch = new Uint8Array(16);
  // The function and instruction being checked, for messages.
  private funcIndex = 0;
  private ins: Instr | null = null;

  private readonly funcCount: number;
  private readonly memCount: number;
  private readonly dataCount: number;

  constructor(private readonly ctx: ModuleContext, private readonly writtenGlobals: Set<number>) {
    this.funcCount = ctx.m.funcTypes.length;
    this.memCount = ctx.m.memories.length;
    this.dataCount = ctx.m.dataCount ?? 0;
  }

  // ---- errors ----

  private fail(what: string, detail?: string, at?: number): never {
    const pos = at ?? this.ins?.pos;
    throw new CompileError(`${what} in function ${this.funcIndex}${detail === undefined ? '' : `: ${detail}`}`, pos);
  }

  private mismatch(expected: TypeCode, actual: TypeCode | -1): never {
    const got = actual === -1 ? 'nothing' : typeName(actual);
    return this.fail('type mismatch', `expected ${typeName(expected)}, got ${got}${this.where()}`);
  }

  private where(): string {
    return this.ins === null ? '' : ` (${this.ins.op.name})`;
  }

  // ---- operand stack ----

  private push(t: TypeCode): void {
    if (this.sp === this.vals.length) {
      const bigger = new Uint8Array(this.vals.length * 2);
      bigger.set(this.vals);
      this.vals = bigger;
    }
    this.vals[this.sp++] = t;
    if (this.sp > this.maxSp) this.maxSp = this.sp;
  }

  private pushVals(ts: Uint8Array): void {
    for (let i = 0; i < ts.length; i++) this.push(ts[i]);
  }

  /** Pops any value; returns UNKNOWN in unreachable code once the frame's values are used up. */
  private pop(): TypeCode {
    const f = this.csp - 1;
    if (this.sp === this.cHeight[f]) {
      if (this.cUnreachable[f]) return UNKNOWN;
      this.fail('type mismatch', `expected a value, got nothing${this.where()}`);
    }
    return this.vals[--this.sp];
  }

  /** Pops a value of type `expected`; returns the type actually popped (maybe UNKNOWN). */
  private popExpect(expected: TypeCode): TypeCode {
    const f = this.csp - 1;
    if (this.sp === this.cHeight[f]) {
      if (this.cUnreachable[f]) return UNKNOWN;
      this.mismatch(expected, -1);
    }
    const actual = this.vals[--this.sp];
    if (actual !== expected && actual !== UNKNOWN && expected !== UNKNOWN) this.mismatch(expected, actual);
    return actual;
  }

  private popVals(ts: Uint8Array): void {
    for (let i = ts.length - 1; i >= 0; i--) this.popExpect(ts[i]);
  }

  // ---- control stack ----

  /** `nests`: whether the frame adds a level of JavaScript nesting. */
  private pushCtrl(kind: number, start: Uint8Array, end: Uint8Array, nests = true): void {
    const n = this.csp;
    if (n === this.cKind.length) this.growCtrl();
    const depth = (n === 0 ? 0 : this.cDepth[n - 1]) + (nests ? 1 : 0);
    this.cDepth[n] = depth;
    if (depth > this.maxDepth) this.maxDepth = depth;
    this.cKind[n] = kind;
    this.cStart[n] = start;
    this.cEnd[n] = end;
    this.cHeight[n] = this.sp;
    this.cUnreachable[n] = 0;
    this.csp = n + 1;
    this.pushVals(start);
  }

  private growCtrl(): void {
    const size = this.cKind.length * 2;
    const kind = new Uint8Array(size); kind.set(this.cKind); this.cKind = kind;
    const height = new Int32Array(size); height.set(this.cHeight); this.cHeight = height;
    const unr = new Uint8Array(size); unr.set(this.cUnreachable); this.cUnreachable = unr;
    const depth = new Int32Array(size); depth.set(this.cDepth); this.cDepth = depth;
    this.cStart.length = size;
    this.cEnd.length = size;
  }

  /** Closes the innermost frame; returns its index (its entries stay readable until the next push). */
  private popCtrl(): number {
    const f = this.csp - 1;
    this.popVals(this.cEnd[f]);
    if (this.sp !== this.cHeight[f]) {
      const extra = this.sp - this.cHeight[f];
      this.fail('type mismatch', `${extra} value${extra === 1 ? '' : 's'} left on the stack at the end of the block${this.where()}`);
    }
    this.csp = f;
    return f;
  }

  private labelTypes(depth: number): Uint8Array {
    if (depth >= this.csp) this.fail('unknown label', `depth ${depth}, ${this.csp} enclosing block${this.csp === 1 ? '' : 's'}`);
    const f = this.csp - 1 - depth;
    return this.cKind[f] === LOOP ? this.cStart[f] : this.cEnd[f];
  }

  private setUnreachable(): void {
    const f = this.csp - 1;
    this.sp = this.cHeight[f];
    this.cUnreachable[f] = 1;
  }

  // ---- block types ----

  private blockParams(bt: BlockType | undefined): Uint8Array {
    if (typeof bt !== 'number') return EMPTY;
    if (bt >= this.ctx.typeParams.length) this.fail(`unknown type ${bt}`);
    return this.ctx.typeParams[bt];
  }

  private blockResults(bt: BlockType | undefined): Uint8Array {
    if (bt === null || bt === undefined) return EMPTY;
    if (typeof bt === 'number') return this.ctx.typeResults[bt];
    return SINGLE[typeCode(bt)];
  }

  // ---- module lookups ----

  private tableType(index: number): TypeCode {
    if (index >= this.ctx.tableTypes.length) this.fail(`unknown table ${index}`);
    return this.ctx.tableTypes[index];
  }

  private elemType(index: number): TypeCode {
    if (index >= this.ctx.elemTypes.length) this.fail(`unknown elem segment ${index}`);
    return this.ctx.elemTypes[index];
  }

  private needMemory(index: number): void {
    if (index >= this.memCount) this.fail(`unknown memory ${index}`);
  }

  private needData(index: number): void {
    if (index >= this.dataCount) this.fail(`unknown data segment ${index}`);
  }

  // ---- the body ----

  validate(funcIndex: number, body: FuncBody): BodyFacts {
    const ctx = this.ctx;
    this.funcIndex = funcIndex;
    this.ins = null;
    const typeIndex = ctx.m.funcTypes[funcIndex];
    const params = ctx.typeParams[typeIndex];
    const results = ctx.typeResults[typeIndex];
    const locals = new Uint8Array(params.length + body.locals.length);
    locals.set(params);
    for (let i = 0; i < body.locals.length; i++) locals[params.length + i] = typeCode(body.locals[i]);

    this.sp = 0;
    this.maxSp = 0;
    this.csp = 0;
    this.maxDepth = 0;
    this.pushCtrl(FUNC, EMPTY, results);
    let resizeOp: BodyFacts['resizeOp'] = null;
    let resizePos = -1;
    const callees: number[] = [];
    let growsMemoryItself = false;

    // Read one instruction at a time into one object (the decoder has checked the encoding).
    const reader = new Reader(body.bytes, body.codeStart, body.codeEnd);
    const ins = blankInstr();
    let afterVoidBlock = false;
    while (this.csp !== 0) {
      if (reader.pos >= reader.end) this.fail('function body must end with end', undefined, body.pos);
      readInstrInto(reader, ins);
      this.ins = ins;
      const op = ins.op;
      const directlyInVoidBlock = afterVoidBlock;
      afterVoidBlock = false;

      // Instructions with a fixed type: constants, numeric instructions, loads and stores.
      const k = slot(op);
      const p = sigParams[k];
      if (p !== undefined) {
        const align = naturalAlign[k];
        if (align >= 0) {
          this.needMemory(0);
          if (exactAlign[k] && ins.a !== align) {
            this.fail('atomic alignment must be natural', `2^${ins.a} instead of ${1 << align} (${op.name})`);
          }
          if (ins.a > align) {
            this.fail('alignment must not be larger than natural', `2^${ins.a} > ${1 << align} (${op.name})`);
          }
        }
        if (laneCount[k] !== 0 && ins.lane >= laneCount[k]) {
          this.fail('invalid lane index', `lane ${ins.lane} of ${laneCount[k]} (${op.name})`);
        }
        if (op.imm === 'shuffle') {
          for (const lane of ins.bytes!) if (lane >= 32) this.fail('invalid lane index', `shuffle lane ${lane} of 32`);
        }
        for (let j = p.length - 1; j >= 0; j--) this.popExpect(p[j]);
        const r = sigResults[k]!;
        for (let j = 0; j < r.length; j++) this.push(r[j]);
        continue;
      }

      switch (op.name) {
        case 'local.get':
          if (ins.a >= locals.length) this.fail(`unknown local ${ins.a}`);
          this.push(locals[ins.a]);
          break;
        case 'local.tee':
          if (ins.a >= locals.length) this.fail(`unknown local ${ins.a}`);
          this.popExpect(locals[ins.a]);
          this.push(locals[ins.a]);
          break;
        case 'end': {
          const f = this.popCtrl();
          if (this.cKind[f] === IF && !sameTypes(this.cStart[f], this.cEnd[f])) {
            this.fail('type mismatch', 'if without else must have the same parameter and result types');
          }
          this.pushVals(this.cEnd[f]);
          break;
        }
        case 'call': {
          if (ins.a >= this.funcCount) this.fail(`unknown function ${ins.a}`);
          const t = ctx.m.funcTypes[ins.a];
          this.popVals(ctx.typeParams[t]);
          this.pushVals(ctx.typeResults[t]);
          callees.push(ins.a);
          break;
        }
        case 'local.set':
          if (ins.a >= locals.length) this.fail(`unknown local ${ins.a}`);
          this.popExpect(locals[ins.a]);
          break;
        case 'br_if': {
          const lt = this.labelTypes(ins.a);
          this.popExpect(I32);
          this.popVals(lt);
          this.pushVals(lt);
          break;
        }
        case 'if': {
          const start = this.blockParams(ins.blockType);
          const end = this.blockResults(ins.blockType);
          this.popExpect(I32);
          this.popVals(start);
          this.pushCtrl(IF, start, end);
          break;
        }
        case 'block':
        case 'loop': {
          const start = this.blockParams(ins.blockType);
          const end = this.blockResults(ins.blockType);
          this.popVals(start);
          const voidBlock = op.name === 'block' && ins.blockType === null;
          this.pushCtrl(op.name === 'loop' ? LOOP : BLOCK, start, end, !(voidBlock && directlyInVoidBlock));
          afterVoidBlock = voidBlock;
          break;
        }
        case 'br':
          this.popVals(this.labelTypes(ins.a));
          this.setUnreachable();
          break;
        case 'drop':
          this.pop();
          break;
        case 'global.set':
          if (ins.a >= ctx.globalTypes.length) this.fail(`unknown global ${ins.a}`);
          if (!ctx.globalMutable[ins.a]) this.fail('global is immutable', `global.set ${ins.a}`);
          this.popExpect(ctx.globalTypes[ins.a]);
          this.writtenGlobals.add(ins.a);
          break;
        case 'global.get':
          if (ins.a >= ctx.globalTypes.length) this.fail(`unknown global ${ins.a}`);
          this.push(ctx.globalTypes[ins.a]);
          break;
        case 'select': {
          if (op.imm === 'select_types') {
            const types = ins.types!;
            if (types.length !== 1) this.fail('invalid result arity', `select must have exactly one type, has ${types.length}`);
            const t = typeCode(types[0]);
            this.popExpect(I32);
            this.popExpect(t);
            this.popExpect(t);
            this.push(t);
          } else {
            this.popExpect(I32);
            const t1 = this.pop();
            const t2 = this.pop();
            if (!(t1 === UNKNOWN || isNumOrVec(t1)) || !(t2 === UNKNOWN || isNumOrVec(t2))) {
              this.fail('type mismatch', `select without a type needs numeric or vector operands, got ${typeName(t2)} and ${typeName(t1)}`);
            }
            if (t1 !== t2 && t1 !== UNKNOWN && t2 !== UNKNOWN) this.mismatch(t2, t1);
            this.push(t1 === UNKNOWN ? t2 : t1);
          }
          break;
        }
        case 'return':
          this.popVals(this.cEnd[0]);
          this.setUnreachable();
          break;
        case 'br_table': {
          this.popExpect(I32);
          const def = this.labelTypes(ins.a);
          const arity = def.length;
          const targets = ins.targets!;
          if (this.scratch.length < arity) this.scratch = new Uint8Array(arity);
          const scratch = this.scratch;
          for (let t = 0; t < targets.length; t++) {
            const lt = this.labelTypes(targets[t]);
            if (lt.length !== arity) {
              this.fail('type mismatch', `br_table targets have different arities (${lt.length} and ${arity})`);
            }
            for (let j = arity - 1; j >= 0; j--) scratch[j] = this.popExpect(lt[j]);
            for (let j = 0; j < arity; j++) this.push(scratch[j]);
          }
          this.popVals(def);
          this.setUnreachable();
          break;
        }
        case 'else': {
          if (this.cKind[this.csp - 1] !== IF) this.fail('else without matching if');
          const f = this.popCtrl();
          this.pushCtrl(ELSE, this.cStart[f], this.cEnd[f]);
          break;
        }
        case 'unreachable':
          this.setUnreachable();
          break;
        case 'nop':
          break;
        case 'call_indirect': {
          const et = this.tableType(ins.b);
          if (ins.a >= ctx.typeParams.length) this.fail(`unknown type ${ins.a}`);
          if (et !== FUNCREF) this.fail('type mismatch', `call_indirect through table ${ins.b} of ${typeName(et)}`);
          this.popExpect(I32);
          this.popVals(ctx.typeParams[ins.a]);
          this.pushVals(ctx.typeResults[ins.a]);
          growsMemoryItself = true;
          break;
        }
        case 'table.get': {
          const et = this.tableType(ins.a);
          this.popExpect(I32);
          this.push(et);
          break;
        }
        case 'table.set': {
          const et = this.tableType(ins.a);
          this.popExpect(et);
          this.popExpect(I32);
          break;
        }
        case 'table.size':
          this.tableType(ins.a);
          this.push(I32);
          break;
        case 'table.grow': {
          const et = this.tableType(ins.a);
          this.popExpect(I32);
          this.popExpect(et);
          this.push(I32);
          break;
        }
        case 'table.fill': {
          const et = this.tableType(ins.a);
          this.popExpect(I32);
          this.popExpect(et);
          this.popExpect(I32);
          break;
        }
        case 'table.copy': {
          const dst = this.tableType(ins.a);
          const src = this.tableType(ins.b);
          if (dst !== src) this.fail('type mismatch', `table.copy from a table of ${typeName(src)} to a table of ${typeName(dst)}`);
          this.popExpect(I32);
          this.popExpect(I32);
          this.popExpect(I32);
          break;
        }
        case 'table.init': {
          const tt = this.tableType(ins.b);
          const et = this.elemType(ins.a);
          if (tt !== et) this.fail('type mismatch', `table.init of a table of ${typeName(tt)} from a segment of ${typeName(et)}`);
          this.popExpect(I32);
          this.popExpect(I32);
          this.popExpect(I32);
          break;
        }
        case 'elem.drop':
          this.elemType(ins.a);
          break;
        case 'memory.size':
          this.needMemory(ins.a);
          this.push(I32);
          if (resizeOp === null) { resizeOp = 'memory.size'; resizePos = ins.pos; }
          break;
        case 'memory.grow':
          this.needMemory(ins.a);
          this.popExpect(I32);
          this.push(I32);
          if (resizeOp === null) { resizeOp = 'memory.grow'; resizePos = ins.pos; }
          growsMemoryItself = true;
          break;
        case 'memory.fill':
          this.needMemory(ins.a);
          this.popExpect(I32);
          this.popExpect(I32);
          this.popExpect(I32);
          break;
        case 'memory.copy':
          this.needMemory(ins.a);
          this.needMemory(ins.b);
          this.popExpect(I32);
          this.popExpect(I32);
          this.popExpect(I32);
          break;
        case 'memory.init':
          this.needMemory(ins.b);
          this.needData(ins.a);
          this.popExpect(I32);
          this.popExpect(I32);
          this.popExpect(I32);
          break;
        case 'data.drop':
          this.needData(ins.a);
          break;
        case 'ref.null':
          this.push(typeCode(ins.types![0]));
          break;
        case 'ref.is_null': {
          const t = this.pop();
          if (t !== UNKNOWN && !isRef(t)) this.fail('type mismatch', `expected a reference, got ${typeName(t)} (ref.is_null)`);
          this.push(I32);
          break;
        }
        case 'ref.func':
          if (ins.a >= this.funcCount) this.fail(`unknown function ${ins.a}`);
          if (!ctx.refs[ins.a]) {
            this.fail('undeclared function reference', `function ${ins.a} is not referenced outside function bodies`);
          }
          this.push(FUNCREF);
          break;
        default:
          this.fail(`unsupported instruction ${op.name}`);
      }
    }
    if (reader.pos !== reader.end) this.fail('unexpected instruction after the end of the function', undefined, reader.pos);
    if (reader.pos !== reader.end) this.fail('section size mismatch: code after the end of the function body', undefined, reader.pos);
    return { maxHeight: this.maxSp, resizeOp, resizePos, callees, growsMemoryItself, maxDepth: this.maxDepth };
  }
}
