// Checks every helper in src/runtime/numeric.ts against Node's own WebAssembly.
//
// Float values cross into the reference module as bit patterns (i32/i64) and
// are reinterpreted inside it, so the comparison sees exact bits: the JS
// boundary of native Wasm may quieten or canonicalise NaNs. Inputs are kept as
// bit patterns (int32 numbers / BigInts), never as floats in JS arrays, which
// may canonicalise NaNs.
//
// The helpers take and produce i64 values as (lo, hi) int32 pairs, the result's
// hi in N.HI[0]; the reference module takes and returns BigInts. The tests
// convert with their own BigInt arithmetic (lo32/hi32/join below), not with
// the helpers' i64_from_bigint/i64_to_bigint, which are tested separately.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import * as N from '../../src/runtime/numeric.js';
import { RuntimeError, type TrapKind } from '../../src/runtime/errors.js';
import { Instance, Module } from '../../src/index.js';

// ---------------------------------------------------------------------------
// Reference module

import { nativeWasm as WA } from '../helpers/native-wasm.js';

type Op = [name: string, params: string, result: string, body: string];
const ops: Op[] = [];
for (const op of ['ctz', 'popcnt']) ops.push([`i32.${op}`, 'i32', 'i32', `local.get 0 i32.${op}`]);
for (const op of ['rotl', 'rotr', 'div_s', 'div_u', 'rem_s', 'rem_u']) {
  ops.push([`i32.${op}`, 'i32 i32', 'i32', `local.get 0 local.get 1 i32.${op}`]);
}
for (const op of ['clz', 'ctz', 'popcnt']) ops.push([`i64.${op}`, 'i64', 'i64', `local.get 0 i64.${op}`]);
for (const op of ['rotl', 'rotr', 'shl', 'shr_s', 'shr_u', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u']) {
  ops.push([`i64.${op}`, 'i64 i64', 'i64', `local.get 0 local.get 1 i64.${op}`]);
}
// Floats in and out as bits.
const F = { f32: { bits: 'i32' }, f64: { bits: 'i64' } } as const;
for (const t of ['f32', 'f64'] as const) {
  const b = F[t].bits;
  const arg = (i: number) => `local.get ${i} ${t}.reinterpret_${b}`;
  for (const op of ['nearest', 'ceil', 'floor', 'trunc']) {
    ops.push([`${t}.${op}`, b, b, `${arg(0)} ${t}.${op} ${b}.reinterpret_${t}`]);
  }
  for (const op of ['copysign', 'min', 'max']) {
    ops.push([`${t}.${op}`, `${b} ${b}`, b, `${arg(0)} ${arg(1)} ${t}.${op} ${b}.reinterpret_${t}`]);
  }
  for (const r of ['i32', 'i64']) {
    for (const s of ['s', 'u']) {
      ops.push([`${r}.trunc_${t}_${s}`, b, r, `${arg(0)} ${r}.trunc_${t}_${s}`]);
      ops.push([`${r}.trunc_sat_${t}_${s}`, b, r, `${arg(0)} ${r}.trunc_sat_${t}_${s}`]);
    }
  }
  for (const s of ['s', 'u']) ops.push([`${t}.convert_i64_${s}`, 'i64', b, `local.get 0 ${t}.convert_i64_${s} ${b}.reinterpret_${t}`]);
}
ops.push(['f32.demote_f64', 'i64', 'i32', 'local.get 0 f64.reinterpret_i64 f32.demote_f64 i32.reinterpret_f32']);
ops.push(['f64.promote_f32', 'i32', 'i64', 'local.get 0 f32.reinterpret_i32 f64.promote_f32 i64.reinterpret_f64']);
// For non-NaN results only: the value as it arrives in JS.
ops.push(['f32.value', 'i32', 'f32', 'local.get 0 f32.reinterpret_i32']);
ops.push(['f64.value', 'i64', 'f64', 'local.get 0 f64.reinterpret_i64']);

// A 64-bit hash kernel (splitmix64 steps mixed into h with every i64 helper and
// inline template), run as generated code chains them: compiled by heapbase.
const KERNEL_WAT = `  (func (export "kernel") (param $x i64) (param $h i64) (param $n i32) (result i64) (local $z i64)
    (loop $l
      (local.set $x (i64.add (local.get $x) (i64.const 0x9e3779b97f4a7c15)))
      (local.set $z (i64.mul (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 30))) (i64.const 0xbf58476d1ce4e5b9)))
      (local.set $z (i64.mul (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 27))) (i64.const 0x94d049bb133111eb)))
      (local.set $z (i64.xor (local.get $z) (i64.shr_u (local.get $z) (i64.const 31))))
      (local.set $h (i64.mul (i64.rotl (i64.xor (local.get $h) (local.get $z)) (i64.const 27)) (i64.const 5)))
      (local.set $h (i64.xor (local.get $h) (i64.rotr (local.get $z) (local.get $h))))
      (local.set $h (i64.add (local.get $h) (i64.div_u (local.get $z) (i64.or (i64.shr_u (local.get $h) (i64.const 40)) (i64.const 1)))))
      (local.set $h (i64.xor (local.get $h) (i64.rem_u (local.get $z) (i64.or (local.get $h) (i64.const 0x100000000)))))
      (local.set $h (i64.add (local.get $h) (i64.div_s (i64.shr_s (local.get $z) (i64.const 3)) (i64.or (i64.shr_s (local.get $h) (i64.const 50)) (i64.const 1)))))
      (local.set $h (i64.xor (local.get $h) (i64.rem_s (i64.shl (local.get $z) (local.get $x)) (i64.or (i64.shr_s (local.get $h) (i64.const 20)) (i64.const 1)))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $h))`;

const wat = `(module
  (memory (export "mem") 1)
${KERNEL_WAT}
  (func (export "i32.load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "i32.store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "f32.copy") (param i32 i32) local.get 0 local.get 1 f32.load f32.store)
${ops.map(([n, p, r, body]) => `  (func (export "${n}") (param ${p}) (result ${r}) ${body})`).join('\n')}
)`;

const wabt = await wabtInit();
const { buffer } = wabt.parseWat('ref.wat', wat).toBinary({});
const ref = new WA.Instance(new WA.Module(buffer)).exports as Record<string, (...args: never[]) => never>;
/** The same module compiled by heapbase: for operators emitted inline rather than as helpers. */
const compiled = new Instance(new Module(buffer)).exports as Record<string, unknown>;
/** Reference export by name, typed by the caller. */
function R<A extends unknown[], T>(name: string): (...args: A) => T {
  const f = ref[name];
  assert.equal(typeof f, 'function', name);
  return f as unknown as (...args: A) => T;
}
/** heapbase's export by name, typed by the caller. */
function H<A extends unknown[], T>(name: string): (...args: A) => T {
  const f = compiled[name];
  assert.equal(typeof f, 'function', name);
  return f as (...args: A) => T;
}

// ---------------------------------------------------------------------------
// Bits (independent of the helpers under test)

const dv = new DataView(new ArrayBuffer(8));
function f64Of(bits: bigint): number {
  dv.setBigInt64(0, bits, true);
  return dv.getFloat64(0, true);
}
function bitsOf(x: number): bigint {
  dv.setFloat64(0, x, true);
  return dv.getBigInt64(0, true);
}
const isNaN64 = (b: bigint) => (b & 0x7fffffffffffffffn) > 0x7ff0000000000000n;
const isNaN32 = (b: number) => (b & 0x7fffffff) > 0x7f800000;
const hex = (b: bigint | number) =>
  typeof b === 'bigint' ? '0x' + BigInt.asUintN(64, b).toString(16) : '0x' + (b >>> 0).toString(16);

/** A quiet f64 NaN. */
function assertQuietNaN64(x: number, msg: string): void {
  assert.ok(x !== x, msg);
  assert.ok((bitsOf(x) & 0x0008000000000000n) !== 0n, `${msg}: not quiet (${hex(bitsOf(x))})`);
}
/** A quiet NaN in f32 form: quiet and not a box (low 29 bits clear). */
function assertQuietNaN32(x: number, msg: string): void {
  assertQuietNaN64(x, msg);
  assert.equal(bitsOf(x) & 0x1fffffffn, 0n, `${msg}: boxed (${hex(bitsOf(x))})`);
}

// ---------------------------------------------------------------------------
// Inputs

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) | 0;
  };
}
const rnd = mulberry32(0x5eed);
const rnd64 = () => BigInt.asIntN(64, (BigInt(rnd()) << 32n) | BigInt(rnd() >>> 0));
/** Random 64-bit value with a random bit length, so all magnitudes show up. */
const rndLen64 = () => BigInt.asIntN(64, BigInt.asUintN((rnd() >>> 0) % 65, rnd64()) * (rnd() & 1 ? -1n : 1n));
const RANDOM = 3000;

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

