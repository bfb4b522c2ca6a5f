// Exact numeric helpers called by generated code for the Wasm operations that
// JavaScript cannot express in one expression.
//
// Value representation (shared with the code generator):
// - i32: a signed int32 number (`x | 0` form).
// - i64: a pair of int32 numbers (lo, hi), both in `x | 0` form; the value is
//   hi * 2^32 + (lo >>> 0). A helper producing an i64 returns lo and writes hi
//   to HI[0] (below) as its last step; the caller reads HI[0] right after the
//   call. Bit counts return a plain number 0..64.
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
// FHI/FLO index the high and low words of an f64 (and of a BigInt64, which
// has the same byte order) accordingly.

const F64 = new Float64Array(1);
const F32 = new Float32Array(F64.buffer);
const I32 = new Int32Array(F64.buffer);
const I64 = new BigInt64Array(F64.buffer);
const FHI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const FLO = 1 - FHI;

/**
 * Scratch views for the reinterpret instructions, which generated code uses inline (opcodes.ts):
 * a slot per instruction, apart from the helpers' own. Through f32_to_bits and its one shared
 * slot, V8's code was 4× slower (an f32 4×4 matrix kernel hashing its results with
 * i32.reinterpret_f32: 365–430 → 100 ms).
 */
export const REINTERPRET_F32 = new Float32Array(2);
export const REINTERPRET_I32 = new Int32Array(REINTERPRET_F32.buffer);
export const REINTERPRET_F64 = new Float64Array(2);
export const REINTERPRET_I64 = new Int32Array(REINTERPRET_F64.buffer);

/**
 * The high word of the i64 result of the last helper that produced one (see
 * the header). Shared with generated code; never reallocated.
 */
export const HI = new Int32Array(1);

const TWO_32 = 4294967296;
const TWO_52 = 4503599627370496;
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
// i64 as (lo, hi) int32 pairs. No BigInt anywhere: generated code calls these
// on hot paths, so each is small and allocation-free. Every path writes HI[0]
// after any call that might itself write it.

