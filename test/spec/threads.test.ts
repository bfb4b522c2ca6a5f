// The threads proposal's tests (wast2json --enable-threads scripts in ../shared/spec-tests/threads:
// atomics, shared memories, their import and export), run against heapbase like the core suite.
// Every binary-module command must pass, except the few `superseded` below. Skipped commands are
// listed by name with the reason: text-format modules, and commands that need a second thread
// (heapbase runs one), should a script have them.

import { listScripts } from './script.js';
import { runScript } from './runner.js';
import { heapbaseEngine, registerSuite, suiteDir } from './suite.js';

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

const dir = suiteDir('threads');
registerSuite('threads', dir, listScripts(dir).map(({ name, jsonPath }) => ({
  name,
  label: `${name}/${name}.json`,
  run: () => {
    const r = runScript(heapbaseEngine, jsonPath, { label: `${name}/${name}.json` });
    return { ...r, notes: r.results.filter((c) => c.status === 'skipped').map((c) => `skipped: ${c.reason}`) };
  },
})), superseded, 'superseded');