const I32_EDGE: number[] = (() => {
  const xs = [0, 1, -1, 2, -2, 3, -3, 5, 7, 10, -10, 31, 32, 33, 63, 64, 65, -31, -32, -33, 0x7fffffff, -0x80000000];
  xs.push(0x55555555, 0xaaaaaaaa | 0, 0x0f0f0f0f, 0x12345678, 0x80000001 | 0, 0xfffffffe | 0);
  for (let k = 0; k < 32; k++) xs.push((1 << k) | 0, ((1 << k) + 1) | 0, ((1 << k) - 1) | 0, -(1 << k) | 0);
  return uniq(xs);
})();
const I32_RANDOM: number[] = Array.from({ length: RANDOM }, (_, i) => (i & 1 ? rnd() : rnd() >> (rnd() & 31)));

const I64_EDGE: bigint[] = (() => {
  const xs = [0n, 1n, -1n, 2n, -2n, 3n, 7n, 10n, -10n, 63n, 64n, 65n, -63n, -64n, -65n, 127n, 128n];
  xs.push(0x5555555555555555n, -0x5555555555555556n, 0x0f0f0f0f0f0f0f0fn, 0x123456789abcdef0n, 0xffffffffn, 0x100000000n);
  for (let k = 0n; k < 64n; k++) xs.push(1n << k, (1n << k) + 1n, (1n << k) - 1n, -(1n << k), -(1n << k) - 1n);
  // Around the helpers' internal boundaries: int32, u32, 2^53 (exact doubles),
  // high words ±0x1fffff / ±0x200000, 2^63.
  for (const k of [31n, 32n, 33n, 52n, 53n, 54n, 63n]) {
    for (let d = -2n; d <= 2n; d++) xs.push((1n << k) + d, -((1n << k) + d));
  }
  for (const h of [0x1fffffn, 0x200000n]) {
    for (const l of [0n, 1n, 0x7fffffffn, 0x80000000n, 0xffffffffn]) xs.push((h << 32n) | l, -((h << 32n) | l));
  }
  return uniq(xs.map((x) => BigInt.asIntN(64, x)));
})();
const I64_RANDOM: bigint[] = Array.from({ length: RANDOM }, (_, i) => (i & 1 ? rnd64() : rndLen64()));

