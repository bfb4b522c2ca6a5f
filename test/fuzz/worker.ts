// Worker side of the fuzz pool: receives one case at a time, answers with its result.
import { parentPort, workerData } from 'node:worker_threads';
import { runDifferentialCase, type DifferentialCase } from './cases.js';
import { runHostileCase, type HostileCase } from './hostile.js';

const kind = (workerData as { kind: 'differential' | 'hostile' }).kind;

parentPort!.on('message', (c: unknown) => {
  const result = kind === 'differential' ? runDifferentialCase(c as DifferentialCase, workerData) : runHostileCase(c as HostileCase, workerData);
  parentPort!.postMessage({ result });
});
