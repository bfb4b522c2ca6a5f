// The validation worker of parallel.ts: validates the range of bodies it is asked for.
import { parentPort } from 'node:worker_threads';
import { validateRange } from './parallel.js';

parentPort?.on('message', (request: { bytes: Uint8Array; from: number; to: number }) => {
  parentPort?.postMessage(validateRange(request.bytes, request.from, request.to));
});
