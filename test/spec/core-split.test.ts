// The core spec suite again, with nearly every function split into closures
// (src/compile/outline.ts): the splitting normally applies only to very large functions, which
// the suite hardly has, so this run checks its rewriting of branches and returns everywhere.
import { splitting } from '../../src/compile/outline.js';
import { listScripts } from './script.js';
import { runScript } from './runner.js';
import { expectedFailures } from './expected-failures.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

splitting.maxFunctionChars = 120;

const dir = suiteDir('core');
registerSuite('core-split', dir, listScripts(dir).map(({ name, jsonPath }) => ({
  name,
  label: `${name}/${name}.json`,
  run: () => ({ ...runScript(heapbaseEngine, jsonPath, { label: `${name}/${name}.json` }), notes: [] }),
})), expectedFailures, 'expected failures');
