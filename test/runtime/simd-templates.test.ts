// Differential test of the SIMD rows: each row's template (rendered as JavaScript, with the
// helpers of runtime/simd.ts and runtime/numeric.ts) against V8's own Wasm SIMD, on random and
// special operands, every lane index and random shuffles. Results must agree bit for bit, except
// that where V8's float arithmetic result lane is a NaN any NaN is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { simdRows, type SimdRow } from '../../src/binary/simd-opcodes.js';
import type { SimdImm, Template } from '../../src/binary/opcodes.js';
import { f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits, HI } from '../../src/runtime/numeric.js';
import { moduleFor, render, RESULT_AT, shapeOf, type Reference } from '../helpers/simd-reference.js';
import { nativeExports, nativeWasm } from '../helpers/native-wasm.js';

// xorshift32, seeded: failures reproduce.
let seed = 0x2545f491;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed | 0;
}
const below = (n: number): number => (rand() >>> 0) % n;
const pick = <T>(xs: readonly T[]): T => xs[below(xs.length)];
const chance = (p: number): boolean => (rand() >>> 0) / 4294967296 < p;

// Special lane values, as words (i64/f64: [lo, hi]).
const I8 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x81, 0x7e, 0x40, 0xc0, 0xfe];
const I16 = [0, 1, 2, 0x7fff, 0x8000, 0xffff, 0x8001, 0x7ffe, 0x4000, 0xc000, 0xff, 0xff00, 0x80, 0x7f, 0xff80];
const I32 = [0, 1, -1, 0x7fffffff, -0x80000000, -0x7fffffff, 0x7ffffffe, 0xffff, 0x10000, 0x8000, -0x8000, 0x7fff, -0x8001, 0x80, 0xff];
const I64: [number, number][] = [[0, 0], [1, 0], [-1, -1], [0, -0x80000000], [-1, 0x7fffffff], [0, 1], [-1, 0], [0, -1], [1, -0x80000000], [-0x80000000, 0], [0x7fffffff, 0]];
const F32 = [
  0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, // ±0, ±1, ±∞
  0x7fc00000, 0xffc00000, 0x7fc00001, 0xffe12345, 0x7fa00000, 0x7f800001, 0xff812345, // quiet and signalling NaNs
  0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, // denormals, extremes
  0x3f000000, 0xbf000000, 0x3fc00000, 0x40200000, 0xc0200000, 0x3effffff, 0x3f7fffff, 0xbf7fffff, // rounding
  0x4b000000, 0x4b000001, 0x4affffff, 0xcaffffff,
  0x4f000000, 0x4effffff, 0xcf000000, 0xcf000001, 0x4f800000, 0x4f7fffff, 0x5f000000, 0xdf000000, // trunc_sat limits
].map((x) => x | 0);
const F64: [number, number][] = ([
  [0, 0], [0, 0x80000000], [0, 0x3ff00000], [0, 0xbff00000], [0, 0x7ff00000], [0, 0xfff00000],
  [0, 0x7ff80000], [1, 0x7ff80000], [0, 0xfff80000], [0x12345678, 0xfff80000], [1, 0x7ff00000], [0, 0x7ff40000], [0x12345678, 0xfff00000],
  [1, 0], [0xffffffff, 0x000fffff], [0, 0x00100000], [0xffffffff, 0x7fefffff], [0xffffffff, 0xffefffff],
  [0, 0x3fe00000], [0, 0xbfe00000], [0, 0x3ff80000], [0, 0x40040000], [0, 0xc0040000], [0xffffffff, 0x3fdfffff], [0, 0x43300000], [1, 0x43300000],
  [0, 0x41e00000], [0xffc00000, 0x41dfffff], [0xffe00000, 0x41dfffff], [0, 0xc1e00000], [0x00200000, 0xc1e00000], [0x00100000, 0xc1e00000],
  [0, 0x41f00000], [0xffe00000, 0x41efffff], [0xfff00000, 0x41efffff], [0, 0x43e00000], [0, 0xc3e00000],
  [0xe0000000, 0x47efffff], [0xf0000000, 0x47efffff], [0xefffffff, 0x47efffff], [0, 0x36a00000], [0, 0x36900000], [1, 0x36900000], // f32 rounding edges
  [0x10000000, 0x3ff00000], [0x30000000, 0x3ff00000], // halfway between f32 neighbours of 1 (ties to even)
] as [number, number][]).map(([lo, hi]) => [lo | 0, hi | 0]);

