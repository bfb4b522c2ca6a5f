// Composition check: each pure instruction as an operand of every other, both engines compared.
// Operands are non-trivial (a local combined with a constant, or an instruction that needs a
// temporary), so the code generator's folding of pending expressions is exercised (issue 13).
import * as hb from '../../src/index.js';
import { allOps, type OpInfo } from '../../src/binary/opcodes.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { Rng } from './prng.js';
import { concat, encodeName, HEADER, section, sleb, uleb } from './wasm-bytes.js';

type Num = 'i32' | 'i64' | 'f32' | 'f64';
const NUMS: Num[] = ['i32', 'i64', 'f32', 'f64'];
const typeByte: Record<Num, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

interface PureOp { name: string; bytes: number[]; params: Num[]; result: Num; load: boolean }

function opBytes(op: OpInfo): number[] {
  return op.code < 0x100 ? [op.code] : [0xfc, ...uleb(op.code & 0xff)];
}

/** Numeric instructions with fixed types, loads, and select for each type. */
export function pureOps(): PureOp[] {
  const out: PureOp[] = [];
  for (const op of allOps) {
    const sig = op.sig;
    if (!sig || sig.results.length !== 1 || !sig.params.every((p) => NUMS.includes(p as Num)) || !NUMS.includes(sig.results[0] as Num)) continue;
    const load = op.imm === 'memarg' && !!op.mem && !op.mem.store && !op.mem.atomic;
    if (op.imm !== 'none' && !load) continue;
    if (op.code > 0xff && (op.code >> 8) !== 0xfc) continue;
    out.push({ name: op.name, bytes: load ? [...opBytes(op), 0, 0] : opBytes(op), params: sig.params as Num[], result: sig.results[0] as Num, load });
  }
  for (const t of NUMS) out.push({ name: `select(${t})`, bytes: [0x1b], params: [t, t, 'i32'], result: t, load: false });
  return out;
}

/** Conversions with deterministic results (trunc_sat, not reinterpret, so no NaN bits leak). */
const convert: Record<string, number[]> = {
  'i32>i64': [0xac], 'i64>i32': [0xa7], 'i32>f32': [0xb2], 'i32>f64': [0xb7], 'i64>f32': [0xb4], 'i64>f64': [0xb9],
  'f32>i32': [0xfc, 0], 'f32>i64': [0xfc, 4], 'f64>i32': [0xfc, 2], 'f64>i64': [0xfc, 6], 'f32>f64': [0xbb], 'f64>f32': [0xb6],
};
const paramIndex: Record<Num, number> = { i32: 0, i64: 1, f32: 2, f64: 3 };

/** local.get combined with a constant: not a simple operand, bit-exact for floats (copysign). */
function combined(t: Num, salt: number): number[] {
  const get = [0x20, paramIndex[t]];
  switch (t) {
    case 'i32': return [...get, 0x41, ...sleb(salt * 0x01010101 | 0), salt & 1 ? 0x73 : 0x6a];
    case 'i64': return [...get, 0x42, ...sleb(BigInt(salt) * 0x0101010101n), salt & 1 ? 0x85 : 0x7c];
    case 'f32': return [...get, 0x43, 0, 0, 0, salt & 1 ? 0x80 : 0, 0x98];
    case 'f64': return [...get, 0x44, 0, 0, 0, 0, 0, 0, 0, salt & 1 ? 0x80 : 0, 0xa6];
  }
}

function operand(op: PureOp, index: number, code: number[]): number[] {
  // Load addresses stay inside the page.
  return op.load && index === 0 ? [...code, 0x41, ...sleb(0xff8), 0x71] : code;
}

function coerce(code: number[], from: Num, to: Num): number[] {
  return from === to ? code : [...code, ...convert[`${from}>${to}`]];
}

/** inner(combined operands), converted to `to`. */
function innerExpr(inner: PureOp, to: Num, salt: number): number[] {
  const ops = inner.params.flatMap((p, i) => operand(inner, i, combined(p, salt + i)));
  return coerce([...ops, ...inner.bytes], inner.result, to);
}

export interface Pair { outer: PureOp; inner: PureOp; position: number; innerEverywhere: boolean; body: number[] }

export function makePairs(seed: number, innersPerPosition: number): Pair[] {
  const ops = pureOps();
  const rng = new Rng(seed);
  const needsTemp = ops.filter((o) => /rot|select|shl|shr|copysign|min|max|load/.test(o.name));
  const pairs: Pair[] = [];
  for (const outer of ops) {
    for (let position = 0; position < outer.params.length; position++) {
      const inners = new Set<PureOp>(needsTemp);
      while (inners.size < needsTemp.length + innersPerPosition) inners.add(rng.pick(ops));
      for (const inner of inners) {
        for (const innerEverywhere of [false, true]) {
          const code = outer.params.flatMap((p, i) => operand(outer, i,
            i === position || innerEverywhere ? innerExpr(inner, p, i * 3 + 1) : combined(p, i + 5)));
          pairs.push({ outer, inner, position, innerEverywhere, body: [...code, ...outer.bytes] });
        }
      }
    }
  }
  return pairs;
}

