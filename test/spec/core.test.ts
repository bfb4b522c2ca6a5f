// The official WebAssembly core spec tests (wast2json scripts in ../shared/spec-tests/core),
// run against heapbase. One test per script; each fails on a command failure that is not in
// expected-failures.ts, or on a listed command that passes.
import { registerCoreSuite } from './core-suite.js';

registerCoreSuite('core');
