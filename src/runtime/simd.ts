// Helpers and scratch for the fixed-width SIMD templates (src/binary/simd-opcodes.ts). A v128 is
// four int32 words in generated code. Most templates are inline (V8 stops inlining helpers into
// large functions); what is here is rare or too large to inline: q15mulr, the i64 lane product,
// swizzle and the f64x2 operations. Helpers that compute a whole v128 write it to V128; nothing
// allocates.

import {
  HI, f64_ceil, f64_floor, f64_max, f64_min, f64_nearest, f64_trunc, i32_trunc_sat_f64_s, i32_trunc_sat_f64_u, mulhiU,
} from './numeric.js';

/** The result of helpers that compute a whole v128, read by generated code right after the call. */
export const V128 = new Int32Array(4);

// ---------------------------------------------------------------------------
// f32 lanes: bits to value and back through typed arrays. (f32_from_bits would box a signalling
// NaN; arithmetic wants the plain value, and any quiet NaN is a valid result.)

/**
 * For templates, which use them inline (`(simd_I32[0] = bits, simd_F32[0])`): slots 0 and 1 for
 * the two operands' lanes, 2 for results, 3 and 4 for moves from and to f32 scalars. A slot per
 * role, since reusing one address for every move makes V8's code several times slower (see
 * simd-opcodes.ts).
 */
export const simd_F32 = new Float32Array(8);
export const simd_I32 = new Int32Array(simd_F32.buffer);

const FW = new Float32Array(2);
const IW = new Int32Array(FW.buffer);

/** The value of an f32 lane (a signalling NaN comes out quiet): for arithmetic, not for moves. */
function f32Value(bits: number): number {
  IW[0] = bits;
  return FW[0];
}

/** A number rounded to f32 (once, ties to even), as lane bits. */
function f32Bits(x: number): number {
  FW[1] = x;
  return IW[1];
}

// ---------------------------------------------------------------------------
// i16 and i64 lane products.

/** (a·b + 2^14) >> 15 on i16 lanes; only -2^15 · -2^15 overflows (to 2^15) and saturates. */
function q15(a: number, b: number): number {
  const r = (Math.imul(a, b) + 0x4000) >> 15;
  return r > 0x7fff ? 0x7fff : r;
}

export function simd_i16x8_q15mulr_sat_s(a: number, b: number): number {
  return (q15((a << 16) >> 16, (b << 16) >> 16) & 0xffff) | (q15(a >> 16, b >> 16) << 16);
}