/** f64 bit patterns: interesting values, their neighbours, both signs. */
const F64_EDGE: bigint[] = (() => {
  const vals = [0, 1, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994, 0.25, 0.75, 1e-300, 1e300, Math.PI,
    2 ** 23, 2 ** 23 + 0.5, 2 ** 24, 2 ** 31, 2 ** 31 - 0.5, 2 ** 31 + 0.5, 2 ** 31 - 1, 2 ** 31 + 1,
    2 ** 32, 2 ** 32 - 0.5, 2 ** 32 - 1, 2 ** 32 + 1, 2 ** 51 + 0.5, 2 ** 52 - 0.5, 2 ** 52, 2 ** 52 + 1,
    2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 2 ** 62 + 2 ** 61, 3.4028234663852886e38, 3.4028235677973366e38,
    1.401298464324817e-45, 7.006492321624085e-46, 1.1754943508222875e-38, 5e-324, 2.2250738585072014e-308,
    Number.MAX_VALUE, Infinity];
  const nans = [0x7ff8000000000000n, 0x7ff0000000000001n, 0x7ff4000000000000n, 0x7fffffffffffffffn,
    0x7ff8000000000001n, 0x7ff0000020000000n, 0x7ff82468a0000000n, 0x7ff800000012345n, 0x7ff80000003fffffn,
    0x7ff7ffffffffffffn];
  const xs: bigint[] = [];
  for (const v of vals) {
    const b = bitsOf(v);
    xs.push(b, b + 1n, b - 1n);
  }
  for (let k = -4; k <= 20; k++) xs.push(bitsOf(k + 0.5)); // halfway cases
  xs.push(...nans);
  return uniq(xs.flatMap((b) => [b, b | -0x8000000000000000n]));
})();
const F64_RANDOM: bigint[] = Array.from({ length: RANDOM }, (_, i) => {
  if (i % 3 === 0) return rnd64(); // any pattern (a few NaNs)
  // Moderate magnitudes, including exact halves and near-integers.
  const scale = 2 ** ((rnd() >>> 0) % 70 - 4);
  const v = (rnd() / 2 ** 31) * scale;
  return bitsOf(i % 3 === 1 ? v : Math.round(v) + [0.5, -0.5, 0, 1e-9][rnd() & 3]);
});

/** f32 bit patterns, as for f64. */
const F32_EDGE: number[] = (() => {
  const xs: number[] = [0x7fc00000, 0x7f800001, 0x7fa00000, 0x7fbfffff, 0x7fc00001, 0x7fffffff, 0x7fc12345,
    0x7f812345, 0x7f800000, 0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0x4b000000, 0x4b000001];
  const f = new DataView(new ArrayBuffer(4));
  const vals = [0, 1, 0.5, 1.5, 2.5, 0.25, 2 ** 23, 2 ** 23 + 0.5, 2 ** 24, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64];
  for (const v of vals) {
    f.setFloat32(0, v, true);
    const b = f.getInt32(0, true);
    xs.push(b, b + 1, b - 1);
  }
  for (let k = -4; k <= 20; k++) {
    f.setFloat32(0, k + 0.5, true);
    xs.push(f.getInt32(0, true));
  }
  return uniq(xs.flatMap((b) => [b, b | 0x80000000]));
})();
const F32_RANDOM: number[] = Array.from({ length: RANDOM }, (_, i) => {
  if (i % 3 === 0) return rnd();
  const f = new DataView(new ArrayBuffer(4));
  const v = (rnd() / 2 ** 31) * 2 ** ((rnd() >>> 0) % 70 - 4);
  f.setFloat32(0, i % 3 === 1 ? v : Math.round(v) + [0.5, -0.5, 0, 1e-3][rnd() & 3], true);
  return f.getInt32(0, true);
});

const I32S = [...I32_EDGE, ...I32_RANDOM];
const I64S = [...I64_EDGE, ...I64_RANDOM];
const F64S = [...F64_EDGE, ...F64_RANDOM];
const F32S = [...F32_EDGE, ...F32_RANDOM];
/** Edge × edge, plus random pairs. */
function pairs<T>(edge: T[], random: T[]): [T, T][] {
  const ps: [T, T][] = [];
  for (const a of edge) for (const b of edge) ps.push([a, b]);
  for (let i = 0; i < random.length; i++) ps.push([random[i], random[(i * 7 + 3) % random.length]]);
  for (let i = 0; i < random.length; i++) ps.push([random[i], edge[i % edge.length]], [edge[i % edge.length], random[i]]);
  return ps;
}

// ---------------------------------------------------------------------------
// Outcomes, traps included