export function buildModule(pairs: Pair[]): Uint8Array {
  const types = NUMS.map((r) => [0x60, 4, 0x7f, 0x7e, 0x7d, 0x7c, 1, typeByte[r]]);
  const funcs = pairs.map((p) => NUMS.indexOf(p.outer.result));
  const bodies = pairs.map((p) => { const b = [0, ...p.body, 0x0b]; return [...uleb(b.length), ...b]; });
  const exportsSec = pairs.flatMap((_, i) => [...encodeName(`f${i}`), 0, ...uleb(i)]);
  const data = Array.from({ length: 4096 }, (_, i) => (i * 167 + 13) & 0xff);
  return concat([HEADER,
    section(1, [...uleb(types.length), ...types.flat()]),
    section(3, [...uleb(funcs.length), ...funcs.flatMap((f) => uleb(f))]),
    section(5, [1, 0, 1]),
    section(7, [...uleb(pairs.length), ...exportsSec]),
    section(10, [...uleb(bodies.length), ...bodies.flat()]),
    section(11, [1, 0, 0x41, 0, 0x0b, ...uleb(data.length), ...data])]);
}

export function inputs(seed: number, count: number): [number, bigint, number, number][] {
  const i32s = [0, 1, -1, 0x7fffffff, -0x80000000, 0xff00ff00 | 0, 0x11223344];
  const i64s = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 0x1122334455667788n];
  const fs = [0, -0, 1, -1, NaN, Infinity, -Infinity, 1e-45, 5e-324, 3.4e38, 2.5, -1.5];
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, k) => k < fs.length
    ? [i32s[k % i32s.length], i64s[k % i64s.length], fs[k], fs[(k + 3) % fs.length]]
    : [rng.u32() | 0, rng.i64(), Math.fround((rng.u32() | 0) / 1000), (rng.u32() | 0) / 7]);
}

function run(f: () => unknown): unknown {
  try { return f(); } catch (e) { return e instanceof Error ? `threw ${e.constructor.name}` : `threw ${String(e)}`; }
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.replace('hb', '') === b;
  return Object.is(a, b);
}

export interface CompositionFailure { name: string; input: string; v8: string; heapbase: string }

export function checkComposition(pairs: Pair[], args: ReturnType<typeof inputs>): CompositionFailure[] {
  const bytes = buildModule(pairs);
  const v8 = new nativeWasm.Instance(new nativeWasm.Module(bytes), {}).exports;
  const heap = new hb.Instance(new hb.Module(bytes), {}).exports as Record<string, unknown>;
  const failures: CompositionFailure[] = [];
  pairs.forEach((p, i) => {
    const fv = v8[`f${i}`] as (...a: unknown[]) => unknown;
    const fh = heap[`f${i}`] as (...a: unknown[]) => unknown;
    for (const a of args) {
      const rv = run(() => fv(...a));
      const rh = run(() => fh(...a));
      const errorsBoth = typeof rv === 'string' && typeof rh === 'string';
      const reinterpretNaN = /reinterpret/.test(p.outer.name) && typeof rv === typeof rh;
      // the sign of an arithmetic NaN is left open by the spec, and copysign shows it
      const nanSign = /copysign/.test(p.outer.name) && (p.position === 1 || p.innerEverywhere) && typeof rv === 'number' && typeof rh === 'number';
      if (same(rv, rh) || errorsBoth || (reinterpretNaN && rv !== rh && isNaNBits(p.outer.result, rv) && isNaNBits(p.outer.result, rh))) continue;
      if (nanSign && Object.is(Math.abs(rv as number), Math.abs(rh as number))) continue;
      failures.push({ name: `${p.outer.name}(${p.innerEverywhere ? 'all operands' : `operand ${p.position}`} = ${p.inner.name})`, input: a.map(String).join(', '), v8: String(rv), heapbase: String(rh) });
      break;
    }
  });
  return failures;
}

function isNaNBits(t: Num, v: unknown): boolean {
  if (t === 'i32') return ((v as number) & 0x7f800000) === 0x7f800000 && ((v as number) & 0x7fffff) !== 0;
  if (t === 'i64') return ((v as bigint) & 0x7ff0000000000000n) === 0x7ff0000000000000n && ((v as bigint) & 0xfffffffffffffn) !== 0n;
  return false;
}
