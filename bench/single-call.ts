// The kernels in a single long call without warm-up (issue 14): for each kernel and engine, a new
// Module and Instance, then one run(N) call, timed, N = n × the kernel's longTimes. Nothing of the
// kernel has run on that engine before the call, so the figure includes heapbase's lazy
// compilation of the functions run calls and V8's tiering up (Liftoff, then TurboFan) of either
// engine's code; it is what a program that is started, runs once and exits would see. The two
// engines alternate which goes first from one kernel to the next; heapbase's result must equal
// native's. run.ts runs this before the warmed-up measurements, and every Module is compiled from
// the kernel's bytes with a custom section unique to the call appended, so neither engine can
// reuse code compiled for the same bytes earlier in the process.
import { type EngineName, heapbase, native, type Engine } from './engines.js';
import { agree, ms, ratio, table } from './format.js';
import type { Mismatch } from './harness.js';
import { formatResult, programBytes, runExport, sameResult, type Kernel } from './programs.js';
import { geomean } from './stats.js';
import { uleb } from '../test/helpers/wasm-builder.js';

export interface SingleCallTiming {
  /** ms of the run(N) call alone (null: not run or failed). */
  ms: number | null;
  /** ms of new Module + new Instance before it. */
  loadMs: number | null;
  /** null for native (the reference) and when either engine failed. */
  agrees: boolean | null;
  error: string | null;
}

export interface SingleCallFigure {
  name: string;
  /** The N of the one call. */
  n: number;
  /** The engine that ran first. */
  first: 'heapbase' | 'native';
  native: SingleCallTiming;
  heapbase: SingleCallTiming;
  /** native's result. */
  result: string | null;
  /** heapbase ms / native ms */
  ratio: number | null;
  mismatches: Mismatch[];
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

let sectionCount = 0;

/** bytes with a custom section appended (custom sections may come last and change nothing). */
export function withUniqueSection(bytes: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(`heapbase-bench-single-call-${process.pid}-${++sectionCount}-${Date.now()}`);
  const body = [...uleb(name.length), ...name];
  const section = [0, ...uleb(body.length), ...body];
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes);
  out.set(section, bytes.length);
  return out;
}

/** Loads the kernel afresh on one engine and times one run(n). */
function once(engine: Engine, bytes: Uint8Array, n: number): { timing: SingleCallTiming; result: unknown } {
  const timing: SingleCallTiming = { ms: null, loadMs: null, agrees: null, error: null };
  gc();
  let what = 'load';
  try {
    const t0 = performance.now();
    const run = runExport(engine.instantiate(engine.compile(withUniqueSection(bytes)), {}).exports);
    const t1 = performance.now();
    what = `run(${n})`;
    const result = run(n);
    timing.ms = performance.now() - t1;
    timing.loadMs = t1 - t0;
    return { timing, result };
  } catch (err) {
    timing.error = `${what}: ${message(err)}`;
    return { timing, result: undefined };
  }
}

/** One kernel: both engines, `first` first. */
export function benchSingleCall(k: Kernel, n: number, first: 'heapbase' | 'native', log: (line: string) => void): SingleCallFigure {
  const bytes = programBytes(k.name);
  const engines: Record<'heapbase' | 'native', Engine> = { heapbase, native };
  const order: ('heapbase' | 'native')[] = first === 'heapbase' ? ['heapbase', 'native'] : ['native', 'heapbase'];
  const runs = new Map(order.map((e) => [e, once(engines[e], bytes, n)] as const));
  const nat = runs.get('native')!;
  const hb = runs.get('heapbase')!;
  const mismatches: Mismatch[] = [];
  for (const [e, r] of runs) {
    if (r.timing.error) mismatches.push({ engine: e as EngineName, text: `${k.name} single call: ${e} ${r.timing.error}` });
  }
  if (!nat.timing.error && !hb.timing.error) {
    hb.timing.agrees = sameResult(hb.result, nat.result);
    if (!hb.timing.agrees) mismatches.push({ engine: 'heapbase', text: `${k.name} (single call, n=${n}): heapbase gave ${formatResult(hb.result)}, native ${formatResult(nat.result)}` });
  }
  const r = hb.timing.ms !== null && nat.timing.ms ? hb.timing.ms / nat.timing.ms : null;
  const f = (x: number | null): string => (x === null ? '—' : `${x.toFixed(0)} ms`);
  log(`${k.name.padEnd(14)} single call run(${n}): native ${f(nat.timing.ms)}, heapbase ${f(hb.timing.ms)}${mismatches.length ? '  MISMATCH' : ''}`);
  return {
    name: k.name,
    n,
    first,
    native: nat.timing,
    heapbase: hb.timing,
    result: nat.timing.error ? null : formatResult(nat.result),
    ratio: r,
    mismatches,
  };
}

/** Every kernel in turn, the first engine alternating. */
export function benchSingleCalls(kernels: Kernel[], quick: boolean, log: (line: string) => void): SingleCallFigure[] {
  return kernels.map((k, i) => benchSingleCall(k, (quick ? k.quickN : k.n) * k.longTimes, i % 2 ? 'native' : 'heapbase', log));
}

/** The geometric mean of the ratios of the kernels whose result agreed, and how many. */
export function singleCallGeomean(figures: SingleCallFigure[]): { heapbase: number | null; programs: number } {
  const ratios = figures.filter((f) => f.heapbase.agrees && f.ratio !== null).map((f) => f.ratio!);
  return { heapbase: geomean(ratios), programs: ratios.length };
}

/** The warmed-up figures of a kernel (from the programs table), to set the single call against. */
export interface WarmFigure {
  n: number;
  native: number | null;
  heapbase: number | null;
}

export function formatSingleCalls(figures: SingleCallFigure[], quick: boolean, warm: ReadonlyMap<string, WarmFigure>): string[] {
  const gm = singleCallGeomean(figures);
  // the single call's ms per unit of n over the warmed-up call's
  const cold = (f: SingleCallFigure, e: 'native' | 'heapbase'): string => {
    const w = warm.get(f.name);
    const c = f[e].ms;
    return ratio(w && w[e] && c !== null ? (c * w.n) / (f.n * w[e]!) : null);
  };
  const rows = [['program', 'N', 'first', 'native ms', 'heapbase ms', 'hb/native', 'hb agrees', 'hb load ms', 'native cold/warm', 'hb cold/warm']];
  for (const f of figures) {
    rows.push([
      f.name, String(f.n), f.first, ms(f.native.ms), ms(f.heapbase.ms), ratio(f.ratio),
      agree(f.heapbase.agrees, f.heapbase.error ?? f.native.error), ms(f.heapbase.loadMs), cold(f, 'native'), cold(f, 'heapbase'),
    ]);
  }
  rows.push(['geometric mean', '', '', '', '', ratio(gm.heapbase), `${gm.programs} progs`, '', '', '']);
  return [
    `Single long call: one run(N) per engine on a new Module and Instance, no warm-up, N = n × longTimes${quick ? ' (--quick: smaller N)' : ''};`,
    'the engine that goes first alternates; "hb load ms" (new Module + Instance) is not in the call time;',
    'cold/warm: ms per unit of n in this call over the same in the warmed-up table above',
    '',
    ...table(rows, true),
    'geometric mean over the programs whose result agrees with native',
  ];
}
