// The committed SIMD corpus (test/fuzz/corpus-simd: binaryen modules made with --enable-simd by
// `node dist/test/fuzz/cli.js --make-corpus test/fuzz/corpus-simd --seed 2025 --count 200 --simd`,
// so CI needs no binaryen):
// - heapbase's validate (and WebAssembly.validate) agree with V8's on every module;
// - the harness's SIMD handling (v128 globals read through added functions, v128 exports
//   throwing TypeErrors) works: V8 against itself agrees on every module;
// - every module runs on heapbase and V8 with the same results, traps, host calls, globals,
//   tables and memory (differential.ts).
// Until heapbase supports SIMD it rejects these modules with a CompileError about the 0xfd prefix:
// the tests that need heapbase report that as a skip, after checking the modules it does accept.
// Longer runs: `npm run fuzz -- --simd --seed S --count N` (see README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hb from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { findRepoRoot } from '../spec/script.js';
import { isSimdUnsupported } from '../../bench/simd.js';
import { differentialBatch, rerunFile, type BatchOutcome } from './batch.js';
import type { DifferentialCase } from './cases.js';
import type { CorpusEntry } from './cli.js';
import { logsDifferInNaNBits, runDifferential, v8Engine, type Engine } from './differential.js';
import { concat, encodeName, HEADER, section, uleb } from './wasm-bytes.js';

const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const corpusDir = join(root, 'test/fuzz/corpus-simd');
const manifest = JSON.parse(readFileSync(join(corpusDir, 'manifest.json'), 'utf8')) as { generator: string; command: string; modules: CorpusEntry[] };
const modules = manifest.modules.map((m, index) => ({ ...m, index, bytes: new Uint8Array(readFileSync(join(corpusDir, m.file))) }));

/** heapbase's verdict on a module: accepted, or its "no SIMD" CompileError (other errors throw). */
function heapbaseAccepts(bytes: Uint8Array): true | string {
  try {
    new hb.Module(bytes);
    return true;
  } catch (e) {
    if (isSimdUnsupported(e)) return (e as Error).message;
    throw e;
  }
}
const verdicts = modules.map((m) => {
  try {
    return heapbaseAccepts(m.bytes);
  } catch (e) {
    return e as Error;
  }
});
const unsupported = modules.filter((_, i) => typeof verdicts[i] === 'string');
const unsupportedNote = (): string =>
  `heapbase rejects ${unsupported.length} of ${modules.length} SIMD modules with its "no SIMD" CompileError (e.g. ${unsupported[0].file}: ${verdicts[unsupported[0].index] as string})`;

test('SIMD corpus: 200 binaryen SIMD modules, under 3 MB, all valid on V8', () => {
  assert.ok(modules.length >= 200, `${modules.length} modules`);
  assert.ok(modules.every((m) => m.simd === true && m.origin.includes('--enable-simd')));
  const bytes = readdirSync(corpusDir).reduce((n, f) => n + statSync(join(corpusDir, f)).size, 0);
  assert.ok(bytes < 3_000_000, `${bytes} bytes`);
  for (const m of modules) assert.equal(nativeWasm.validate(m.bytes), true, m.file);
  // most modules use SIMD instructions, not only v128 types (binaryen's log-v128 import is in all)
  const withSimdCode = modules.filter((m) => m.bytes.includes(0xfd)).length;
  assert.ok(withSimdCode >= modules.length / 2, `${withSimdCode} modules with a 0xfd byte`);
});

test('SIMD corpus: heapbase validate() and WebAssembly.validate() agree with V8 on every module', (t) => {
  const disagree: string[] = [];
  for (const m of modules) {
    const want = nativeWasm.validate(m.bytes);
    if (typeof verdicts[m.index] === 'string') continue;
    for (const [name, validate] of [['validate', hb.validate], ['WebAssembly.validate', hb.WebAssembly.validate]] as const) {
      let got: string;
      try {
        got = String(validate(m.bytes));
      } catch (e) {
        got = `threw ${(e as Error).name}: ${(e as Error).message}`;
      }
      if (got !== String(want)) disagree.push(`${m.file}: heapbase ${name} ${got}, V8 ${want}`);
    }
  }
  assert.deepEqual(disagree, []);
  if (unsupported.length) t.skip(`${unsupportedNote()}; validate() agrees on the other ${modules.length - unsupported.length}`);
});

function batch(entries: typeof modules, extra: object): Promise<BatchOutcome> {
  const cases: DifferentialCase[] = entries.map((m) => ({ index: m.index, seed: m.seed, source: 'file', file: resolve(corpusDir, m.file), rawNaNs: m.rawNaNs }));
  return differentialBatch(cases, { describe: (c) => `corpus-simd ${c.file!.slice(corpusDir.length + 1)}`, rerun: rerunFile }, extra);
}

test('SIMD corpus: the harness on V8 against itself agrees on every module (v128 globals, exports, imports)', { timeout: 5 * 60_000 }, async (t) => {
  const r = await batch(modules, { selfCheck: true });
  t.diagnostic(`${modules.length} modules in ${r.seconds.toFixed(1)} s: ${r.ok} agree, ${r.skipped} skipped; ${r.calls} calls compared`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.ok >= modules.length * 0.95, `only ${r.ok} modules compared`);
});

