// Decodes a module's bytes into the module IR. Checks the binary format only (malformed
// modules); typing rules belong to the validator.
import { checkBodyCode, readExpr, readRefType, readValType } from './code.js';
import type {
  ConstExpr, DataSegment, ElemSegment, Export, ExternKind, FuncBody, FuncType, GlobalType, Import, Limits,
  MemoryType, ModuleIR, NameSection, TableType, ValType,
} from './module.js';
import { opByName } from './opcodes.js';
import { Reader } from './reader.js';

/** The JS API's implementation limits (https://webassembly.github.io/spec/js-api/#limits). */
export const MAX_LOCALS = 50_000;
export const MAX_MODULE_BYTES = 1024 * 1024 * 1024;
const LIMITS = {
  types: 1_000_000, functions: 1_000_000, imports: 100_000, exports: 100_000, globals: 1_000_000,
  'data segments': 100_000, tables: 100_000, 'element segments': 10_000_000, params: 1_000, results: 1_000,
  'function body bytes': 7_654_321,
};

function checkLimit(r: Reader, what: keyof typeof LIMITS, count: number, at: number): void {
  if (count > LIMITS[what]) r.fail(`too many ${what}: ${count}, over the limit of ${LIMITS[what]}`, at);
}

// Section ids in the order they must appear; data count (12) sits between element and code.
const sectionOrder: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

const refFunc = opByName('ref.func');
const end = opByName('end');
const i32Const = opByName('i32.const');

/**
 * Objects a module may repeat hundreds of thousands of times, shared by their encoding: the
 * JS API allows 1,000,000 types and 10,000,000 element segments, and one object graph per
 * repetition ran out of memory. Shared objects are frozen; nothing writes to the IR after decoding.
 */
class Interned {
  readonly funcTypes = new Map<number | string, FuncType>();
  /** Expressions `i32.const N; end` where an i32 is expected, by N: they cannot fail validation, so no error loses its position. */
  readonly i32Offsets = new Map<number, ConstExpr>();
  readonly globalTypes = new Map<ValType, GlobalType[]>();
  /**
   * Short element segments, by encoding. Sharing keeps validation errors right: identical
   * segments in one module validate alike, so the first of them, whose position is kept, fails first.
   */
  readonly shortElems = new Map<number | string, ElemSegment>();
}

const SHORT_SEGMENT_BYTES = 32;

const noElements: ConstExpr[] = Object.freeze([]) as unknown as ConstExpr[];

export interface DecodeOptions {
  /**
   * Leave the function bodies' instructions undecoded, for a caller that validates next: the
   * validator decodes each instruction as it checks it (one pass instead of two), and on any
   * error calls checkCodeEncoding, so malformed code is still reported before invalid code.
   */
  deferCodeCheck?: boolean;
}

