// Shared by the spec suites' node:test entries (core, threads, custom-page-sizes): the heapbase
// engine, and one test per script that fails on any unexpected failure and prints per-script and
// total `passed / failed / skipped` lines.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError } from '../../src/index.js';
import { invokeWithBits, globalBits } from '../../src/runtime/bits.js';
import { findRepoRoot } from './script.js';
import type { CommandResult, Engine } from './runner.js';

export const heapbaseEngine: Engine = {
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

/** `../shared/spec-tests/<suite>` beside the repository. */
export function suiteDir(suite: string): string {
  return resolve(findRepoRoot(dirname(fileURLToPath(import.meta.url))), `../shared/spec-tests/${suite}`);
}

export interface ScriptOutcome {
  passed: number;
  skipped: number;
  results: CommandResult[];
  /** Lines printed under the script's count line (what was skipped and why). */
  notes: string[];
}

export interface SuiteScript {
  name: string;
  /** The prefix of the script's result keys (`<label>:<line>`). */
  label: string;
  run(): ScriptOutcome;
}

/** How many reasons to put in a failing test's message; the rest are counted. */
const MAX_REASONS = 40;

/**
 * One node:test per script. `listed` maps result keys that must fail to the reason (expected
 * failures, or expectations a later standard reversed); a listed key that passes is an error too,
 * so the list stays exact.
 */
export function registerSuite(suite: string, dir: string, scripts: SuiteScript[], listed: ReadonlyMap<string, string>, listedAs: string): void {
  if (scripts.length === 0) {
    // An empty or misplaced suite directory must not look like a clean run.
    test(`${suite} spec scripts present`, () => assert.fail(`no spec scripts found in ${dir}`));
  }
  const total = { passed: 0, failed: 0, skipped: 0, listed: 0 };
  const listedText = (n: number): string => (listed.size > 0 ? `, ${n} ${listedAs}` : '');
  for (const script of scripts) {
    test(`${suite}/${script.name}`, () => {
      const r = script.run();
      const problems: string[] = [];
      let failed = 0;
      let listedFailures = 0;
      for (const c of r.results) {
        if (c.status !== 'failed') continue;
        if (listed.has(c.key)) listedFailures++;
        else {
          failed++;
          problems.push(c.reason ?? c.key);
        }
      }
      for (const [key, why] of listed) {
        if (!key.startsWith(`${script.label}:`)) continue;
        const onLine = r.results.filter((c) => c.key === key);
        if (onLine.length === 0) problems.push(`${key}: listed as ${listedAs} (${why}) but no command is on that line`);
        else if (!onLine.some((c) => c.status === 'failed')) problems.push(`${key}: listed as ${listedAs} (${why}) but passes now; remove it`);
      }
      const notes = [...r.notes];
      for (const c of r.results) if (c.status === 'failed' && listed.has(c.key)) notes.push(`${listedAs}: ${c.key} ${c.type}: ${listed.get(c.key)}`);
      console.log([`${suite}/${script.name}: ${r.passed} passed, ${failed} failed, ${r.skipped} skipped${listedText(listedFailures)}`, ...notes.map((n) => `  ${n}`)].join('\n'));
      total.passed += r.passed;
      total.failed += failed;
      total.skipped += r.skipped;
      total.listed += listedFailures;
      if (problems.length > 0) {
        const shown = problems.slice(0, MAX_REASONS);
        if (problems.length > MAX_REASONS) shown.push(`... and ${problems.length - MAX_REASONS} more`);
        assert.fail(`${problems.length} unexpected result(s) in ${suite}/${script.name}:\n${shown.join('\n')}`);
      }
    });
  }
  after(() => {
    console.log(`${suite} total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped${listedText(total.listed)}`);
  });
}
