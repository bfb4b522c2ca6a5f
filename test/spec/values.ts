// Script values <-> the engine's "bit form", and comparing results with expectations.
//
// Bit form: i32 → number (int32; uint32 accepted), i64 → bigint (int64; uint64 accepted),
// f32 → number holding the uint32 bit pattern, f64 → bigint holding the uint64 bit pattern,
// externref/funcref → the JS value (null for null), v128 → bigint holding the 128 bits (lane 0
// in the low bits). Floats travel as bits so that NaN payloads
// and signalling NaNs survive, which plain JS numbers cannot guarantee.

import type { NumType, RefType, V128Value, Value } from './script.js';

/** The host object that stands for `ref.extern N` in a script. */
export class HostRef {
  constructor(readonly id: number) {
    Object.freeze(this);
  }
  toString(): string {
    return `ref.extern ${this.id}`;
  }
}

/** One HostRef per N, so that identity comparison works across commands of a run. */
export class HostRefs {
  private readonly refs = new Map<number, HostRef>();
  get(id: number): HostRef {
    let r = this.refs.get(id);
    if (r === undefined) {
      r = new HostRef(id);
      this.refs.set(id, r);
    }
    return r;
  }
}

/** A script value the runner cannot turn into bit form (bad string, unsupported type). */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const DIGITS = /^[0-9]+$/;

/** Parses wast2json's unsigned decimal string, checking it fits in `bits` bits. */
function parseUnsigned(s: string | undefined, bits: number, type: string): bigint {
  if (s === undefined || !DIGITS.test(s)) throw new ValueError(`bad ${type} value ${JSON.stringify(s)}`);
  const n = BigInt(s);
  if (n >> BigInt(bits) !== 0n) throw new ValueError(`${type} value ${s} does not fit in ${bits} bits`);
  return n;
}

function parseRefId(s: string, type: string): number {
  if (!DIGITS.test(s)) throw new ValueError(`bad ${type} value ${JSON.stringify(s)}`);
  return Number(s);
}

/** Converts an argument to bit form. */
export function argToBits(v: Value, refs: HostRefs): unknown {
  switch (v.type) {
    case 'i32':
      return Number(BigInt.asIntN(32, parseUnsigned(v.value, 32, 'i32')));
    case 'i64':
      return BigInt.asIntN(64, parseUnsigned(v.value, 64, 'i64'));
    case 'f32':
      return Number(parseUnsigned(v.value, 32, 'f32'));
    case 'f64':
      return parseUnsigned(v.value, 64, 'f64');
    case 'externref':
      if (v.value === undefined) throw new ValueError('externref argument without value');
      return v.value === 'null' ? null : refs.get(parseRefId(v.value, 'externref'));
    case 'funcref':
      if (v.value === 'null') return null;
      // A script cannot name a particular function, so there is nothing to pass.
      throw new ValueError(`non-null funcref argument ${JSON.stringify(v.value)} is not supported`);
    case 'v128': {
      const { bits, lanes } = laneShape(v);
      if (v.value === undefined || v.value.length !== lanes) throw new ValueError(`v128 argument needs ${lanes} ${v.lane_type} lanes`);
      let x = 0n;
      v.value.forEach((s, i) => { x |= parseUnsigned(s, bits, v.lane_type) << BigInt(bits * i); });
      return x;
    }
  }
}

function laneShape(v: V128Value): { bits: number; lanes: number } {
  if (v.lane_type === undefined) throw new ValueError('v128 value without a lane type');
  const bits = Number(v.lane_type.slice(1));
  return { bits, lanes: 128 / bits };
}

/** The lanes of a v128 in bit form, as unsigned bigints. */
function lanesOf(x: bigint, bits: number): bigint[] {
  const mask = (1n << BigInt(bits)) - 1n;
  return Array.from({ length: 128 / bits }, (_, i) => (x >> BigInt(bits * i)) & mask);
}

