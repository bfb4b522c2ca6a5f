// The official fixed-width SIMD spec tests (wast2json scripts in ../shared/spec-tests/simd), run
// against heapbase like the core suite: one test per script, every binary-module command must
// pass (no expected failures; text-format modules are skipped, as in core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { listScripts } from './script.js';
import { runScript } from './runner.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

const dir = suiteDir('simd');
registerSuite('simd', dir, listScripts(dir).map(({ name, jsonPath }) => ({
  name,
  label: `${name}/${name}.json`,
  run: () => ({ ...runScript(heapbaseEngine, jsonPath, { label: `${name}/${name}.json` }), notes: [] }),
})), new Map(), 'expected failures');

test('simd: heapbase validate() agrees with V8 on every module of the suite', () => {
  const differ: string[] = [];
  let count = 0;
  for (const { name } of listScripts(dir)) {
    for (const file of readdirSync(join(dir, name)).filter((f) => f.endsWith('.wasm'))) {
      const bytes = readFileSync(join(dir, name, file));
      count++;
      if (validate(bytes) !== nativeWasm.validate(bytes)) differ.push(`${name}/${file}: heapbase ${validate(bytes)}, V8 ${nativeWasm.validate(bytes)}`);
    }
  }
  console.log(`simd validate: ${count} modules, ${count - differ.length} agree with V8`);
  assert.ok(count > 1000, `only ${count} modules found in ${dir}`);
  assert.deepEqual(differ, []);
});
