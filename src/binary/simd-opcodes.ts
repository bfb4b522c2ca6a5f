// Fixed-width SIMD instructions (the 0xfd prefix) as rows of the opcode table (opcodes.ts reads
// them into the one table). A v128 is four int32 words in generated code: see Quad in
// opcodes.ts for the template conventions. Templates use runtime/simd.ts (`simd_*`, `V128`) and
// runtime/numeric.ts by name.
//
// Templates are inline wherever the instruction fits in a few expressions: V8 stops inlining
// helpers into the large functions of real kernels, and an inlined helper can still cost more
// than the same code written inline (below). i8x16/i16x8 lanes use SWAR word arithmetic (H has
// each lane's top bit, L the others). f32 lanes go through the typed arrays simd_I32/simd_F32
// (bits → value, value → bits rounded to f32 once); moves and sign operations keep the exact
// bits. Helpers remain for swizzle, q15mulr, i64 lane products and f64x2.
import type { Imm, MemAccess, Quad, SimdImm, Template } from './opcodes.js';

export interface SimdRow {
  /** The sub-opcode after 0xfd (a u32 LEB128 in the binary; all are below 0x100). */
  readonly sub: number;
  readonly name: string;
  readonly imm: Imm;
  /** Operand and result letters: i i32, I i64, f f32, F f64, V v128 ('VV:V'). */
  readonly shape: string;
  /** The template, or a function of the immediates for lane and shuffle instructions. */
  readonly js: Template | ((imm: SimdImm) => Template);
  /** Loads and stores: the access width (the natural alignment) and direction. */
  readonly mem?: MemAccess;
  /** Instructions with a lane immediate: the number of lanes. */
  readonly lanes?: number;
}

type Words = [string, string, string, string];
type Bits = 8 | 16 | 32 | 64;

const K = [0, 1, 2, 3];
/** The words of a whole-vector helper's result. */
const V128_RESULT: Words = ['V128[0]', 'V128[1]', 'V128[2]', 'V128[3]'];

/** Word k of operand n. */
const w = (n: number, k: number): string => `$${n}w${k}`;

/** A v128 result word by word. */
function words(f: (k: number) => string, pre?: string): Quad {
  const q = K.map(f) as Words;
  return pre === undefined ? { w: q } : { pre, w: q };
}

/** An int32 literal (negative ones parenthesized, since templates are pasted into expressions). */
function int(n: number): string {
  n |= 0;
  return n < 0 ? `(${n})` : String(n);
}

/** Word k (bytes 4k..4k+3, little-endian) of 16 immediate bytes, as an int32 literal. */
function literalWord(bytes: readonly number[], k: number): string {
  return int(bytes[4 * k] | (bytes[4 * k + 1] << 8) | (bytes[4 * k + 2] << 16) | (bytes[4 * k + 3] << 24));
}

const rows: SimdRow[] = [];

function row(sub: number, name: string, imm: Imm, shape: string, js: SimdRow['js'], extra?: { mem?: MemAccess; lanes?: number }): void {
  rows.push({ sub, name, imm, shape, js, ...extra });
}

/** Lane count of a lane width. */
const laneCount = (bits: Bits): number => 128 / bits;
const laneName = { 8: 'i8x16', 16: 'i16x8', 32: 'i32x4', 64: 'i64x2' } as const;

/** SWAR constants of the narrow lane widths. */
const SWAR = {
  8: { H: '0x80808080', L: '0x7f7f7f7f', top: 7, ones: 0xff, repeat: '0x01010101' },
  16: { H: '0x80008000', L: '0x7fff7fff', top: 15, ones: 0xffff, repeat: '0x10001' },
} as const;

/**
 * SWAR word expressions for i8x16 and i16x8 (a, b: side-effect-free word expressions). Templates
 * use them inline, with intermediate words in $m scratch, rather than word helpers: V8 stops
 * inlining helpers into the large functions of real kernels (blend: 2-3× slower with helpers).
 */
function swar(bits: 8 | 16) {
  const { H, L, top } = SWAR[bits];
  return {
    /** Lane-wise a + b: the low bits add without crossing lanes, the top bits by xor. */
    add: (a: string, b: string): string => `(((${a} & ${L}) + (${b} & ${L})) ^ ((${a} ^ ${b}) & ${H}))`,
    /** Lane-wise a - b: every lane of a | H is at least that of b & L, so no borrow crosses lanes. */
    sub: (a: string, b: string): string => `(((${a} | ${H}) - (${b} & ${L})) ^ ((${a} ^ ~${b}) & ${H}))`,
    /** Top bits: the borrow out of each lane of a - b (d = sub(a, b)), i.e. a < b unsigned (Hacker's Delight 2-13). */
    borrow: (a: string, b: string, d: string): string => `(((~${a} & ${b}) | (~(${a} ^ ${b}) & ${d})) & ${H})`,
    /** Top bits of the lanes of x that are nonzero: (x & L) + L carries into the top bit, or x has it. */
    nonzero: (x: string): string => `((((${x} & ${L}) + ${L}) | ${x}) & ${H})`,
    /** Lanes whose top bit h has (h & L = 0) made all ones, the others zero; no borrow crosses lanes. */
    spread: (h: string): string => `(${h} | ((${h} >>> 0) - (${h} >>> ${top})))`,
    /** Top bits of a's lanes. */
    sign: (a: string): string => `(${a} & ${H})`,
    /** Signed order as unsigned: the top bits flipped. */
    flip: (a: string): string => `(${a} ^ ${H})`,
    H, L,
  };
}

/**
 * pre statements leaving in $m0..$m3 the top bit of each lane of word k where a(k) < b(k)
 * unsigned ($m4..$m7: the differences).
 */
function lessThanTopBits(bits: 8 | 16, a: (k: number) => string, b: (k: number) => string): string {
  const S = swar(bits);
  return K.map((k) => `$m${k + 4} = ${S.sub(a(k), b(k))}; $m${k} = ${S.borrow(a(k), b(k), `$m${k + 4}`)};`).join(' ');
}

// ------------------------------------------------------------------------------------------------
// Lane access, shared by extract/replace_lane, splats and the lane loads and stores.

