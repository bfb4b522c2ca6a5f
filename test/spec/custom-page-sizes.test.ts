// The custom-page-sizes proposal's tests (raw .wast in ../shared/spec-tests/custom-page-sizes),
// converted in memory by wast/ and run against heapbase. One test per script; each fails on a
// command failure not in wast/expected-failures.ts, or on a listed command that passes.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError } from '../../src/index.js';
import { invokeWithBits, globalBits } from '../../src/runtime/bits.js';
import { findRepoRoot } from './script.js';
import type { CommandResult, Engine } from './runner.js';
import { runWast } from './wast/run.js';
import { expectedFailures } from './wast/expected-failures.js';

const engine: Engine = {
  Module,
  Instance: Instance as unknown as Engine['Instance'],
  Memory,
  Table,
  Global,
  CompileError,
  LinkError,
  RuntimeError,
  invokeWithBits,
  globalBits,
};

const SUITE = 'custom-page-sizes';
const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const suiteDir = resolve(repoRoot, `../shared/spec-tests/${SUITE}`);

/** How many reasons to put in a failing test's message; the rest are counted. */
const MAX_REASONS = 40;

const wabt = await wabtInit();
const total = { passed: 0, failed: 0, skipped: 0 };

let files: string[] = [];
try {
  files = readdirSync(suiteDir).filter((f) => f.endsWith('.wast')).sort();
} catch {
  // Reported below.
}
if (files.length === 0) {
  test(`${SUITE} scripts present`, () => assert.fail(`no .wast scripts found in ${suiteDir}`));
}

for (const file of files) {
  test(`${SUITE}/${file}`, () => {
    const r = runWast(engine, wabt, join(suiteDir, file), { label: file });
    const lines = [`${SUITE}/${file}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`];
    for (const s of r.skips) lines.push(`  skipped (${s.category}): ${s.key} ${s.type}: ${s.detail}`);
    console.log(lines.join('\n'));
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;

    // Group by key: a key (file:line) fails if any command on that line failed.
    const byKey = new Map<string, CommandResult[]>();
    for (const c of r.results) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);

    const problems: string[] = [];
    for (const c of r.results) {
      if (c.status === 'failed' && !expectedFailures.has(c.key)) problems.push(c.reason ?? c.key);
    }
    for (const [key, why] of expectedFailures) {
      if (!key.startsWith(`${file}:`)) continue;
      const cs = byKey.get(key);
      if (cs === undefined) problems.push(`${key}: listed in expected-failures (${why}) but no command is on that line`);
      else if (!cs.some((c) => c.status === 'failed')) {
        problems.push(`${key}: listed in expected-failures (${why}) but passes now; remove it`);
      }
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, MAX_REASONS);
      if (problems.length > MAX_REASONS) shown.push(`... and ${problems.length - MAX_REASONS} more`);
      assert.fail(`${problems.length} unexpected result(s) in ${SUITE}/${file}:\n${shown.join('\n')}`);
    }
  });
}

after(() => {
  console.log(`${SUITE} total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
});
