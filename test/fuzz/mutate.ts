// Mutations of valid modules for the hostile-bytes tests: bit flips, truncations, byte edits,
// section-level edits (duplicate, swap, drop) and LEB128 re-encodings of section sizes and
// vector counts (over-long, too large, huge), plus hand-made modules with absurd declared sizes.
import { Rng } from './prng.js';
import { concat, HEADER, section, splitSections, uleb, ulebPadded, ByteReader, encodeName, type Section } from './wasm-bytes.js';

export const MUTATIONS = [
  'flip', 'truncate', 'bytes', 'insert', 'delete', 'dup-section', 'swap-sections', 'drop-section', 'leb-size', 'leb-count', 'huge-count',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

export interface Mutated {
  bytes: Uint8Array;
  /** What was done, precisely enough to reproduce by hand. */
  label: string;
}

function sectionsOf(bytes: Uint8Array): Section[] | null {
  try {
    return splitSections(bytes);
  } catch {
    return null;
  }
}

/** Sections whose payload starts with a vector count. */
const VECTOR_SECTIONS = new Set([1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]);

/** Rebuilds a section with a new payload, encoding its size with `sizeBytes` (or minimally). */
function rebuild(bytes: Uint8Array, s: Section, payload: Uint8Array | number[], sizeBytes?: number[]): Uint8Array {
  const size = sizeBytes ?? uleb(payload.length);
  return concat([bytes.subarray(0, s.start), [s.id, ...size], payload, bytes.subarray(s.end)]);
}

/** A LEB128 encoding of `value` that is wrong in some way (or right but unusual). */
function wrongLeb(rng: Rng, value: number): { bytes: number[]; what: string } {
  const minimal = uleb(value).length;
  switch (rng.int(6)) {
    case 0: {
      // over-long but within 5 bytes (valid), or beyond (malformed)
      const len = rng.range(minimal + 1, 10);
      return { bytes: ulebPadded(value, len), what: `${value} as ${len}-byte LEB128` };
    }
    case 1: {
      // 5 bytes with bits set above bit 31 in the last byte (malformed: "integer too large")
      const last = 0x10 << rng.int(3);
      const b = ulebPadded(value, 5);
      b[4] |= last;
      return { bytes: b, what: `${value} with unused bits 0x${last.toString(16)} set in byte 5` };
    }
    case 2: {
      // a value of 2^32 or more
      const big = BigInt(value) + (1n << BigInt(32 + rng.int(8)));
      return { bytes: uleb(big), what: `${big} (≥ 2^32)` };
    }
    case 3: {
      // unterminated: continuation bit on the last byte
      const b = ulebPadded(value, rng.range(minimal, 5));
      b[b.length - 1] |= 0x80;
      return { bytes: b, what: `${value} unterminated` };
    }
    case 4: {
      const v = value + rng.pick([-2, -1, 1, 2, 1000]);
      return { bytes: uleb(Math.max(0, v)), what: `${value} off by ${v - value}` };
    }
    default: {
      const v = rng.pick([0xffffffff, 0x80000000, 0x7fffffff, 0x10000000, 0x100000, 1_000_000, 65536, 0xfffffff0]);
      return { bytes: uleb(v), what: `huge ${v}` };
    }
  }
}

export function mutate(source: Uint8Array, kind: Mutation, rng: Rng): Mutated {
  const bytes = source.slice();
  const n = bytes.length;
  const sections = sectionsOf(source);
  const pickSection = (filter: (s: Section) => boolean = () => true): Section | null => {
    const list = (sections ?? []).filter(filter);
    return list.length ? rng.pick(list) : null;
  };
  switch (kind) {
    case 'flip': {
      const k = rng.range(1, 4);
      const where: string[] = [];
      for (let i = 0; i < k; i++) {
        const at = rng.chance(0.05) ? rng.int(Math.min(8, n)) : 8 + rng.int(Math.max(1, n - 8));
        if (at >= n) continue;
        const bit = rng.int(8);
        bytes[at] ^= 1 << bit;
        where.push(`${at}.${bit}`);
      }
      return { bytes, label: `flip bits ${where.join(' ')}` };
    }
    case 'truncate': {
      const cut = rng.int(n);
      return { bytes: bytes.subarray(0, cut), label: `truncate to ${cut}` };
    }
    case 'bytes': {
      const k = rng.range(1, 4);
      const where: string[] = [];
      for (let i = 0; i < k; i++) {
        const at = 8 + rng.int(Math.max(1, n - 8));
        if (at >= n) continue;
        bytes[at] = rng.chance(0.5) ? rng.pick([0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff, 0x70, 0x6f, 0x7b, 0xfc, 0xfd]) : rng.u32() & 0xff;
        where.push(`${at}=${bytes[at]}`);
      }
      return { bytes, label: `set bytes ${where.join(' ')}` };
    }
    case 'insert': {
      const at = rng.int(n + 1);
      const ins = rng.bytes(rng.range(1, 8));
      return { bytes: concat([source.subarray(0, at), ins, source.subarray(at)]), label: `insert ${Array.from(ins).join(',')} at ${at}` };
    }
    case 'delete': {
      const at = rng.int(n);
      const len = rng.range(1, 16);
      return { bytes: concat([source.subarray(0, at), source.subarray(at + len)]), label: `delete ${len} bytes at ${at}` };
    }
    case 'dup-section': {
      const s = pickSection();
      if (!s) return mutate(source, 'flip', rng);
      const copy = source.subarray(s.start, s.end);
      const after = rng.chance(0.5);
      const at = after ? s.end : n;
      return { bytes: concat([source.subarray(0, at), copy, source.subarray(at)]), label: `duplicate section ${s.id} at ${s.start} ${after ? 'right after' : 'at the end'}` };
    }
    case 'swap-sections': {
      if (!sections || sections.length < 2) return mutate(source, 'truncate', rng);
      const i = rng.int(sections.length - 1);
      const j = rng.chance(0.7) ? i + 1 : rng.range(i + 1, sections.length - 1);
      const a = sections[i];
      const b = sections[j];
      return {
        bytes: concat([source.subarray(0, a.start), source.subarray(b.start, b.end), source.subarray(a.end, b.start), source.subarray(a.start, a.end), source.subarray(b.end)]),
        label: `swap sections ${a.id}@${a.start} and ${b.id}@${b.start}`,
      };
    }
    case 'drop-section': {
      const s = pickSection();
      if (!s) return mutate(source, 'truncate', rng);
      return { bytes: concat([source.subarray(0, s.start), source.subarray(s.end)]), label: `drop section ${s.id} at ${s.start}` };
    }
    case 'leb-size': {
      const s = pickSection();
      if (!s) return mutate(source, 'flip', rng);
      const w = wrongLeb(rng, s.end - s.payload);
      return { bytes: rebuild(source, s, source.subarray(s.payload, s.end), w.bytes), label: `size of section ${s.id}@${s.start} written as ${w.what}` };
    }
    case 'leb-count':
    case 'huge-count': {
      const s = pickSection((x) => VECTOR_SECTIONS.has(x.id) && x.end > x.payload);
      if (!s) return mutate(source, 'flip', rng);
      const r = new ByteReader(source, s.payload, s.end);
      let count: number;
      try {
        count = r.u32();
      } catch {
        return mutate(source, 'flip', rng);
      }
      const w = kind === 'huge-count'
        ? (() => { const v = rng.pick([0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff, 0x10000000, 1_000_000, 100_000]); return { bytes: uleb(v), what: `${v}` }; })()
        : wrongLeb(rng, count);
      const payload = concat([w.bytes, source.subarray(r.pos, s.end)]);
      return { bytes: rebuild(source, s, payload), label: `count of section ${s.id}@${s.start} (${count}) written as ${w.what}` };
    }
  }
}

// ---- hand-made modules with absurd declared sizes ----

const mod = (...sections: number[][]): Uint8Array => concat([HEADER, ...sections]);
const funcType0 = section(1, [1, 0x60, 0, 0]); // type 0: [] -> []
const body = (locals: number[], code: number[]): number[] => {
  const b = [...locals, ...code, 0x0b];
  return [...uleb(b.length), ...b];
};
const codeSection = (...bodies: number[][]): number[] => section(10, [...uleb(bodies.length), ...bodies.flat()]);

export interface SpecialModule {
  name: string;
  /** Built on demand: some are megabytes. */
  make(): Uint8Array;
  /** A known heapbase bug makes instantiating this module unsafe (e.g. runs out of memory). */
  skipInstantiate?: string;
}

/** Modules with huge counts and sizes; each must be rejected or handled without trusting them. */
export function specialModules(): SpecialModule[] {
  const list: SpecialModule[] = [];
  const add = (name: string, make: () => Uint8Array, skipInstantiate?: string): void => {
    list.push({ name, make, ...(skipInstantiate ? { skipInstantiate } : {}) });
  };
  add('function count 2^32-1, no entries', () => mod(funcType0, section(3, uleb(0xffffffff))));
  add('function count 2^32-1 over-long LEB', () => mod(funcType0, section(3, ulebPadded(0xffffffff, 5))));
  add('type count 2^32-1', () => mod(section(1, uleb(0xffffffff))));
  add('type count 1,000,001 (one entry)', () => mod(section(1, [...uleb(1_000_001), 0x60, 0, 0])));
  add('import count 2^32-1', () => mod(section(2, uleb(0xffffffff))));
  add('export count 2^32-1', () => mod(section(7, uleb(0xffffffff))));
  add('global count 2^31', () => mod(section(6, uleb(0x80000000))));
  add('element count 2^32-1', () => mod(section(9, uleb(0xffffffff))));
  add('data count section 2^32-1, no data section', () => mod(section(12, uleb(0xffffffff))));
  add('data count 2^32-1 with 0 data segments', () => mod(section(12, uleb(0xffffffff)), section(11, [0])));
  add('data segment of 4 GiB - 1 bytes (declared)', () => mod(section(5, [0, 1]), section(11, [1, 0, 0x41, 0, 0x0b, ...uleb(0xffffffff)])));
  add('passive data segment of 2^31 bytes (declared)', () => mod(section(11, [1, 1, ...uleb(0x80000000), 1, 2, 3])));
  add('code count 2^32-1', () => mod(funcType0, section(3, [1, 0]), section(10, uleb(0xffffffff))));
  add('function body size 2^32-1', () => mod(funcType0, section(3, [1, 0]), section(10, [1, ...uleb(0xffffffff), 0, 0x0b])));
  add('a million locals in one declaration', () => mod(funcType0, section(3, [1, 0]), codeSection(body([1, ...uleb(1_000_000), 0x7f], []))));
  add('50,000 locals (the JS API limit)', () => mod(funcType0, section(3, [1, 0]), codeSection(body([1, ...uleb(50_000), 0x7f], []))));
  add('50,001 locals', () => mod(funcType0, section(3, [1, 0]), codeSection(body([1, ...uleb(50_001), 0x7f], []))));
  add('2^32-1 locals in one declaration', () => mod(funcType0, section(3, [1, 0]), codeSection(body([1, ...uleb(0xffffffff), 0x7f], []))));
  add('locals declarations summing past 2^32', () => mod(funcType0, section(3, [1, 0]), codeSection(body([2, ...uleb(0xffffffff), 0x7f, ...uleb(0xffffffff), 0x7e], []))));
  add('local declaration count 2^32-1', () => mod(funcType0, section(3, [1, 0]), codeSection(body(uleb(0xffffffff), []))));
  add('memory of 65536 pages maximum', () => mod(section(5, [1, 1, 0, ...uleb(65536)])));
  add('memory of 65536 pages initial', () => mod(section(5, [1, 0, ...uleb(65536)])));
  add('memory of 65537 pages maximum', () => mod(section(5, [1, 1, 0, ...uleb(65537)])));
  add('memory of 2^32-1 pages initial', () => mod(section(5, [1, 0, ...uleb(0xffffffff)])));
  add('memory count 2^32-1', () => mod(section(5, uleb(0xffffffff))));
  add('memory with max < min', () => mod(section(5, [1, 1, 2, 1])));
  add('memory limits flag 0xff', () => mod(section(5, [1, 0xff, 0, 0])));
  add('table of 2^32-1 elements', () => mod(section(4, [1, 0x70, 0, ...uleb(0xffffffff)])));
  add('table of 10,000,000 elements (the JS API limit)', () => mod(section(4, [1, 0x70, 0, ...uleb(10_000_000)])));
  add('table of 10,000,001 elements', () => mod(section(4, [1, 0x70, 0, ...uleb(10_000_001)])));
  add('table maximum 2^32-1', () => mod(section(4, [1, 0x70, 1, 0, ...uleb(0xffffffff)])));
  add('table count 2^32-1', () => mod(section(4, uleb(0xffffffff))));
  add('br_table with 2^32-1 targets (declared)', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [0x02, 0x40, 0x41, 0, 0x0e, ...uleb(0xffffffff), 0, 0x0b]))));
  add('br_table with 1,000,000 targets', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [0x02, 0x40, 0x41, 0, 0x0e, ...uleb(1_000_000), ...new Array(1_000_001).fill(0), 0x0b]))));
  add('select with 2^32-1 types', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [0x1c, ...uleb(0xffffffff)]))));
  add('function type with 2^32-1 params', () => mod(section(1, [1, 0x60, ...uleb(0xffffffff)])));
  add('function type with 1001 params', () => mod(section(1, [1, 0x60, ...uleb(1001), ...new Array(1001).fill(0x7f), 0])));
  add('function type with 1001 results', () => mod(section(1, [1, 0x60, 0, ...uleb(1001), ...new Array(1001).fill(0x7f)])));
  add('custom section name length 2^32-1', () => mod(section(0, uleb(0xffffffff))));
  add('custom section name past the section', () => mod(section(0, [10, 0x61])));
  add('name section with 2^32-1 function names', () => mod(section(0, [...encodeName('name'), 1, 5, ...uleb(0xffffffff)])));
  add('name section, function names subsection of size 2^32-1', () => mod(section(0, [...encodeName('name'), 1, ...uleb(0xffffffff)])));
  add('name section, local names for 2^32-1 functions', () => mod(section(0, [...encodeName('name'), 2, 5, ...uleb(0xffffffff)])));
  add('section size 2^32-1', () => mod([1, ...uleb(0xffffffff), 0]));
  add('section size 10-byte LEB', () => mod([1, ...ulebPadded(1, 10), 0]));
  add('section size 5-byte LEB (valid)', () => mod([1, ...ulebPadded(1, 5), 0]));
  add('section id 0xff', () => mod([0xff, 0]));
  add('section id as a 2-byte LEB', () => mod([0x81, 0x00, 0]));
  add('element segment of 2^32-1 functions', () => mod(funcType0, section(3, [1, 0]), section(4, [1, 0x70, 0, 1]), section(9, [1, 0, 0x41, 0, 0x0b, ...uleb(0xffffffff), 0]), codeSection(body([0], []))));
  add('active data at offset 2^32-1', () => mod(section(5, [1, 0, 1]), section(11, [1, 0, 0x41, ...uleb(0xffffffff), 0x0b, 1, 0x42])));
  add('active element at offset 2^32-1', () => mod(funcType0, section(3, [1, 0]), section(4, [1, 0x70, 0, 1]), section(9, [1, 0, 0x41, 0x7f, 0x0b, 1, 0]), codeSection(body([0], []))));
  add('100,000 nested blocks', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [...new Array(100_000).fill([0x02, 0x40]).flat(), ...new Array(100_000).fill(0x0b)]))));
  add('20,000 nested blocks with results', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [...new Array(20_000).fill([0x02, 0x7f]).flat(), 0x41, 0, ...new Array(20_000).fill(0x0b), 0x1a]))));
  add('20,000 nested loops', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [...new Array(20_000).fill([0x03, 0x40]).flat(), ...new Array(20_000).fill(0x0b)]))));
  add('20,000 nested ifs', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [...new Array(20_000).fill([0x41, 1, 0x04, 0x40]).flat(), ...new Array(20_000).fill(0x0b)]))));
  add('100,000 nested unclosed blocks', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], new Array(100_000).fill([0x02, 0x40]).flat()))));
  add('operand stack of 100,000 values', () => mod(funcType0, section(3, [1, 0]), codeSection(body([0], [...new Array(100_000).fill([0x41, 0]).flat(), ...new Array(100_000).fill(0x1a)]))));
  add('100,000 functions', () => {
    const n = 100_000;
    return mod(funcType0, section(3, [...uleb(n), ...new Array(n).fill(0)]), section(10, [...uleb(n), ...new Array(n).fill([2, 0, 0x0b]).flat()]));
  });
  add('1,000,001 functions (declared, JS API limit 1,000,000)', () => mod(funcType0, section(3, [...uleb(1_000_001), ...new Array(1_000_001).fill(0)])));
  add('100,000 imports', () => {
    const n = 100_000;
    const imp = new Array(n).fill([1, 0x6d, 1, 0x66, 0, 0]).flat();
    return mod(funcType0, section(2, [...uleb(n), ...imp]));
  });
  // The JS API's static limits (https://webassembly.github.io/spec/js-api/#limits): one past each.
  const n1 = (n: number): number[] => uleb(n);
  add('100,001 imports (JS API limit 100,000)', () => mod(funcType0, section(2, [...n1(100_001), ...new Array(100_001).fill([1, 0x6d, 1, 0x66, 0, 0]).flat()])));
  add('100,001 exports (JS API limit 100,000)', () => {
    const names: number[] = [];
    for (let i = 0; i < 100_001; i++) names.push(...encodeName(`e${i}`), 0, 0);
    return mod(funcType0, section(3, [1, 0]), section(7, [...n1(100_001), ...names]), codeSection(body([0], [])));
  });
  add('100,001 data segments (JS API limit 100,000)', () => mod(section(11, [...n1(100_001), ...new Array(100_001).fill([1, 0]).flat()])));
  add('100,001 tables (JS API limit 100,000)', () => mod(section(4, [...n1(100_001), ...new Array(100_001).fill([0x70, 0, 0]).flat()])));
  add('2 memories (multi-memory)', () => mod(section(5, [2, 0, 0, 0, 0])));
  add('export names of 1 MB', () => mod(funcType0, section(3, [1, 0]), section(7, [1, ...uleb(1 << 20), ...new Array(1 << 20).fill(0x61), 0, 0]), codeSection(body([0], []))));
  add('invalid UTF-8 export name', () => mod(funcType0, section(3, [1, 0]), section(7, [1, 2, 0xc3, 0x28, 0, 0]), codeSection(body([0], []))));
  add('start function index 2^32-1', () => mod(section(8, uleb(0xffffffff))));
  add('i32.const with a 10-byte LEB', () => mod(section(1, [1, 0x60, 0, 1, 0x7f]), section(3, [1, 0]), codeSection(body([0], [0x41, ...ulebPadded(1, 10)]))));
  add('memarg offset 2^32-1 over-long', () => mod(funcType0, section(3, [1, 0]), section(5, [1, 0, 1]), codeSection(body([0], [0x41, 0, 0x28, 2, ...ulebPadded(0xffffffff, 6), 0x1a]))));
  add('memarg alignment 2^32-1', () => mod(funcType0, section(3, [1, 0]), section(5, [1, 0, 1]), codeSection(body([0], [0x41, 0, 0x28, ...uleb(0xffffffff), 0, 0x1a]))));
  // start function: memory.grow by 65536 pages (4 GiB), allowed by the maximum
  add('start grows memory to 65536 pages', () => mod(funcType0, section(3, [1, 0]), section(5, [1, 1, 0, ...uleb(65536)]), section(8, [0]),
    codeSection(body([0], [0x41, 0x80, 0x80, 0x04, 0x40, 0, 0x1a]))));
  return list;
}

