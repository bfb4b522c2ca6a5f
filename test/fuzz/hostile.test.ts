// Hostile bytes: about 20,000 mutations of valid modules (the spec suite's and the repo's) and hand-made
// modules with absurd declared sizes go through validate, new Module and new Instance (with stub
// imports that satisfy every declared import). Only CompileError, LinkError and RuntimeError may
// come out; no case may hang (time limit per case) or run out of memory; declared sizes must not
// be trusted (memory use is measured); and heapbase's validate must agree with V8's, except for
// the differences listed in `knownValidateDifferences` below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from '../spec/script.js';
import type { HostileCase, HostileResult } from './hostile.js';
import { MUTATIONS, specialModules } from './mutate.js';
import { runPool } from './pool.js';
import { mixSeed } from './prng.js';

const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const specDir = resolve(root, '../shared/spec-tests/core');

function wasmFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...wasmFiles(p));
    else if (name.endsWith('.wasm')) out.push(p);
  }
  return out;
}

/** Per source module: this many random mutations, plus one structural (section/LEB) one. */
const RANDOM_PER_SOURCE = 5;
const STRUCTURAL: (typeof MUTATIONS)[number][] = ['dup-section', 'swap-sections', 'drop-section', 'leb-size', 'leb-count', 'huge-count'];
const RANDOM: (typeof MUTATIONS)[number][] = ['flip', 'flip', 'truncate', 'bytes', 'insert', 'delete'];
const CASE_TIMEOUT_MS = 30_000;

/**
 * Known, accepted differences between heapbase's validate and V8's, each a predicate on
 * (V8's message, heapbase's message) with the reason. Anything else fails the test.
 */
const knownValidateDifferences: { why: string; matches(r: HostileResult): boolean }[] = [
  {
    why: 'SIMD is not implemented in heapbase yet (V8 accepts v128)',
    matches: (r) => r.v8Valid && !r.hbValid && /SIMD is not supported/.test(r.hbMessage ?? ''),
  },
  {
    why: "V8's own limit of 65,520 br_table targets (not a JS API limit)",
    matches: (r) => !r.v8Valid && r.hbValid === true && /max br_table size/.test(r.v8Message ?? ''),
  },
];

/** Valid modules heapbase cannot compile (a limitation of compiling to JS), by special module name. */
const knownCompileLimits = [
  /^special: 20,000 nested (blocks with results|loops|ifs): new Module rejected what validate accepted: the module is valid but its JavaScript could not be compiled/,
];

const files = [...wasmFiles(specDir), ...wasmFiles(join(root, 'test/fixtures')), ...wasmFiles(join(root, 'examples'))];

