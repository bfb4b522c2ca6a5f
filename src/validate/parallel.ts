// Validation of large modules on two threads, for the asynchronous compile() (new Module stays
// synchronous and single-threaded). A worker thread decodes the same bytes and validates the
// later bodies while this thread validates the earlier ones; the facts are merged in body order.
// Any error, in either thread, gives up and returns null: the caller then validates on one
// thread, which reports the error the spec's order asks for (malformed before invalid).
//
// One worker is kept per process, made on first use and unref'd (it never keeps a process alive).
import { decodeModule } from '../binary/decode.js';
import type { ModuleIR } from '../binary/module.js';
import { mergeBodyFacts, validateBodies, validateModuleLevel, type BodyRangeFacts, type ValidationFacts } from './index.js';

/** Below this many bytes of code a worker's start and the copy of the bytes cost more than it saves. */
export const PARALLEL_MIN_CODE_BYTES = 2_000_000;

interface WorkerApi {
  postMessage(value: unknown): void;
  on(event: 'message', listener: (value: unknown) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  once(event: 'message', listener: (value: unknown) => void): void;
  off(event: string, listener: (...args: never[]) => void): void;
  unref(): void;
  ref(): void;
}

type WorkerReply = { ok: true; facts: BodyRangeFacts } | { ok: false };

interface NodeThreads {
  Worker: new (url: URL) => WorkerApi;
  cores: number;
}

/** worker_threads and the core count, where this runs on Node; null elsewhere. */
function nodeThreads(): NodeThreads | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof getBuiltin !== 'function') return null;
  const threads = getBuiltin('node:worker_threads') as { Worker: NodeThreads['Worker'] } | undefined;
  const os = getBuiltin('node:os') as { availableParallelism?: () => number; cpus: () => unknown[] } | undefined;
  if (!threads || !os) return null;
  return { Worker: threads.Worker, cores: os.availableParallelism?.() ?? os.cpus().length };
}

let worker: WorkerApi | null = null;
let workerBroken = false;
let busy: Promise<unknown> = Promise.resolve();

function theWorker(threads: NodeThreads): WorkerApi | null {
  if (worker !== null || workerBroken) return worker;
  try {
    worker = new threads.Worker(new URL('./worker.js', import.meta.url));
    worker.on('error', () => { workerBroken = true; worker = null; });
    worker.unref();
  } catch {
    workerBroken = true;
  }
  return worker;
}

/** Bytes of code of bodies [from, to). */
const codeBytes = (m: ModuleIR, from: number, to: number): number => {
  let total = 0;
  for (let i = from; i < to; i++) total += m.bodies[i].codeEnd - m.bodies[i].codeStart;
  return total;
};

/** Whether compile() of this module would validate on two threads here. */
export function validatesInParallel(m: ModuleIR): boolean {
  const threads = nodeThreads();
  return threads !== null && threads.cores > 1 && !workerBroken && codeBytes(m, 0, m.bodies.length) >= PARALLEL_MIN_CODE_BYTES;
}

/**
 * The module's facts, validated on this thread and the worker; null if either found an error or
 * the worker could not run (the caller validates on one thread then). `bytes` are the module's.
 */
export async function validateInParallel(bytes: Uint8Array, m: ModuleIR): Promise<ValidationFacts | null> {
  const threads = nodeThreads();
  if (threads === null) return null;
  // One module at a time through the worker: requests and replies pair up in order.
  const previous = busy;
  let release = (): void => {};
  busy = new Promise<void>((resolve) => { release = resolve; });
  await previous;
  try {
    const w = theWorker(threads);
    if (w === null) return null;
    // The worker takes the later bodies: it starts later (thread start, decoding).
    const total = codeBytes(m, 0, m.bodies.length);
    let split = 0;
    for (let sum = 0; split < m.bodies.length && sum < total * 0.55; split++) sum += m.bodies[split].codeEnd - m.bodies[split].codeStart;
    const reply = new Promise<WorkerReply>((resolve) => {
      const onMessage = (value: unknown): void => { w.off('error', onError); resolve(value as WorkerReply); };
      const onError = (): void => { w.off('message', onMessage); resolve({ ok: false }); };
      w.once('message', onMessage);
      w.on('error', onError);
    });
    w.ref();
    w.postMessage({ bytes, from: split, to: m.bodies.length });
    let mine: BodyRangeFacts;
    let ctx;
    try {
      ctx = validateModuleLevel(m);
      mine = validateBodies(ctx, 0, split);
    } catch {
      await reply;
      return null;
    }
    const theirs = await reply;
    if (!theirs.ok) return null;
    m.codeChecked = true; // both threads decoded their bodies' instructions
    return mergeBodyFacts(ctx, [mine, theirs.facts]);
  } finally {
    worker?.unref();
    release();
  }
}

/** The worker's side (worker.ts): validates one range of a module's bodies. */
export function validateRange(bytes: Uint8Array, from: number, to: number): WorkerReply {
  try {
    const m = decodeModule(bytes, { deferCodeCheck: true });
    return { ok: true, facts: validateBodies(validateModuleLevel(m), from, to) };
  } catch {
    return { ok: false };
  }
}
