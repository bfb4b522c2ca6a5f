// The official WebAssembly core spec tests (wast2json scripts in ../shared/spec-tests/core),
// run against heapbase. One test per script; each fails on a command failure that is not in
// expected-failures.ts, or on a listed command that passes.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError } from '../../src/index.js';
import { invokeWithBits, globalBits } from '../../src/runtime/bits.js';
import { findRepoRoot, listScripts } from './script.js';
import { runScript, type Engine, type CommandResult } from './runner.js';
import { expectedFailures } from './expected-failures.js';

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

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const suiteDir = resolve(repoRoot, '../shared/spec-tests/core');

/** How many reasons to put in a failing test's message; the rest are counted. */
const MAX_REASONS = 40;

const total = { passed: 0, failed: 0, skipped: 0 };

const scripts = listScripts(suiteDir);
if (scripts.length === 0) {
  // An empty or misplaced suite directory must not look like a clean run.
  test('core spec scripts present', () => assert.fail(`no spec scripts found in ${suiteDir}`));
}

for (const { name, jsonPath } of scripts) {
  test(`core/${name}`, () => {
    const label = `${name}/${name}.json`;
    const r = runScript(engine, jsonPath, { label });
    console.log(`core/${name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
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
      if (!key.startsWith(`${label}:`)) continue;
      const cs = byKey.get(key);
      if (cs === undefined) problems.push(`${key}: listed in expected-failures (${why}) but no command is on that line`);
      else if (!cs.some((c) => c.status === 'failed')) {
        problems.push(`${key}: listed in expected-failures (${why}) but passes now; remove it`);
      }
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, MAX_REASONS);
      if (problems.length > MAX_REASONS) shown.push(`... and ${problems.length - MAX_REASONS} more`);
      assert.fail(`${problems.length} unexpected result(s) in core/${name}:\n${shown.join('\n')}`);
    }
  });
}

after(() => {
  console.log(`core total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
});