/** i64 product (mod 2^64) of (al, ah) and (bl, bh): the low word returned, the high word in HI[0]. */
export function simd_i64_mul(al: number, ah: number, bl: number, bh: number): number {
  HI[0] = (mulhiU(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return Math.imul(al, bl);
}

// ---------------------------------------------------------------------------
// Whole-vector helpers.

const SWIZZLE = new Int32Array(4);
const SWIZZLE_BYTES = new Uint8Array(SWIZZLE.buffer);
/** Byte i of the table's words is SWIZZLE_BYTES[i ^ ENDIAN] (3 on big-endian platforms). */
const ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 3;

function swizzleByte(i: number): number {
  return i < 16 ? SWIZZLE_BYTES[i ^ ENDIAN] : 0;
}

/** Byte p of s picks byte s_p of the table, or 0 when s_p ≥ 16. */
function swizzleWord(s: number): number {
  return swizzleByte(s & 0xff) | (swizzleByte((s >>> 8) & 0xff) << 8) | (swizzleByte((s >>> 16) & 0xff) << 16) | (swizzleByte(s >>> 24) << 24);
}

export function simd_i8x16_swizzle(
  a0: number, a1: number, a2: number, a3: number, s0: number, s1: number, s2: number, s3: number,
): void {
  SWIZZLE[0] = a0;
  SWIZZLE[1] = a1;
  SWIZZLE[2] = a2;
  SWIZZLE[3] = a3;
  V128[0] = swizzleWord(s0);
  V128[1] = swizzleWord(s1);
  V128[2] = swizzleWord(s2);
  V128[3] = swizzleWord(s3);
}

// ---------------------------------------------------------------------------
// f64x2: whole-vector helpers. Per lane (f64_from_bits, f64_to_bits) is three times slower: two
// 32-bit stores then a 64-bit load of the same scratch cannot be store-forwarded, and one slot
// serializes the lanes; here the operands have slots of their own. NaN results are quiet
// (numeric.ts's helpers return a NaN literal where V8 might pass a signalling NaN through).

/** The operands' lanes: $0 in 0, 1 and $1 in 2, 3. */
const F64 = new Float64Array(4);
const F64W = new Int32Array(F64.buffer);
/** V128 as two f64 lanes. */
const V128F64 = new Float64Array(V128.buffer);
/** 1 on big-endian platforms, where an f64's high word comes first. */
const S = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

function f64Operand(a0: number, a1: number, a2: number, a3: number): void {
  F64W[S] = a0;
  F64W[1 - S] = a1;
  F64W[2 + S] = a2;
  F64W[3 - S] = a3;
}

function f64Operands(a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number): void {
  f64Operand(a0, a1, a2, a3);
  F64W[4 + S] = b0;
  F64W[5 - S] = b1;
  F64W[6 + S] = b2;
  F64W[7 - S] = b3;
}

function f64Result(r0: number, r1: number): void {
  V128F64[0] = r0;
  V128F64[1] = r1;
  if (S) {
    const t0 = V128[0];
    V128[0] = V128[1];
    V128[1] = t0;
    const t2 = V128[2];
    V128[2] = V128[3];
    V128[3] = t2;
  }
}

function f64Masks(m0: boolean, m1: boolean): void {
  V128[0] = V128[1] = -m0 | 0;
  V128[2] = V128[3] = -m1 | 0;
}

type F64x2Binary = (a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number) => void;
type F64x2Unary = (a0: number, a1: number, a2: number, a3: number) => void;

export const simd_f64x2_add: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Result(F64[0] + F64[2], F64[1] + F64[3]);
};
export const simd_f64x2_sub: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Result(F64[0] - F64[2], F64[1] - F64[3]);
};
export const simd_f64x2_mul: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Result(F64[0] * F64[2], F64[1] * F64[3]);
};
export const simd_f64x2_div: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Result(F64[0] / F64[2], F64[1] / F64[3]);
};
export const simd_f64x2_min: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Result(f64_min(F64[0], F64[2]), f64_min(F64[1], F64[3]));
};
export const simd_f64x2_max: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Result(f64_max(F64[0], F64[2]), f64_max(F64[1], F64[3]));
};
/** Lane k of b where takeB_k, else of a, with the chosen operand's exact bits. */
function pickF64Lanes(takeB0: boolean, takeB1: boolean, a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number): void {
  V128[0] = takeB0 ? b0 : a0;
  V128[1] = takeB0 ? b1 : a1;
  V128[2] = takeB1 ? b2 : a2;
  V128[3] = takeB1 ? b3 : a3;
}
/** pmin: b < a ? b : a per lane. */
export const simd_f64x2_pmin: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  pickF64Lanes(F64[2] < F64[0], F64[3] < F64[1], a0, a1, a2, a3, b0, b1, b2, b3);
};
/** pmax: a < b ? b : a per lane. */
export const simd_f64x2_pmax: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  pickF64Lanes(F64[0] < F64[2], F64[1] < F64[3], a0, a1, a2, a3, b0, b1, b2, b3);
};
// Comparisons (gt and ge are lt and le with the operands swapped).
export const simd_f64x2_eq: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Masks(F64[0] === F64[2], F64[1] === F64[3]);
};
export const simd_f64x2_ne: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Masks(F64[0] !== F64[2], F64[1] !== F64[3]);
};
export const simd_f64x2_lt: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Masks(F64[0] < F64[2], F64[1] < F64[3]);
};
export const simd_f64x2_le: F64x2Binary = (a0, a1, a2, a3, b0, b1, b2, b3) => {
  f64Operands(a0, a1, a2, a3, b0, b1, b2, b3);
  f64Masks(F64[0] <= F64[2], F64[1] <= F64[3]);
};
// Rounding the f64 square root is exact; NaN in, quiet NaN out (hardware).
export const simd_f64x2_sqrt: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  f64Result(Math.sqrt(F64[0]), Math.sqrt(F64[1]));
};
export const simd_f64x2_ceil: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  f64Result(f64_ceil(F64[0]), f64_ceil(F64[1]));
};
export const simd_f64x2_floor: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  f64Result(f64_floor(F64[0]), f64_floor(F64[1]));
};
export const simd_f64x2_trunc: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  f64Result(f64_trunc(F64[0]), f64_trunc(F64[1]));
};
export const simd_f64x2_nearest: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  f64Result(f64_nearest(F64[0]), f64_nearest(F64[1]));
};

// Conversions. f32Bits rounds an f64 to f32 once, ties to even.
export const simd_f32x4_demote_f64x2_zero: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  V128[0] = f32Bits(F64[0]);
  V128[1] = f32Bits(F64[1]);
  V128[2] = V128[3] = 0;
};
export const simd_i32x4_trunc_sat_f64x2_s_zero: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  V128[0] = i32_trunc_sat_f64_s(F64[0]);
  V128[1] = i32_trunc_sat_f64_s(F64[1]);
  V128[2] = V128[3] = 0;
};
export const simd_i32x4_trunc_sat_f64x2_u_zero: F64x2Unary = (a0, a1, a2, a3) => {
  f64Operand(a0, a1, a2, a3);
  V128[0] = i32_trunc_sat_f64_u(F64[0]);
  V128[1] = i32_trunc_sat_f64_u(F64[1]);
  V128[2] = V128[3] = 0;
};
/** Lanes 0 and 1 (words a0, a1) to f64: f32 bits, or an i32 (signed or unsigned). */
export function simd_f64x2_promote_low_f32x4(a0: number, a1: number): void { f64Result(f32Value(a0), f32Value(a1)); }
export function simd_f64x2_convert_low_i32x4_s(a0: number, a1: number): void { f64Result(a0, a1); }
export function simd_f64x2_convert_low_i32x4_u(a0: number, a1: number): void { f64Result(a0 >>> 0, a1 >>> 0); }
