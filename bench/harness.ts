// The timing core: warm-up, interleaved rounds, medians, result checks, and polywasm's cap.
import { ENGINES, type Engine, type EngineName } from './engines.js';
import { formatResult, programBytes, runExport, sameResult, type Kernel, type WasiProgram } from './programs.js';
import { runWasi } from './wasi-run.js';
import { median } from './stats.js';

export interface HarnessOptions {
  rounds: number;
  /** Run polywasm at all. */
  polywasm: boolean;
  /** Target time of one polywasm call: above it polywasm runs a smaller n and its time is scaled. */
  polywasmBudgetMs: number;
  /** A polywasm call slower than this ends its rounds (it cannot be interrupted). */
  polywasmCapMs: number;
  /** Least time spent in warm-up calls, per engine and program. */
  warmUpMs: number;
  /** Progress lines (to stderr). */
  log: (line: string) => void;
}

export interface EngineTiming {
  /** Median ms of one call at the program's n (for polywasm possibly scaled from a smaller n). */
  ms: number | null;
  samples: number[];
  /** The n the samples were measured at. */
  n: number;
  /** True if `ms` was scaled linearly from a smaller n. */
  scaled: boolean;
  /** Result equal to native's at the same n, in the warm-up and in every round (null: not run). */
  agrees: boolean | null;
  /** native's result at this engine's n: what the engine had to return. */
  result: string | null;
  error: string | null;
  note: string | null;
}

export interface Mismatch {
  engine: EngineName;
  text: string;
}

export interface ProgramFigures {
  name: string;
  what: string;
  n: number;
  native: EngineTiming;
  heapbase: EngineTiming;
  polywasm: EngineTiming | null;
  /** heapbase ms / native ms */
  ratio: number | null;
  /** polywasm ms / native ms */
  polywasmRatio: number | null;
  /** Disagreements with native (heapbase's or polywasm's), and failures. */
  mismatches: Mismatch[];
}

interface Outcome {
  result: unknown;
  ms: number;
}
/** One timed call at size n. Throws what the program throws (a trap, a link error…). */
type Call = (n: number) => Outcome;
/** Prepares an engine (compile, instantiate) once; the returned call is then made repeatedly. */
type Setup = (engine: Engine) => Call;

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});


const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));


function emptyTiming(n: number): EngineTiming {
  return { ms: null, samples: [], n, scaled: false, agrees: null, result: null, error: null, note: null };
}