/** Lane `lane` of operand n (bits 8 or 16), sign- or zero-extended to an int32. */
function laneValue(n: number, bits: 8 | 16, lane: number, signed: boolean): string {
  const per = 32 / bits;
  const x = w(n, Math.floor(lane / per));
  const s = (lane % per) * bits;
  if (signed) return s + bits === 32 ? `${x} >> ${s}` : `(${x} << ${32 - bits - s}) >> ${32 - bits}`;
  return s + bits === 32 ? `${x} >>> ${s}` : s === 0 ? `${x} & ${SWAR[bits].ones}` : `(${x} >>> ${s}) & ${SWAR[bits].ones}`;
}

/**
 * Operand n with lane `lane` replaced: by value (an i32 whose low `bits` bits are taken) for 8 and
 * 16 bits, by the lane's words (lo, hi) for 32 and 64.
 */
function replaceLane(n: number, bits: Bits, lane: number, value: readonly string[], pre?: string): Quad {
  if (bits >= 32) {
    const per = bits / 32;
    return words((k) => (Math.floor(k / per) === lane ? value[k % per] : w(n, k)), pre);
  }
  const per = 32 / bits;
  const s = (lane % per) * bits;
  const ones = SWAR[bits as 8 | 16].ones;
  const put = s + bits === 32 ? `${value[0]} << ${s}` : `(${value[0]} & ${ones}) << ${s}`;
  return words((k) => (k === Math.floor(lane / per) ? `(${w(n, k)} & ${int(~(ones << s))}) | (${put})` : w(n, k)), pre);
}

/**
 * An f32 scalar (a number; a NaN may be a box) as lane bits, and lane bits as an f32 scalar:
 * inline through slots 3 and 4 of simd_F32/simd_I32 (see f32 below), numeric.ts's exact
 * conversions only for NaNs.
 */
const f32ScalarBits = (x: string): string => `(${x} === ${x} ? (simd_F32[3] = ${x}, simd_I32[3]) : f32_to_bits(${x}))`;
const f32Scalar = (bits: string): string => `(simd_I32[4] = ${bits}, simd_F32[4] === simd_F32[4] ? simd_F32[4] : f32_from_bits(${bits}))`;

/** A v128 of x's low `bits` bits repeated (x an i32 expression; for 64, x and xh are the words). */
function splat(bits: Bits, x: string, xh = ''): Quad {
  if (bits === 64) return { pre: `$m0 = ${x}; $m1 = ${xh};`, w: ['$m0', '$m1', '$m0', '$m1'] };
  const word = bits === 32 ? x : `Math.imul(${x} & ${SWAR[bits as 8 | 16].ones}, ${SWAR[bits as 8 | 16].repeat})`;
  return words(() => '$m0', `$m0 = ${word};`);
}

/**
 * The low (src[0]) and high (src[1]) half-vector words widened to twice the lane width: an
 * 8-bit lane pair of each half word becomes a word of two 16-bit lanes, and so on.
 */
function extend(src: readonly [string, string], bits: 8 | 16 | 32, signed: boolean): Words {
  const half = (x: string, high: boolean): string => {
    if (bits === 16) return signed ? (high ? `${x} >> 16` : `(${x} << 16) >> 16`) : high ? `${x} >>> 16` : `${x} & 0xffff`;
    // 8: bytes 0, 1 (or 2, 3) to the two halves of a word.
    if (signed) return high ? `(((${x} << 8) >> 24) & 0xffff) | ((${x} >> 8) & -65536)` : `(((${x} << 24) >> 24) & 0xffff) | (((${x} << 16) >> 8) & -65536)`;
    return high ? `((${x} >>> 16) & 0xff) | ((${x} >>> 8) & 0xff0000)` : `(${x} & 0xff) | ((${x} & 0xff00) << 8)`;
  };
  if (bits === 32) return [src[0], signed ? `${src[0]} >> 31` : '0', src[1], signed ? `${src[1]} >> 31` : '0'];
  return [half(src[0], false), half(src[0], true), half(src[1], false), half(src[1], true)];
}

// ------------------------------------------------------------------------------------------------
// Memory. `$A` is the effective address; DataView throws RangeError (the trap) out of bounds.

row(0x00, 'v128.load', 'memarg', 'i:V', { w: ['dv.getInt32($A, true)', 'dv.getInt32($A + 4, true)', 'dv.getInt32($A + 8, true)', 'dv.getInt32($A + 12, true)'] }, { mem: { width: 16, store: false } });
// The last word first: an out-of-bounds store throws before anything is written.
row(0x0b, 'v128.store', 'memarg', 'iV:', 'dv.setInt32($A + 12, $1w3, true), dv.setInt32($A, $1w0, true), dv.setInt32($A + 4, $1w1, true), dv.setInt32($A + 8, $1w2, true)', { mem: { width: 16, store: true } });

const LOAD_8_BYTES = '$m0 = dv.getInt32($A, true); $m1 = dv.getInt32($A + 4, true);';
([8, 16, 32] as const).forEach((bits, i) => {
  for (const signed of [true, false]) {
    const name = `v128.load${bits}x${64 / bits}_${signed ? 's' : 'u'}`;
    row(0x01 + 2 * i + (signed ? 0 : 1), name, 'memarg', 'i:V', { pre: LOAD_8_BYTES, w: extend(['$m0', '$m1'], bits, signed) }, { mem: { width: 8, store: false } });
  }
});

const loadLane: Record<Bits, string[]> = {
  8: ['dv.getUint8($A)'],
  16: ['dv.getUint16($A, true)'],
  32: ['dv.getInt32($A, true)'],
  64: ['dv.getInt32($A, true)', 'dv.getInt32($A + 4, true)'],
};
([8, 16, 32, 64] as const).forEach((bits, i) => {
  const mem = { width: bits / 8, store: false };
  const [lo, hi] = loadLane[bits];
  row(0x07 + i, `v128.load${bits}_splat`, 'memarg', 'i:V', splat(bits, bits < 32 ? `(${lo})` : lo, hi), { mem });
  const lanes = laneCount(bits);
  const byLane = Array.from({ length: lanes }, (_, lane) => replaceLane(1, bits, lane, loadLane[bits]));
  row(0x54 + i, `v128.load${bits}_lane`, 'memarg_lane', 'iV:V', (imm) => byLane[imm.lane], { mem, lanes });
  const store = Array.from({ length: lanes }, (_, lane) => {
    if (bits === 64) return `dv.setInt32($A + 4, ${w(1, 2 * lane + 1)}, true), dv.setInt32($A, ${w(1, 2 * lane)}, true)`;
    if (bits === 32) return `dv.setInt32($A, ${w(1, lane)}, true)`;
    const per = 32 / bits;
    const s = (lane % per) * bits;
    const x = s === 0 ? w(1, Math.floor(lane / per)) : `${w(1, Math.floor(lane / per))} >> ${s}`;
    return bits === 8 ? `dv.setInt8($A, ${x})` : `dv.setInt16($A, ${x}, true)`;
  });
  row(0x58 + i, `v128.store${bits}_lane`, 'memarg_lane', 'iV:', (imm) => store[imm.lane], { mem: { width: bits / 8, store: true }, lanes });
});
row(0x5c, 'v128.load32_zero', 'memarg', 'i:V', { w: ['dv.getInt32($A, true)', '0', '0', '0'] }, { mem: { width: 4, store: false } });
row(0x5d, 'v128.load64_zero', 'memarg', 'i:V', { w: ['dv.getInt32($A, true)', 'dv.getInt32($A + 4, true)', '0', '0'] }, { mem: { width: 8, store: false } });

