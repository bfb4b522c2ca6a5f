// Real programs (issue 14): published npm packages run through their own glue, each in a fresh
// child process per (program, engine) — bench/real/child.ts — with Node's WebAssembly, heapbase
// and polywasm as globalThis.WebAssembly. For each program, rounds of node, heapbase, polywasm
// children, one after another (node, heapbase, polywasm, node, heapbase, …).
//
// cold: import the glue + compile + instantiate + run the workload once, timed in the child.
// warm: the workload's run part again on the same loaded instance, at least twice and up to
//       --warm times (stopping early past a time budget); the child's figure is the median of its
//       runs after the first; the program's figure is the median over rounds (cold too).
// results: a digest of every output of the first run; every warm run must give the same one, and
//       heapbase's must equal Node's (a difference is printed loudly and fails the benchmark).
// polywasm: one round, a warm run only, in a child with a time limit; too slow or failing is noted.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WORKLOADS } from './workloads.js';
import { median } from '../stats.js';

export type RealEngine = 'node' | 'heapbase' | 'polywasm';

export interface RealOptions {
  rounds: number;
  quick: boolean;
  filter: string | null;
  polywasm: boolean;
  log: (line: string) => void;
}

export interface ChildResult {
  ok: boolean;
  error?: string;
  digest?: string;
  unstable?: string | null;
  engineLoadMs?: number;
  loadMs?: number;
  coldMs?: number;
  warm?: number[];
  moduleConstructed?: number;
  /** Wall time of the child process seen from the parent. */
  processMs: number;
}

export interface RealEngineFigures {
  coldMs: number | null;
  warmMs: number | null;
  runs: ChildResult[];
  /** null: not run; otherwise whether every run's digest equals Node's first one. */
  agrees: boolean | null;
  note: string | null;
}

export interface RealFigures {
  name: string;
  what: string;
  node: RealEngineFigures;
  heapbase: RealEngineFigures;
  polywasm: RealEngineFigures | null;
  coldRatio: number | null;
  warmRatio: number | null;
  polywasmWarmRatio: number | null;
  mismatches: string[];
}

const childPath = fileURLToPath(new URL('./child.js', import.meta.url));

const medianOrNull = (xs: number[]): number | null => (xs.length ? median(xs) : null);

/** The child's steady-state figure: the median of its warm runs after the first (all, if only one). */
const steady = (warm: number[]): number | null => medianOrNull(warm.length > 1 ? warm.slice(1) : warm);

export function runChild(program: string, engine: RealEngine, quick: boolean, warm: number, warmBudgetMs: number, timeoutMs: number, env?: NodeJS.ProcessEnv): ChildResult {
  const started = performance.now();
  const args = ['--expose-gc', childPath, program, engine, '--warm', String(warm), '--warm-budget-ms', String(warmBudgetMs), ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20, env });
  const processMs = performance.now() - started;
  if (r.error || r.signal) {
    const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || r.signal === 'SIGTERM';
    return { ok: false, error: timedOut ? `too slow: over ${(timeoutMs / 1000).toFixed(0)} s` : String(r.error ?? r.signal), processMs };
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(line) as Omit<ChildResult, 'processMs'>), processMs };
  } catch {
    return { ok: false, error: `exit ${r.status}: ${(r.stderr || r.stdout).trim().slice(-400)}`, processMs };
  }
}

function figures(runs: ChildResult[], reference: string | undefined, minuteNote: string | null): RealEngineFigures {
  const good = runs.filter((r) => r.ok);
  const failed = runs.find((r) => !r.ok);
  const agrees = !runs.length ? null : failed || reference === undefined ? false : good.every((r) => r.digest === reference && !r.unstable);
  return {
    coldMs: medianOrNull(good.map((r) => r.coldMs!)),
    warmMs: medianOrNull(good.map((r) => steady(r.warm!)).filter((x): x is number => x !== null)),
    runs,
    agrees,
    note: failed ? failed.error!.split('\n')[0]!.slice(0, 160) : minuteNote,
  };
}

