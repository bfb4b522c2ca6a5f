// Numeric literals of the text format, turned into the unsigned bit patterns the JSON runner
// works with (see ../script.ts: i32/i64 as unsigned decimal strings, floats as the decimal
// string of their bits).

export class LiteralError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiteralError';
  }
}

/** An unsigned integer literal (`nat`): decimal or `0x` hex, `_` between digits allowed. */
export function parseNat(text: string): bigint | undefined {
  if (/^[0-9](_?[0-9])*$/.test(text)) return BigInt(text.replace(/_/g, ''));
  if (/^0x[0-9a-fA-F](_?[0-9a-fA-F])*$/.test(text)) return BigInt(text.replace(/_/g, ''));
  return undefined;
}

/** An integer literal of `bits` bits (signed or unsigned range), as its unsigned bit pattern. */
export function parseIntBits(text: string, bits: number): bigint {
  let sign = 1n;
  let body = text;
  if (body.startsWith('+') || body.startsWith('-')) {
    if (body[0] === '-') sign = -1n;
    body = body.slice(1);
  }
  const n = parseNat(body);
  if (n === undefined) throw new LiteralError(`bad i${bits} literal ${JSON.stringify(text)}`);
  const v = sign * n;
  const limit = 1n << BigInt(bits);
  if (v >= limit || v < -(limit >> 1n)) throw new LiteralError(`i${bits} constant out of range: ${text}`);
  return BigInt.asUintN(bits, v);
}

interface FloatFormat {
  bits: number;
  mantBits: number;
  expBits: number;
}

const F32: FloatFormat = { bits: 32, mantBits: 23, expBits: 8 };
const F64: FloatFormat = { bits: 64, mantBits: 52, expBits: 11 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds the positive rational num/den to the nearest float (ties to even); returns the bits without sign. */
function roundRational(num: bigint, den: bigint, f: FloatFormat): bigint {
  if (num === 0n) return 0n;
  const bias = (1 << (f.expBits - 1)) - 1;
  const emin = 1 - bias;
  // e = floor(log2(num/den)).
  let e = bitLength(num) - bitLength(den);
  const ge = (exp: number): boolean => (exp >= 0 ? num >= den << BigInt(exp) : num << BigInt(-exp) >= den);
  if (!ge(e)) e--;
  const scale = Math.max(e, emin) - f.mantBits;
  // q = num / (den · 2^scale), rounded to nearest even.
  let n = num;
  let d = den;
  if (scale >= 0) d <<= BigInt(scale);
  else n <<= BigInt(-scale);
  let q = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
  // Normal: q in [2^mant, 2^(mant+1)] (the top end rounds up into the next binade), and the
  // bits are (e + bias − 1)·2^mant + q = (scale + mant − emin)·2^mant + q. Subnormal (scale pinned
  // at emin − mant): the bits are q itself, which the same sum gives; q = 2^mant is the smallest
  // normal.
  const bits = (BigInt(scale + f.mantBits - emin) << BigInt(f.mantBits)) + q;
  const inf = BigInt(2 ** f.expBits - 1) << BigInt(f.mantBits);
  return bits >= inf ? inf : bits;
}

function parseFloatBits(text: string, f: FloatFormat): bigint {
  let body = text;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  const signBit = neg ? 1n << BigInt(f.bits - 1) : 0n;
  const expAll = BigInt(2 ** f.expBits - 1) << BigInt(f.mantBits);
  const mantMask = (1n << BigInt(f.mantBits)) - 1n;
  const bad = (): never => {
    throw new LiteralError(`bad f${f.bits} literal ${JSON.stringify(text)}`);
  };
  if (body === 'inf') return signBit | expAll;
  if (body === 'nan') return signBit | expAll | (1n << BigInt(f.mantBits - 1));
  if (body.startsWith('nan:0x')) {
    const payload = parseNat(body.slice(4));
    if (payload === undefined || payload === 0n || payload > mantMask) bad();
    return signBit | expAll | payload!;
  }
  let num: bigint;
  let den = 1n;
  let m: RegExpMatchArray | null;
  const hexDigits = '[0-9a-fA-F](?:_?[0-9a-fA-F])*';
  const decDigits = '[0-9](?:_?[0-9])*';
  if ((m = body.match(new RegExp(`^0x(${hexDigits})(?:\\.(${hexDigits})?)?(?:[pP]([+-]?${decDigits}))?$`)))) {
    const int = m[1].replace(/_/g, '');
    const frac = (m[2] ?? '').replace(/_/g, '');
    let exp = Number((m[3] ?? '0').replace(/_/g, '')) - 4 * frac.length;
    num = BigInt('0x' + int + frac);
    // Cap huge exponents: anything beyond this is 0 or infinity anyway.
    exp = Math.max(-5000, Math.min(5000, exp));
    if (exp >= 0) num <<= BigInt(exp);
    else den = 1n << BigInt(-exp);
  } else if ((m = body.match(new RegExp(`^(${decDigits})(?:\\.(${decDigits})?)?(?:[eE]([+-]?${decDigits}))?$`)))) {
    const int = m[1].replace(/_/g, '');
    const frac = (m[2] ?? '').replace(/_/g, '');
    let exp = Number((m[3] ?? '0').replace(/_/g, '')) - frac.length;
    num = BigInt(int + frac);
    exp = Math.max(-2000, Math.min(2000, exp));
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den = 10n ** BigInt(-exp);
  } else {
    return bad();
  }
  return signBit | roundRational(num, den, f);
}

export function parseF32Bits(text: string): number {
  return Number(parseFloatBits(text, F32));
}

export function parseF64Bits(text: string): bigint {
  return parseFloatBits(text, F64);
}