const SWIZZLE_INDICES = [...Array(20).keys(), 31, 32, 0x7f, 0x80, 0xf0, 0xff];

type LaneType = 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
const LANE_TYPES: readonly LaneType[] = ['i8', 'i16', 'i32', 'i64', 'f32', 'f64'];

/** A random f32 of moderate exponent (so arithmetic has ordinary results), as bits. */
const randomF32 = (): number => (rand() & 0x807fffff) | ((110 + below(50)) << 23);
const randomF64 = (): [number, number] => [rand(), (rand() & 0x800fffff) | ((1000 + below(80)) << 20)];

/** Four words filled with lanes of one type: special values or random ones. */
function vector(type: LaneType, out: Int32Array): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, 16);
  const dv = new DataView(out.buffer, out.byteOffset, 16);
  const special = chance(0.6);
  const p = special ? 0.7 : 0.2;
  for (let lane = 0; lane < 16; ) {
    switch (type) {
      case 'i8': bytes[lane] = chance(p) ? pick(I8) : rand(); lane += 1; break;
      case 'i16': dv.setInt16(lane, chance(p) ? pick(I16) : rand(), true); lane += 2; break;
      case 'i32': dv.setInt32(lane, chance(p) ? pick(I32) : rand(), true); lane += 4; break;
      case 'f32': dv.setInt32(lane, chance(p) ? pick(F32) : chance(0.5) ? randomF32() : rand(), true); lane += 4; break;
      case 'i64': case 'f64': {
        const [lo, hi] = chance(p) ? pick(type === 'i64' ? I64 : F64) : type === 'f64' && chance(0.5) ? randomF64() : [rand(), rand()];
        dv.setInt32(lane, lo, true);
        dv.setInt32(lane + 4, hi, true);
        lane += 8;
      }
    }
  }
}

/** The lane type a row's operands are best drawn from: the input shape named in it, else its own. */
function inputType(name: string): LaneType | undefined {
  const m = /_(i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)/.exec(name) ?? /^(i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)/.exec(name);
  return m ? (m[1].replace(/x\d+$/, '') as LaneType) : undefined;
}

