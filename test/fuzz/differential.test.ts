// Differential execution in CI: a fixed batch of random modules runs on heapbase and on V8, which
// must agree on every result, trap, host call, global, table and byte of memory (see
// differential.ts). The batch: the committed corpus of binaryen modules (test/fuzz/corpus, made
// by `node dist/test/fuzz/cli.js --make-corpus`, so CI needs no binaryen) and modules from the
// own generator with fixed seeds. Longer runs: `npm run fuzz -- --seed S --count N`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '../spec/script.js';
import { differentialBatch, rerunFile, trapSummary, type BatchNaming } from './batch.js';
import type { DifferentialCase } from './cases.js';
import type { CorpusEntry } from './cli.js';
import { runDifferential } from './differential.js';
import { mixSeed } from './prng.js';
import { concat, encodeName, HEADER, section, uleb } from './wasm-bytes.js';

const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const corpusDir = join(root, 'test/fuzz/corpus');
const OWN_MODULES = 1000;
const OWN_SEED = 20_240_601;

function corpusCases(): DifferentialCase[] {
  const manifest = JSON.parse(readFileSync(join(corpusDir, 'manifest.json'), 'utf8')) as { modules: CorpusEntry[] };
  return manifest.modules.map((m, index) => ({ index, seed: m.seed, source: 'file', file: resolve(corpusDir, m.file), rawNaNs: m.rawNaNs }));
}

/** Names corpus and own-generator cases; own cases start after the `corpusCount` corpus ones. */
const naming = (corpusCount: number): BatchNaming => ({
  describe: (c) => (c.source === 'file' ? `corpus ${c.file!.slice(corpusDir.length + 1)}` : `own generator seed ${c.seed}`),
  rerun: (c) => (c.source === 'file' ? rerunFile(c) : `node dist/test/fuzz/cli.js --source own --seed ${OWN_SEED} --start ${c.index - corpusCount} --count 1`),
});

test('differential: binaryen corpus and own generator agree with V8', { timeout: 10 * 60_000 }, async (t) => {
  const cases = corpusCases();
  const corpusCount = cases.length;
  for (let i = 0; i < OWN_MODULES; i++) cases.push({ index: cases.length, seed: mixSeed(OWN_SEED, i), source: 'own' });
  assert.ok(corpusCount >= 300 && cases.length >= 600);
  const r = await differentialBatch(cases, naming(corpusCount));
  t.diagnostic(`${cases.length} modules (${corpusCount} binaryen, ${OWN_MODULES} own) in ${r.seconds.toFixed(1)} s: ${r.ok} agree, ` +
    `${r.skipped} skipped; ${r.calls} calls compared`);
  t.diagnostic(`traps compared: ${trapSummary(r.traps)}`);
  assert.deepEqual(r.failures, []);
  // The batch must exercise something: most modules run, and many kinds of traps are compared.
  assert.ok(r.ok >= cases.length * 0.95, `only ${r.ok} modules compared`);
  assert.ok(r.calls > 5000, `only ${r.calls} calls`);
  assert.ok(r.traps.size >= 7, `only these traps: ${[...r.traps.keys()].join(', ')}`);
});

// Very large functions are split into closures (src/compile/outline.ts); with the threshold
// lowered, nearly every function of the corpus is split, and must still agree with V8.
test('differential with every function split into closures: binaryen corpus agrees with V8', { timeout: 10 * 60_000 }, async (t) => {
  const cases = corpusCases();
  const r = await differentialBatch(cases, naming(cases.length), { maxFunctionChars: 120 });
  t.diagnostic(`${cases.length} modules split at 120 characters in ${r.seconds.toFixed(1)} s: ${r.ok} agree, ${r.skipped} skipped; ${r.calls} calls compared`);
  assert.deepEqual(r.failures, []);
  assert.ok(r.ok >= cases.length * 0.95, `only ${r.ok} modules compared`);
});

// The harness itself: it must see a difference when there is one.
test('the harness reports a wrong result, a wrong memory byte and a missing host call', () => {
  // (memory 1) (import "fuzzing-support" "log-i32" (func $log (param i32)))
  // (func (export "grow") (result i32) (i32.store8 (i32.const 70000) (i32.const 7)) (call $log (memory.size)) (memory.grow (i32.const 1)))
  const bytes = concat([HEADER,
    section(1, [2, 0x60, 1, 0x7f, 0, 0x60, 0, 1, 0x7f]),
    section(2, [1, ...encodeName('fuzzing-support'), ...encodeName('log-i32'), 0, 0]),
    section(3, [1, 1]),
    section(5, [1, 1, 1, 2]),
    section(7, [1, ...encodeName('grow'), 0, 1]),
    section(10, (() => {
      const b = [0, 0x41, ...uleb(1), 0x40, 0, 0x1a, 0x41, 0xf0, 0xa2, 0x04, 0x41, 7, 0x3a, 0, 0, 0x3f, 0, 0x10, 0, 0x41, 1, 0x40, 0, 0x0b];
      return [1, ...uleb(b.length), ...b];
    })()),
  ]);
  assert.equal(runDifferential(bytes, 1).status, 'ok');
  // With grow: 'fixed' heapbase's memory.grow returns the current size and does not grow.
  const r = runDifferential(bytes, 1, { heapbaseOptions: { grow: 'fixed' } });
  assert.equal(r.status, 'diverged');
  assert.match(`${r.divergence!.what} ${r.divergence!.v8} ${r.divergence!.heapbase}`, /result|memory|log/);
});
