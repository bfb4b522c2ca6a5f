// Just enough of the binary format to patch memory types in a module wabt assembled: walk the
// sections, rewrite the memory entries of the import and memory sections, re-encode sizes.
//
// Memory type encoding with the custom-page-sizes proposal (its Overview.md, and the
// hand-written module in custom-page-sizes-invalid.wast: "\08" flags, "\00" min, "\41" = 2^65):
//
//   flags:u8  min  [max if flags & 1]  [page-size log2:u32 if flags & 8]
//
// flags bit 0 = has maximum, bit 1 = shared, bit 2 = 64-bit index, bit 3 = custom page size.
// min and max are LEB128 (u64 in Wasm 3.0 for both index types).

export class BinaryFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinaryFormatError';
  }
}

export function encodeULEB(v: bigint | number): number[] {
  let n = BigInt(v);
  if (n < 0n) throw new RangeError(`negative LEB value ${n}`);
  const out: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) byte |= 0x80;
    out.push(byte);
  } while (n !== 0n);
  return out;
}

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  u8(): number {
    if (this.pos >= this.end) throw new BinaryFormatError(`unexpected end at ${this.pos}`);
    return this.bytes[this.pos++];
  }

  leb(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
      if (shift > 70n) throw new BinaryFormatError(`LEB128 too long at ${this.pos}`);
    }
  }

  name(): string {
    const n = Number(this.leb());
    if (this.pos + n > this.end) throw new BinaryFormatError(`name past end at ${this.pos}`);
    const s = new TextDecoder('utf-8', { ignoreBOM: true }).decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

export interface Section {
  id: number;
  /** The payload (without id and size). */
  payload: Uint8Array;
}

/** Splits a module into sections. Throws BinaryFormatError on a truncated module. */
export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8) throw new BinaryFormatError('module shorter than its header');
  const c = new Cursor(bytes, 8);
  const out: Section[] = [];
  while (c.pos < bytes.length) {
    const id = c.u8();
    const size = Number(c.leb());
    if (c.pos + size > bytes.length) throw new BinaryFormatError(`section ${id} extends past the end`);
    out.push({ id, payload: bytes.subarray(c.pos, c.pos + size) });
    c.pos += size;
  }
  return out;
}

export function writeSections(header: Uint8Array, sections: Section[]): Uint8Array {
  const parts: number[] = [...header.subarray(0, 8)];
  for (const s of sections) {
    parts.push(s.id, ...encodeULEB(s.payload.length));
    for (const b of s.payload) parts.push(b);
  }
  return new Uint8Array(parts);
}

/** A memory type as found in (or to be written to) a binary. */
export interface MemType {
  flags: number;
  min: bigint;
  max?: bigint;
  /** Present iff flags & 8. */
  pageSizeLog2?: bigint;
}

function readMemType(c: Cursor): MemType {
  const flags = c.u8();
  if (flags & ~0x0f) throw new BinaryFormatError(`unexpected memory limits flags 0x${flags.toString(16)}`);
  const t: MemType = { flags, min: c.leb() };
  if (flags & 1) t.max = c.leb();
  if (flags & 8) t.pageSizeLog2 = c.leb();
  return t;
}

function encodeMemType(t: MemType): number[] {
  const out = [t.flags, ...encodeULEB(t.min)];
  if (t.flags & 1) out.push(...encodeULEB(t.max ?? 0n));
  if (t.flags & 8) out.push(...encodeULEB(t.pageSizeLog2 ?? 16n));
  return out;
}

/** Skips table limits (flags: bit 0 max, bit 2 64-bit). */
function skipLimits(c: Cursor): void {
  const flags = c.u8();
  c.leb();
  if (flags & 1) c.leb();
}

/** Skips a value or reference type: one byte, or 0x63/0x64 followed by a heap type. */
function skipValType(c: Cursor): void {
  const b = c.u8();
  if (b === 0x63 || b === 0x64) c.leb(); // (ref null? ht): heap type as s33; same bytes as a LEB
}

const IMPORT_SECTION = 2;
const MEMORY_SECTION = 5;

interface ImportEntry {
  module: string;
  name: string;
  kind: number;
  /** Offsets of the descriptor within the payload. */
  descStart: number;
  descEnd: number;
  memType?: MemType;
}

function readImports(payload: Uint8Array): ImportEntry[] {
  const c = new Cursor(payload);
  const count = Number(c.leb());
  const out: ImportEntry[] = [];
  for (let i = 0; i < count; i++) {
    const module = c.name();
    const name = c.name();
    const kind = c.u8();
    const descStart = c.pos;
    let memType: MemType | undefined;
    switch (kind) {
      case 0: // func: type index
        c.leb();
        break;
      case 1: // table
        skipValType(c);
        skipLimits(c);
        break;
      case 2:
        memType = readMemType(c);
        break;
      case 3: // global: type, mutability
        skipValType(c);
        c.u8();
        break;
      case 4: // tag: attribute, type index
        c.u8();
        c.leb();
        break;
      default:
        throw new BinaryFormatError(`unknown import kind ${kind}`);
    }
    out.push({ module, name, kind, descStart, descEnd: c.pos, memType });
  }
  if (c.pos !== payload.length) throw new BinaryFormatError('import section has trailing bytes');
  return out;
}

/** The module names a binary imports from (for dependency tracking). */
export function importModuleNames(bytes: Uint8Array): string[] {
  const imports = readSections(bytes).find((s) => s.id === IMPORT_SECTION);
  return imports === undefined ? [] : readImports(imports.payload).map((i) => i.module);
}

/** The memory types of a binary in index order: imported ones, then defined ones. */
export function readMemTypes(bytes: Uint8Array): MemType[] {
  const out: MemType[] = [];
  for (const s of readSections(bytes)) {
    if (s.id === IMPORT_SECTION) {
      for (const i of readImports(s.payload)) if (i.memType !== undefined) out.push(i.memType);
    } else if (s.id === MEMORY_SECTION) {
      const c = new Cursor(s.payload);
      const count = Number(c.leb());
      for (let i = 0; i < count; i++) out.push(readMemType(c));
    }
  }
  return out;
}

/**
 * Rewrites the memory types of a module: `patch(index, type)` receives each memory type in
 * index order and returns its replacement. Returns the new module bytes.
 */
export function patchMemTypes(bytes: Uint8Array, patch: (index: number, t: MemType) => MemType): Uint8Array {
  let index = 0;
  const sections = readSections(bytes).map((s): Section => {
    if (s.id === IMPORT_SECTION) {
      const entries = readImports(s.payload);
      if (!entries.some((e) => e.memType !== undefined)) return s;
      const c = new Cursor(s.payload);
      c.leb(); // count
      const out: number[] = [...s.payload.subarray(0, c.pos)];
      let at = c.pos;
      for (const e of entries) {
        out.push(...s.payload.subarray(at, e.descStart));
        if (e.memType !== undefined) out.push(...encodeMemType(patch(index++, e.memType)));
        else out.push(...s.payload.subarray(e.descStart, e.descEnd));
        at = e.descEnd;
      }
      return { id: s.id, payload: new Uint8Array(out) };
    }
    if (s.id === MEMORY_SECTION) {
      const c = new Cursor(s.payload);
      const count = Number(c.leb());
      const out: number[] = encodeULEB(count);
      for (let i = 0; i < count; i++) out.push(...encodeMemType(patch(index++, readMemType(c))));
      if (c.pos !== s.payload.length) throw new BinaryFormatError('memory section has trailing bytes');
      return { id: s.id, payload: new Uint8Array(out) };
    }
    return s;
  });
  return writeSections(bytes, sections);
}
