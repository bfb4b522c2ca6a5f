// A small, independent reader and writer of the Wasm binary format for the fuzzers: splits a
// module into sections, reads the declarations the harness needs (types, imports, functions,
// tables, memories, globals, exports) and encodes LEB128 of any length. Deliberately separate
// from src/binary/, so a decoder bug in heapbase cannot hide itself from the tests.

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

export interface FuncType { params: ValType[]; results: ValType[] }
export interface Limits { min: number; max: number | undefined; flags: number }
export interface GlobalType { type: ValType; mutable: boolean }

export type ImportDesc =
  | { kind: 'func'; type: FuncType }
  | { kind: 'table'; element: ValType; limits: Limits }
  | { kind: 'memory'; limits: Limits }
  | { kind: 'global'; global: GlobalType };

export type Import = { module: string; name: string } & ImportDesc;
export interface Export { name: string; kind: 'func' | 'table' | 'memory' | 'global'; index: number }

export interface Section {
  id: number;
  /** Offset of the id byte. */
  start: number;
  /** Offset of the payload (after the size). */
  payload: number;
  /** Offset one past the payload. */
  end: number;
}

export interface ModuleInfo {
  sections: Section[];
  types: FuncType[];
  imports: Import[];
  /** Function types, imported functions first. */
  funcs: FuncType[];
  tables: { element: ValType; limits: Limits }[];
  memories: Limits[];
  globals: GlobalType[];
  exports: Export[];
  hasStart: boolean;
}

export class ParseError extends Error {}

const valTypes: Record<number, ValType> = {
  0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref',
};
const valTypeBytes: Record<ValType, number> = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f,
};
export const valTypeByte = (t: ValType): number => valTypeBytes[t];

export class ByteReader {
  constructor(readonly bytes: Uint8Array, public pos = 0, readonly end = bytes.length) {}

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) throw new ParseError(`unexpected end at ${this.pos}`);
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128 up to 32 bits, as a number. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
    }
    throw new ParseError(`LEB128 too long at ${this.pos}`);
  }

  /** Skips a signed LEB128 of at most `maxBytes` bytes. */
  skipLeb(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if (!(this.u8() & 0x80)) return;
    throw new ParseError(`LEB128 too long at ${this.pos}`);
  }

  take(n: number): Uint8Array {
    if (n > this.end - this.pos) throw new ParseError(`unexpected end at ${this.pos}`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  name(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.take(this.u32()));
  }

  valType(): ValType {
    const at = this.pos;
    const t = valTypes[this.u8()];
    if (!t) throw new ParseError(`bad value type at ${at}`);
    return t;
  }

  limits(): Limits {
    const flags = this.u8();
    const min = this.u32();
    const max = flags & 1 ? this.u32() : undefined;
    // custom-page-sizes: a page size exponent follows
    if (flags & 8) this.u32();
    return { min, max, flags };
  }

  /** Skips a constant expression up to and including its `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x0b: return;
        case 0x41: this.skipLeb(5); break;
        case 0x42: this.skipLeb(10); break;
        case 0x43: this.take(4); break;
        case 0x44: this.take(8); break;
        case 0x23: case 0xd2: this.u32(); break;
        case 0xd0: this.u8(); break;
        case 0xfd: { // v128.const, the only SIMD constant instruction
          const sub = this.u32();
          if (sub !== 12) throw new ParseError(`unexpected opcode 0xfd ${sub} in a constant expression`);
          this.take(16);
          break;
        }
        case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break; // extended-const
        default: throw new ParseError(`unexpected opcode 0x${op.toString(16)} in a constant expression`);
      }
    }
  }
}

/** The sections of a module, or a ParseError if the section framing itself is broken. */
export function splitSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8) throw new ParseError('too short');
  const r = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!r.atEnd) {
    const start = r.pos;
    const id = r.u8();
    const size = r.u32();
    const payload = r.pos;
    if (size > bytes.length - payload) throw new ParseError(`section at ${start} extends past the end`);
    r.pos = payload + size;
    sections.push({ id, start, payload, end: r.pos });
  }
  return sections;
}