// ------------------------------------------------------------------------------------------------
// Constants, shuffles, splats, lanes.

row(0x0c, 'v128.const', 'v128', ':V', (imm) => ({ w: K.map((k) => literalWord(imm.bytes, k)) as Words }));

/**
 * Result word k of a shuffle: its bytes grouped by source word and by how far they move, each
 * group one shift and mask (none where the shift clears the other bytes), e.g. a whole word moved
 * is just that word.
 */
function shuffleWord(bytes: readonly number[], k: number): string {
  const groups = new Map<string, { src: string; delta: number; positions: number[] }>();
  for (let p = 0; p < 4; p++) {
    const idx = bytes[4 * k + p];
    const src = w(idx >> 4, (idx >> 2) & 3);
    const delta = (idx & 3) - p;
    const key = `${src}/${delta}`;
    const g = groups.get(key) ?? { src, delta, positions: [] };
    g.positions.push(p);
    groups.set(key, g);
  }
  const terms = [...groups.values()].map(({ src, delta, positions }) => {
    const shifted = delta > 0 ? `${src} >>> ${8 * delta}` : delta < 0 ? `${src} << ${-8 * delta}` : src;
    // Bytes the shift leaves nonzero: 0..3-delta (right), -delta..3 (left).
    const live = 4 - Math.abs(delta);
    if (positions.length === live) return positions.length === 4 ? src : `(${shifted})`;
    const mask = positions.reduce((m, p) => m | (0xff << (8 * p)), 0);
    return `((${shifted}) & ${int(mask)})`;
  });
  return terms.join(' | ');
}
row(0x0d, 'i8x16.shuffle', 'shuffle', 'VV:V', (imm) => ({ w: K.map((k) => shuffleWord(imm.bytes, k)) as Words }));
row(0x0e, 'i8x16.swizzle', 'none', 'VV:V', { pre: 'simd_i8x16_swizzle($0w0, $0w1, $0w2, $0w3, $1w0, $1w1, $1w2, $1w3);', w: V128_RESULT });

row(0x0f, 'i8x16.splat', 'none', 'i:V', splat(8, '$0'));
row(0x10, 'i16x8.splat', 'none', 'i:V', splat(16, '$0'));
row(0x11, 'i32x4.splat', 'none', 'i:V', { w: ['$0', '$0', '$0', '$0'] });
row(0x12, 'i64x2.splat', 'none', 'I:V', { w: ['$0l', '$0h', '$0l', '$0h'] });
row(0x13, 'f32x4.splat', 'none', 'f:V', splat(32, f32ScalarBits('$0')));
row(0x14, 'f64x2.splat', 'none', 'F:V', splat(64, 'f64_to_bits($0)', 'HI[0]'));

/** Templates by lane index, made once (code generators may cache by identity). */
function byLane(lanes: number, f: (lane: number) => Template): (imm: SimdImm) => Template {
  const t = Array.from({ length: lanes }, (_, lane) => f(lane));
  return (imm) => t[imm.lane];
}
const F64_BITS_OF_1 = '$m0 = f64_to_bits($1); $m1 = HI[0];';
const lanesOps: { sub: number; name: string; shape: string; lanes: number; js: (lane: number) => Template }[] = [
  { sub: 0x15, name: 'i8x16.extract_lane_s', shape: 'V:i', lanes: 16, js: (l) => laneValue(0, 8, l, true) },
  { sub: 0x16, name: 'i8x16.extract_lane_u', shape: 'V:i', lanes: 16, js: (l) => laneValue(0, 8, l, false) },
  { sub: 0x17, name: 'i8x16.replace_lane', shape: 'Vi:V', lanes: 16, js: (l) => replaceLane(0, 8, l, ['$1']) },
  { sub: 0x18, name: 'i16x8.extract_lane_s', shape: 'V:i', lanes: 8, js: (l) => laneValue(0, 16, l, true) },
  { sub: 0x19, name: 'i16x8.extract_lane_u', shape: 'V:i', lanes: 8, js: (l) => laneValue(0, 16, l, false) },
  { sub: 0x1a, name: 'i16x8.replace_lane', shape: 'Vi:V', lanes: 8, js: (l) => replaceLane(0, 16, l, ['$1']) },
  { sub: 0x1b, name: 'i32x4.extract_lane', shape: 'V:i', lanes: 4, js: (l) => w(0, l) },
  { sub: 0x1c, name: 'i32x4.replace_lane', shape: 'Vi:V', lanes: 4, js: (l) => replaceLane(0, 32, l, ['$1']) },
  { sub: 0x1d, name: 'i64x2.extract_lane', shape: 'V:I', lanes: 2, js: (l) => ({ lo: w(0, 2 * l), hi: w(0, 2 * l + 1) }) },
  { sub: 0x1e, name: 'i64x2.replace_lane', shape: 'VI:V', lanes: 2, js: (l) => replaceLane(0, 64, l, ['$1l', '$1h']) },
  { sub: 0x1f, name: 'f32x4.extract_lane', shape: 'V:f', lanes: 4, js: (l) => f32Scalar(w(0, l)) },
  { sub: 0x20, name: 'f32x4.replace_lane', shape: 'Vf:V', lanes: 4, js: (l) => replaceLane(0, 32, l, [f32ScalarBits('$1')]) },
  { sub: 0x21, name: 'f64x2.extract_lane', shape: 'V:F', lanes: 2, js: (l) => `f64_from_bits(${w(0, 2 * l)}, ${w(0, 2 * l + 1)})` },
  { sub: 0x22, name: 'f64x2.replace_lane', shape: 'VF:V', lanes: 2, js: (l) => replaceLane(0, 64, l, ['$m0', '$m1'], F64_BITS_OF_1) },
];
for (const op of lanesOps) row(op.sub, op.name, 'lane', op.shape, byLane(op.lanes, op.js), { lanes: op.lanes });