/** Float arithmetic rows: NaN result lanes may be any NaN. (Moves, sign ops, pmin/pmax and compares are exact.) */
function nanLanes(name: string): 'f32' | 'f64' | undefined {
  if (/^f32x4\.(add|sub|mul|div|sqrt|min|max|ceil|floor|trunc|nearest|demote_f64x2_zero)$/.test(name)) return 'f32';
  if (/^f64x2\.(add|sub|mul|div|sqrt|min|max|ceil|floor|trunc|nearest|promote_low_f32x4)$/.test(name)) return 'f64';
  return undefined;
}
const isNaN32 = (w: number): boolean => (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
const isNaN64 = (lo: number, hi: number): boolean => (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
// Ours must moreover be quiet: Wasm's arithmetic NaNs (what the spec suite's nan:arithmetic checks).
const isQuiet32 = (w: number): boolean => isNaN32(w) && (w & 0x400000) !== 0;
const isQuiet64 = (lo: number, hi: number): boolean => isNaN64(lo, hi) && (hi & 0x80000) !== 0;

const PAGE = 65536;
const hex = (x: number): string => `0x${(x >>> 0).toString(16).padStart(8, '0')}`;

/** Immediates to test a row with: every lane, random shuffles and constants, or none. */
function immediates(row: SimdRow): SimdImm[] {
  if (row.imm === 'lane' || row.imm === 'memarg_lane') return Array.from({ length: row.lanes ?? 0 }, (_, lane) => ({ lane, bytes: [] }));
  if (row.imm === 'v128') {
    return Array.from({ length: 30 }, (_, i) => ({ lane: 0, bytes: Array.from({ length: 16 }, () => (i < 2 ? -i & 0xff : rand() & 0xff)) }));
  }
  if (row.imm === 'shuffle') {
    const fixed = [[...Array(16).keys()], [...Array(16).keys()].map((i) => i + 16), [...Array(16).keys()].reverse(), [...Array(16).keys()].map((i) => (i + 5) & 31)];
    return [...fixed, ...Array.from({ length: 60 }, (_, i) => Array.from({ length: 16 }, (_, p) => (i < 20 ? (4 * below(8) + (p & 3)) : below(32))))]
      .map((bytes) => ({ lane: 0, bytes }));
  }
  return [{ lane: 0, bytes: [] }];
}

/** Addresses for a memory row of access width `width`: around the end of the page, far out, and inside. */
function addresses(width: number): number[] {
  const out: number[] = [];
  for (let d = -3; d <= 3; d++) out.push(PAGE - width + d);
  out.push(PAGE, PAGE - 1, 0xffffffff, 0x80000000, PAGE - 16, PAGE - 15);
  for (let i = 0; i < 40; i++) out.push(128 + below(PAGE - 160));
  return out.map((a) => a >>> 0);
}

/** Shift counts and other i32 scalars. */
function scalarI32(name: string): number {
  if (/\.sh[lr]/.test(name)) return chance(0.7) ? below(140) - 4 : rand();
  return chance(0.6) ? pick(I32) : chance(0.5) ? pick(I8) : rand();
}

test('the SIMD rows: 236 instructions, sub-opcodes as wabt encodes them', async () => {
  assert.equal(simdRows.length, 236);
  assert.equal(new Set(simdRows.map((r) => r.sub)).size, 236);
  assert.equal(new Set(simdRows.map((r) => r.name)).size, 236);
  const wabt = await wabtInit();
  for (const row of simdRows) {
    const imm = row.imm === 'v128' ? ' i32x4 0 0 0 0' : row.imm === 'shuffle' ? ` ${[...Array(16).keys()].join(' ')}` : row.imm === 'lane' || row.imm === 'memarg_lane' ? ' 0' : '';
    const text = `(module (memory 1) (func unreachable ${row.name}${imm} unreachable))`;
    const mod = wabt.parseWat('t.wat', text, { simd: true });
    const bin = mod.toBinary({}).buffer;
    mod.destroy();
    const at = bin.findIndex((b, i) => b === 0x00 && bin[i + 1] === 0xfd);
    assert.ok(at > 0, row.name);
    let sub = 0;
    for (let i = at + 2, s = 0; ; i++, s += 7) {
      sub |= (bin[i] & 0x7f) << s;
      if (bin[i] < 0x80) break;
    }
    assert.equal(sub, row.sub, `${row.name}: wabt encodes 0xfd ${sub.toString(16)}`);
    if (row.mem) {
      // The alignment immediate wabt writes by default is the natural one.
      assert.equal(1 << bin[at + 2 + (row.sub >= 0x80 ? 2 : 1)], row.mem.width, `${row.name}: width`);
    }
    if (row.imm === 'lane' || row.imm === 'memarg_lane') assert.ok(row.lanes, `${row.name}: lanes`);
  }
});

test('the SIMD templates allocate nothing and use only their operands and $m0..$m9', () => {
  for (const row of simdRows) {
    const { params } = shapeOf(row);
    for (const imm of immediates(row)) {
      const t: Template = typeof row.js === 'function' ? row.js(imm) : row.js;
      const parts = typeof t === 'string' ? [t] : 'w' in t ? [t.pre ?? '', ...t.w] : [t.pre ?? '', t.lo, t.hi];
      for (const part of parts) {
        // No array, object or closure literals, no `new`; indexing only the runtime's typed arrays.
        assert.doesNotMatch(part, /\bnew\b|=>|[{}]|(?<!V128|HI|simd_F32|simd_I32)\[/, `${row.name}: ${part}`);
        for (const [, n, kind] of part.matchAll(/\$(\d+)(w[0-3]|[lh]|)/g)) {
          const p = params[Number(n)];
          const ok = p === 'V' ? kind.startsWith('w') : p === 'I' ? kind === 'l' || kind === 'h' : p !== undefined && kind === '';
          assert.ok(ok, `${row.name}: operand $${n}${kind} of shape ${row.shape}`);
        }
        for (const [, m] of part.matchAll(/\$m(\d+)/g)) assert.ok(Number(m) <= 9, `${row.name}: $m${m}`);
        if (!row.mem) assert.doesNotMatch(part, /\$A|\bdv\b/, row.name);
      }
    }
  }
});

test('the SIMD templates agree with V8 bit for bit', () => {
  const counts = new Map<string, number>();
  const traps = new Map<string, number>();
  const failures: string[] = [];
  const out: number[] = [0, 0, 0, 0];
  const refBuffer = new ArrayBuffer(PAGE);
  const refBytes = new Uint8Array(refBuffer);
  const refView = new DataView(refBuffer);
  const operand = new Int32Array(4);

  for (const row of simdRows) {
    const { params, result } = shapeOf(row);
    const relaxed = nanLanes(row.name);
    const isMemory = row.mem !== undefined;
    const exhaustive8 = /^i8x16\./.test(row.name) && row.shape === 'VV:V';
    for (const imm of immediates(row)) {
      const template: Template = typeof row.js === 'function' ? row.js(imm) : row.js;
      let ref: Reference;
      try {
        ref = render(row, template, out);
      } catch (e) {
        failures.push(`${row.name}: cannot render: ${(e as Error).message}`);
        continue;
      }
      const exports = nativeExports(moduleFor(row, imm));
      const f = exports.f as () => void;
      const mem = new Uint8Array((exports.m as { buffer: ArrayBuffer }).buffer);
      const memView = new DataView(mem.buffer);
      // Both memories start with the same random bytes (what loads read).
      for (let i = 0; i < PAGE; i += 4) memView.setInt32(i, rand(), true);
      refBytes.set(mem);

      const addrs = isMemory ? addresses(row.mem!.width) : [];
      const cases = isMemory ? addrs.length : row.imm === 'v128' ? 1 : exhaustive8 ? 4096 : row.imm === 'none' ? 2000 : row.imm === 'shuffle' ? 30 : 80;
      for (let c = 0; c < cases; c++) {
        // Operands into slot n = bytes 16n.. of both memories.
        // Not an array of doubles, which would quieten signalling NaNs: the first element is an object.
        const args: unknown[] = [refView, 0];
        params.forEach((p, n) => {
          const at = 16 * n;
          if (p === 'V') {
            if (exhaustive8) {
              // Every pair of bytes: lane j of $0 is c's byte pair's first, of $1 the second.
              for (let j = 0; j < 16; j++) {
                const pair = c * 16 + j;
                operand[j >> 2] = (j & 3) === 0 ? 0 : operand[j >> 2];
                operand[j >> 2] |= ((n === 0 ? pair >> 8 : pair & 0xff) & 0xff) << (8 * (j & 3));
              }
            } else if (n === 1 && row.name === 'i8x16.swizzle' && chance(0.7)) {
              // Lane indices: in range, just out of it, far out.
              for (let k = 0; k < 4; k++) operand[k] = [0, 1, 2, 3].reduce((x, b) => x | (pick(SWIZZLE_INDICES) << (8 * b)), 0);
            } else if (chance(0.1)) {
              // Signed zeros in every lane shape (pmin/pmax, min/max and compares on ±0).
              for (let k = 0; k < 4; k++) operand[k] = (k & 1) === 0 && chance(0.5) ? 0 : chance(0.5) ? 0 : 0x80000000 | 0;
            } else if (n === 1 && chance(0.25) && params[0] === 'V') {
              // Equal lanes (compares, pmin/pmax ties), sometimes with the sign bit flipped (±0).
              for (let k = 0; k < 4; k++) {
                operand[k] = chance(0.5) ? memView.getInt32(k * 4, true) : rand();
                if (chance(0.3)) operand[k] ^= 0x80000000;
              }
            } else {
              vector(chance(0.7) ? (inputType(row.name) ?? pick(LANE_TYPES)) : pick(LANE_TYPES), operand);
              if (chance(0.05)) for (let k = 0; k < 4; k++) operand[k] = rand();
            }
            for (let k = 0; k < 4; k++) {
              memView.setInt32(at + 4 * k, operand[k], true);
              args.push(operand[k]);
            }
          } else if (p === 'i') {
            const x = isMemory && n === 0 ? addrs[c] | 0 : scalarI32(row.name);
            if (isMemory && n === 0) args[1] = x >>> 0;
            memView.setInt32(at, x, true);
            args.push(x);
          } else if (p === 'f') {
            const bits = chance(0.7) ? pick(F32) : randomF32();
            memView.setInt32(at, bits, true);
            args.push(f32_from_bits(bits));
          } else {
            const [lo, hi] = p === 'I' ? (chance(0.7) ? pick(I64) : [rand(), rand()]) : chance(0.7) ? pick(F64) : randomF64();
            memView.setInt32(at, lo, true);
            memView.setInt32(at + 4, hi, true);
            if (p === 'I') args.push(lo, hi);
            else args.push(f64_from_bits(lo, hi));
          }
        });
        refBytes.set(mem.subarray(0, RESULT_AT), 0);
        for (let i = RESULT_AT; i < RESULT_AT + 16; i++) mem[i] = 0xa5;

        let wasmTrap = false;
        try {
          f();
        } catch (e) {
          if (!(e instanceof nativeWasm.RuntimeError)) throw e;
          wasmTrap = true;
        }
        let refTrap = false;
        let value: number | undefined;
        out.fill(0x5a5a5a5a);
        try {
          value = (ref as (...a: unknown[]) => number | undefined)(...args);
        } catch (e) {
          if (!(e instanceof RangeError)) {
            failures.push(`${row.name}: ${(e as Error).message}`);
            break;
          }
          refTrap = true;
        }
        counts.set(row.name, (counts.get(row.name) ?? 0) + 1);
        if (wasmTrap) traps.set(row.name, (traps.get(row.name) ?? 0) + 1);

        const describe = (): string => `${row.name}${row.imm === 'lane' || row.imm === 'memarg_lane' ? ` lane ${imm.lane}` : ''}`
          + `${row.imm === 'shuffle' || row.imm === 'v128' ? ` [${imm.bytes.join(',')}]` : ''} on (${args.slice(2).map((a) => (Number.isInteger(a) ? hex(a as number) : String(a))).join(', ')})`;
        if (wasmTrap !== refTrap) {
          failures.push(`${describe()}: V8 ${wasmTrap ? 'traps' : 'does not trap'}, the template ${refTrap ? 'traps' : 'does not'}`);
          continue;
        }
        if (row.mem?.store) {
          // Stores: the whole memory must be the same (nothing written when trapping).
          mem.fill(0, RESULT_AT, RESULT_AT + 16);
          refBytes.fill(0, RESULT_AT, RESULT_AT + 16);
          if (!Buffer.from(mem.buffer).equals(Buffer.from(refBuffer))) {
            failures.push(`${describe()}: memory differs after the store`);
            refBytes.set(mem);
          }
          continue;
        }
        if (wasmTrap) continue;

        const expected: number[] = [];
        const actual: number[] = [];
        const nWords = { V: 4, I: 2, F: 2, i: 1, f: 1 }[result] ?? 0;
        for (let k = 0; k < nWords; k++) expected.push(memView.getInt32(RESULT_AT + 4 * k, true));
        if (result === 'V' || result === 'I') {
          for (let k = 0; k < nWords; k++) {
            if (!Object.is(out[k] | 0, out[k])) failures.push(`${describe()}: word ${k} is ${out[k]}, not an int32`);
            actual.push(out[k] | 0);
          }
        } else if (result === 'i') {
          if (!Object.is(value! | 0, value)) failures.push(`${describe()}: ${value} is not an int32`);
          actual.push(value! | 0);
        } else if (result === 'f') {
          actual.push(f32_to_bits(value!));
        } else if (result === 'F') {
          actual.push(f64_to_bits(value!), HI[0]);
        }
        let same = true;
        for (let k = 0; k < nWords; k++) {
          if (expected[k] === actual[k]) continue;
          if (relaxed === 'f32' && isNaN32(expected[k]) && isQuiet32(actual[k])) continue;
          if (relaxed === 'f64') {
            const lane = k & ~1;
            if (isNaN64(expected[lane], expected[lane + 1]) && isQuiet64(actual[lane], actual[lane + 1])) continue;
          }
          same = false;
        }
        if (!same) failures.push(`${describe()}: V8 ${expected.map(hex).join(' ')}, template ${actual.map(hex).join(' ')}`);
        if (failures.length > 40) break;
      }
      if (failures.length > 40) break;
    }
    if (failures.length > 40) break;
  }
  const missing = simdRows.filter((r) => !counts.get(r.name)).map((r) => r.name);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`SIMD templates: ${total} cases over ${counts.size} rows`);
  assert.deepEqual(failures.slice(0, 40), []);
  assert.deepEqual(missing, [], 'rows without a case');
  // Every memory row trapped on some addresses and not on others.
  const trapless = simdRows.filter((r) => r.mem && !(traps.get(r.name)! > 0 && traps.get(r.name)! < counts.get(r.name)!)).map((r) => r.name);
  assert.deepEqual(trapless, [], 'memory rows without both trapping and in-bounds cases');
});
