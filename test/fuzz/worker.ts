// Worker side of the fuzz pool: receives one case at a time, answers with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { runDifferentialCase, type DifferentialCase } from './cases.js';
import { runHostileCase, type HostileCase } from './hostile.js';
import { splitting } from '../../src/compile/outline.js';

const { kind, maxFunctionChars } = workerData as { kind: 'differential' | 'hostile'; maxFunctionChars?: number };
// Lowered to split nearly every function into closures (see src/compile/outline.ts).
if (maxFunctionChars !== undefined) splitting.maxFunctionChars = maxFunctionChars;

parentPort!.on('message', (c: unknown) => {
  const result = kind === 'differential' ? runDifferentialCase(c as DifferentialCase, workerData) : runHostileCase(c as HostileCase, workerData);
  parentPort!.postMessage({ result });
});