// ------------------------------------------------------------------------------------------------
// Comparisons: all ones in the lanes where the relation holds.

const relations = ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u'] as const;
const jsRelation = { eq: '===', ne: '!==', lt: '<', gt: '>', le: '<=', ge: '>=' } as const;
type Rel = keyof typeof jsRelation;

/**
 * i8x16 and i16x8: eq from the nonzero lanes of a ^ b, the others from a < b unsigned (signed:
 * both top bits flipped); gt is lt swapped, le and ge the complements of gt and lt.
 */
function narrowCompare(bits: 8 | 16, rel: (typeof relations)[number]): Quad {
  const S = swar(bits);
  const [r, sign] = rel.split('_') as [Rel, string | undefined];
  if (r === 'eq' || r === 'ne') {
    const pre = K.map((k) => `$m${k} = ${S.nonzero(`(${w(0, k)} ^ ${w(1, k)})`)};`).join(' ');
    return words((k) => `${r === 'eq' ? '~' : ''}${S.spread(`$m${k}`)}`, pre);
  }
  const v = (n: number) => (k: number): string => (sign === 's' ? S.flip(w(n, k)) : w(n, k));
  const [x, y] = r === 'lt' || r === 'ge' ? [0, 1] : [1, 0];
  return words((k) => `${r === 'le' || r === 'ge' ? '~' : ''}${S.spread(`$m${k}`)}`, lessThanTopBits(bits, v(x), v(y)));
}

/** `-(condition) | 0`: -1 or 0. */
const mask = (cond: string): string => `-(${cond}) | 0`;

relations.forEach((rel, i) => {
  row(0x23 + i, `i8x16.${rel}`, 'none', 'VV:V', narrowCompare(8, rel));
  row(0x2d + i, `i16x8.${rel}`, 'none', 'VV:V', narrowCompare(16, rel));
  const [r, sign] = rel.split('_') as [Rel, string | undefined];
  const u = (x: string): string => (sign === 'u' ? `(${x} >>> 0)` : x);
  row(0x37 + i, `i32x4.${rel}`, 'none', 'VV:V', words((k) => mask(`${u(w(0, k))} ${jsRelation[r]} ${u(w(1, k))}`)));
});

/** i64 lane relations on (lo, hi) words: the high words decide unless equal, then the low words unsigned. */
function compare64(rel: Rel, lane: number): string {
  const [al, ah, bl, bh] = [w(0, 2 * lane), w(0, 2 * lane + 1), w(1, 2 * lane), w(1, 2 * lane + 1)];
  switch (rel) {
    case 'eq': return `${al} === ${bl} && ${ah} === ${bh}`;
    case 'ne': return `${al} !== ${bl} || ${ah} !== ${bh}`;
    default: {
      const [op, x, y] = rel === 'lt' || rel === 'le' ? [rel, 0, 1] : [rel === 'gt' ? 'lt' : 'le', 1, 0];
      const [xl, xh, yl, yh] = x === 0 ? [al, ah, bl, bh] : [bl, bh, al, ah];
      return `${xh} < ${yh} || (${xh} === ${yh} && (${xl} >>> 0) ${jsRelation[op as Rel]} (${yl} >>> 0))`;
    }
  }
}
/** A v128 of two i64 lanes, each all ones or zero by cond(lane). */
const laneMasks64 = (cond: (lane: number) => string): Quad =>
  ({ pre: `$m0 = ${mask(cond(0))}; $m1 = ${mask(cond(1))};`, w: ['$m0', '$m0', '$m1', '$m1'] });
(['eq', 'ne', 'lt', 'gt', 'le', 'ge'] as const).forEach((rel, i) => {
  row(0xd6 + i, `i64x2.${rel}${i < 2 ? '' : '_s'}`, 'none', 'VV:V', laneMasks64((lane) => compare64(rel, lane)));
});

// f32 lanes: operand n's lane k is read as a value through slot n of simd_I32/simd_F32 (two views
// of one buffer), a result written as bits through slot 2. Inline and one slot per role: through a
// helper, or with one slot for all, V8's code is 3-5× slower (the dot_f32 kernel's f32x4 mul+add:
// 65 → 13 ns). A signalling NaN comes out quiet, which arithmetic may do; moves use the words.
// f64x2 instructions are whole-vector helpers (see runtime/simd.ts for why).
const f32 = (n: number, k: number): string => `(simd_I32[${n}] = ${w(n, k)}, simd_F32[${n}])`;
/** A number rounded to f32 (once, ties to even), as lane bits. */
const f32Bits = (x: string): string => `(simd_F32[2] = ${x}, simd_I32[2])`;
const operandWords = (n: number): string => K.map((k) => w(n, k)).join(', ');
const viaV128 = (call: string): Quad => ({ pre: `${call};`, w: V128_RESULT });
const f64x2 = (helper: string, operands: readonly number[]): Quad =>
  viaV128(`simd_${helper}(${operands.map(operandWords).join(', ')})`);

(['eq', 'ne', 'lt', 'gt', 'le', 'ge'] as const).forEach((rel, i) => {
  row(0x41 + i, `f32x4.${rel}`, 'none', 'VV:V', words((k) => mask(`${f32(0, k)} ${jsRelation[rel]} ${f32(1, k)}`)));
  // gt and ge: lt and le swapped.
  const [helper, operands] = rel === 'gt' ? ['lt', [1, 0]] : rel === 'ge' ? ['le', [1, 0]] : [rel, [0, 1]];
  row(0x47 + i, `f64x2.${rel}`, 'none', 'VV:V', f64x2(`f64x2_${helper}`, operands));
});

// ------------------------------------------------------------------------------------------------
// Bitwise.

