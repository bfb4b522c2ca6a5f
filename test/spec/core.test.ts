// The official WebAssembly core spec tests (wast2json scripts in ../shared/spec-tests/core),
// run against heapbase. One test per script; each fails on a command failure that is not in
// expected-failures.ts, or on a listed command that passes.
import { listScripts } from './script.js';
import { runScript } from './runner.js';
import { expectedFailures } from './expected-failures.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

const dir = suiteDir('core');
registerSuite('core', dir, listScripts(dir).map(({ name, jsonPath }) => ({
  name,
  label: `${name}/${name}.json`,
  run: () => ({ ...runScript(heapbaseEngine, jsonPath, { label: `${name}/${name}.json` }), notes: [] }),
})), expectedFailures, 'expected failures');