// Normalising what the engine returned. Each returns undefined when `x` is not in bit form.

function i32Bits(x: unknown): number | undefined {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < -0x8000_0000 || x > 0xffff_ffff) return undefined;
  return x >>> 0;
}

function i64Bits(x: unknown): bigint | undefined {
  if (typeof x !== 'bigint' || x < -(1n << 63n) || x >= 1n << 64n) return undefined;
  return BigInt.asUintN(64, x);
}

const F32_EXP = 0x7f80_0000;
const F32_QUIET = 0x0040_0000;
const F64_EXP = 0x7ff0_0000_0000_0000n;
const F64_QUIET = 0x0008_0000_0000_0000n;

/** Exponent all ones and mantissa exactly the quiet bit; sign free. */
export function isCanonicalNaN32(bits: number): boolean {
  return (bits & 0x7fff_ffff) === (F32_EXP | F32_QUIET);
}

/** Exponent all ones and the quiet bit set; sign and other payload bits free. */
export function isArithmeticNaN32(bits: number): boolean {
  return (bits & (F32_EXP | F32_QUIET)) === (F32_EXP | F32_QUIET);
}

export function isCanonicalNaN64(bits: bigint): boolean {
  return (bits & 0x7fff_ffff_ffff_ffffn) === (F64_EXP | F64_QUIET);
}

export function isArithmeticNaN64(bits: bigint): boolean {
  return (bits & (F64_EXP | F64_QUIET)) === (F64_EXP | F64_QUIET);
}

// Only for messages: the float a bit pattern stands for.
const scratch = new DataView(new ArrayBuffer(8));

function f32FromBits(bits: number): number {
  scratch.setUint32(0, bits);
  return scratch.getFloat32(0);
}

function f64FromBits(bits: bigint): number {
  scratch.setBigUint64(0, bits);
  return scratch.getFloat64(0);
}

function hex(n: number | bigint, digits: number): string {
  return '0x' + n.toString(16).padStart(digits, '0');
}

/** Describes a value in bit form of the given type, for failure messages. */
export function describeBits(type: NumType | RefType | 'v128', x: unknown): string {
  switch (type) {
    case 'i32': {
      const b = i32Bits(x);
      if (b === undefined) break;
      return b >= 0x8000_0000 ? `i32:${b} (${b | 0})` : `i32:${b}`;
    }
    case 'i64': {
      const b = i64Bits(x);
      if (b === undefined) break;
      return b >= 1n << 63n ? `i64:${b} (${BigInt.asIntN(64, b)})` : `i64:${b}`;
    }
    case 'f32': {
      const b = i32Bits(x);
      if (b === undefined) break;
      return `f32:${hex(b, 8)} (${f32FromBits(b)})`;
    }
    case 'f64': {
      const b = i64Bits(x);
      if (b === undefined) break;
      return `f64:${hex(b, 16)} (${f64FromBits(b)})`;
    }
    case 'externref':
    case 'funcref':
      if (x === null) return `${type}:null`;
      if (x instanceof HostRef) return `${type}:${x.id}`;
      return `${type}:<${typeof x}>`;
    case 'v128':
      if (typeof x !== 'bigint' || x < 0n || x >> 128n !== 0n) break;
      return `v128:${hex(x, 32)}`;
  }
  return `${type}:<not in bit form: ${describeJs(x)}>`;
}

function describeJs(x: unknown): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'number' || typeof x === 'boolean' || x === null || x === undefined) return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  return `<${typeof x}>`;
}

