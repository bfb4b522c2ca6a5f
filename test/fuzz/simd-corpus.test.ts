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
import type { DifferentialCase, DifferentialCaseResult } from './cases.js';
import type { CorpusEntry } from './cli.js';
import { runPool } from './pool.js';

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

interface Batch { failures: string[]; ok: number; skipped: number; calls: number; traps: Map<string, number>; seconds: number }

async function batch(entries: typeof modules, extra: object): Promise<Batch> {
  const cases: DifferentialCase[] = entries.map((m) => ({ index: m.index, seed: m.seed, source: 'file', file: resolve(corpusDir, m.file), rawNaNs: m.rawNaNs }));
  const out: Batch = { failures: [], ok: 0, skipped: 0, calls: 0, traps: new Map(), seconds: 0 };
  const started = Date.now();
  await runPool<DifferentialCase>({
    workerUrl: new URL('./worker.js', import.meta.url),
    workerData: { kind: 'differential', callsPerExport: 2, looseArguments: true, ...extra },
    cases,
    jobs: 2,
    timeoutMs: 60_000,
    onResult(c, outcome) {
      const what = `corpus-simd ${c.file!.slice(corpusDir.length + 1)}`;
      if (outcome.kind === 'timeout') out.failures.push(`${what}: no answer within ${outcome.ms} ms (while running ${outcome.stage ?? '?'})`);
      else if (outcome.kind === 'crashed') out.failures.push(`${what}: crashed the worker: ${outcome.error}`);
      else {
        const r = outcome.result as DifferentialCaseResult;
        out.calls += r.result.calls;
        for (const k of r.result.traps) out.traps.set(k, (out.traps.get(k) ?? 0) + 1);
        if (r.error) out.failures.push(`${what}: ${r.error}`);
        else if (r.result.status === 'skipped') out.skipped++;
        else if (r.result.status === 'ok') out.ok++;
        else {
          const d = r.result.divergence!;
          out.failures.push(`${what}: ${d.step}: ${d.what}\n    V8:       ${d.v8}\n    heapbase: ${d.heapbase}${r.result.note ? `\n    note: ${r.result.note}` : ''}\n` +
            `    re-run: node dist/test/fuzz/cli.js --file ${c.file} --case-seed ${c.seed}${c.rawNaNs ? ' --raw-nans' : ''}`);
        }
      }
    },
  });
  out.seconds = (Date.now() - started) / 1000;
  return out;
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