type Outcome<T> = { value: T } | { trap: TrapKind };

function mine<T>(f: () => T): Outcome<T> {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof RuntimeError && e.kind !== undefined) {
      assert.equal(e.message, e.kind);
      return { trap: e.kind };
    }
    throw e;
  }
}

/** Runs the reference; maps V8's trap messages to heapbase's kinds. */
function theirs<T>(f: () => T, inputIsNaN = false): Outcome<T> {
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof WA.RuntimeError)) throw e;
    const m = (e as Error).message;
    if (/by zero/.test(m)) return { trap: 'integer divide by zero' };
    if (/divide result unrepresentable|integer overflow/.test(m)) return { trap: 'integer overflow' };
    if (/unrepresentable|invalid conversion/.test(m)) {
      return { trap: inputIsNaN ? 'invalid conversion to integer' : 'integer overflow' };
    }
    throw new Error(`unexpected reference trap: ${m}`);
  }
}

function same<T>(got: Outcome<T>, want: Outcome<T>, msg: string): void {
  assert.deepEqual(got, want, msg);
}

// ---------------------------------------------------------------------------
// i32

describe('i32', () => {
  const unary: [string, (x: number) => number][] = [['ctz', N.i32_ctz], ['popcnt', N.i32_popcnt]];
  for (const [op, f] of unary) {
    test(`i32.${op}`, () => {
      const r = R<[number], number>(`i32.${op}`);
      for (const x of I32S) assert.equal(f(x), r(x), `${op}(${x})`);
    });
  }
  const binary: [string, (a: number, b: number) => number][] = [
    ['div_s', N.i32_div_s], ['div_u', N.i32_div_u], ['rem_s', N.i32_rem_s], ['rem_u', N.i32_rem_u],
  ];
  for (const [op, f] of binary) {
    test(`i32.${op}`, () => {
      const r = R<[number, number], number>(`i32.${op}`);
      for (const [a, b] of pairs(I32_EDGE, I32_RANDOM)) {
        const got = mine(() => f(a, b));
        same(got, theirs(() => r(a, b)), `${op}(${a}, ${b})`);
        // The result must be in i32 form (no -0, no unsigned values).
        if ('value' in got) assert.ok(Object.is(got.value, got.value | 0), `${op}(${a}, ${b}) form`);
      }
    });
  }
  test('i32 traps name their kind', () => {
    assert.throws(() => N.i32_div_s(1, 0), { name: 'RuntimeError', message: 'integer divide by zero' });
    assert.throws(() => N.i32_div_s(-0x80000000, -1), { message: 'integer overflow' });
    assert.equal(N.i32_rem_s(-0x80000000, -1), 0);
    assert.throws(() => N.i32_rem_u(1, 0), { message: 'integer divide by zero' });
  });
});

// ---------------------------------------------------------------------------
// i64 pairs

/** Low and high words of an i64 (any BigInt, wrapped), in int32 form. */
const lo32 = (b: bigint) => Number(BigInt.asIntN(32, b));
const hi32 = (b: bigint) => Number(BigInt.asIntN(32, b >> 32n));
/** The signed value of a pair. */
const join = (lo: number, hi: number) => (BigInt(hi) << 32n) | BigInt(lo >>> 0);
const isInt32Form = (x: unknown) => typeof x === 'number' && Object.is(x, x | 0);

/**
 * Calls a helper that produces an i64 and reads its result: lo returned, hi
 * read from HI[0] right after the call. HI[0] is first filled with a junk value
 * (a different one each call), so a path that does not write it is caught.
 */
let junk = 0x5a5a5a5a;
function pair(f: () => number): bigint {
  junk = (Math.imul(junk, 0x2c1b3c6d) + 0x297a2d39) | 0;
  N.HI[0] = junk;
  const lo = f();
  const hi = N.HI[0];
  assert.ok(isInt32Form(lo), `lo ${lo} is not in int32 form`);
  return join(lo, hi);
}

// Division operands built as a = q·b + r with remainders at the edges
// (0, 1, b - 1, b - 2, random), divisors of every bit length, and signed
// variants, so quotients land exactly on and next to integers.
const DIV_CASES: [bigint, bigint][] = (() => {
  const rndU = (bits: number) => BigInt.asUintN(bits, rnd64());
  const cs: [bigint, bigint][] = [];
  for (let bits = 1; bits <= 64; bits++) {
    for (let i = 0; i < 40; i++) {
      const b = (1n << BigInt(bits - 1)) | rndU(bits - 1);
      const r = [0n, 1n, b - 1n, b - 2n, rndU(64) % b][i % 5];
      // Unsigned: a < 2^64. Signed: magnitudes below 2^63, with each sign.
      const signed = (i & 1) === 1 && bits < 64;
      const limit = signed ? 1n << 63n : 1n << 64n;
      const q = rndU(64) % (limit / b);
      const a = q * b + (r < 0n ? 0n : r);
      if (a >= limit) continue;
      if (signed) cs.push([a, b], [-a, b], [a, -b], [-a, -b]);
      else cs.push([BigInt.asIntN(64, a), BigInt.asIntN(64, b)]);
    }
  }
  return cs;
})();