test('SIMD corpus: heapbase agrees with V8 on every module', { timeout: 10 * 60_000 }, async (t) => {
  const accepted = modules.filter((m) => verdicts[m.index] === true);
  const broken = modules.filter((m) => verdicts[m.index] instanceof Error).map((m) => `${m.file}: new Module threw ${(verdicts[m.index] as Error).stack}`);
  assert.deepEqual(broken, []);
  if (accepted.length) {
    const r = await batch(accepted, {});
    t.diagnostic(`${accepted.length} modules in ${r.seconds.toFixed(1)} s: ${r.ok} agree, ${r.skipped} skipped; ${r.calls} calls compared`);
    t.diagnostic(`traps compared: ${[...r.traps].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    assert.deepEqual(r.failures, []);
    assert.ok(r.ok >= accepted.length * 0.95, `only ${r.ok} modules compared`);
  }
  if (unsupported.length) t.skip(unsupportedNote());
});

// The harness itself, at the JS boundary of SIMD: it must see a difference when there is one. An
// engine that is V8 with one thing changed stands in for heapbase.
//   (module (memory 1) (global $g (mut v128) (v128.const i32x4 1 2 3 4))
//     (func (export "take") (param v128) (i32.store (i32.const 0) (i32.const 9)))
//     (func (export "give") (result v128) (i32.store (i32.const 4) (i32.const 9)) (v128.const i32x4 0 0 0 0))
//     (func (export "set") (global.set $g (v128.const i32x4 5 6 7 8))))
const V128_BOUNDARY = (() => {
  const v128Const = (lanes: number[]): number[] => [0xfd, 12, ...lanes.flatMap((x) => [x & 255, (x >>> 8) & 255, (x >>> 16) & 255, x >>> 24])];
  const body = (code: number[]): number[] => [...uleb(code.length + 2), 0, ...code, 0x0b];
  return concat([HEADER,
    section(1, [3, 0x60, 1, 0x7b, 0, 0x60, 0, 1, 0x7b, 0x60, 0, 0]),
    section(3, [3, 0, 1, 2]),
    section(5, [1, 0, 1]),
    section(6, [1, 0x7b, 1, ...v128Const([1, 2, 3, 4]), 0x0b]),
    section(7, [3, ...encodeName('take'), 0, 0, ...encodeName('give'), 0, 1, ...encodeName('set'), 0, 2]),
    section(10, [3,
      ...body([0x41, 0, 0x41, 9, 0x36, 2, 0]),
      ...body([0x41, 4, 0x41, 9, 0x36, 2, 0, ...v128Const([0, 0, 0, 0])]),
      ...body([...v128Const([5, 6, 7, 8]), 0x24, 0])]),
  ]);
})();

/** `fn` with the `length` and `name` of the export it replaces (the harness compares them). */
const like = (original: unknown, fn: (...a: unknown[]) => unknown): unknown => {
  const o = original as { length: number; name: string };
  return Object.defineProperties(fn, { length: { value: o.length }, name: { value: o.name } });
};

/** V8, with each instance's exports passed through `change`. */
function doctoredV8(change: (exports: Record<string, unknown>) => Record<string, unknown>): Engine {
  return {
    ...v8Engine,
    name: 'heapbase',
    Instance: function (m: object, i?: object) {
      return { exports: Object.freeze(Object.assign(Object.create(null), change(new nativeWasm.Instance(m, i).exports))) };
    } as unknown as Engine['Instance'],
  };
}

test('the harness compares the TypeError of a v128 parameter or result, and the lanes of a v128 global', () => {
  assert.equal(runDifferential(V128_BOUNDARY, 1, { selfCheck: true }).status, 'ok');
  // an export with a v128 parameter that runs instead of throwing: its TypeError is missed
  const runs = doctoredV8((ex) => ({ ...ex, take: like(ex.take, () => undefined) }));
  const r1 = runDifferential(V128_BOUNDARY, 1, { against: runs });
  assert.equal(r1.status, 'diverged');
  assert.match(r1.divergence!.step, /^call "take"/);
  assert.match(r1.divergence!.v8, /TypeError/);
  // a v128 global whose lanes read differently
  const lanes = doctoredV8((ex) => {
    const name = Object.keys(ex).find((k) => k.startsWith('__fz_v128_global_'))!;
    const read = ex[name] as () => number[];
    return { ...ex, [name]: like(read, () => read().map((x, k) => (k === 2 ? x + 1 : x))) };
  });
  const r2 = runDifferential(V128_BOUNDARY, 1, { against: lanes });
  assert.equal(r2.status, 'diverged');
  assert.equal(r2.divergence!.what, 'global');
  assert.match(r2.divergence!.v8, /v128 i32x4 00000001 00000002 00000003 00000004/);
  assert.match(r2.divergence!.heapbase, /00000004 00000004$/);
});

test('the harness recognises a logged integer that differs only as NaN bits (f32 as i32, f64 as i64)', () => {
  const d = (v8: string, heapbase: string) => ({ what: 'host call log entry 0', v8, heapbase });
  // 0xffc00000 (V8's f32x4 NaN on x64) against 0x7fc00000
  assert.equal(logsDifferInNaNBits(d('fuzzing-support.log-i32(-4194304)', 'fuzzing-support.log-i32(2143289344)')), true);
  assert.equal(logsDifferInNaNBits(d('fuzzing-support.log-i64(-2251799813685248n)', 'fuzzing-support.log-i64(9221120237041090560n)')), true);
  assert.equal(logsDifferInNaNBits(d('fuzzing-support.log-i32(-4194304)', 'fuzzing-support.log-i32(5)')), false);
  // infinity is not a NaN
  assert.equal(logsDifferInNaNBits(d('fuzzing-support.log-i32(2139095040)', 'fuzzing-support.log-i32(2143289344)')), false);
  assert.equal(logsDifferInNaNBits(d('fuzzing-support.log-i32(-4194304)', 'fuzzing-support.log-i64(9221120237041090560n)')), false);
});