export function benchReal(opts: RealOptions): RealFigures[] {
  const out: RealFigures[] = [];
  const selected = WORKLOADS.filter((w) => opts.filter === null || w.name.includes(opts.filter));
  const warmRuns = opts.quick ? 2 : 4;
  const warmBudgetMs = opts.quick ? 1_000 : 4_000;
  const timeoutMs = opts.quick ? 120_000 : 300_000;
  const polywasmTimeoutMs = opts.quick ? 15_000 : 45_000;
  for (const w of selected) {
    const runs: Record<RealEngine, ChildResult[]> = { node: [], heapbase: [], polywasm: [] };
    for (let round = 0; round < opts.rounds; round++) {
      for (const engine of ['node', 'heapbase', 'polywasm'] as const) {
        if (engine === 'polywasm' && (!opts.polywasm || round > 0)) continue;
        const r = engine === 'polywasm' ? runChild(w.name, engine, opts.quick, 1, 0, polywasmTimeoutMs) : runChild(w.name, engine, opts.quick, warmRuns, warmBudgetMs, timeoutMs);
        if (engine === 'heapbase' && r.ok && !r.moduleConstructed) Object.assign(r, { ok: false, error: 'no Wasm module was built by heapbase' });
        const shown = r.ok ? `cold ${r.coldMs!.toFixed(0)} ms, warm ${r.warm!.map((x) => x.toFixed(0)).join('/')} ms` : `FAILED: ${r.error!.split('\n')[0]}`;
        opts.log(`real ${w.name} round ${round + 1}/${opts.rounds} ${engine}: ${shown} (${(r.processMs / 1000).toFixed(1)} s)`);
        runs[engine].push(r);
      }
    }
    const reference = runs.node.find((r) => r.ok)?.digest;
    const node = figures(runs.node, reference, null);
    const heapbase = figures(runs.heapbase, reference, null);
    const polywasm = opts.polywasm ? figures(runs.polywasm, reference, null) : null;
    const mismatches: string[] = [];
    const describe = (engine: RealEngine, rs: ChildResult[]): void => {
      for (const [i, r] of rs.entries()) {
        if (!r.ok) mismatches.push(`${w.name} on ${engine} (round ${i + 1}) failed: ${r.error}`);
        else if (r.unstable) mismatches.push(`${w.name} on ${engine} (round ${i + 1}): ${r.unstable}`);
        else if (reference !== undefined && r.digest !== reference) mismatches.push(`${w.name} on ${engine} (round ${i + 1}): outputs differ from Node's (digest ${r.digest!.slice(0, 12)} vs ${reference.slice(0, 12)})`);
      }
    };
    describe('node', runs.node);
    describe('heapbase', runs.heapbase);
    const ratio = (a: number | null, b: number | null, ok: boolean | null): number | null => (a !== null && b !== null && ok ? a / b : null);
    out.push({
      name: w.name,
      what: opts.quick ? w.whatQuick : w.what,
      node,
      heapbase,
      polywasm,
      coldRatio: ratio(heapbase.coldMs, node.coldMs, heapbase.agrees),
      warmRatio: ratio(heapbase.warmMs, node.warmMs, heapbase.agrees),
      polywasmWarmRatio: polywasm ? ratio(polywasm.warmMs, node.warmMs, polywasm.agrees) : null,
      mismatches,
    });
  }
  return out;
}

/** Lines of the table for the text report. */
export function formatReal(real: RealFigures[], opts: { rounds: number; quick: boolean; polywasm: boolean }, geomean: (xs: number[]) => number | null): string[] {
  const ms = (x: number | null): string => (x === null ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const ratio = (x: number | null): string => (x === null ? '—' : x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : `${x.toFixed(2)}×`);
  const lines: string[] = [];
  lines.push(`Real programs: npm packages through their own glue, a fresh process per (program, engine), ${opts.rounds} round(s), medians${opts.quick ? ' (--quick: smaller workloads)' : ''}`);
  lines.push('cold = import glue + compile + instantiate + first run; warm = the run again on the same instance (median of the runs after the first)');
  lines.push('');
  const header = ['program', 'what', 'cold node ms', 'cold heapbase ms', 'cold ratio', 'warm node ms', 'warm heapbase ms', 'warm ratio', 'polywasm warm ratio', 'results agree'];
  const rows: string[][] = [header];
  const notes: string[] = [];
  for (const r of real) {
    let pw = '—';
    if (r.polywasm) {
      if (r.polywasmWarmRatio !== null) pw = ratio(r.polywasmWarmRatio);
      else if (r.polywasm.agrees === false && r.polywasm.runs.every((x) => x.ok)) { pw = 'differs'; notes.push(`${r.name}: polywasm's outputs differ from Node's`); }
      else if (r.polywasm.note) { pw = r.polywasm.note.startsWith('too slow') ? 'too slow' : 'fails'; notes.push(`${r.name}: polywasm ${r.polywasm.note}`); }
    }
    const agreeNode = r.node.agrees !== false;
    const agree = r.heapbase.runs.some((x) => !x.ok) ? 'FAIL' : !agreeNode ? 'node?' : r.heapbase.agrees ? 'yes' : 'NO';
    rows.push([r.name, r.what, ms(r.node.coldMs), ms(r.heapbase.coldMs), ratio(r.coldRatio), ms(r.node.warmMs), ms(r.heapbase.warmMs), ratio(r.warmRatio), pw, agree]);
  }
  const cold = real.map((r) => r.coldRatio).filter((x): x is number => x !== null);
  const warm = real.map((r) => r.warmRatio).filter((x): x is number => x !== null);
  const pwWarm = real.map((r) => r.polywasmWarmRatio).filter((x): x is number => x !== null);
  rows.push(['geometric mean', `${warm.length} of ${real.length} programs`, '', '', ratio(geomean(cold)), '', '', ratio(geomean(warm)), pwWarm.length ? `${ratio(geomean(pwWarm))} (${pwWarm.length})` : '—', '']);
  const widths = header.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  rows.forEach((row, i) => {
    if (i === rows.length - 1) lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
    lines.push(row.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  });
  lines.push('ratios are heapbase (or polywasm) ms / node ms; geometric means over the programs whose results agree with Node');
  if (opts.polywasm) lines.push('polywasm: one round, one warm run, in a child with a time limit');
  for (const n of notes) lines.push(`  ${n}`);
  return lines;
}
