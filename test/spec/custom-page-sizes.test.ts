// The custom-page-sizes proposal's tests (raw .wast in ../shared/spec-tests/custom-page-sizes),
// converted in memory by wast/ and run against heapbase. One test per script; each fails on a
// command failure not in wast/expected-failures.ts, or on a listed command that passes.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import wabtInit from 'wabt';
import { runWast } from './wast/run.js';
import { expectedFailures } from './wast/expected-failures.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

const SUITE = 'custom-page-sizes';
const dir = suiteDir(SUITE);
const wabt = await wabtInit();

let files: string[] = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.wast')).sort();
} catch {
  // registerSuite reports an empty suite.
}

registerSuite(SUITE, dir, files.map((file) => ({
  name: file,
  label: file,
  run: () => {
    const r = runWast(heapbaseEngine, wabt, join(dir, file), { label: file });
    return { ...r, notes: r.skips.map((s) => `skipped (${s.category}): ${s.key} ${s.type}: ${s.detail}`) };
  },
})), expectedFailures, 'expected failures');