/** `pattern` repeated `n` times, fast for millions of bytes. */
function repeat(pattern: number[], n: number): Uint8Array {
  const out = new Uint8Array(pattern.length * n);
  out.set(pattern, 0);
  for (let filled = pattern.length; filled < out.length; filled *= 2) out.copyWithin(filled, 0, Math.min(filled, out.length - filled));
  return out;
}

/** A section from pieces (the payload may be megabytes). */
function bigSection(id: number, ...parts: (number[] | Uint8Array)[]): Uint8Array {
  const payload = concat(parts);
  return concat([[id, ...uleb(payload.length)], payload]);
}

/** One past the JS API's larger static limits (types, globals, functions, function body size): megabytes each. */
export function largeLimitModules(): SpecialModule[] {
  const list: SpecialModule[] = [];
  const add = (name: string, make: () => Uint8Array): void => {
    list.push({ name, make });
  };
  const n = 1_000_001;
  add('1,000,001 types (JS API limit 1,000,000)', () => concat([HEADER, bigSection(1, uleb(n), repeat([0x60, 0, 0], n))]));
  add('1,000,001 globals (JS API limit 1,000,000)', () => concat([HEADER, bigSection(6, uleb(n), repeat([0x7f, 0, 0x41, 0, 0x0b], n))]));
  add('1,000,001 functions (JS API limit 1,000,000)', () => concat([HEADER, funcType0, bigSection(3, uleb(n), repeat([0], n)), bigSection(10, uleb(n), repeat([2, 0, 0x0b], n))]));
  add('function body of 7,654,322 bytes (JS API limit 7,654,321)', () => {
    const size = 7_654_322; // locals (0), nops, end
    return concat([HEADER, funcType0, section(3, [1, 0]), bigSection(10, [1, ...uleb(size), 0], repeat([0x01], size - 2), [0x0b])]);
  });
  return list;
}
