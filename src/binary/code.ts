// Decoding instruction sequences (function bodies and constant expressions) with the opcode table.
import type { BlockType, FuncBody, Instr, ValType } from './module.js';
import { byteOps, prefixFcOps, prefixFdOps, prefixFeOps } from './opcodes.js';
import { Reader } from './reader.js';

const valTypeByByte: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
};

export function readValType(r: Reader): ValType {
  const at = r.pos;
  const t = valTypeByByte[r.u8()];
  if (t === undefined) r.fail('malformed value type', at);
  return t;
}

export function readRefType(r: Reader): 'funcref' | 'externref' {
  const at = r.pos;
  const b = r.u8();
  if (b === 0x70) return 'funcref';
  if (b === 0x6f) return 'externref';
  return r.fail('malformed reference type', at);
}

function readBlockType(r: Reader): BlockType {
  const at = r.pos;
  const b = r.bytes[r.pos];
  if (b === 0x40) {
    r.pos++;
    return null;
  }
  if (r.pos < r.end && valTypeByByte[b] !== undefined) {
    r.pos++;
    return valTypeByByte[b];
  }
  const index = r.s33();
  if (index < 0) r.fail('malformed block type', at);
  return index;
}

/** Reads one instruction at the reader's position. */
export function readInstr(r: Reader): Instr {
  const ins = blankInstr();
  readInstrInto(r, ins);
  return ins;
}

/**
 * Every field present from the start: one object shape for all instructions keeps the
 * validator's and code generator's property accesses monomorphic.
 */
export function blankInstr(): Instr {
  return { op: byteOps[0x01]!, pos: 0, a: 0, b: 0, blockType: undefined, targets: undefined, types: undefined, lane: 0, bytes: undefined };
}

/** Reads one instruction at the reader's position into `ins`, overwriting every field. */
export function readInstrInto(r: Reader, ins: Instr): void {
  const pos = r.pos;
  const byte = r.u8();
  let op = byteOps[byte];
  if (byte === 0xfc || byte === 0xfd || byte === 0xfe) {
    const sub = r.u32();
    op = (byte === 0xfc ? prefixFcOps : byte === 0xfd ? prefixFdOps : prefixFeOps)[sub];
    if (op === undefined) r.fail(`unknown opcode 0x${byte.toString(16)} ${sub}`, pos);
  }
  if (op === undefined) return r.fail(`unknown opcode 0x${byte.toString(16)}`, pos);
  ins.op = op;
  ins.pos = pos;
  ins.a = 0;
  ins.b = 0;
  ins.blockType = undefined;
  ins.targets = undefined;
  ins.types = undefined;
  ins.lane = 0;
  ins.bytes = undefined;
  switch (op.imm) {
    case 'none':
      break;
    case 'block':
      ins.blockType = readBlockType(r);
      break;
    case 'label': case 'func': case 'local': case 'global': case 'table': case 'data': case 'elem':
      ins.a = r.u32();
      break;
    case 'br_table': {
      const count = r.u32();
      if (count > r.end - r.pos) r.fail('unexpected end', r.pos);
      const targets = new Array<number>(count);
      for (let i = 0; i < count; i++) targets[i] = r.u32();
      ins.targets = targets;
      ins.a = r.u32();
      break;
    }
    case 'call_indirect':
      ins.a = r.u32();
      ins.b = r.u32();
      break;
    case 'memarg':
      ins.a = r.u32();
      ins.b = r.u32();
      break;
    case 'memory':
      ins.a = readZeroByte(r);
      break;
    case 'i32':
      ins.a = r.s32();
      break;
    case 'i64':
      ins.a = r.s64Words();
      ins.b = r.high;
      break;
    case 'f32':
      ins.a = r.f32Bits();
      break;
    case 'f64':
      ins.a = r.f64Words();
      ins.b = r.high;
      break;
    case 'reftype':
      ins.types = [readRefType(r)];
      break;
    case 'select_types': {
      const count = r.u32();
      if (count > r.end - r.pos) r.fail('unexpected end', r.pos);
      const types: ValType[] = [];
      for (let i = 0; i < count; i++) types.push(readValType(r));
      ins.types = types;
      break;
    }
    case 'memory_init':
      ins.a = r.u32();
      ins.b = readZeroByte(r);
      break;
    case 'memory_copy':
      ins.a = readZeroByte(r);
      ins.b = readZeroByte(r);
      break;
    case 'table_init': case 'table_copy':
      ins.a = r.u32();
      ins.b = r.u32();
      break;
    case 'memarg_lane':
      ins.a = r.u32();
      ins.b = r.u32();
      ins.lane = r.u8();
      break;
    case 'lane':
      ins.lane = r.u8();
      break;
    case 'v128': case 'shuffle': {
      const bytes = new Array<number>(16);
      for (let i = 0; i < 16; i++) bytes[i] = r.u8();
      ins.bytes = bytes;
      break;
    }
  }
}

/** Memory indices are a single zero byte until multi-memory. */
function readZeroByte(r: Reader): number {
  const at = r.pos;
  if (r.u8() !== 0) r.fail('zero byte expected', at);
  return 0;
}

/** A function body's instructions (decodeModule has checked that they decode). */
export function bodyCode(body: FuncBody): Instr[] {
  return readExpr(new Reader(body.bytes, body.codeStart, body.codeEnd));
}

/**
 * Checks that a function body's instructions decode, up to the `end` that closes them, without
 * keeping them (passes that need them decode them again). Returns the offset of the first
 * instruction that needs the data count section (memory.init, data.drop), or -1.
 */
export function checkBodyCode(r: Reader): number {
  const ins = blankInstr();
  let needsDataCount = -1;
  let depth = 0;
  for (;;) {
    if (r.pos >= r.end) r.fail('unexpected end of section or function');
    readInstrInto(r, ins);
    const name = ins.op.name;
    if (name === 'block' || name === 'loop' || name === 'if') depth++;
    else if (name === 'end') {
      if (depth === 0) return needsDataCount;
      depth--;
    } else if (needsDataCount < 0 && (name === 'memory.init' || name === 'data.drop')) needsDataCount = ins.pos;
  }
}

/**
 * Reads instructions up to and including the `end` that closes the sequence.
 * `else` and `end` are kept in the list, so later passes see the structure.
 */
export function readExpr(r: Reader): Instr[] {
  const code: Instr[] = [];
  let depth = 0;
  for (;;) {
    if (r.pos >= r.end) r.fail('unexpected end of section or function');
    const ins = readInstr(r);
    code.push(ins);
    const name = ins.op.name;
    if (name === 'block' || name === 'loop' || name === 'if') depth++;
    else if (name === 'end') {
      if (depth === 0) return code;
      depth--;
    }
  }
}
