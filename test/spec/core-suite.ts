// Registers the core spec scripts (../shared/spec-tests/core) as one test each, under a suite name.
import { listScripts } from './script.js';
import { runScript } from './runner.js';
import { expectedFailures } from './expected-failures.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

export function registerCoreSuite(suiteName: string): void {
  const dir = suiteDir('core');
  registerSuite(suiteName, dir, listScripts(dir).map(({ name, jsonPath }) => ({
    name,
    label: `${name}/${name}.json`,
    run: () => ({ ...runScript(heapbaseEngine, jsonPath, { label: `${name}/${name}.json` }), notes: [] }),
  })), expectedFailures, 'expected failures');
}
