// A batch of differential cases run in two workers, for the node:test entries (differential.test.ts,
// simd-corpus.test.ts): every divergence, crash or timeout becomes a failure line with the command
// that re-runs it.
import type { DifferentialCase, DifferentialCaseResult } from './cases.js';
import { runPool } from './pool.js';

export interface BatchOutcome { failures: string[]; ok: number; skipped: number; calls: number; traps: Map<string, number>; seconds: number }

export interface BatchNaming {
  /** How a case is named in failure lines. */
  describe(c: DifferentialCase): string;
  /** The command that re-runs one case. */
  rerun(c: DifferentialCase): string;
}

/** The command that re-runs a case read from a file. */
export const rerunFile = (c: DifferentialCase): string =>
  `node dist/test/fuzz/cli.js --file ${c.file} --case-seed ${c.seed}${c.rawNaNs ? ' --raw-nans' : ''}`;

/** Runs the cases in two workers; `extra` goes to the workers with the harness settings. */
export async function differentialBatch(cases: DifferentialCase[], naming: BatchNaming, extra: object = {}): Promise<BatchOutcome> {
  const out: BatchOutcome = { failures: [], ok: 0, skipped: 0, calls: 0, traps: new Map(), seconds: 0 };
  const started = Date.now();
  await runPool<DifferentialCase>({
    workerUrl: new URL('./worker.js', import.meta.url),
    workerData: { kind: 'differential', callsPerExport: 2, looseArguments: true, ...extra },
    cases,
    jobs: 2,
    timeoutMs: 60_000,
    onResult(c, outcome) {
      const what = naming.describe(c);
      if (outcome.kind === 'timeout') out.failures.push(`${what}: no answer within ${outcome.ms} ms (while running ${outcome.stage ?? '?'})`);
      else if (outcome.kind === 'crashed') out.failures.push(`${what}: crashed the worker: ${outcome.error}`);
      else {
        const r = outcome.result as DifferentialCaseResult;
        out.calls += r.result.calls;
        for (const k of r.result.traps) out.traps.set(k, (out.traps.get(k) ?? 0) + 1);
        if (r.error) out.failures.push(`${what}: ${r.error}`);
        else if (r.result.status === 'skipped') out.skipped++;
        else if (r.result.status === 'ok') out.ok++;
        else {
          const d = r.result.divergence!;
          out.failures.push(`${what}: ${d.step}: ${d.what}\n    V8:       ${d.v8}\n    heapbase: ${d.heapbase}${r.result.note ? `\n    note: ${r.result.note}` : ''}\n    re-run: ${naming.rerun(c)}`);
        }
      }
    },
  });
  out.seconds = (Date.now() - started) / 1000;
  return out;
}

export const trapSummary = (traps: Map<string, number>): string => [...traps].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
