// The core spec suite again, with nearly every function split into closures
// (src/compile/outline.ts): the splitting normally applies only to very large functions, which
// the suite hardly has, so this run checks its rewriting of branches and returns everywhere.
import { splitting } from '../../src/compile/outline.js';
import { registerCoreSuite } from './core-suite.js';

splitting.maxFunctionChars = 120;
registerCoreSuite('core-split');