/** Shift counts: all of 0..70 and their negatives, high bits that must be ignored, random words. */
const SHIFT_COUNTS: bigint[] = (() => {
  const xs: bigint[] = [];
  for (let k = 0n; k <= 70n; k++) xs.push(k, -k);
  xs.push(0x7fffffffn, -0x80000000n, 0x80000000n, 0xffffffffn, (1n << 32n) + 5n, (7n << 32n) + 33n, -(1n << 32n) + 31n);
  xs.push(-0x8000000000000000n, 0x7fffffffffffffffn);
  for (let i = 0; i < 20; i++) xs.push(rnd64());
  return uniq(xs.map((x) => BigInt.asIntN(64, x)));
})();

describe('i64 (pairs)', () => {
  test('HI is a shared Int32Array(1)', () => {
    assert.ok(N.HI instanceof Int32Array);
    assert.equal(N.HI.length, 1);
  });

  const unary: [string, (lo: number, hi: number) => number][] = [
    ['clz', N.i64_clz], ['ctz', N.i64_ctz], ['popcnt', N.i64_popcnt],
  ];
  for (const [op, f] of unary) {
    test(`i64.${op}`, () => {
      const r = R<[bigint], bigint>(`i64.${op}`);
      for (const x of I64S) {
        const got = f(lo32(x), hi32(x));
        assert.ok(isInt32Form(got), `${op}(${x}) is a plain number`);
        assert.equal(BigInt(got), r(x), `${op}(${x})`);
      }
    });
  }

  type Binary = (al: number, ah: number, bl: number, bh: number) => number;
  const arith: [string, Binary][] = [
    ['div_s', N.i64_div_s], ['div_u', N.i64_div_u], ['rem_s', N.i64_rem_s], ['rem_u', N.i64_rem_u],
  ];
  for (const [op, f] of arith) {
    test(`i64.${op}`, () => {
      const r = R<[bigint, bigint], bigint>(`i64.${op}`);
      const inputs = [...pairs(I64_EDGE, I64_RANDOM), ...DIV_CASES];
      for (const [a, b] of inputs) {
        const got = mine(() => pair(() => f(lo32(a), hi32(a), lo32(b), hi32(b))));
        same(got, theirs(() => r(a, b)), `${op}(${a}, ${b})`);
      }
    });
  }

  // Multiplication, shifts and rotates are inline templates in generated code
  // (src/binary/opcodes.ts), checked here through heapbase-compiled functions whose operands are
  // parameters (not constants).
  test('i64.mul (compiled)', () => {
    const r = R<[bigint, bigint], bigint>('i64.mul');
    const h = H<[bigint, bigint], bigint>('i64.mul');
    for (const [a, b] of pairs(I64_EDGE, I64_RANDOM)) assert.equal(h(a, b), r(a, b), `mul(${a}, ${b})`);
  });
  for (const op of ['shl', 'shr_s', 'shr_u', 'rotl', 'rotr']) {
    test(`i64.${op} (variable count, compiled)`, () => {
      const r = R<[bigint, bigint], bigint>(`i64.${op}`);
      const h = H<[bigint, bigint], bigint>(`i64.${op}`);
      const inputs: [bigint, bigint][] = pairs(I64_EDGE, I64_RANDOM);
      for (const x of I64S) for (const n of SHIFT_COUNTS) inputs.push([x, n]);
      for (const [a, n] of inputs) assert.equal(h(a, n), r(a, n), `${op}(${a}, ${n})`);
    });
  }

  test('i64 traps name their kind', () => {
    const div0 = { name: 'RuntimeError', message: 'integer divide by zero' };
    for (const f of [N.i64_div_s, N.i64_div_u, N.i64_rem_s, N.i64_rem_u]) {
      // Every path: int32 / u32 operands, below 2^53, 64-bit.
      for (const [al, ah] of [[1, 0], [-1, -1], [0, 0], [5, 0x100], [5, -0x100], [0, -0x80000000], [-1, 0x7fffffff]]) {
        assert.throws(() => f(al, ah, 0, 0), div0, `${f.name}(${al}, ${ah}, 0, 0)`);
      }
    }
    assert.throws(() => N.i64_div_s(0, -0x80000000, -1, -1), { name: 'RuntimeError', message: 'integer overflow' });
    // INT64_MIN rem -1 = 0; INT32_MIN / -1 and rem -1 as i64 are fine.
    assert.equal(pair(() => N.i64_rem_s(0, -0x80000000, -1, -1)), 0n);
    assert.equal(pair(() => N.i64_div_s(-0x80000000, -1, -1, -1)), 0x80000000n);
    assert.equal(pair(() => N.i64_rem_s(-0x80000000, -1, -1, -1)), 0n);
    assert.equal(pair(() => N.i64_div_s(0, -0x80000000, 1, 0)), -0x8000000000000000n);
  });

  test('a result is read from HI right after the call; the next call overwrites it', () => {
    const lo1 = N.i64_div_s(-6, -1, 2, 0); // -6 / 2
    const hi1 = N.HI[0];
    const lo2 = N.i64_div_u(0, 0x200, 2, 0); // 2^41 / 2
    const hi2 = N.HI[0];
    assert.equal(join(lo1, hi1), -3n);
    assert.equal(join(lo2, hi2), 1n << 40n);
    // Every pair-producing helper writes HI on each of its paths (pair() plants junk first).
    assert.equal(pair(() => N.i64_div_u(7, 0, 2, 0)), 3n);
    assert.equal(pair(() => N.i64_div_s(-7, -1, 2, 0)), -3n);
    assert.equal(pair(() => N.i64_rem_u(-1, -1, 10, 0)), 5n);
    assert.equal(pair(() => N.i64_rem_s(-7, -1, 2, 0)), -1n);
    assert.equal(pair(() => N.i64_trunc_f64_u(1)), 1n);
    assert.equal(pair(() => N.i64_trunc_sat_f64_s(NaN)), 0n);
    assert.equal(pair(() => N.f64_to_bits(0)), 0n);
    assert.equal(pair(() => N.i64_from_bigint(-1n)), -1n);
  });

  test('chained as generated code chains them: a 64-bit hash kernel', () => {
    const r = R<[bigint, bigint, number], bigint>('kernel');
    const h = H<[bigint, bigint, number], bigint>('kernel');
    for (const [x, y, n] of [[0n, 0n, 1], [1n, 2n, 1000], [-1n, 0x123456789n, 777], [rnd64(), rnd64(), 5000]] as const) {
      assert.equal(h(x, y, n), r(x, y, n), `kernel(${x}, ${y}, ${n})`);
    }
  });
});