export function i64_clz(lo: number, hi: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

export function i64_ctz(lo: number, hi: number): number {
  return lo !== 0 ? i32_ctz(lo) : 32 + i32_ctz(hi);
}

export function i64_popcnt(lo: number, hi: number): number {
  return i32_popcnt(lo) + i32_popcnt(hi);
}

/**
 * High word of the unsigned 32×32→64 product of a and b (int32 bit patterns),
 * from 16-bit limbs: every partial product is below 2^32, so Math.imul gives
 * its exact bits, and the column sums stay far below 2^53.
 */
export function mulhiU(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const m = Math.imul(a1, b0);
  const n = Math.imul(a0, b1);
  const mid = (Math.imul(a0, b0) >>> 16) + (m & 0xffff) + (n & 0xffff);
  return (Math.imul(a1, b1) + (m >>> 16) + (n >>> 16) + (mid >>> 16)) | 0;
}

// Division. The fast paths work on doubles, which rests on this fact: for
// integers 0 ≤ a, b < 2^53 (b > 0), floor(fl(a / b)) = floor(a / b).
// Proof: let q = floor(a / b), 2^e ≤ q < 2^(e+1). fl(a / b) ≥ q since q is a
// double; reaching q + 1 needs a / b within half an ulp of it, i.e.
// (b - r) / b ≤ 2^(e-53) with r = a - qb < b. But b·2^e ≤ bq ≤ a < 2^53
// gives 1 / b > 2^(e-53), and (b - r) / b ≥ 1 / b. For q = 0, a / b ≤ 1 - 1/b
// stays below 1 - 2^-54. By symmetry of rounding, trunc(fl(a / b)) is the
// truncated quotient for signed |a|, |b| < 2^53. And a - q·b is exact.
//
// Paths, fastest first: a divisor 2^12 ≤ |b| < 2^30, one division and a
// correction (the exported functions' fast paths, below); an unsigned divisor
// below 2^12, two exact digits; then in divisionGeneral: int32 (u32)
// operands as in the i32 helpers; operands below 2^53 in magnitude, one
// division; other divisors below 2^42, two divisions (udivSmall); a larger
// divisor, an estimate corrected in pair arithmetic (divmodLarge); signed
// operands beyond 2^53, BigInts. Storing a double into HI (an Int32Array)
// wraps it mod 2^32 and truncates it, which is floor for the non-negative
// values stored here.

/**
 * floor(a / b) for unsigned a and 0 < b < 2^42 (b given as a double): lo
 * returned, hi in HI[0]. A dividend of 2^53 or more takes two digits:
 * t = a >>> 11 is below 2^53, so q1 = floor(t / b) and t - q1·b are exact;
 * then n = (t mod b)·2^11 + (a's low 11 bits) < b·2^11 < 2^53 gives the last
 * 11 bits q0. q = q1·2^11 + q0.
 */
function udivSmall(al: number, ah: number, b: number): number {
  const ahu = ah >>> 0;
  if (ahu < 0x200000) {
    const q = Math.floor((ahu * TWO_32 + (al >>> 0)) / b);
    HI[0] = q / TWO_32;
    return q | 0;
  }
  const t = ahu * 2097152 + (al >>> 11);
  const q1 = Math.floor(t / b);
  const q0 = Math.floor(((t - q1 * b) * 2048 + (al & 0x7ff)) / b);
  HI[0] = q1 / 2097152;
  return (q1 << 11) | q0; // `<<` takes q1 mod 2^32
}

/** a mod b, as udivSmall: lo returned, hi in HI[0]. */
function uremSmall(al: number, ah: number, b: number): number {
  const ahu = ah >>> 0;
  let r: number;
  if (ahu < 0x200000) {
    const a = ahu * TWO_32 + (al >>> 0);
    r = a - Math.floor(a / b) * b;
  } else {
    const t = ahu * 2097152 + (al >>> 11);
    const n = (t - Math.floor(t / b) * b) * 2048 + (al & 0x7ff);
    r = n - Math.floor(n / b) * b;
  }
  HI[0] = r / TWO_32;
  return r | 0;
}

/** Quotient and remainder of divmodLarge: q lo, q hi, r lo, r hi. */
const QR = new Int32Array(4);

/**
 * Unsigned a / b for b ≥ 2^42, into QR. Then q = floor(a / b) < 2^22. With
 * A, B the doubles nearest a, b, D = fl(A / B) is within (a / b)·3.0001·2^-53
 * < 2^-29 of a / b, and fl(D - 2^-18) (error ≤ 2^-32, as D ≤ 2^22) lies in
 * (a / b - 1, a / b): its floor is q or q - 1. Then r = a - q·b is in [0, 2b)
 * (exact mod 2^64, since q·b ≤ a) and one conditional step fixes q and r.
 */
function divmodLarge(al: number, ah: number, bl: number, bh: number): void {
  const A = (ah >>> 0) * TWO_32 + (al >>> 0);
  const B = (bh >>> 0) * TWO_32 + (bl >>> 0);
  let q = Math.floor(A / B - 3.814697265625e-6);
  if (q < 0) q = 0;
  const pl = Math.imul(q, bl);
  const ph = (mulhiU(q, bl) + Math.imul(q, bh)) | 0;
  let d = (al >>> 0) - (pl >>> 0);
  let rh = (ah - ph - (d < 0 ? 1 : 0)) | 0;
  let rl = d | 0;
  if ((rh >>> 0) > (bh >>> 0) || (rh === bh && (rl >>> 0) >= (bl >>> 0))) {
    q++;
    d = (rl >>> 0) - (bl >>> 0);
    rh = (rh - bh - (d < 0 ? 1 : 0)) | 0;
    rl = d | 0;
  }
  QR[0] = q;
  QR[1] = 0;
  QR[2] = rl;
  QR[3] = rh;
}

// Each exported division is a small fast path plus a call to divisionGeneral, which holds the
// general case of all four. V8 inlines helpers into compiled code only up to a cumulative
// bytecode budget (920 bytes), and counts against it the bytecode already inlined into a
// helper's own optimised code. A general case small enough to inline into its fast path made
// the fast path cost its own size plus the general case's, and once one division had been
// inlined into a Wasm function the next one was left as a call (i64mix: i64.div_u stayed a
// call, 20 % of the run). divisionGeneral is larger than V8's single-inlining limit (460 bytes
// of bytecode), so it is always called, and each exported function stays at 240–310 bytes.
//
// The fast path divides by 2^12 ≤ b < 2^30 with one division: the dividend rounds to a double
// within 2^11, so the estimate is within 1 of the quotient (< 2^52, exact in a double); the
// estimate's remainder lies in [-b, 2b) ⊂ int32, so its low 32 bits (Math.imul) give it exactly
// and say which way to correct.

export function i64_div_u(al: number, ah: number, bl: number, bh: number): number {
  if (bh === 0 && bl >= 0x1000 && bl < 0x40000000) {
    let q = Math.floor(((ah >>> 0) * TWO_32 + (al >>> 0)) / bl);
    const r = (al - Math.imul(q | 0, bl)) | 0;
    if (r < 0) q -= 1;
    else if (r >= bl) q += 1;
    HI[0] = Math.floor(q / TWO_32);
    return q | 0;
  }
  if (bh === 0 && bl > 0 && bl < 0x1000) {
    const ahu = ah >>> 0;
    const qh = Math.floor(ahu / bl);
    HI[0] = qh;
    return Math.floor(((ahu - qh * bl) * TWO_32 + (al >>> 0)) / bl) | 0;
  }
  return divisionGeneral(DIV_U, al, ah, bl, bh);
}

export function i64_rem_u(al: number, ah: number, bl: number, bh: number): number {
  if (bh === 0 && bl >= 0x1000 && bl < 0x40000000) {
    let r = (al - Math.imul(Math.floor(((ah >>> 0) * TWO_32 + (al >>> 0)) / bl) | 0, bl)) | 0;
    if (r < 0) r += bl;
    else if (r >= bl) r -= bl;
    HI[0] = 0;
    return r;
  }
  if (bh === 0 && bl > 0 && bl < 0x1000) {
    const n = ((ah >>> 0) % bl) * TWO_32 + (al >>> 0);
    HI[0] = 0;
    return n % bl;
  }
  return divisionGeneral(REM_U, al, ah, bl, bh);
}

// The signed fast paths divide the magnitudes as above (|a| as a double is within 2^10 of it,
// and the low word of |a| is exact) and give the result a's or the quotient's sign. Other
// dividends of 2^53 or more divide as BigInts (sdivBig, sremBig); smaller ones, and divisors 0
// and -1 (traps), take divisionGeneral.

/** a outside [-2^53, 2^53): its high word outside [-2^21, 2^21). */
function beyond53(ah: number): boolean {
  return ((ah + 0x200000) >>> 0) >= 0x400000;
}

export function i64_div_s(al: number, ah: number, bl: number, bh: number): number {
  if (bh === bl >> 31) {
    const b = bl < 0 ? -bl : bl;
    if (b >= 0x1000 && b < 0x40000000) {
      const negative = ah < 0;
      let q = Math.floor(Math.abs(ah * TWO_32 + (al >>> 0)) / b);
      const r = ((negative ? -al | 0 : al) - Math.imul(q | 0, b)) | 0;
      if (r < 0) q -= 1;
      else if (r >= b) q += 1;
      if (negative !== bl < 0) q = -q;
      HI[0] = Math.floor(q / TWO_32);
      return q | 0;
    }
  }
  if (beyond53(ah) && (bl | bh) !== 0 && (bl & bh) !== -1) return sdivBig(al, ah, bl, bh);
  return divisionGeneral(DIV_S, al, ah, bl, bh);
}

export function i64_rem_s(al: number, ah: number, bl: number, bh: number): number {
  if (bh === bl >> 31) {
    const b = bl < 0 ? -bl : bl;
    if (b >= 0x1000 && b < 0x40000000) {
      const negative = ah < 0;
      let r = ((negative ? -al | 0 : al) - Math.imul(Math.floor(Math.abs(ah * TWO_32 + (al >>> 0)) / b) | 0, b)) | 0;
      if (r < 0) r += b;
      else if (r >= b) r -= b;
      if (negative) r = -r;
      HI[0] = r >> 31;
      return r | 0;
    }
  }
  if (beyond53(ah) && (bl | bh) !== 0) return sremBig(al, ah, bl, bh);
  return divisionGeneral(REM_S, al, ah, bl, bh);
}

const DIV_U = 0;
const REM_U = 1;
const DIV_S = 2;
const REM_S = 3;

/** Any i64 division `op` (DIV_U … REM_S): lo returned, hi in HI[0]; traps as Wasm requires. */
function divisionGeneral(op: number, al: number, ah: number, bl: number, bh: number): number {
  if ((bl | bh) === 0) trap('integer divide by zero');
  if (op === DIV_U || op === REM_U) {
    if ((bh >>> 0) < 0x400) {
      if ((ah | bh) === 0) {
        HI[0] = 0;
        return (op === DIV_U ? (al >>> 0) / (bl >>> 0) : (al >>> 0) % (bl >>> 0)) | 0;
      }
      const b = (bh >>> 0) * TWO_32 + (bl >>> 0);
      return op === DIV_U ? udivSmall(al, ah, b) : uremSmall(al, ah, b);
    }
    divmodLarge(al, ah, bl, bh);
    if (op === DIV_U) {
      HI[0] = QR[1];
      return QR[0];
    }
    HI[0] = QR[3];
    return QR[2];
  }
  if (bh === bl >> 31 && ah === al >> 31) {
    if (op === DIV_S) {
      const q = al / bl; // INT32_MIN / -1 = 2^31 is fine here: lo = INT32_MIN, hi = 0
      HI[0] = q <= -1 ? -1 : 0;
      return q | 0;
    }
    const r = (al % bl) | 0; // `| 0` turns the -0 of e.g. INT32_MIN % -1 into 0
    HI[0] = r >> 31;
    return r;
  }
  if (bothBelow53(ah, bh)) {
    const a = ah * TWO_32 + (al >>> 0);
    const b = bh * TWO_32 + (bl >>> 0);
    const q = Math.trunc(a / b);
    const result = op === DIV_S ? q : a - q * b;
    HI[0] = Math.floor(result / TWO_32);
    return result | 0;
  }
  if (op === DIV_S) {
    if (bl === -1 && bh === -1 && al === 0 && ah === -0x80000000) trap('integer overflow');
    return sdivBig(al, ah, bl, bh);
  }
  return sremBig(al, ah, bl, bh); // INT64_MIN rem -1 = 0, as Wasm requires
}

/** |a|, |b| < 2^53: ah and bh in ±0x1fffff. */
function bothBelow53(ah: number, bh: number): boolean {
  return ah >= -0x1fffff && ah <= 0x1fffff && bh >= -0x1fffff && bh <= 0x1fffff;
}

// Signed operands beyond 2^53 divide as BigInts (only the operands and the result are
// allocated). Measured in a dependent chain (64-bit dividend, 13-bit divisor): 22 ns per
// division, against 32 ns for dividing the magnitudes in doubles (two digits, as udivSmall);
// inlined into i64mix, 114 against 120 ms. (Unsigned BigInt division measured slower than the
// double paths: BigUint64Array values of 2^63 and above are costly.) Both operands go into one
// scratch before either is read: four word stores then two 64-bit loads took 13.7 ns per
// division against 17.4 ns converting them one after the other (i64mix: 109 → 105 ms).

/** The operands of a BigInt division: a, b as BigInt64s; OPERAND_WORDS views their words. */
const OPERANDS = new BigInt64Array(2);
const OPERAND_WORDS = new Int32Array(OPERANDS.buffer);

function loadOperands(al: number, ah: number, bl: number, bh: number): void {
  OPERAND_WORDS[FLO] = al;
  OPERAND_WORDS[FHI] = ah;
  OPERAND_WORDS[2 + FLO] = bl;
  OPERAND_WORDS[2 + FHI] = bh;
}

/** a / b truncated, for b ≠ 0 and not INT64_MIN / -1. Lo returned, hi in HI[0]. */
function sdivBig(al: number, ah: number, bl: number, bh: number): number {
  loadOperands(al, ah, bl, bh);
  return i64_from_bigint(OPERANDS[0] / OPERANDS[1]);
}

/** a rem b (the sign of a), for b ≠ 0. Lo returned, hi in HI[0]. */
function sremBig(al: number, ah: number, bl: number, bh: number): number {
  loadOperands(al, ah, bl, bh);
  return i64_from_bigint(OPERANDS[0] % OPERANDS[1]);
}

// ---------------------------------------------------------------------------
// i64 ↔ BigInt, for the JS API boundary (ToBigInt64 / ToBigInt semantics).

/** Any BigInt, wrapped mod 2^64 (by the BigInt64Array store). Lo returned, hi in HI[0]. */
export function i64_from_bigint(b: bigint): number {
  I64[0] = b;
  HI[0] = I32[FHI];
  return I32[FLO];
}

/** The signed value of the pair. */
export function i64_to_bigint(lo: number, hi: number): bigint {
  I32[FLO] = lo;
  I32[FHI] = hi;
  return I64[0];
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
    return I32[FHI] < 0;
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

/**
 * An integral double t, -2^63 ≤ t < 2^64, as an i64 pair (lo returned, hi in
 * HI[0]). Dividing by 2^32 is exact, so floor gives the high word; the low
 * word t - hi·2^32 is in [0, 2^32) and exact.
 */
function splitInt(t: number): number {
  const hi = Math.floor(t / TWO_32);
  HI[0] = hi; // wraps to int32 for unsigned values ≥ 2^63
  return (t - hi * TWO_32) | 0;
}

// Inputs in int32 range (u32 range for unsigned) take `x | 0` as in the i32
// truncations; the sign of the truncated value then gives the high word.

export function i64_trunc_f64_s(x: number): number {
  if (x > -2147483649 && x < 2147483648) {
    const lo = x | 0;
    HI[0] = lo >> 31;
    return lo;
  }
  if (x >= -TWO_63 && x < TWO_63) return splitInt(Math.trunc(x));
  truncFail(x);
}

export function i64_trunc_f64_u(x: number): number {
  if (x > -1 && x < 4294967296) {
    HI[0] = 0;
    return x | 0;
  }
  if (x > 0 && x < TWO_64) return splitInt(Math.trunc(x));
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

export function i64_trunc_sat_f64_s(x: number): number {
  if (x > -2147483649 && x < 2147483648) {
    const lo = x | 0;
    HI[0] = lo >> 31;
    return lo;
  }
  if (x >= -TWO_63 && x < TWO_63) return splitInt(Math.trunc(x));
  if (x > 0) {
    HI[0] = 0x7fffffff;
    return -1;
  }
  HI[0] = x < 0 ? -0x80000000 : 0; // NaN → 0
  return 0;
}

export function i64_trunc_sat_f64_u(x: number): number {
  if (x > -1 && x < 4294967296) {
    HI[0] = 0;
    return x | 0;
  }
  if (x > 0 && x < TWO_64) return splitInt(Math.trunc(x));
  const r = x >= TWO_64 ? -1 : 0; // NaN and negatives → 0
  HI[0] = r;
  return r;
}

export const i32_trunc_f32_s: (x: number) => number = i32_trunc_f64_s;
export const i32_trunc_f32_u: (x: number) => number = i32_trunc_f64_u;
export const i64_trunc_f32_s: (x: number) => number = i64_trunc_f64_s;
export const i64_trunc_f32_u: (x: number) => number = i64_trunc_f64_u;
export const i32_trunc_sat_f32_s: (x: number) => number = i32_trunc_sat_f64_s;
export const i32_trunc_sat_f32_u: (x: number) => number = i32_trunc_sat_f64_u;
export const i64_trunc_sat_f32_s: (x: number) => number = i64_trunc_sat_f64_s;
export const i64_trunc_sat_f32_u: (x: number) => number = i64_trunc_sat_f64_u;

// ---------------------------------------------------------------------------
// Integer → float conversion.

// hi·2^32 is exact, so each f64 conversion rounds once, in the addition.

export function f64_convert_i64_s(lo: number, hi: number): number {
  return hi * TWO_32 + (lo >>> 0);
}

export function f64_convert_i64_u(lo: number, hi: number): number {
  return (hi >>> 0) * TWO_32 + (lo >>> 0);
}

// To float32 without double rounding: a value of magnitude at most 2^53 is
// exact as a double, so fround rounds once. A larger one first has its low 11
// bits dropped but folded into bit 11 (round to odd: if any bit is lost, the
// result is the multiple of 2^11 next to the value with bit 11 set; on two's
// complement words this works for negative values too). That fits a double
// exactly and keeps at least 42 significant bits, more than float32's 24 + 2,
// so fround then rounds it exactly as it would round the value itself.

export function f32_convert_i64_s(lo: number, hi: number): number {
  if (hi >= -0x200000 && hi < 0x200000) return Math.fround(hi * TWO_32 + (lo >>> 0));
  return Math.fround(hi * TWO_32 + (roundToOdd11(lo) >>> 0));
}

export function f32_convert_i64_u(lo: number, hi: number): number {
  const h = hi >>> 0;
  if (h < 0x200000) return Math.fround(h * TWO_32 + (lo >>> 0));
  return Math.fround(h * TWO_32 + (roundToOdd11(lo) >>> 0));
}

/** lo with bits 0..10 cleared and bit 11 set if any of them was set (or it was). */
function roundToOdd11(lo: number): number {
  return (lo & ~0x7ff) | (((lo & 0x7ff) + 0x7ff) & 0x800);
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
  I32[FHI] = sign | 0x7ff80000;
  I32[FLO] = mantissa;
  return F64[0];
}

/** f32 value → its bits as a signed int32, decoding boxes. */
export function f32_to_bits(x: number): number {
  if (x === x) {
    F32[0] = x;
    return I32[0];
  }
  F64[0] = x;
  const hi = I32[FHI];
  const lo = I32[FLO];
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
  I32[FHI] = (b & 0x80000000) | 0x7ff00000 | ((b & 0x7fffff) >>> 3);
  I32[FLO] = b << 29;
  return F64[0];
}

/** f64 → its bits as an i64 pair: lo returned, hi in HI[0]. */
export function f64_to_bits(x: number): number {
  F64[0] = x;
  HI[0] = I32[FHI];
  return I32[FLO];
}

/** i64 bits (lo, hi) → f64. */
export function f64_from_bits(lo: number, hi: number): number {
  I32[FLO] = lo;
  I32[FHI] = hi;
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
