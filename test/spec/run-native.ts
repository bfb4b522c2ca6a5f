// Runs the core spec suite against Node's own WebAssembly to self-check the runner:
//   node dist/test/spec/run-native.js [-v] [name...]
// -v prints every failure reason; names restrict the run to those folders.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot, listScripts } from './script.js';
import { runScript } from './runner.js';
import { nativeEngine } from './native.js';

// `node --test dist/test/` runs every .js under a test/ directory, this script included; it is a
// development tool, not a test, so it does nothing there.
if (process.env.NODE_TEST_CONTEXT !== undefined) process.exit(0);

const argv = process.argv.slice(2);
const verbose = argv.includes('-v');
const only = new Set(argv.filter((a) => a !== '-v'));

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const suiteDir = resolve(repoRoot, '../shared/spec-tests/core');

const total = { passed: 0, failed: 0, skipped: 0 };
const start = performance.now();
for (const { name, jsonPath } of listScripts(suiteDir)) {
  if (only.size > 0 && !only.has(name)) continue;
  const r = runScript(nativeEngine, jsonPath, { strictTrapMessages: false });
  console.log(`core/${name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  if (verbose) for (const c of r.results) if (c.status === 'failed') console.log(`  ${c.reason}`);
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
}
console.log(`core total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
console.log(`(${((performance.now() - start) / 1000).toFixed(1)} s)`);
