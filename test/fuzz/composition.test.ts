// Composition of pure instructions against V8 (see composition.ts). Found issue 13's bug 2 (a
// folded expression reading a temporary reassigned later): 230 functions differed before the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkComposition, inputs, makePairs } from './composition.js';

test('composition: every pure instruction as an operand of every other agrees with V8', { timeout: 120_000 }, (t) => {
  const started = Date.now();
  const pairs = makePairs(13, 6);
  const args = inputs(13, 16);
  const failures = [];
  for (let i = 0; i < pairs.length; i += 3000) failures.push(...checkComposition(pairs.slice(i, i + 3000), args));
  t.diagnostic(`${pairs.length} functions, ${args.length} inputs each, ${((Date.now() - started) / 1000).toFixed(1)} s: ${failures.length} differ`);
  for (const f of failures.slice(0, 20)) t.diagnostic(`${f.name} (${f.input}): V8 ${f.v8}, heapbase ${f.heapbase}`);
  assert.deepEqual(failures, []);
});