row(0x4d, 'v128.not', 'none', 'V:V', words((k) => `~${w(0, k)}`));
row(0x4e, 'v128.and', 'none', 'VV:V', words((k) => `${w(0, k)} & ${w(1, k)}`));
row(0x4f, 'v128.andnot', 'none', 'VV:V', words((k) => `${w(0, k)} & ~${w(1, k)}`));
row(0x50, 'v128.or', 'none', 'VV:V', words((k) => `${w(0, k)} | ${w(1, k)}`));
row(0x51, 'v128.xor', 'none', 'VV:V', words((k) => `${w(0, k)} ^ ${w(1, k)}`));
// Bits of $0 where $2 is set, of $1 elsewhere.
row(0x52, 'v128.bitselect', 'none', 'VVV:V', words((k) => `${w(1, k)} ^ ((${w(0, k)} ^ ${w(1, k)}) & ${w(2, k)})`));
row(0x53, 'v128.any_true', 'none', 'V:i', '+(($0w0 | $0w1 | $0w2 | $0w3) !== 0)');

// ------------------------------------------------------------------------------------------------
// Integer lane arithmetic. Each operation's sub-opcodes for i8x16, i16x8, i32x4, i64x2 (0: none).

const intOps: [string, number, number, number, number][] = [
  ['abs', 0x60, 0x80, 0xa0, 0xc0],
  ['neg', 0x61, 0x81, 0xa1, 0xc1],
  ['popcnt', 0x62, 0, 0, 0],
  ['all_true', 0x63, 0x83, 0xa3, 0xc3],
  ['bitmask', 0x64, 0x84, 0xa4, 0xc4],
  ['shl', 0x6b, 0x8b, 0xab, 0xcb],
  ['shr_s', 0x6c, 0x8c, 0xac, 0xcc],
  ['shr_u', 0x6d, 0x8d, 0xad, 0xcd],
  ['add', 0x6e, 0x8e, 0xae, 0xce],
  ['add_sat_s', 0x6f, 0x8f, 0, 0],
  ['add_sat_u', 0x70, 0x90, 0, 0],
  ['sub', 0x71, 0x91, 0xb1, 0xd1],
  ['sub_sat_s', 0x72, 0x92, 0, 0],
  ['sub_sat_u', 0x73, 0x93, 0, 0],
  ['mul', 0, 0x95, 0xb5, 0xd5],
  ['min_s', 0x76, 0x96, 0xb6, 0],
  ['min_u', 0x77, 0x97, 0xb7, 0],
  ['max_s', 0x78, 0x98, 0xb8, 0],
  ['max_u', 0x79, 0x99, 0xb9, 0],
  ['avgr_u', 0x7b, 0x9b, 0, 0],
];

const unary = (t: Template): [string, Template] => ['V:V', t];
const binary = (t: Template): [string, Template] => ['VV:V', t];
const shift = (t: Template): [string, Template] => ['Vi:V', t];
const test = (t: Template): [string, Template] => ['V:i', t];

/** i8x16 and i16x8. */
function narrowInt(bits: 8 | 16, op: string): [string, Template] {
  const { ones, repeat } = SWAR[bits];
  const S = swar(bits);
  const { H, L } = S;
  const name = laneName[bits];
  const a = (k: number): string => w(0, k);
  const b = (k: number): string => w(1, k);
  /** min/max: where $0 < $1 (top bits in $m0..$m3), a select. */
  const select = (signed: boolean, min: boolean): Quad => {
    const v = (n: number) => (k: number): string => (signed ? S.flip(w(n, k)) : w(n, k));
    return words((k) => `${w(min ? 1 : 0, k)} ^ ((${a(k)} ^ ${b(k)}) & ${S.spread(`$m${k}`)})`, lessThanTopBits(bits, v(0), v(1)));
  };
  /** Saturating: the wrapped sum or difference in $m0..$m3, the overflowing lanes' top bits in $m4..$m7. */
  const saturating = (op: string): Quad => {
    const sum = op.startsWith('add');
    const pre = K.map((k) => {
      const r = `$m${k}`;
      const over = op === 'add_sat_u' ? `((${a(k)} & ${b(k)}) | ((${a(k)} | ${b(k)}) & ~${r})) & ${H}` // the carry out
        : op === 'sub_sat_u' ? S.borrow(a(k), b(k), r)
          : `${sum ? '~' : ''}(${a(k)} ^ ${b(k)}) & (${a(k)} ^ ${r}) & ${H}`; // signed overflow: the sign of r is wrong
      return `${r} = ${sum ? S.add(a(k), b(k)) : S.sub(a(k), b(k))}; $m${k + 4} = ${over};`;
    }).join(' ');
    return words((k) => {
      const [r, m] = [`$m${k}`, S.spread(`$m${k + 4}`)];
      if (op === 'add_sat_u') return `${r} | ${m}`;
      if (op === 'sub_sat_u') return `${r} & ~${m}`;
      // The bound on the side of a's sign: L (all but the top bit) or H.
      return `${r} ^ ((${r} ^ (${L} ^ ${S.spread(S.sign(a(k)))})) & ${m})`;
    }, pre);
  };
  switch (op) {
    // (x ^ m) - m with m all ones in the negative lanes; the minimum stays as it is.
    case 'abs': return unary(words((k) => S.sub(`(${a(k)} ^ $m${k})`, `$m${k}`), K.map((k) => `$m${k} = ${S.spread(S.sign(a(k)))};`).join(' ')));
    case 'neg': return unary(words((k) => `(${H} - (${w(0, k)} & ${L})) ^ (~${w(0, k)} & ${H})`)); // 0 - x lane-wise
    case 'popcnt': return unary(words((k) => `($m${k} + ($m${k} >>> 4)) & 0x0f0f0f0f`, K.map((k) =>
      `$m${k} = (${a(k)} - ((${a(k)} >>> 1) & 0x55555555)) | 0; $m${k} = ($m${k} & 0x33333333) + (($m${k} >>> 2) & 0x33333333);`).join(' ')));
    // A lane is zero iff the borrow of x - 1 reaches its top bit while x's top bit is clear;
    // borrows from zero lanes can only mark lanes above them, so "any zero" is exact.
    case 'all_true': return test(`+(((${K.map((k) => `((${w(0, k)} - ${bits === 8 ? '0x01010101' : '0x10001'}) & ~${w(0, k)})`).join(' | ')}) & ${H}) === 0)`);
    case 'bitmask':
      return test(bits === 8
        // The bytes' top bits moved to bits 0, 8, 16, 24, then one multiply lands them on bits
        // 21..24 (the partial products fall on distinct bits, so nothing carries).
        ? K.map((k) => `(((Math.imul((${w(0, k)} >>> 7) & 0x01010101, 0x204081) >>> 21) & 15) << ${4 * k})`).join(' | ')
        : K.map((k) => `(((${w(0, k)} >>> 15) & 1) << ${2 * k}) | ((${w(0, k)} >>> 31) << ${2 * k + 1})`).join(' | '));
    // Shift the word, then clear the bits that crossed into the neighbouring lane ($m1).
    case 'shl': return shift(words((k) => `(${w(0, k)} << $m0) & $m1`, `$m0 = $1 & ${bits - 1}; $m1 = Math.imul((${ones} << $m0) & ${ones}, ${repeat});`));
    case 'shr_u': return shift(words((k) => `(${w(0, k)} >>> $m0) & $m1`, `$m0 = $1 & ${bits - 1}; $m1 = Math.imul(${ones} >>> $m0, ${repeat});`));
    // Shift the word, keep each lane's bits ($m9) and fill the vacated ones with its sign.
    case 'shr_s': return shift(words((k) => `((${a(k)} >>> $m8) & $m9) | (${S.spread(S.sign(a(k)))} & ~$m9)`, `$m8 = $1 & ${bits - 1}; $m9 = Math.imul(${ones} >>> $m8, ${repeat});`));
    case 'add': return binary(words((k) => `((${w(0, k)} & ${L}) + (${w(1, k)} & ${L})) ^ ((${w(0, k)} ^ ${w(1, k)}) & ${H})`));
    case 'sub': return binary(words((k) => `((${w(0, k)} | ${H}) - (${w(1, k)} & ${L})) ^ ((${w(0, k)} ^ ~${w(1, k)}) & ${H})`));
    case 'add_sat_s': case 'add_sat_u': case 'sub_sat_s': case 'sub_sat_u': return binary(saturating(op));
    // The low lane's product is the low half of the word product; the high lane's from the high halves.
    case 'mul': return binary(words((k) => `(Math.imul(${w(0, k)}, ${w(1, k)}) & 0xffff) | Math.imul(${w(0, k)} & -65536, ${w(1, k)} >>> 16)`));
    case 'min_s': return binary(select(true, true));
    case 'min_u': return binary(select(false, true));
    case 'max_s': return binary(select(true, false));
    case 'max_u': return binary(select(false, false));
    // (a + b + 1) >> 1 = (a | b) - ((a ^ b) >> 1), which never borrows across lanes.
    case 'avgr_u': return binary(words((k) => `((${w(0, k)} | ${w(1, k)}) - ((${w(0, k)} ^ ${w(1, k)}) >>> 1 & ${L})) | 0`));
  }
  throw new Error(`no ${name}.${op}`);
}

