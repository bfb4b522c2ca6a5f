// The threads proposal's tests (wast2json --enable-threads scripts in ../shared/spec-tests/threads:
// atomics, shared memories, their import and export), run against heapbase like the core suite.
// Every binary-module command must pass, except the few `superseded` below. Skipped commands are
// listed by name with the reason: text-format modules, and commands that need a second thread
// (heapbase runs one), should a script have them.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError } from '../../src/index.js';
import { invokeWithBits, globalBits } from '../../src/runtime/bits.js';
import { findRepoRoot, listScripts } from './script.js';
import { runScript, type Engine } from './runner.js';

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

const SUITE = 'threads';
const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const suiteDir = resolve(repoRoot, `../shared/spec-tests/${SUITE}`);

/** How many reasons to put in a failing test's message; the rest are counted. */
const MAX_REASONS = 40;

/**
 * Commands whose expectation WebAssembly 2.0 reversed: the proposal's tests branched off the MVP,
 * where a second table was invalid; the core suite (reference types) requires it to be valid.
 * They must fail here (a listed command that passes is reported, so the list stays exact).
 */
const superseded: ReadonlyMap<string, string> = new Map([
  ['imports/imports.json:310', 'two imported tables: valid since reference types (WebAssembly 2.0)'],
  ['imports/imports.json:314', 'an imported and a defined table: valid since reference types (WebAssembly 2.0)'],
  ['imports/imports.json:318', 'two defined tables: valid since reference types (WebAssembly 2.0)'],
]);

const total = { passed: 0, failed: 0, skipped: 0, superseded: 0 };

const scripts = listScripts(suiteDir);
if (scripts.length === 0) {
  test(`${SUITE} spec scripts present`, () => assert.fail(`no spec scripts found in ${suiteDir}`));
}

for (const { name, jsonPath } of scripts) {
  test(`${SUITE}/${name}`, () => {
    const label = `${name}/${name}.json`;
    const r = runScript(engine, jsonPath, { label });
    const problems: string[] = [];
    let failed = 0;
    let outdated = 0;
    for (const c of r.results) {
      if (c.status !== 'failed') continue;
      if (superseded.has(c.key)) outdated++;
      else {
        failed++;
        problems.push(c.reason ?? c.key);
      }
    }
    for (const [key, why] of superseded) {
      if (key.startsWith(`${label}:`) && !r.results.some((c) => c.key === key && c.status === 'failed')) {
        problems.push(`${key}: listed as superseded (${why}) but does not fail`);
      }
    }
    const lines = [`${SUITE}/${name}: ${r.passed} passed, ${failed} failed, ${r.skipped} skipped, ${outdated} superseded`];
    for (const c of r.results) if (c.status === 'skipped') lines.push(`  skipped: ${c.reason}`);
    for (const c of r.results) {
      if (c.status === 'failed' && superseded.has(c.key)) lines.push(`  superseded: ${c.key} ${c.type}: ${superseded.get(c.key)}`);
    }
    console.log(lines.join('\n'));
    total.passed += r.passed;
    total.failed += failed;
    total.skipped += r.skipped;
    total.superseded += outdated;

    if (problems.length > 0) {
      const shown = problems.slice(0, MAX_REASONS);
      if (problems.length > MAX_REASONS) shown.push(`... and ${problems.length - MAX_REASONS} more`);
      assert.fail(`${problems.length} failure(s) in ${SUITE}/${name}:\n${shown.join('\n')}`);
    }
  });
}

after(() => {
  console.log(`${SUITE} total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped, ${total.superseded} superseded`);
});