/** Describes a script value (argument or expectation), for failure messages. */
export function describeValue(v: Value): string {
  if (v.type === 'v128') return `v128:${v.lane_type}x[${(v.value ?? []).join(' ')}]`;
  const s = v.value;
  if (s === undefined) return v.type;
  if (s.startsWith('nan:') || s === 'null') return `${v.type}:${s}`;
  try {
    switch (v.type) {
      case 'i32':
      case 'i64':
        return `${v.type}:${s}`;
      case 'f32':
        return describeBits('f32', Number(parseUnsigned(s, 32, 'f32')));
      case 'f64':
        return describeBits('f64', parseUnsigned(s, 64, 'f64'));
      case 'externref':
      case 'funcref':
        return `${v.type}:${s}`;
    }
  } catch {
    // Fall through to the raw text; the conversion error is reported elsewhere.
  }
  return `${v.type}:${s}`;
}

/**
 * Checks one result (bit form) against an expectation. Returns undefined on a match, otherwise
 * a short description of the mismatch.
 */
export function matchResult(expected: Value, actual: unknown, refs: HostRefs): string | undefined {
  if (expected.type === 'v128') return matchV128(expected, actual);
  const want = expected.value;
  const got = () => describeBits(expected.type, actual);
  const mismatch = () => `expected ${describeValue(expected)}, got ${got()}`;
  switch (expected.type) {
    case 'i32': {
      const b = i32Bits(actual);
      return b !== undefined && BigInt(b) === parseUnsigned(want, 32, 'i32') ? undefined : mismatch();
    }
    case 'i64': {
      const b = i64Bits(actual);
      return b !== undefined && b === parseUnsigned(want, 64, 'i64') ? undefined : mismatch();
    }
    case 'f32': {
      const b = i32Bits(actual);
      if (b === undefined) return mismatch();
      if (want === 'nan:canonical') return isCanonicalNaN32(b) ? undefined : mismatch();
      if (want === 'nan:arithmetic') return isArithmeticNaN32(b) ? undefined : mismatch();
      return BigInt(b) === parseUnsigned(want, 32, 'f32') ? undefined : mismatch();
    }
    case 'f64': {
      const b = i64Bits(actual);
      if (b === undefined) return mismatch();
      if (want === 'nan:canonical') return isCanonicalNaN64(b) ? undefined : mismatch();
      if (want === 'nan:arithmetic') return isArithmeticNaN64(b) ? undefined : mismatch();
      return b === parseUnsigned(want, 64, 'f64') ? undefined : mismatch();
    }
    case 'externref':
      if (want === undefined) throw new ValueError('externref expectation without value');
      if (want === 'null') return actual === null ? undefined : mismatch();
      return actual === refs.get(parseRefId(want, 'externref')) ? undefined : mismatch();
    case 'funcref':
      if (want === 'null') return actual === null ? undefined : mismatch();
      // A number only says "some function"; which one cannot be checked.
      return actual !== null && actual !== undefined ? undefined : mismatch();
  }
}

/** A v128 result against lanes of the expectation's type; float lanes may be NaN patterns. */
function matchV128(expected: V128Value, actual: unknown): string | undefined {
  const { bits, lanes } = laneShape(expected);
  const want = expected.value;
  if (want === undefined || want.length !== lanes) throw new ValueError(`v128 expectation needs ${lanes} ${expected.lane_type} lanes`);
  const mismatch = () => `expected ${describeValue(expected)}, got ${describeBits('v128', actual)} = ${expected.lane_type}x[${typeof actual === 'bigint' ? lanesOf(actual, bits).join(' ') : '?'}]`;
  if (typeof actual !== 'bigint' || actual < 0n || actual >> 128n !== 0n) return mismatch();
  const got = lanesOf(actual, bits);
  for (let i = 0; i < lanes; i++) {
    const w = want[i];
    const g = got[i];
    let ok: boolean;
    if (w === 'nan:canonical') ok = bits === 32 ? isCanonicalNaN32(Number(g)) : isCanonicalNaN64(g);
    else if (w === 'nan:arithmetic') ok = bits === 32 ? isArithmeticNaN32(Number(g)) : isArithmeticNaN64(g);
    else ok = g === parseUnsigned(w, bits, expected.lane_type);
    if (!ok) return mismatch();
  }
  return undefined;
}