function int32(op: string): [string, Template] {
  const a = (k: number): string => w(0, k);
  const b = (k: number): string => w(1, k);
  const pick = (cond: (k: number) => string): Quad => words((k) => `(${cond(k)} ? ${a(k)} : ${b(k)})`);
  switch (op) {
    case 'abs': return unary(words((k) => `((${a(k)} ^ (${a(k)} >> 31)) - (${a(k)} >> 31)) | 0`));
    case 'neg': return unary(words((k) => `-${a(k)} | 0`));
    case 'all_true': return test(`+(${K.map((k) => `${a(k)} !== 0`).join(' && ')})`);
    case 'bitmask': return test(K.map((k) => (k === 0 ? `(${a(k)} >>> 31)` : `((${a(k)} >>> 31) << ${k})`)).join(' | '));
    // JS takes shift counts mod 32, as Wasm does for 32-bit lanes.
    case 'shl': return shift(words((k) => `${a(k)} << $1`));
    case 'shr_s': return shift(words((k) => `${a(k)} >> $1`));
    case 'shr_u': return shift(words((k) => `(${a(k)} >>> $1) | 0`));
    case 'add': return binary(words((k) => `(${a(k)} + ${b(k)}) | 0`));
    case 'sub': return binary(words((k) => `(${a(k)} - ${b(k)}) | 0`));
    case 'mul': return binary(words((k) => `Math.imul(${a(k)}, ${b(k)})`));
    case 'min_s': return binary(pick((k) => `${a(k)} < ${b(k)}`));
    case 'min_u': return binary(pick((k) => `(${a(k)} >>> 0) < (${b(k)} >>> 0)`));
    case 'max_s': return binary(pick((k) => `${a(k)} > ${b(k)}`));
    case 'max_u': return binary(pick((k) => `(${a(k)} >>> 0) > (${b(k)} >>> 0)`));
  }
  throw new Error(`no i32x4.${op}`);
}

/** Shifts of both i64 lanes by one count: $m0 = all ones when the count (mod 64) is 32..63. */
const COUNT_BIT5 = '$m0 = ($1 << 26) >> 31;';

