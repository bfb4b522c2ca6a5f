// The official fixed-width SIMD spec tests (wast2json scripts in ../shared/spec-tests/simd), run
// against heapbase like the core suite: one test per script, every binary-module command must
// pass (no expected failures; text-format modules are skipped, as in core).
import { listScripts } from './script.js';
import { runScript } from './runner.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

const dir = suiteDir('simd');
registerSuite('simd', dir, listScripts(dir).map(({ name, jsonPath }) => ({
  name,
  label: `${name}/${name}.json`,
  run: () => ({ ...runScript(heapbaseEngine, jsonPath, { label: `${name}/${name}.json` }), notes: [] }),
})), new Map(), 'expected failures');