test('hostile bytes: mutated and hand-made modules', { timeout: 15 * 60_000 }, async (t) => {
  assert.ok(files.length > 1000, `found only ${files.length} source modules (spec suite in ${specDir})`);
  const cases: HostileCase[] = [];
  files.forEach((_, source) => {
    for (let k = 0; k < RANDOM_PER_SOURCE; k++) {
      const seed = mixSeed(0x405711e, source, k);
      cases.push({ index: cases.length, kind: 'mutation', source, mutation: RANDOM[seed % RANDOM.length], seed });
    }
    const seed = mixSeed(0x5ec7, source);
    cases.push({ index: cases.length, kind: 'mutation', source, mutation: STRUCTURAL[seed % STRUCTURAL.length], seed });
  });
  const mutations = cases.length;
  const specials = specialModules().length;
  for (let i = 0; i < specials; i++) cases.push({ index: cases.length, kind: 'special', special: i });

  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 50);
  const results: HostileResult[] = [];
  const failures: string[] = [];
  const guestLoops: string[] = [];
  const limits: string[] = [];
  const started = Date.now();
  try {
    await runPool<HostileCase>({
      workerUrl: new URL('./worker.js', import.meta.url),
      workerData: { kind: 'hostile', files },
      cases,
      jobs: 2,
      timeoutMs: CASE_TIMEOUT_MS,
      maxOldGenerationSizeMb: 1536,
      onResult(c, outcome) {
        const what = c.kind === 'special' ? `special module #${c.special}` : `${relative(root, files[c.source])} ${c.mutation} (seed ${c.seed})`;
        if (outcome.kind === 'timeout') {
          // A mutated start function may loop forever: that is the guest's, if V8 never finished either.
          if (outcome.stage === 'V8 new Instance') guestLoops.push(what);
          else failures.push(`${what}: no answer within ${outcome.ms} ms (stage: ${outcome.stage ?? 'none'})`);
        } else if (outcome.kind === 'crashed') failures.push(`${what}: crashed the worker: ${outcome.error}`);
        else {
          const r = outcome.result as HostileResult;
          results.push(r);
          for (const p of r.problems) {
            const line = `${r.label}: ${p}`;
            if (knownCompileLimits.some((re) => re.test(line))) limits.push(line);
            else failures.push(line);
          }
        }
      },
    });
  } finally {
    clearInterval(sampler);
  }
  const seconds = (Date.now() - started) / 1000;
  const rssAfter = process.memoryUsage().rss;

  const disagreements = results.filter((r) => r.hbValid !== null && r.hbValid !== r.v8Valid);
  const unexplained = disagreements.filter((r) => !knownValidateDifferences.some((k) => k.matches(r)));
  const instanceDiffs = results.filter((r) => r.v8Instance !== undefined && r.hbInstance !== undefined && (r.v8Instance === 'ok') !== (r.hbInstance === 'ok'));
  const bigBuffers = [...results].sort((a, b) => b.arrayBuffers - a.arrayBuffers).slice(0, 3);
  const slowest = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5);
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MiB`;
  t.diagnostic(`${mutations} mutations of ${files.length} modules + ${specials} hand-made modules in ${seconds.toFixed(1)} s; ` +
    `${results.filter((r) => r.v8Valid).length} valid; rss ${mb(rssBefore)} before, ${mb(rssPeak)} peak, ${mb(rssAfter)} after`);
  t.diagnostic(`slowest: ${slowest.map((r) => `${r.label} ${r.ms} ms`).join('; ')}`);
  t.diagnostic(`largest external memory right after instantiation: ${bigBuffers.map((r) => `${r.label} ${mb(r.arrayBuffers)}`).join('; ')}`);
  for (const r of disagreements) {
    const known = knownValidateDifferences.find((k) => k.matches(r));
    t.diagnostic(`validate differs (${known ? `known: ${known.why}` : 'UNEXPLAINED'}): ${r.label}: V8 ${r.v8Valid} (${r.v8Message ?? ''}), heapbase ${r.hbValid} (${r.hbMessage ?? ''})`);
  }
  for (const r of instanceDiffs) t.diagnostic(`instantiation differs: ${r.label}: V8 ${r.v8Instance}, heapbase ${r.hbInstance}`);
  for (const l of limits) t.diagnostic(`known limitation: ${l}`);
  if (guestLoops.length) t.diagnostic(`start functions looping on V8 too (not counted): ${guestLoops.join('; ')}`);

  assert.ok(mutations >= 10_000, `only ${mutations} mutations`);
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} failures`);
  assert.deepEqual(unexplained.map((r) => `${r.label}: V8 ${r.v8Valid} (${r.v8Message ?? ''}), heapbase ${r.hbValid} (${r.hbMessage ?? ''})`), []);
  // Declared sizes are not trusted: the batch (20,000 modules, some declaring GiBs, two workers)
  // may not grow the process by more than 1.5 GiB (it peaks at about 0.8 GiB).
  assert.ok(rssPeak - rssBefore < 1.5 * 2 ** 30, `rss grew from ${mb(rssBefore)} to a peak of ${mb(rssPeak)}`);
});
