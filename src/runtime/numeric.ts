// Exact numeric helpers called by generated code for the Wasm operations that
// JavaScript cannot express in one expression.
//
// Value representation (shared with the code generator):
// - i32: a signed int32 number (`x | 0` form).
// - i64: a BigInt holding the signed value (`BigInt.asIntN(64, …)` form).
// - f64: a number (V8 keeps every f64 bit pattern, NaN payloads included,
//   through variables, calls, `-x`, `Math.abs`, Float64Array and DataView).
// - f32: a number exactly representable as float32, except that an f32
//   signalling NaN (which float32→number conversion would quieten) is carried
//   as a "box": the f64 quiet NaN with hi = sign | 0x7ff80000 and lo = the
//   f32's 23-bit mantissa. A genuine float32 converts to an f64 whose low 29
//   bits are zero, so a NaN with any of those bits set is a box.
//
// NaN results of arithmetic (nearest, min, max, demote) are quiet NaNs, which
// Wasm allows ("arithmetic NaNs"); they are never boxes. Note that TurboFan
// folds `x * 1` (and similar) to `x`, so arithmetic cannot be relied on to
// quieten a signalling NaN: helpers return the `NaN` literal instead.

import { trap } from './errors.js';

// ---------------------------------------------------------------------------
// Scratch views for reinterpreting bits. Typed arrays use platform byte order;
// HI/LO pick the halves of an f64 accordingly.