describe('i64 <-> BigInt', () => {
  test('i64_from_bigint wraps any BigInt; i64_to_bigint gives the signed value', () => {
    const big = [1n << 64n, (1n << 64n) + 5n, -(1n << 64n) - 1n, 1n << 100n, (1n << 100n) - 1n, -(3n << 70n) + 12345n];
    for (const b of [...I64S, ...big]) {
      const lo = N.i64_from_bigint(b);
      const hi = N.HI[0];
      assert.ok(isInt32Form(lo), `from_bigint(${b}) lo form`);
      assert.equal(lo, lo32(b), `from_bigint(${b}) lo`);
      assert.equal(hi, hi32(b), `from_bigint(${b}) hi`);
      assert.equal(N.i64_to_bigint(lo, hi), BigInt.asIntN(64, b), `to_bigint(from_bigint(${b}))`);
    }
  });
});

// ---------------------------------------------------------------------------
// Floats. Each helper is checked through both an f32 and an f64 reference
// where Wasm has both (some helpers are shared between the two types).

/** Helper input for an f32 bit pattern (boxing sNaNs; f32_from_bits is tested below). */
const f32In = (b: number) => N.f32_from_bits(b);
const f32Out = (x: number) => N.f32_to_bits(x);

describe('float unary and binary operators', () => {
  const rounding: [string, (x: number) => number][] = [
    ['nearest', N.f64_nearest], ['ceil', N.f64_ceil], ['floor', N.f64_floor], ['trunc', N.f64_trunc],
  ];
  for (const [op, f] of rounding) {
    test(`f64.${op}`, () => {
      const r = R<[bigint], bigint>(`f64.${op}`);
      for (const b of F64S) {
        const want = r(b);
        const got = f(f64Of(b));
        if (isNaN64(want)) assertQuietNaN64(got, `${op}(${hex(b)})`);
        else assert.equal(bitsOf(got), want, `${op}(${hex(b)})`);
      }
    });
  }
  test('f32.nearest', () => {
    const r = R<[number], number>('f32.nearest');
    for (const b of F32S) {
      const want = r(b);
      const got = N.f32_nearest(f32In(b));
      if (isNaN32(want)) assertQuietNaN32(got, `nearest(${hex(b)})`);
      else assert.equal(f32Out(got), want, `nearest(${hex(b)})`);
    }
  });

  // copysign is bitwise: exact bits even for NaNs (payloads, boxes, signs).
  test('f64.copysign', () => {
    const r = R<[bigint, bigint], bigint>('f64.copysign');
    for (const [a, b] of pairs(F64_EDGE, F64_RANDOM)) {
      assert.equal(bitsOf(N.f64_copysign(f64Of(a), f64Of(b))), r(a, b), `copysign(${hex(a)}, ${hex(b)})`);
    }
  });
  test('f32.copysign', () => {
    const r = R<[number, number], number>('f32.copysign');
    for (const [a, b] of pairs(F32_EDGE, F32_RANDOM)) {
      assert.equal(f32Out(N.f32_copysign(f32In(a), f32In(b))), r(a, b), `copysign(${hex(a)}, ${hex(b)})`);
    }
  });

  const minmax: [string, (a: number, b: number) => number, (a: number, b: number) => number][] = [
    ['min', N.f64_min, N.f32_min], ['max', N.f64_max, N.f32_max],
  ];
  for (const [op, f64f, f32f] of minmax) {
    test(`f64.${op}`, () => {
      const r = R<[bigint, bigint], bigint>(`f64.${op}`);
      for (const [a, b] of pairs(F64_EDGE, F64_RANDOM)) {
        const want = r(a, b);
        const got = f64f(f64Of(a), f64Of(b));
        if (isNaN64(want)) assertQuietNaN64(got, `${op}(${hex(a)}, ${hex(b)})`);
        else assert.equal(bitsOf(got), want, `${op}(${hex(a)}, ${hex(b)})`);
      }
    });
    test(`f32.${op}`, () => {
      const r = R<[number, number], number>(`f32.${op}`);
      for (const [a, b] of pairs(F32_EDGE, F32_RANDOM)) {
        const want = r(a, b);
        const got = f32f(f32In(a), f32In(b));
        if (isNaN32(want)) assertQuietNaN32(got, `${op}(${hex(a)}, ${hex(b)})`);
        else assert.equal(f32Out(got), want, `${op}(${hex(a)}, ${hex(b)})`);
      }
    });
  }
});