export function decodeModule(bytes: Uint8Array, options: DecodeOptions = {}): ModuleIR {
  const r = new Reader(bytes);
  if (bytes.length > MAX_MODULE_BYTES) r.fail(`module too large: ${bytes.length} bytes, over the limit of ${MAX_MODULE_BYTES}`, 0);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    r.fail('magic header not detected', 0);
  }
  r.pos = 4;
  if (bytes.length < 8) r.fail('unexpected end', 4);
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) r.fail('unknown binary version', 4);
  r.pos = 8;

  const m: ModuleIR = {
    types: [], imports: [], funcTypes: [], importedFuncCount: 0, tables: [], importedTableCount: 0,
    memories: [], importedMemoryCount: 0, globals: [], importedGlobalCount: 0, globalInits: [],
    exports: [], start: null, elems: [], datas: [], dataCount: null, bodies: [],
    codeChecked: options.deferCodeCheck !== true,
    names: { functions: new Map(), locals: new Map(), globals: new Map() }, customs: [],
  };
  let lastOrder = 0;
  let declaredFuncCount = 0;
  let sawCode = false;
  const interned = new Interned();

  while (!r.atEnd) {
    const idAt = r.pos;
    const id = r.u8();
    const size = r.u32();
    const start = r.pos;
    if (size > r.end - start) r.fail('section size mismatch: section extends past the end', idAt);
    const s = new Reader(bytes, start, start + size);
    if (id !== 0) {
      const order = sectionOrder[id];
      if (order === undefined) r.fail(`malformed section id ${id}`, idAt);
      if (order <= lastOrder) r.fail('unexpected content after last section (section out of order or repeated)', idAt);
      lastOrder = order;
    }
    switch (id) {
      case 0: readCustom(s, m); break;
      case 1: vec(s, () => m.types.push(readFuncType(s, interned)), 'types'); break;
      case 2: vec(s, () => readImport(s, m, interned), 'imports'); break;
      case 3: vec(s, () => { m.funcTypes.push(s.u32()); declaredFuncCount++; }, 'functions'); break;
      case 4: vec(s, () => m.tables.push(readTableType(s)), 'tables'); break;
      case 5: vec(s, () => m.memories.push(readMemoryType(s))); break;
      case 6: vec(s, () => {
        const type = readGlobalType(s, interned);
        m.globals.push(type);
        // An i32 global's `i32.const N` cannot fail validation: shareable like an offset.
        m.globalInits.push(type.type === 'i32' ? readI32ConstExpr(s, interned) : readExpr(s));
      }, 'globals'); break;
      case 7: readExports(s, m); break;
      case 8: m.start = s.u32(); break;
      case 9: vec(s, () => m.elems.push(readElem(s, interned)), 'element segments'); break;
      case 12: m.dataCount = s.u32(); break;
      case 10: {
        sawCode = true;
        const count = s.u32();
        if (count !== declaredFuncCount) s.fail('function and code section have inconsistent lengths', start);
        for (let i = 0; i < count; i++) m.bodies.push(readBody(s, m, paramCount(m, m.importedFuncCount + i), m.codeChecked));
        break;
      }
      case 11: {
        const count = s.u32();
        checkLimit(s, 'data segments', count, start);
        if (m.dataCount !== null && count !== m.dataCount) {
          s.fail('data count and data section have inconsistent lengths', start);
        }
        for (let i = 0; i < count; i++) m.datas.push(readData(s, interned));
        break;
      }
    }
    if (s.pos !== s.end) s.fail('section size mismatch', s.pos);
    r.pos = start + size;
  }
  if (!sawCode && declaredFuncCount > 0) r.fail('function and code section have inconsistent lengths', r.pos);
  if (m.dataCount !== null && m.datas.length !== m.dataCount) {
    r.fail('data count and data section have inconsistent lengths', r.pos);
  }
  return m;
}

/** Reads a vector's count (checked against a JS API limit if named), then calls `item` that many times. */
function vec(r: Reader, item: () => void, limit?: keyof typeof LIMITS): void {
  const count = vecCount(r, limit);
  for (let i = 0; i < count; i++) item();
}

/** A vector's item count, checked against `limit` and against the bytes left. */
function vecCount(r: Reader, limit?: keyof typeof LIMITS): number {
  const at = r.pos;
  const count = r.u32();
  if (limit) checkLimit(r, limit, count, at);
  // Every item takes at least one byte: a larger count cannot be honest.
  if (count > r.end - r.pos) r.fail('unexpected end: vector count exceeds the section', r.pos);
  return count;
}

function readFuncType(r: Reader, interned: Interned): FuncType {
  const at = r.pos;
  if (r.u8() !== 0x60) r.fail('integer representation too long: expected function type 0x60', at);
  const params: ValType[] = [];
  vec(r, () => params.push(readValType(r)), 'params');
  const results: ValType[] = [];
  vec(r, () => results.push(readValType(r)), 'results');
  const key = encodingKey(r.bytes, at, r.pos);
  let type = interned.funcTypes.get(key);
  if (type === undefined) {
    type = Object.freeze({ params: Object.freeze(params), results: Object.freeze(results) });
    interned.funcTypes.set(key, type);
  }
  return type;
}

/**
 * A Map key for the bytes `[start, end)`: a number for up to 6 bytes (no allocation), else a
 * string of char codes 0–255.
 */
function encodingKey(bytes: Uint8Array, start: number, end: number): number | string {
  const length = end - start;
  if (length <= 6) {
    let key = length * 2 ** 48;
    for (let i = 0, scale = 1; i < length; i++, scale *= 256) key += bytes[start + i] * scale;
    return key;
  }
  let s = '';
  for (let i = start; i < end; i += 4096) s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  return s;
}

function readLimits(r: Reader, flags: number): Limits {
  const min = r.u32();
  const max = flags & 1 ? r.u32() : undefined;
  return { min, max };
}

function readTableType(r: Reader): TableType {
  const element = readRefType(r);
  const at = r.pos;
  const flags = r.u8();
  if (flags > 1) r.fail('integer too large: malformed table limits flags', at);
  return { element, ...readLimits(r, flags) };
}