const F64 = new Float64Array(1);
const F32 = new Float32Array(F64.buffer);
const I32 = new Int32Array(F64.buffer);
const I64 = new BigInt64Array(F64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** Precomputed small BigInts so bit-count results don't allocate. */
const SMALL: readonly bigint[] = Array.from({ length: 65 }, (_, i) => BigInt(i));

const I64_MIN = -0x8000000000000000n;
const TWO_52 = 4503599627370496;
const TWO_53 = 9007199254740992;
const TWO_63 = 9223372036854775808;
const TWO_64 = 18446744073709551616;

// ---------------------------------------------------------------------------
// i32

export function i32_ctz(x: number): number {
  // ~x & (x - 1) has ones exactly at the trailing zeros of x (all 32 for x = 0).
  return 32 - Math.clz32(~x & (x - 1));
}

export function i32_popcnt(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

// JS masks shift counts to 5 bits, so `-n` acts as `32 - n` and n = 0 works.
export function i32_rotl(x: number, n: number): number {
  return (x << n) | (x >>> -n);
}

export function i32_rotr(x: number, n: number): number {
  return (x >>> n) | (x << -n);
}

// For 32-bit operands the double quotient never rounds across an integer, so
// truncating it with `| 0` is exact; `%` on doubles is always exact.

export function i32_div_s(a: number, b: number): number {
  if (b === 0) trap('integer divide by zero');
  if (b === -1 && a === -0x80000000) trap('integer overflow');
  return (a / b) | 0;
}

export function i32_div_u(a: number, b: number): number {
  if (b === 0) trap('integer divide by zero');
  return ((a >>> 0) / (b >>> 0)) | 0;
}

export function i32_rem_s(a: number, b: number): number {
  if (b === 0) trap('integer divide by zero');
  return (a % b) | 0; // `| 0` turns the -0 of e.g. INT_MIN % -1 into 0
}

export function i32_rem_u(a: number, b: number): number {
  if (b === 0) trap('integer divide by zero');
  return ((a >>> 0) % (b >>> 0)) | 0;
}

// ---------------------------------------------------------------------------
// i64 (BigInt, signed representation). BigInt `&`, `>>` and comparisons act on
// infinite two's complement, so they work on the signed form directly.

export function i64_clz(x: bigint): bigint {
  if (x < 0n) return SMALL[0];
  const hi = Number(x >> 32n);
  return SMALL[hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(Number(x))];
}

export function i64_ctz(x: bigint): bigint {
  const lo = Number(x & 0xffffffffn) | 0;
  return SMALL[lo !== 0 ? i32_ctz(lo) : 32 + i32_ctz(Number(x >> 32n) | 0)];
}

export function i64_popcnt(x: bigint): bigint {
  return SMALL[i32_popcnt(Number(x & 0xffffffffn) | 0) + i32_popcnt(Number(x >> 32n) | 0)];
}

export function i64_mul(a: bigint, b: bigint): bigint {
  return BigInt.asIntN(64, a * b);
}

export function i64_shr_u(a: bigint, n: bigint): bigint {
  const k = n & 63n;
  return a >= 0n ? a >> k : BigInt.asIntN(64, BigInt.asUintN(64, a) >> k);
}

export function i64_rotl(x: bigint, n: bigint): bigint {
  const k = n & 63n;
  const u = BigInt.asUintN(64, x);
  return BigInt.asIntN(64, (u << k) | (u >> (64n - k)));
}

export function i64_rotr(x: bigint, n: bigint): bigint {
  const k = n & 63n;
  const u = BigInt.asUintN(64, x);
  return BigInt.asIntN(64, (u >> k) | (u << (64n - k)));
}

export function i64_div_s(a: bigint, b: bigint): bigint {
  if (b === 0n) trap('integer divide by zero');
  if (b === -1n && a === I64_MIN) trap('integer overflow');
  return a / b; // BigInt division truncates toward zero, as Wasm does
}

export function i64_div_u(a: bigint, b: bigint): bigint {
  if (b === 0n) trap('integer divide by zero');
  if (a >= 0n && b > 0n) return a / b;
  return BigInt.asIntN(64, BigInt.asUintN(64, a) / BigInt.asUintN(64, b));
}

export function i64_rem_s(a: bigint, b: bigint): bigint {
  if (b === 0n) trap('integer divide by zero');
  return a % b; // INT64_MIN % -1n is 0n, as Wasm requires
}

export function i64_rem_u(a: bigint, b: bigint): bigint {
  if (b === 0n) trap('integer divide by zero');
  if (a >= 0n && b > 0n) return a % b;
  return BigInt.asIntN(64, BigInt.asUintN(64, a) % BigInt.asUintN(64, b));
}

// Unsigned comparisons without allocating: operands of equal sign compare the
// same signed and unsigned; otherwise the negative one is the larger unsigned.

export function i64_lt_u(a: bigint, b: bigint): number {
  return ((a < 0n) === (b < 0n) ? a < b : b < 0n) ? 1 : 0;
}

export function i64_le_u(a: bigint, b: bigint): number {
  return ((a < 0n) === (b < 0n) ? a <= b : b < 0n) ? 1 : 0;
}

export function i64_gt_u(a: bigint, b: bigint): number {
  return ((a < 0n) === (b < 0n) ? a > b : a < 0n) ? 1 : 0;
}

export function i64_ge_u(a: bigint, b: bigint): number {
  return ((a < 0n) === (b < 0n) ? a >= b : a < 0n) ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Float rounding, sign, min/max. One implementation serves f32 and f64: the
// result for an f32 input is float32-representable (or a NaN), and a box is an
// f64 NaN whose sign bit is the f32's sign bit.

/** Round half to even. Keeps the sign of zero results; NaN in → quiet NaN out. */
export function f64_nearest(x: number): number {
  const a = Math.abs(x);
  if (a < TWO_52) {
    if (a === 0) return x; // ±0 as is
    // Adding 2^52 leaves no fraction bits, so the FPU rounds to an integer
    // with ties to even; subtracting it back is exact.
    const r = a + TWO_52 - TWO_52;
    return x < 0 ? -r : r;
  }
  return x === x ? x : NaN; // |x| ≥ 2^52 and ±Infinity are integral already
}

export const f32_nearest: (x: number) => number = f64_nearest;

// V8's Math.ceil/floor/trunc builtins (interpreter, baseline) return a
// signalling NaN unchanged, while optimised code quietens it; Wasm wants a
// quiet NaN either way. (f32 needs no helper: Math.fround quietens and unboxes.)

export function f64_ceil(x: number): number {
  return x === x ? Math.ceil(x) : NaN;
}

export function f64_floor(x: number): number {
  return x === x ? Math.floor(x) : NaN;
}

export function f64_trunc(x: number): number {
  return x === x ? Math.trunc(x) : NaN;
}

/** Magnitude of a (payload and box bits kept), sign bit of b (also for NaNs). */
export function f64_copysign(a: number, b: number): number {
  const m = Math.abs(a); // Math.abs and unary minus only touch the sign bit
  return signBit(b) ? -m : m;
}

export const f32_copysign: (a: number, b: number) => number = f64_copysign;

function signBit(x: number): boolean {
  if (x !== 0) {
    if (x === x) return x < 0;
    F64[0] = x;
    return I32[HI] < 0;
  }
  return 1 / x < 0;
}

// Math.min/max already give NaN for a NaN operand and order -0 below +0, but
// the NaN they return is unspecified (V8 returns a negative default NaN) and
// an optimising tier could return an operand, i.e. a signalling NaN or a box.

export function f64_min(a: number, b: number): number {
  const r = Math.min(a, b);
  return r === r ? r : NaN;
}

export function f64_max(a: number, b: number): number {
  const r = Math.max(a, b);
  return r === r ? r : NaN;
}

export const f32_min: (a: number, b: number) => number = f64_min;
export const f32_max: (a: number, b: number) => number = f64_max;

// ---------------------------------------------------------------------------
// Float → integer truncation. The input is a number (f32 or f64; a box is a
// NaN like any other). `x | 0` truncates toward zero and wraps mod 2^32,
// which yields the signed bit pattern of an in-range u32.

function truncFail(x: number): never {
  trap(x === x ? 'integer overflow' : 'invalid conversion to integer');
}

export function i32_trunc_f64_s(x: number): number {
  if (x > -2147483649 && x < 2147483648) return x | 0;
  truncFail(x);
}

export function i32_trunc_f64_u(x: number): number {
  if (x > -1 && x < 4294967296) return x | 0;
  truncFail(x);
}

export function i64_trunc_f64_s(x: number): bigint {
  if (x >= -TWO_63 && x < TWO_63) return BigInt(Math.trunc(x));
  truncFail(x);
}

export function i64_trunc_f64_u(x: number): bigint {
  if (x > -1 && x < TWO_63) return BigInt(Math.trunc(x));
  if (x >= TWO_63 && x < TWO_64) return BigInt.asIntN(64, BigInt(x)); // integral here
  truncFail(x);
}

// Saturating: NaN → 0, out of range → the nearest bound. NaN fails every
// comparison, and `NaN | 0` is 0.

export function i32_trunc_sat_f64_s(x: number): number {
  return x >= 2147483647 ? 2147483647 : x <= -2147483648 ? -2147483648 : x | 0;
}

export function i32_trunc_sat_f64_u(x: number): number {
  return x >= 4294967295 ? -1 : x > 0 ? x | 0 : 0;
}

export function i64_trunc_sat_f64_s(x: number): bigint {
  if (x >= -TWO_63 && x < TWO_63) return BigInt(Math.trunc(x));
  return x > 0 ? 0x7fffffffffffffffn : x < 0 ? I64_MIN : 0n;
}

export function i64_trunc_sat_f64_u(x: number): bigint {
  if (x > -1 && x < TWO_63) return BigInt(Math.trunc(x));
  if (x >= TWO_63 && x < TWO_64) return BigInt.asIntN(64, BigInt(x));
  return x >= TWO_64 ? -1n : 0n;
}

export const i32_trunc_f32_s: (x: number) => number = i32_trunc_f64_s;
export const i32_trunc_f32_u: (x: number) => number = i32_trunc_f64_u;
export const i64_trunc_f32_s: (x: number) => bigint = i64_trunc_f64_s;
export const i64_trunc_f32_u: (x: number) => bigint = i64_trunc_f64_u;
export const i32_trunc_sat_f32_s: (x: number) => number = i32_trunc_sat_f64_s;
export const i32_trunc_sat_f32_u: (x: number) => number = i32_trunc_sat_f64_u;
export const i64_trunc_sat_f32_s: (x: number) => bigint = i64_trunc_sat_f64_s;
export const i64_trunc_sat_f32_u: (x: number) => bigint = i64_trunc_sat_f64_u;

// ---------------------------------------------------------------------------
// Integer → float conversion.

/** u64 (as signed BigInt) → f64, correctly rounded by Number(). */
export function f64_convert_i64_u(x: bigint): number {
  return Number(x >= 0n ? x : BigInt.asUintN(64, x));
}

export function f32_convert_i64_s(x: bigint): number {
  const n = Number(x);
  // |x| ≤ 2^53 (give or take the rounding of Number) converts exactly, so one
  // rounding happens, in fround.
  if (n <= TWO_53 && n >= -TWO_53) return Math.fround(n);
  return x < 0n ? -u64ToF32(-x) : u64ToF32(x);
}

export function f32_convert_i64_u(x: bigint): number {
  if (x >= 0n && x <= 0x20000000000000n) return Math.fround(Number(x));
  return u64ToF32(BigInt.asUintN(64, x));
}

/**
 * u (2^53 < u ≤ 2^64) → float32 without double rounding: drop the low 11 bits
 * but fold them into bit 11 (round to odd). What remains fits in a double's 53
 * bits and keeps at least 43 significant bits, more than float32's 24 + 2, so
 * fround then rounds it exactly as it would round u.
 */
function u64ToF32(u: bigint): number {
  const sticky = (u & 0x7ffn) !== 0n ? 0x800n : 0n;
  return Math.fround(Number((u & ~0x7ffn) | sticky));
}

// ---------------------------------------------------------------------------
// f32 ↔ f64 conversion.

/**
 * f64 → f32. V8's Math.fround converts in hardware: a NaN comes out quiet
 * with the top 23 bits of its payload (a canonical NaN stays canonical), i.e.
 * an arithmetic NaN as Wasm allows, and its low 29 bits are zero, so it is
 * never a box. Generated code may call Math.fround directly instead.
 */
export function f32_demote(x: number): number {
  return Math.fround(x);
}

/**
 * f32 → f64 is the identity: a genuine f32 number already is its f64 value,
 * and a box is a quiet f64 NaN, which is a valid (arithmetic) result for
 * promoting a signalling NaN. Generated code may omit the call.
 */
export function f64_promote(x: number): number {
  return x;
}

// ---------------------------------------------------------------------------
// Bit patterns and f32 memory access.

function box(sign: number, mantissa: number): number {
  I32[HI] = sign | 0x7ff80000;
  I32[LO] = mantissa;
  return F64[0];
}

/** f32 value → its bits as a signed int32, decoding boxes. */
export function f32_to_bits(x: number): number {
  if (x === x) {
    F32[0] = x;
    return I32[0];
  }
  F64[0] = x;
  const hi = I32[HI];
  const lo = I32[LO];
  const sign = hi & 0x80000000;
  if ((lo & 0x1fffffff) !== 0) return sign | 0x7f800000 | (lo & 0x7fffff); // box
  // A quiet NaN: its 23-bit mantissa is the top of the f64's 52-bit one.
  return sign | 0x7f800000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
}

/** int32 bits → f32 value, boxing signalling NaNs. */
export function f32_from_bits(b: number): number {
  I32[0] = b;
  const v = F32[0];
  return v === v ? v : nanFromBits(b);
}

function nanFromBits(b: number): number {
  if ((b & 0x400000) === 0) return box(b & 0x80000000, b & 0x7fffff);
  // Reading a quiet NaN through Float32Array keeps its payload, but build it
  // explicitly rather than rely on that.
  I32[HI] = (b & 0x80000000) | 0x7ff00000 | ((b & 0x7fffff) >>> 3);
  I32[LO] = b << 29;
  return F64[0];
}

/** f64 → its bits as a signed BigInt (the i64 representation). */
export function f64_to_bits(x: number): bigint {
  F64[0] = x;
  return I64[0];
}

/** i64 bits (BigInt) → f64. */
export function f64_from_bits(b: bigint): number {
  I64[0] = b;
  return F64[0];
}

/** Loads an f32 (little-endian). DataView's RangeError propagates to the caller. */
export function f32_load(dv: DataView, addr: number): number {
  const v = dv.getFloat32(addr, true);
  return v === v ? v : nanFromBits(dv.getInt32(addr, true));
}

/** Stores an f32 (little-endian) with its exact bits. RangeError propagates. */
export function f32_store(dv: DataView, addr: number, x: number): void {
  if (x === x) dv.setFloat32(addr, x, true);
  else dv.setInt32(addr, f32_to_bits(x), true);
}