describe('float to integer truncation', () => {
  type Trunc = (x: number) => number;
  const cases: [string, Trunc, Trunc][] = [
    ['i32.trunc', N.i32_trunc_f64_s, N.i32_trunc_f32_s],
    ['i32.trunc', N.i32_trunc_f64_u, N.i32_trunc_f32_u],
    ['i64.trunc', N.i64_trunc_f64_s, N.i64_trunc_f32_s],
    ['i64.trunc', N.i64_trunc_f64_u, N.i64_trunc_f32_u],
    ['i32.trunc_sat', N.i32_trunc_sat_f64_s, N.i32_trunc_sat_f32_s],
    ['i32.trunc_sat', N.i32_trunc_sat_f64_u, N.i32_trunc_sat_f32_u],
    ['i64.trunc_sat', N.i64_trunc_sat_f64_s, N.i64_trunc_sat_f32_s],
    ['i64.trunc_sat', N.i64_trunc_sat_f64_u, N.i64_trunc_sat_f32_u],
  ];
  cases.forEach(([prefix, f64f, f32f], i) => {
    const s = i % 2 === 0 ? 's' : 'u';
    const isI32 = prefix.startsWith('i32');
    // An i32 result must be in int32 form; an i64 one is a pair (pair() checks lo's form).
    const call = (f: Trunc, x: number): number | bigint => {
      if (!isI32) return pair(() => f(x));
      const v = f(x);
      assert.ok(isInt32Form(v), `${prefix}(${x}) form`);
      return v;
    };
    test(`${prefix}_f64_${s}`, () => {
      const r = R<[bigint], number | bigint>(`${prefix}_f64_${s}`);
      for (const b of F64S) {
        const got = mine(() => call(f64f, f64Of(b)));
        same(got, theirs(() => r(b), isNaN64(b)), `${prefix}_f64_${s}(${hex(b)} = ${f64Of(b)})`);
      }
    });
    test(`${prefix}_f32_${s}`, () => {
      const r = R<[number], number | bigint>(`${prefix}_f32_${s}`);
      for (const b of F32S) {
        const got = mine(() => call(f32f, f32In(b)));
        same(got, theirs(() => r(b), isNaN32(b)), `${prefix}_f32_${s}(${hex(b)})`);
      }
    });
  });
});

describe('integer to float conversion', () => {
  // Values where converting through a double would round twice: for each
  // exponent, a float32 halfway point and its neighbours.
  const hard: bigint[] = [];
  for (let k = 24n; k < 64n; k++) {
    for (let j = 0; j < 12; j++) {
      const m = (1n << 23n) | BigInt(rnd() & 0x7fffff); // 24-bit significand
      const half = 1n << (k - 24n);
      const base = (m << (k - 23n)) + half;
      for (const d of [-2n, -1n, 0n, 1n, 2n, half / 2n, -half / 2n, 1n << 10n, 1n << 11n, -(1n << 11n)]) {
        const x = base + d;
        hard.push(BigInt.asIntN(64, x), BigInt.asIntN(64, -x));
      }
    }
  }
  const inputs = [...I64S, ...hard];

  const cases: [string, (lo: number, hi: number) => number, 'f32' | 'f64'][] = [
    ['f32.convert_i64_s', N.f32_convert_i64_s, 'f32'],
    ['f32.convert_i64_u', N.f32_convert_i64_u, 'f32'],
    ['f64.convert_i64_s', N.f64_convert_i64_s, 'f64'],
    ['f64.convert_i64_u', N.f64_convert_i64_u, 'f64'],
  ];
  for (const [name, f, t] of cases) {
    test(name, () => {
      const r = R<[bigint], number | bigint>(name);
      for (const x of inputs) {
        const got = f(lo32(x), hi32(x));
        if (t === 'f32') {
          assert.equal(Math.fround(got), got, `${name}(${x}) is a float32`);
          assert.equal(f32Out(got), r(x), `${name}(${x})`);
        } else {
          assert.equal(bitsOf(got), r(x), `${name}(${x})`);
        }
      }
    });
  }
  test('f32.convert_i64 differs from Math.fround(Number(x)) on the hard cases', () => {
    // Guard that the hard cases do exercise double rounding.
    const naive = hard.filter((x) => Math.fround(Number(x)) !== N.f32_convert_i64_s(lo32(x), hi32(x)));
    assert.ok(naive.length > 100, `only ${naive.length} double-rounding cases`);
  });
});