function readMemoryType(r: Reader): MemoryType {
  const at = r.pos;
  const flags = r.u8();
  // Bit 0: has maximum; bit 1: shared (threads); bit 3: custom page size follows.
  if (flags & ~0b1011) r.fail('integer too large: malformed memory limits flags', at);
  const limits = readLimits(r, flags);
  let pageSizeLog2 = 16;
  if (flags & 8) {
    const logAt = r.pos;
    pageSizeLog2 = r.u32();
    if (pageSizeLog2 !== 0 && pageSizeLog2 !== 16) r.fail(`invalid custom page size 2^${pageSizeLog2}`, logAt);
  }
  return { ...limits, shared: (flags & 2) !== 0, pageSizeLog2 };
}

function readGlobalType(r: Reader, interned: Interned): GlobalType {
  const type = readValType(r);
  const at = r.pos;
  const m = r.u8();
  if (m > 1) r.fail('malformed mutability', at);
  let byMutability = interned.globalTypes.get(type);
  if (byMutability === undefined) interned.globalTypes.set(type, byMutability = []);
  return byMutability[m] ??= Object.freeze({ type, mutable: m === 1 });
}

/**
 * A constant expression of type i32 (a segment offset, an i32 global's initialiser); the
 * common `i32.const N; end` is shared, not decoded again.
 */
function readI32ConstExpr(r: Reader, interned: Interned): ConstExpr {
  const at = r.pos;
  if (r.bytes[at] === 0x41 && at < r.end) {
    r.pos++;
    const value = r.s32();
    if (r.pos < r.end && r.bytes[r.pos] === 0x0b) {
      r.pos++;
      let expr = interned.i32Offsets.get(value);
      if (expr === undefined) {
        const instr = (op: typeof end, a: number): ConstExpr[number] => Object.freeze({ op, pos: at, a, b: 0, blockType: undefined, targets: undefined, types: undefined, lane: 0, bytes: undefined });
        expr = Object.freeze([instr(i32Const, value), instr(end, 0)]) as unknown as ConstExpr;
        interned.i32Offsets.set(value, expr);
      }
      return expr;
    }
    r.pos = at;
  }
  return readExpr(r);
}

function readImport(r: Reader, m: ModuleIR, interned: Interned): void {
  const pos = r.pos;
  const module = r.name();
  const name = r.name();
  const kindAt = r.pos;
  const kind = r.u8();
  let imp: Import;
  switch (kind) {
    case 0: imp = { module, name, pos, kind: 'func', typeIndex: r.u32() }; m.funcTypes.push(imp.typeIndex); m.importedFuncCount++; break;
    case 1: imp = { module, name, pos, kind: 'table', type: readTableType(r) }; m.tables.push(imp.type); m.importedTableCount++; break;
    case 2: imp = { module, name, pos, kind: 'memory', type: readMemoryType(r) }; m.memories.push(imp.type); m.importedMemoryCount++; break;
    case 3: imp = { module, name, pos, kind: 'global', type: readGlobalType(r, interned) }; m.globals.push(imp.type); m.importedGlobalCount++; break;
    default: return r.fail('malformed import kind', kindAt);
  }
  m.imports.push(imp);
}

const exportKinds: ExternKind[] = ['func', 'table', 'memory', 'global'];

function readExports(r: Reader, m: ModuleIR): void {
  vec(r, () => {
    const name = r.name();
    const kindAt = r.pos;
    const kind = exportKinds[r.u8()];
    if (kind === undefined) r.fail('malformed export kind', kindAt);
    const e: Export = { name, kind, index: r.u32() };
    m.exports.push(e);
  }, 'exports');
}

function funcIndexExpr(index: number, pos: number): ConstExpr {
  const instr = (op: typeof end, a: number): ConstExpr[number] => ({ op, pos, a, b: 0, blockType: undefined, targets: undefined, types: undefined, lane: 0, bytes: undefined });
  return [instr(refFunc, index), instr(end, 0)];
}

function readElem(r: Reader, interned: Interned): ElemSegment {
  const pos = r.pos;
  const flags = r.u32();
  if (flags > 7) r.fail('malformed elements segment kind', pos);
  // Bit 0: passive or declarative; bit 1: explicit table index (active) or declarative;
  // bit 2: element expressions instead of function indices.
  const mode = flags & 1 ? (flags & 2 ? 'declarative' : 'passive') : 'active';
  const table = mode === 'active' && flags & 2 ? r.u32() : 0;
  const offset = mode === 'active' ? readI32ConstExpr(r, interned) : null;
  let type: 'funcref' | 'externref' = 'funcref';
  if (flags & 3) {
    if (flags & 4) type = readRefType(r);
    else {
      const at = r.pos;
      if (r.u8() !== 0) r.fail('malformed element kind', at);
    }
  }
  // Without vec's closure per segment: a module may have 10,000,000 of them.
  const count = vecCount(r);
  let init = noElements;
  if (count > 0) {
    init = [];
    for (let i = 0; i < count; i++) {
      if (flags & 4) init.push(readExpr(r));
      else { const at = r.pos; init.push(funcIndexExpr(r.u32(), at)); }
    }
  }
  const key = r.pos - pos <= SHORT_SEGMENT_BYTES ? encodingKey(r.bytes, pos, r.pos) : undefined;
  let seg = key === undefined ? undefined : interned.shortElems.get(key);
  if (seg === undefined) {
    seg = { mode, table, offset, type, init, pos };
    if (key !== undefined) interned.shortElems.set(key, Object.freeze(seg));
  }
  return seg;
}