function int64(op: string): [string, Template] {
  // Lane i is (l, h) = words 2i, 2i + 1 of $0 (and of $1 as (L, H)).
  const lanes = (f: (l: string, h: string, L: string, H: string, i: number) => [string, string], pre?: string): Quad => {
    const [l0, h0] = f(w(0, 0), w(0, 1), w(1, 0), w(1, 1), 0);
    const [l1, h1] = f(w(0, 2), w(0, 3), w(1, 2), w(1, 3), 1);
    return pre === undefined ? { w: [l0, h0, l1, h1] } : { pre, w: [l0, h0, l1, h1] };
  };
  switch (op) {
    // Negative lanes ($m_i all ones): ~x + 1, which carries into the high word when l is 0.
    case 'abs': return unary(lanes((l, h, _L, _H, i) => [`((${l} ^ $m${i}) - $m${i}) | 0`, `((${h} ^ $m${i}) + ($m${i} & (${l} === 0))) | 0`], '$m0 = $0w1 >> 31; $m1 = $0w3 >> 31;'));
    case 'neg': return unary(lanes((l, h) => [`-${l} | 0`, `(-${h} - (${l} !== 0)) | 0`]));
    case 'all_true': return test('+(($0w0 | $0w1) !== 0 && ($0w2 | $0w3) !== 0)');
    case 'bitmask': return test('($0w1 >>> 31) | (($0w3 >>> 31) << 1)');
    // JS masks shift counts to 5 bits, and `~n` acts as 31 - n: `(x >>> 1) >>> ~n` is
    // `x >>> (32 - n)`, 0 for n = 0. Counts of 32..63 move whole words (mask $m0), no branch.
    case 'shl': return shift(lanes((l, h) => [`(${l} << $1) & ~$m0`, `(((${h} << $1) | ((${l} >>> 1) >>> ~$1)) & ~$m0) | ((${l} << $1) & $m0)`], COUNT_BIT5));
    case 'shr_u': return shift(lanes((l, h) => [`(((${l} >>> $1) | ((${h} << 1) << ~$1)) & ~$m0) | ((${h} >>> $1) & $m0)`, `(${h} >>> $1) & ~$m0`], COUNT_BIT5));
    case 'shr_s': return shift(lanes((l, h) => [`(((${l} >>> $1) | ((${h} << 1) << ~$1)) & ~$m0) | ((${h} >> $1) & $m0)`, `((${h} >> $1) & ~$m0) | ((${h} >> 31) & $m0)`], COUNT_BIT5));
    // Carry and borrow from unsigned comparisons of the low words.
    case 'add': return binary(lanes((l, h, L, H) => [`(${l} + ${L}) | 0`, `(${h} + ${H} + ((${l} >>> 0) + (${L} >>> 0) > 0xffffffff)) | 0`]));
    case 'sub': return binary(lanes((l, h, L, H) => [`(${l} - ${L}) | 0`, `(${h} - ${H} - ((${l} >>> 0) < (${L} >>> 0))) | 0`]));
    case 'mul': return binary({ pre: '$m0 = simd_i64_mul($0w0, $0w1, $1w0, $1w1); $m1 = HI[0]; $m2 = simd_i64_mul($0w2, $0w3, $1w2, $1w3); $m3 = HI[0];', w: ['$m0', '$m1', '$m2', '$m3'] });
  }
  throw new Error(`no i64x2.${op}`);
}

for (const [op, ...subs] of intOps) {
  ([8, 16, 32, 64] as const).forEach((bits, i) => {
    if (subs[i] === 0) return;
    const [shape, js] = bits === 32 ? int32(op) : bits === 64 ? int64(op) : narrowInt(bits, op);
    row(subs[i], `${laneName[bits]}.${op}`, 'none', shape, js);
  });
}

// ------------------------------------------------------------------------------------------------
// Integer lanes that change width.

/** v clamped to lo..hi (v a side-effect-free expression). */
const clamp = (v: string, lo: number, hi: number): string => `(${v} < ${lo} ? ${lo} : ${v} > ${hi} ? ${hi} : ${v})`;

for (const signed of [true, false]) {
  const s = signed ? 's' : 'u';
  const d = signed ? 0 : 1;
  // Result word k narrows the lanes of source words 2(k & 1) and 2(k & 1) + 1 of operand k >> 1.
  const [lo8, hi8, lo16, hi16] = signed ? [-0x80, 0x7f, -0x8000, 0x7fff] : [0, 0xff, 0, 0xffff];
  row(0x65 + d, `i8x16.narrow_i16x8_${s}`, 'none', 'VV:V', words((k) => [0, 1, 2, 3].map((p) => {
    const v = clamp(laneValue(k >> 1, 16, 4 * (k & 1) + p, true), lo8, hi8);
    return p === 3 ? `(${v} << 24)` : `((${v}${signed ? ' & 0xff' : ''}) << ${8 * p})`;
  }).join(' | ')));
  row(0x85 + d, `i16x8.narrow_i32x4_${s}`, 'none', 'VV:V', words((k) => {
    const [a, b] = [w(k >> 1, 2 * (k & 1)), w(k >> 1, 2 * (k & 1) + 1)];
    return `(${clamp(a, lo16, hi16)}${signed ? ' & 0xffff' : ''}) | (${clamp(b, lo16, hi16)} << 16)`;
  }));
  (['low', 'high'] as const).forEach((half, h) => {
    const src = (n: number): [string, string] => [w(n, 2 * h), w(n, 2 * h + 1)];
    row(0x87 + 2 * d + h, `i16x8.extend_${half}_i8x16_${s}`, 'none', 'V:V', { w: extend(src(0), 8, signed) });
    row(0xa7 + 2 * d + h, `i32x4.extend_${half}_i16x8_${s}`, 'none', 'V:V', { w: extend(src(0), 16, signed) });
    row(0xc7 + 2 * d + h, `i64x2.extend_${half}_i32x4_${s}`, 'none', 'V:V', { w: extend(src(0), 32, signed) });
    // Result word k: the products of byte lanes 8h + 2k and 8h + 2k + 1 (they fit in 16 bits).
    const product = (lane: number): string => `Math.imul(${laneValue(0, 8, lane, signed)}, ${laneValue(1, 8, lane, signed)})`;
    row(0x9c + 2 * d + h, `i16x8.extmul_${half}_i8x16_${s}`, 'none', 'VV:V',
      words((k) => `(${product(8 * h + 2 * k)}${signed ? ' & 0xffff' : ''}) | (${product(8 * h + 2 * k + 1)} << 16)`));
    // The 16-bit lanes widened as in extend; their product's low 32 bits are exact with Math.imul.
    const [a, b] = [extend(src(0), 16, signed), extend(src(1), 16, signed)];
    row(0xbc + 2 * d + h, `i32x4.extmul_${half}_i16x8_${s}`, 'none', 'VV:V', words((k) => `Math.imul(${a[k]}, ${b[k]})`));
    const wide = (n: number, lane: number): string => `${w(n, 2 * h + lane)}, ${signed ? `${w(n, 2 * h + lane)} >> 31` : '0'}`;
    row(0xdc + 2 * d + h, `i64x2.extmul_${half}_i32x4_${s}`, 'none', 'VV:V', {
      pre: `$m0 = simd_i64_mul(${wide(0, 0)}, ${wide(1, 0)}); $m1 = HI[0]; $m2 = simd_i64_mul(${wide(0, 1)}, ${wide(1, 1)}); $m3 = HI[0];`,
      w: ['$m0', '$m1', '$m2', '$m3'],
    });
  });
}
row(0x7c, 'i16x8.extadd_pairwise_i8x16_s', 'none', 'V:V',
  words((k) => `(((((${w(0, k)} << 24) >> 24) + ((${w(0, k)} << 16) >> 24)) & 0xffff) | ((((${w(0, k)} << 8) >> 24) + (${w(0, k)} >> 24)) << 16))`));