describe('f32 <-> f64', () => {
  test('f32.demote_f64', () => {
    const r = R<[bigint], number>('f32.demote_f64');
    for (const b of F64S) {
      const want = r(b);
      const got = N.f32_demote(f64Of(b));
      if (isNaN32(want)) assertQuietNaN32(got, `demote(${hex(b)})`);
      else assert.equal(f32Out(got), want, `demote(${hex(b)})`);
    }
  });
  test('f32.demote_f64 keeps the top of a NaN payload', () => {
    const x = N.f32_demote(f64Of(0x7ff4000020000000n));
    assert.equal(N.f32_to_bits(x), 0x7fe00001);
    assert.equal(N.f32_to_bits(N.f32_demote(f64Of(0x7ff8000000000000n))), 0x7fc00000); // canonical stays canonical
  });
  test('f64.promote_f32', () => {
    const r = R<[number], bigint>('f64.promote_f32');
    for (const b of F32S) {
      const want = r(b);
      const got = N.f64_promote(f32In(b));
      if (isNaN64(want)) assertQuietNaN64(got, `promote(${hex(b)})`);
      else assert.equal(bitsOf(got), want, `promote(${hex(b)})`);
    }
  });
});

// ---------------------------------------------------------------------------
// Bits and memory

describe('bit patterns', () => {
  const allF32 = [...F32S];
  // Every f32 NaN class: sNaN/qNaN × sign × a spread of payloads.
  for (let i = 0; i < 2000; i++) {
    const mant = (rnd() & 0x7fffff) || 1;
    allF32.push((rnd() & 0x80000000) | 0x7f800000 | mant);
  }

  test('f32_from_bits gives the f32 value, or a box for a signalling NaN', () => {
    const value = R<[number], number>('f32.value');
    for (const b of allF32) {
      const x = N.f32_from_bits(b);
      if (!isNaN32(b)) {
        assert.ok(Object.is(x, value(b)), `from_bits(${hex(b)})`);
        continue;
      }
      const sign = BigInt(b >>> 31) << 63n;
      const mant = BigInt(b & 0x7fffff);
      const want = b & 0x400000
        ? sign | 0x7ff0000000000000n | (mant << 29n) // quiet: exactly the promoted value
        : sign | 0x7ff8000000000000n | mant; // signalling: the box
      assert.equal(BigInt.asUintN(64, bitsOf(x)), want, `from_bits(${hex(b)})`);
    }
  });
  test('f32_to_bits inverts f32_from_bits', () => {
    for (const b of allF32) assert.equal(N.f32_to_bits(N.f32_from_bits(b)), b, hex(b));
  });
  test('f32_to_bits of plain numbers', () => {
    const demote = R<[bigint], number>('f32.demote_f64');
    // Float32-representable values (the f32 form of non-NaNs).
    for (const b of F64S) {
      if (isNaN64(b)) continue;
      const x = Math.fround(f64Of(b));
      assert.equal(N.f32_to_bits(x), demote(bitsOf(x)), `to_bits(${x})`);
    }
  });
  test('f64_to_bits / f64_from_bits', () => {
    const value = R<[bigint], number>('f64.value');
    for (const b of [...F64S, ...I64S]) {
      const x = N.f64_from_bits(lo32(b), hi32(b));
      assert.equal(bitsOf(x), b, `from_bits(${hex(b)})`);
      assert.equal(pair(() => N.f64_to_bits(x)), b, `to_bits(${hex(b)})`);
      if (!isNaN64(b)) assert.ok(Object.is(x, value(b)), `from_bits(${hex(b)}) value`);
    }
  });
});

describe('f32 memory access', () => {
  const mem = ref.mem as unknown as { buffer: ArrayBuffer };
  const view = () => new DataView(mem.buffer);
  const load = R<[number], number>('i32.load');
  const store = R<[number, number], void>('i32.store');
  const copy = R<[number, number], void>('f32.copy');

  test('f32_load and f32_store move exact bits', () => {
    const v = view();
    for (const b of [...F32S, 0x7f800001, 0xff800001 | 0, 0x7fbfffff]) {
      for (const addr of [0, 1, 3, 64]) {
        store(addr, b);
        const x = N.f32_load(v, addr);
        assert.equal(N.f32_to_bits(x), b, `load ${hex(b)} @${addr}`);
        store(100, 0);
        N.f32_store(v, 100 + (addr & 3), x);
        assert.equal(load(100 + (addr & 3)), b, `store ${hex(b)}`);
        // Agrees with what Wasm's own f32.load/f32.store copy does.
        copy(200, addr);
        assert.equal(load(200), b, `wasm copy ${hex(b)}`);
      }
    }
  });
  test('f32_store of demoted and computed values', () => {
    const v = view();
    N.f32_store(v, 0, Math.fround(1 / 3));
    assert.equal(load(0), 0x3eaaaaab);
    N.f32_store(v, 0, -0);
    assert.equal(load(0), 0x80000000 | 0);
    N.f32_store(v, 0, N.f32_demote(f64Of(-0x0008000000000000n))); // negative canonical NaN
    assert.equal(load(0), 0xffc00000 | 0);
  });
  test('out-of-range access throws RangeError (for the caller to turn into a trap)', () => {
    const v = view();
    assert.throws(() => N.f32_load(v, v.byteLength - 3), RangeError);
    assert.throws(() => N.f32_store(v, v.byteLength - 2, 1), RangeError);
    assert.throws(() => N.f32_store(v, v.byteLength, NaN), RangeError);
    assert.throws(() => N.f32_store(v, -1, N.f32_from_bits(0x7f800001)), RangeError);
  });
});