/** Measures one program on every engine (the method is described at the top of run.ts). */
function benchProgram(name: string, what: string, n: number, smallN: number, setup: Setup, opts: HarnessOptions): ProgramFigures {
  const names: EngineName[] = opts.polywasm ? ['heapbase', 'native', 'polywasm'] : ['heapbase', 'native'];
  const timing: Record<EngineName, EngineTiming> = {
    heapbase: emptyTiming(n),
    native: emptyTiming(n),
    polywasm: emptyTiming(n),
  };
  const mismatches: Mismatch[] = [];
  const note = (engine: EngineName, text: string): void => {
    if (!mismatches.some((m) => m.text === text)) mismatches.push({ engine, text });
  };
  const calls = new Map<EngineName, Call>();
  const fail = (e: EngineName, what: string, err: unknown): void => {
    timing[e].error = `${what}: ${message(err)}`;
    timing[e].agrees = false;
    calls.delete(e);
    note(e, `${name}: ${e} ${what} failed (${message(err)})`);
  };
  for (const e of names) {
    try {
      calls.set(e, setup(ENGINES[e]));
    } catch (err) {
      fail(e, 'load', err);
    }
  }

  // Reference results from native, per n.
  const reference = new Map<number, unknown>();
  const check = (e: EngineName, atN: number, result: unknown, when: string): void => {
    const want = reference.get(atN);
    if (e === 'native' && want === undefined) {
      reference.set(atN, result);
      return;
    }
    if (!sameResult(result, want)) {
      timing[e].agrees = false;
      note(e, `${name} (n=${atN}, ${when}): ${e} gave ${formatResult(result)}, native ${formatResult(want)}`);
    } else if (timing[e].agrees === null) timing[e].agrees = true;
  };

  // Warm-up: native first (it sets the reference); calls at the small n, at least two and until
  // warmUpMs have passed (at most 50), so the JITs have seen the code run.
  const warmMs = new Map<EngineName, number>();
  for (const e of ['native', ...names.filter((x) => x !== 'native')] as EngineName[]) {
    const call = calls.get(e);
    if (!call) continue;
    try {
      const t0 = performance.now();
      for (let i = 0; i < 50 && (i < 2 || performance.now() - t0 < opts.warmUpMs); i++) {
        const { result, ms } = call(smallN);
        check(e, smallN, result, 'warm-up');
        warmMs.set(e, ms);
      }
    } catch (err) {
      fail(e, `warm-up run(${smallN})`, err);
    }
  }
  if (!calls.has('native')) {
    opts.log(`${name}: native failed, skipped (${timing.native.error})`);
    return { name, what, n, native: timing.native, heapbase: timing.heapbase, polywasm: opts.polywasm ? timing.polywasm : null, ratio: null, polywasmRatio: null, mismatches };
  }

  // polywasm's n: scaled down when its estimated call time is over budget.
  const nOf = new Map<EngineName, number>(names.map((e) => [e, n]));
  if (calls.has('polywasm')) {
    let est = ((warmMs.get('polywasm') ?? 0) * n) / smallN;
    if (est > opts.polywasmBudgetMs) {
      // the warm-up ran partly unoptimised: one calibration call at the n the estimate allows
      const cn = Math.max(smallN, Math.floor((n * opts.polywasmBudgetMs) / est));
      try {
        est = (calls.get('polywasm')!(cn).ms * n) / cn;
      } catch (err) {
        fail('polywasm', `run(${cn})`, err);
      }
    }
    if (calls.has('polywasm') && est > opts.polywasmBudgetMs * 1.5) {
      const pn = Math.max(smallN, Math.floor((n * opts.polywasmBudgetMs) / est));
      if (pn < n) {
        nOf.set('polywasm', pn);
        timing.polywasm.n = pn;
        timing.polywasm.scaled = true;
        try {
          check('native', pn, calls.get('native')!(pn).result, 'reference');
        } catch (err) {
          fail('native', `run(${pn})`, err);
        }
      }
    }
  }

  for (let round = 0; round < opts.rounds; round++) {
    // interleaved, starting with a different engine each round so none always follows another
    const order = names.map((_, i) => names[(i + round) % names.length]);
    const results = new Map<EngineName, unknown>();
    for (const e of order) {
      const call = calls.get(e);
      if (!call) continue;
      const atN = nOf.get(e)!;
      gc();
      try {
        const { result, ms } = call(atN);
        timing[e].samples.push(ms);
        results.set(e, result);
        if (e === 'polywasm' && ms > opts.polywasmCapMs) {
          timing.polywasm.note = `stopped after ${timing.polywasm.samples.length} round(s): one call took ${(ms / 1000).toFixed(1)} s`;
          calls.delete('polywasm');
        }
      } catch (err) {
        fail(e, `run(${atN}) in round ${round + 1}`, err);
      }
    }
    // checked after the round, native first: in round 1 it sets the reference for n
    for (const e of ['native', ...names.filter((x) => x !== 'native')] as EngineName[]) {
      if (results.has(e)) check(e, nOf.get(e)!, results.get(e), `round ${round + 1}`);
    }
  }

  for (const e of names) {
    const t = timing[e];
    if (t.samples.length) t.ms = (median(t.samples) * n) / t.n;
    const ref = reference.get(t.n);
    t.result = ref === undefined ? null : formatResult(ref);
  }
  const ratio = timing.heapbase.ms !== null && timing.native.ms ? timing.heapbase.ms / timing.native.ms : null;
  const polywasmRatio = opts.polywasm && timing.polywasm.ms !== null && timing.native.ms ? timing.polywasm.ms / timing.native.ms : null;
  const f = (ms: number | null): string => (ms === null ? '—' : `${ms.toFixed(0)} ms`);
  opts.log(
    `${name.padEnd(10)} native ${f(timing.native.ms)}, heapbase ${f(timing.heapbase.ms)}` +
      (opts.polywasm ? `, polywasm ${f(timing.polywasm.ms)}${timing.polywasm.scaled ? ` (scaled from n=${timing.polywasm.n})` : ''}` : '') +
      (mismatches.length ? `  MISMATCH` : ''),
  );
  return {
    name, what, n,
    native: timing.native,
    heapbase: timing.heapbase,
    polywasm: opts.polywasm ? timing.polywasm : null,
    ratio, polywasmRatio, mismatches,
  };
}

/** A kernel: one instance per engine, reused by every call (each run(n) re-initialises the
 *  state it uses), so neither instantiation nor the first touch of fresh memory is timed. */
export function benchKernel(k: Kernel, n: number, opts: HarnessOptions): ProgramFigures {
  const bytes = programBytes(k.name);
  return benchProgram(k.name, k.what, n, k.smallN, (engine) => {
    const run = runExport(engine.instantiate(engine.compile(bytes), {}).exports);
    return (atN) => {
      const t0 = performance.now();
      const result = run(atN);
      return { result, ms: performance.now() - t0 };
    };
  }, opts);
}

/** The WASI program: a fresh instance and WASI per call (a command runs once); the result is
 *  the exit code and all of stdout. */
export function benchWasi(p: WasiProgram, n: number, opts: HarnessOptions): ProgramFigures {
  const bytes = programBytes(p.name);
  return benchProgram(p.name, p.what, n, p.smallN, (engine) => {
    const module = engine.compile(bytes);
    return (atN) => {
      const { exitCode, stdout, ms } = runWasi(engine, module, p.name, atN);
      return { result: `exit ${exitCode}: ${stdout}`, ms };
    };
  }, opts);
}