row(0x7d, 'i16x8.extadd_pairwise_i8x16_u', 'none', 'V:V', words((k) => `(${w(0, k)} & 0xff00ff) + ((${w(0, k)} >>> 8) & 0xff00ff)`));
row(0x7e, 'i32x4.extadd_pairwise_i16x8_s', 'none', 'V:V', words((k) => `((${w(0, k)} << 16) >> 16) + (${w(0, k)} >> 16)`));
row(0x7f, 'i32x4.extadd_pairwise_i16x8_u', 'none', 'V:V', words((k) => `(${w(0, k)} & 0xffff) + (${w(0, k)} >>> 16)`));
row(0x82, 'i16x8.q15mulr_sat_s', 'none', 'VV:V', words((k) => `simd_i16x8_q15mulr_sat_s(${w(0, k)}, ${w(1, k)})`));
// Each product is at most 2^30 in magnitude; only -2^15·-2^15 twice wraps (to -2^31, as in Wasm).
row(0xba, 'i32x4.dot_i16x8_s', 'none', 'VV:V',
  words((k) => `(Math.imul((${w(0, k)} << 16) >> 16, (${w(1, k)} << 16) >> 16) + Math.imul(${w(0, k)} >> 16, ${w(1, k)} >> 16)) | 0`));

// ------------------------------------------------------------------------------------------------
// Float lanes. Sign operations and pmin/pmax move exact bits; arithmetic is on values (any quiet
// NaN is a valid NaN result). Each operation's sub-opcodes for f32x4 and f64x2, and its f32 JS on
// lane values (the f64x2 helper is simd_f64x2_<op>).

const floatUnary: [string, number, number, (x: string) => string][] = [
  ['ceil', 0x67, 0x74, (x) => `Math.ceil(${x})`],
  ['floor', 0x68, 0x75, (x) => `Math.floor(${x})`],
  ['trunc', 0x69, 0x7a, (x) => `Math.trunc(${x})`],
  ['nearest', 0x6a, 0x94, (x) => `f32_nearest(${x})`],
  // Rounding the f64 square root to f32 is exact (53 ≥ 2·24 + 2), as for + - * /.
  ['sqrt', 0xe3, 0xef, (x) => `Math.sqrt(${x})`],
];
const floatBinary: [string, number, number, (x: string, y: string) => string][] = [
  ['add', 0xe4, 0xf0, (x, y) => `${x} + ${y}`],
  ['sub', 0xe5, 0xf1, (x, y) => `${x} - ${y}`],
  ['mul', 0xe6, 0xf2, (x, y) => `${x} * ${y}`],
  ['div', 0xe7, 0xf3, (x, y) => `${x} / ${y}`],
  // Math.min/max: NaN if either is, -0 below +0, as Wasm's min/max.
  ['min', 0xe8, 0xf4, (x, y) => `Math.min(${x}, ${y})`],
  ['max', 0xe9, 0xf5, (x, y) => `Math.max(${x}, ${y})`],
];
for (const [op, s32, s64, js32] of floatUnary) {
  row(s32, `f32x4.${op}`, 'none', 'V:V', words((k) => f32Bits(js32(f32(0, k)))));
  row(s64, `f64x2.${op}`, 'none', 'V:V', f64x2(`f64x2_${op}`, [0]));
}
for (const [op, s32, s64, js32] of floatBinary) {
  row(s32, `f32x4.${op}`, 'none', 'VV:V', words((k) => f32Bits(js32(f32(0, k), f32(1, k)))));
  row(s64, `f64x2.${op}`, 'none', 'VV:V', f64x2(`f64x2_${op}`, [0, 1]));
}
// pmin is `b < a ? b : a`, pmax `a < b ? b : a`: one operand's lane, bits and all.
for (const [op, s32, s64] of [['pmin', 0xea, 0xf6], ['pmax', 0xeb, 0xf7]] as const) {
  const [x, y] = op === 'pmin' ? [1, 0] : [0, 1];
  row(s32, `f32x4.${op}`, 'none', 'VV:V', words((k) => `(${f32(x, k)} < ${f32(y, k)} ? ${w(1, k)} : ${w(0, k)})`));
  row(s64, `f64x2.${op}`, 'none', 'VV:V', f64x2(`f64x2_${op}`, [0, 1]));
}
row(0xe0, 'f32x4.abs', 'none', 'V:V', words((k) => `${w(0, k)} & 0x7fffffff`));
row(0xe1, 'f32x4.neg', 'none', 'V:V', words((k) => `${w(0, k)} ^ 0x80000000`));
row(0xec, 'f64x2.abs', 'none', 'V:V', words((k) => (k & 1 ? `${w(0, k)} & 0x7fffffff` : w(0, k))));
row(0xed, 'f64x2.neg', 'none', 'V:V', words((k) => (k & 1 ? `${w(0, k)} ^ 0x80000000` : w(0, k))));

// Conversions (f32Bits rounds an i32 to f32 once, ties to even).
row(0x5e, 'f32x4.demote_f64x2_zero', 'none', 'V:V', f64x2('f32x4_demote_f64x2_zero', [0]));
row(0x5f, 'f64x2.promote_low_f32x4', 'none', 'V:V', viaV128('simd_f64x2_promote_low_f32x4($0w0, $0w1)'));
for (const signed of [true, false]) {
  const s = signed ? 's' : 'u';
  const d = signed ? 0 : 1;
  row(0xf8 + d, `i32x4.trunc_sat_f32x4_${s}`, 'none', 'V:V', words((k) => `i32_trunc_sat_f32_${s}(${f32(0, k)})`));
  row(0xfa + d, `f32x4.convert_i32x4_${s}`, 'none', 'V:V', words((k) => f32Bits(signed ? w(0, k) : `${w(0, k)} >>> 0`)));
  row(0xfc + d, `i32x4.trunc_sat_f64x2_${s}_zero`, 'none', 'V:V', f64x2(`i32x4_trunc_sat_f64x2_${s}_zero`, [0]));
  row(0xfe + d, `f64x2.convert_low_i32x4_${s}`, 'none', 'V:V', viaV128(`simd_f64x2_convert_low_i32x4_${s}($0w0, $0w1)`));
}

export const simdRows: readonly SimdRow[] = rows.sort((a, b) => a.sub - b.sub);