export function parseModule(bytes: Uint8Array): ModuleInfo {
  const info: ModuleInfo = {
    sections: splitSections(bytes), types: [], imports: [], funcs: [], tables: [], memories: [], globals: [], exports: [], hasStart: false,
  };
  const vec = (r: ByteReader, each: () => void): void => {
    for (let n = r.u32(); n > 0; n--) each();
  };
  for (const s of info.sections) {
    const r = new ByteReader(bytes, s.payload, s.end);
    switch (s.id) {
      case 1: vec(r, () => {
        if (r.u8() !== 0x60) throw new ParseError('bad function type');
        const params: ValType[] = [];
        const results: ValType[] = [];
        vec(r, () => params.push(r.valType()));
        vec(r, () => results.push(r.valType()));
        info.types.push({ params, results });
      }); break;
      case 2: vec(r, () => {
        const module = r.name();
        const name = r.name();
        const kind = r.u8();
        if (kind === 0) {
          const type = info.types[r.u32()];
          if (!type) throw new ParseError('bad type index');
          info.imports.push({ module, name, kind: 'func', type });
          info.funcs.push(type);
        } else if (kind === 1) {
          const element = r.valType();
          const limits = r.limits();
          info.imports.push({ module, name, kind: 'table', element, limits });
          info.tables.push({ element, limits });
        } else if (kind === 2) {
          const limits = r.limits();
          info.imports.push({ module, name, kind: 'memory', limits });
          info.memories.push(limits);
        } else if (kind === 3) {
          const global = { type: r.valType(), mutable: r.u8() === 1 };
          info.imports.push({ module, name, kind: 'global', global });
          info.globals.push(global);
        } else throw new ParseError('bad import kind');
      }); break;
      case 3: vec(r, () => {
        const type = info.types[r.u32()];
        if (!type) throw new ParseError('bad type index');
        info.funcs.push(type);
      }); break;
      case 4: vec(r, () => info.tables.push({ element: r.valType(), limits: r.limits() })); break;
      case 5: vec(r, () => info.memories.push(r.limits())); break;
      case 6: vec(r, () => {
        info.globals.push({ type: r.valType(), mutable: r.u8() === 1 });
        r.constExpr();
      }); break;
      case 7: vec(r, () => {
        const name = r.name();
        const kind = (['func', 'table', 'memory', 'global'] as const)[r.u8()];
        if (!kind) throw new ParseError('bad export kind');
        info.exports.push({ name, kind, index: r.u32() });
      }); break;
      case 8: info.hasStart = true; break;
      default: break;
    }
  }
  return info;
}

// ---- encoding ----

export function uleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

export function sleb(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Unsigned LEB128 of `value` padded (or overflowing) to exactly `length` bytes. */
export function ulebPadded(value: number | bigint, length: number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(i < length - 1 ? b | 0x80 : b);
  }
  return out;
}

export function encodeName(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

export function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

export const HEADER = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

export function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Position of each known section id in the required order (data count sits before code).
const order: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12 };

/**
 * Adds exports to a module (used by the differential harness to observe globals, memory and
 * tables a module does not export itself). Names must not collide with existing ones.
 */
export function addExports(bytes: Uint8Array, info: ModuleInfo, extra: Export[]): Uint8Array {
  if (extra.length === 0) return bytes;
  const kindByte = { func: 0, table: 1, memory: 2, global: 3 } as const;
  const entries = [...info.exports, ...extra].flatMap((e) => [...encodeName(e.name), kindByte[e.kind], ...uleb(e.index)]);
  const payload = [...uleb(info.exports.length + extra.length), ...entries];
  const newSection = section(7, payload);
  const existing = info.sections.find((s) => s.id === 7);
  if (existing) {
    return concat([bytes.subarray(0, existing.start), newSection, bytes.subarray(existing.end)]);
  }
  // Insert before the first section that must come after exports.
  const after = info.sections.find((s) => s.id !== 0 && order[s.id] > order[7]);
  const at = after ? after.start : bytes.length;
  return concat([bytes.subarray(0, at), newSection, bytes.subarray(at)]);
}

/** A function to append to a module: its type and its body's instructions (no locals, no final `end`). */
export interface ExtraFunction { type: FuncType; code: number[] }

/** The payload of section `id` with `entries` appended to its vector (a new section if it has none). */
function appendToVector(bytes: Uint8Array, id: number, entries: number[][]): Uint8Array {
  const sections = splitSections(bytes);
  const existing = sections.find((s) => s.id === id);
  const flat = entries.flat();
  if (existing) {
    const r = new ByteReader(bytes, existing.payload, existing.end);
    const count = r.u32();
    const payload = [...uleb(count + entries.length), ...bytes.subarray(r.pos, existing.end), ...flat];
    return concat([bytes.subarray(0, existing.start), section(id, payload), bytes.subarray(existing.end)]);
  }
  const after = sections.find((s) => s.id !== 0 && order[s.id] > order[id]);
  const at = after ? after.start : bytes.length;
  return concat([bytes.subarray(0, at), section(id, [...uleb(entries.length), ...flat]), bytes.subarray(at)]);
}

/**
 * Appends functions to a module (the differential harness reads v128 globals through them: JS
 * cannot read a v128 global's value). Each gets a new type; their indices follow all existing
 * functions, so no index in the module changes. Returns the bytes and the new functions' indices.
 */
export function addFunctions(bytes: Uint8Array, info: ModuleInfo, funcs: ExtraFunction[]): { bytes: Uint8Array; indices: number[] } {
  if (funcs.length === 0) return { bytes, indices: [] };
  const types = funcs.map((f) => [0x60, ...uleb(f.type.params.length), ...f.type.params.map(valTypeByte), ...uleb(f.type.results.length), ...f.type.results.map(valTypeByte)]);
  let out = appendToVector(bytes, 1, types);
  out = appendToVector(out, 3, funcs.map((_, k) => uleb(info.types.length + k)));
  out = appendToVector(out, 10, funcs.map((f) => {
    const body = [0, ...f.code, 0x0b];
    return [...uleb(body.length), ...body];
  }));
  return { bytes: out, indices: funcs.map((_, k) => info.funcs.length + k) };
}
