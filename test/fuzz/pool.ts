// Runs fuzz cases in worker threads, one case in flight per worker, so that a case that hangs
// or exhausts memory is pinned down: the worker is terminated (Worker.terminate interrupts even
// an endless loop), the case is reported, and a fresh worker takes the remaining cases.
import { Worker } from 'node:worker_threads';

export interface PoolOptions<C> {
  /** The worker script (a module that calls `serveCases`). */
  workerUrl: URL;
  /** Passed to every worker as workerData. */
  workerData: unknown;
  cases: C[];
  jobs: number;
  /** Time limit per case. */
  timeoutMs: number;
  /** Heap limit per worker. */
  maxOldGenerationSizeMb?: number;
  onResult(c: C, outcome: CaseOutcome): void;
}

export type CaseOutcome =
  | { kind: 'done'; result: unknown; ms: number }
  /** `stage`: the last progress the worker reported for the case (see `reportStage`). */
  | { kind: 'timeout'; ms: number; stage: string | null }
  | { kind: 'crashed'; error: string };

export function runPool<C>(options: PoolOptions<C>): Promise<void> {
  const queue = [...options.cases];
  let active = 0;
  return new Promise((resolveAll, rejectAll) => {
    const startWorker = (): void => {
      if (queue.length === 0) {
        if (active === 0) resolveAll();
        return;
      }
      active++;
      const worker = new Worker(options.workerUrl, {
        workerData: options.workerData,
        resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 2048 },
        stdout: false,
        stderr: false,
      });
      let current: C | undefined;
      let stage: string | null = null;
      let started = 0;
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        if (timer) clearTimeout(timer);
        active--;
        void worker.terminate();
      };
      const next = (): void => {
        current = queue.shift();
        if (current === undefined) {
          finish();
          if (active === 0 && queue.length === 0) resolveAll();
          return;
        }
        started = Date.now();
        stage = null;
        timer = setTimeout(() => {
          const c = current!;
          current = undefined;
          finish();
          options.onResult(c, { kind: 'timeout', ms: Date.now() - started, stage });
          startWorker();
        }, options.timeoutMs);
        worker.postMessage(current);
      };
      worker.on('message', (msg: { result: unknown } | { stage: string }) => {
        if (finished || current === undefined) return;
        if ('stage' in msg) {
          stage = msg.stage;
          return;
        }
        clearTimeout(timer);
        const c = current;
        current = undefined;
        try {
          options.onResult(c, { kind: 'done', result: msg.result, ms: Date.now() - started });
        } catch (e) {
          rejectAll(e);
          return;
        }
        next();
      });
      /** Ends this worker; reports its case, if one was in flight, as crashed. False if none was. */
      const crash = (error: string): boolean => {
        const c = current;
        current = undefined;
        finish();
        if (c === undefined) return false;
        options.onResult(c, { kind: 'crashed', error });
        return true;
      };
      worker.on('error', (e) => {
        if (finished) return;
        if (!crash(`${e.name}: ${e.message}`)) {
          rejectAll(e);
          return;
        }
        startWorker();
      });
      worker.on('exit', (code) => {
        if (finished) return;
        crash(`worker exited with code ${code}`);
        startWorker();
      });
      worker.once('online', next);
    };
    const n = Math.max(1, Math.min(options.jobs, queue.length));
    if (queue.length === 0) resolveAll();
    for (let i = 0; i < n; i++) startWorker();
  });
}

/** Called in a worker: tells the pool how far the current case got (reported on a timeout). */
export function reportStage(port: { postMessage(m: unknown): void } | null, stage: string): void {
  port?.postMessage({ stage });
}