function readData(r: Reader, interned: Interned): DataSegment {
  const pos = r.pos;
  const flags = r.u32();
  if (flags > 2) r.fail('malformed data segment kind', pos);
  const memory = flags === 2 ? r.u32() : 0;
  const offset = flags === 1 ? null : readI32ConstExpr(r, interned);
  const len = r.u32();
  const bytes = r.bytesOf(len);
  return { mode: flags === 1 ? 'passive' : 'active', memory, offset, bytes, pos };
}

/** The number of parameters of function `index`, or 0 if its type index is invalid (the validator reports that). */
function paramCount(m: ModuleIR, index: number): number {
  return m.types[m.funcTypes[index]]?.params.length ?? 0;
}

/** `params`: the function's parameter count; the JS API limits parameters and locals together. */
function readBody(r: Reader, m: ModuleIR, params: number, checkCode: boolean): FuncBody {
  const pos = r.pos;
  const size = r.u32();
  const start = r.pos;
  checkLimit(r, 'function body bytes', size, pos);
  if (size > r.end - start) r.fail('unexpected end: function body extends past the section', pos);
  const b = new Reader(r.bytes, start, start + size);
  const locals: ValType[] = [];
  let total = params;
  vec(b, () => {
    const countAt = b.pos;
    const n = b.u32();
    total += n;
    if (total > MAX_LOCALS) b.fail(`too many locals (more than ${MAX_LOCALS}, parameters included)`, countAt);
    const t = readValType(b);
    for (let i = 0; i < n; i++) locals.push(t);
  });
  const codeStart = b.pos;
  // Decoded here only to reject malformed code now; passes that need it decode it again.
  if (checkCode) checkBodyEncoding(b, m);
  r.pos = b.end;
  return { locals, pos, bytes: r.bytes, codeStart, codeEnd: b.end };
}

/** Throws the CompileError of a body whose instructions do not decode. */
function checkBodyEncoding(b: Reader, m: ModuleIR): void {
  const needsDataCount = checkBodyCode(b);
  if (b.pos !== b.end) b.fail('section size mismatch: code after the end of the function body', b.pos);
  if (m.dataCount === null && needsDataCount >= 0) b.fail('data count section required', needsDataCount);
}

/** Decodes every body's instructions, throwing the first malformed one's CompileError. */
export function checkCodeEncoding(m: ModuleIR): void {
  for (let i = 0; i < m.bodies.length; i++) {
    const body = m.bodies[i];
    checkBodyEncoding(new Reader(body.bytes, body.codeStart, body.codeEnd), m);
  }
  m.codeChecked = true;
}

function readCustom(r: Reader, m: ModuleIR): void {
  const name = r.name();
  const bytes = r.bytes.subarray(r.pos, r.end);
  m.customs.push({ name, bytes });
  if (name === 'name') {
    // A malformed name section is ignored, as the spec allows: names are only for debugging.
    try {
      m.names = readNames(new Reader(r.bytes, r.pos, r.end));
    } catch { /* keep the empty name map */ }
  }
  r.pos = r.end;
}

function readNameMap(r: Reader, into: Map<number, string>): void {
  vec(r, () => { const index = r.u32(); into.set(index, r.name()); });
}

function readNames(r: Reader): NameSection {
  const names: NameSection = { functions: new Map(), locals: new Map(), globals: new Map() };
  while (!r.atEnd) {
    const id = r.u8();
    const size = r.u32();
    const sub = new Reader(r.bytes, r.pos, r.take(size) + size);
    if (id === 0) names.module = sub.name();
    else if (id === 1) readNameMap(sub, names.functions);
    else if (id === 2) {
      vec(sub, () => {
        const func = sub.u32();
        const map = new Map<number, string>();
        readNameMap(sub, map);
        names.locals.set(func, map);
      });
    } else if (id === 7) readNameMap(sub, names.globals);
  }
  return names;
}
