// `npm run bench`: heapbase against Node's own WebAssembly and against polywasm.
//
//   node --expose-gc dist/bench/run.js [--rounds N] [--filter NAME] [--quick] [--json]
//                                      [--no-polywasm] [--programs-only] [--real-only] [--no-real]
//                                      [--no-single-call] [--simd-only] [--no-simd]
//                                      [--density-only] [--no-density]
//
// First, each kernel in a single long call without warm-up (bench/single-call.ts): a new Module
// and Instance per engine, one run(n × longTimes) call, timed; engines alternate which goes
// first; the result is compared like the others'. --no-single-call skips it (--real-only too).
//
// Then programs (bench/programs/*.c, built to .wasm by build.sh): each engine compiles and
// instantiates the program once; warm-up calls at a small n (at least two, and
// for at least 300 ms); then R rounds (default 5), each
// timing one run(n) call per engine, engines interleaved. The figure is the median. Every result
// is compared with native's at the same n; a heapbase mismatch is printed loudly and makes the
// exit code 1. polywasm is slow on i64 (a BigInt per operation): when its estimated call time is
// over a budget, it runs a smaller n and its time is scaled linearly (marked *).
//
// Then SIMD kernels (bench/simd/*.c, bench/simd.ts): each kernel's scalar and SIMD builds on
// Node and on heapbase, warmed up, median of R rounds, checksums compared with Node scalar's; a
// build heapbase cannot load shows its error in the table. --simd-only runs just this section
// (--filter applies to its kernels too), --no-simd skips it.
//
// Then: compile speed (new Module on the largest program and on a synthetic ~1 MB module, which
// is also measured with every function compiled up front, as lazy compilation is the default),
// instantiation time, and bytes per instance (bench/memory.ts). Then density (bench/density.ts):
// 1,000,000 live instances of the trimmed fixture in a child process (100,000 with --quick) and
// the process memory each costs, and how many Node's WebAssembly makes before it fails.
// --density-only runs just that, --no-density skips it (so does --programs-only).
//
// Then real programs (bench/real/): published npm packages (Lua, QuickJS, SQLite, zstd, brotli,
// hash-wasm, tiktoken, swc) through their own glue, a fresh child process per (program, engine),
// cold and warm times and a digest of every output against Node's (3 rounds unless --rounds).
// --real-only runs just that section, --no-real skips it; --programs-only skips it too.
// With them (bench/real/compile.ts): the first compile of each real module in a fresh process
// (Node, new Module, compile() with its worker), and the code cache: each program run twice in
// fresh processes sharing one new HEAPBASE_CACHE directory, first run against second.
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { checkSynthetic, measureCompile, syntheticModule, type CompileFigure, type SyntheticCheck } from './compile-speed.js';
import { benchKernel, benchWasi, type HarnessOptions, type Mismatch, type ProgramFigures } from './harness.js';
import { geomean } from './stats.js';
import { agree, ms, ratio, table } from './format.js';
import { benchSingleCalls, formatSingleCalls, singleCallGeomean, type SingleCallFigure } from './single-call.js';
import { measureInstantiate, type InstantiateFigure } from './instantiate.js';
import { measureInstanceMemory, type MemoryFigures } from './memory.js';
import { formatDensity, measureDensity, type DensityFigures } from './density.js';
import { KERNELS, WASI_PROGRAM, programBytes } from './programs.js';
import { cleanupWasiOutputs } from './wasi-run.js';
import { benchReal, formatReal, type RealFigures } from './real/index.js';
import { benchCache, benchCompile, formatCompile, type CacheRow, type CompileRow } from './real/compile.js';
import { benchSimd, formatSimd, SIMD_KERNELS, type SimdFigures } from './simd.js';
import { withLazyCompilation } from '../src/compile/module.js';

interface Args {
  json: boolean;
  quick: boolean;
  rounds: number;
  filter: string | null;
  polywasm: boolean;
  programsOnly: boolean;
  /** Real programs: 'only' (--real-only), 'skip' (--no-real or --programs-only) or 'also'. */
  real: 'also' | 'only' | 'skip';
  singleCall: boolean;
  roundsGiven: boolean;
  /** SIMD kernels: 'only' (--simd-only), 'skip' (--no-simd, or --real-only) or 'also'. */
  simd: 'also' | 'only' | 'skip';
  /** Density (bench/density.ts): 'only' (--density-only), 'skip' (--no-density) or 'also'. */
  density: 'also' | 'only' | 'skip';
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, quick: false, rounds: 5, filter: null, polywasm: true, programsOnly: false, real: 'also', singleCall: true, roundsGiven: false, simd: 'also', density: 'also' };
  let roundsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--json') args.json = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--no-polywasm') args.polywasm = false;
    else if (a === '--programs-only') args.programsOnly = true;
    else if (a === '--real-only') args.real = 'only';
    else if (a === '--no-real') args.real = 'skip';
    else if (a === '--no-single-call') args.singleCall = false;
    else if (a === '--simd-only') args.simd = 'only';
    else if (a === '--no-simd') args.simd = 'skip';
    else if (a === '--density-only') args.density = 'only';
    else if (a === '--no-density') args.density = 'skip';
    else if (a === '--rounds') {
      args.rounds = Number(value());
      roundsGiven = true;
      if (!Number.isInteger(args.rounds) || args.rounds < 1) usage('--rounds needs a positive integer');
    } else if (a === '--filter') args.filter = value();
    else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown option ${a}`);
  }
  if (args.quick && !roundsGiven) args.rounds = 2;
  args.roundsGiven = roundsGiven;
  if (args.programsOnly && args.real === 'also') args.real = 'skip';
  if (args.real === 'only' && args.simd === 'also') args.simd = 'skip';
  if (args.simd === 'only') {
    if (args.real === 'only') usage('--simd-only and --real-only exclude each other');
    args.real = 'skip';
  }
  if (args.density === 'only') {
    if (args.real === 'only' || args.simd === 'only') usage('--density-only excludes --real-only and --simd-only');
    args.real = 'skip';
    args.simd = 'skip';
  }
  return args;
}

function usage(problem: string | null): never {
  const text = 'usage: node --expose-gc dist/bench/run.js [--rounds N] [--filter NAME] [--quick] [--json] [--no-polywasm] [--programs-only] [--real-only] [--no-real] [--no-single-call] [--simd-only] [--no-simd] [--density-only] [--no-density]\n';
  if (problem) {
    process.stderr.write(`bench: ${problem}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

const args = parseArgs(process.argv.slice(2));
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const opts: HarnessOptions = {
  rounds: args.rounds,
  polywasm: args.polywasm,
  polywasmBudgetMs: args.quick ? 300 : 2_500,
  polywasmCapMs: 20_000,
  warmUpMs: args.quick ? 100 : 300,
  log,
};
if (!(globalThis as { gc?: unknown }).gc) log('bench: run with node --expose-gc for steadier figures (npm run bench does)');

const started = performance.now();

// ---- programs ----
const matches = (name: string): boolean => args.filter === null || name.includes(args.filter);
const programs: ProgramFigures[] = [];
const kernels = args.real !== 'only' && args.simd !== 'only' && args.density !== 'only';
// The single long calls come first, so that no kernel has run on either engine before them.
let singleCall: SingleCallFigure[] = [];
if (kernels && args.singleCall) {
  log('single long calls…');
  singleCall = benchSingleCalls(KERNELS.filter((k) => matches(k.name)), args.quick, log);
}
if (kernels) {
  for (const k of KERNELS) if (matches(k.name)) programs.push(benchKernel(k, args.quick ? k.quickN : k.n, opts));
  if (matches(WASI_PROGRAM.name)) programs.push(benchWasi(WASI_PROGRAM, args.quick ? WASI_PROGRAM.quickN : WASI_PROGRAM.n, opts));
  cleanupWasiOutputs();
}

// ---- SIMD kernels ----
let simd: SimdFigures | null = null;
if (args.simd !== 'skip') {
  log('SIMD kernels…');
  simd = benchSimd(SIMD_KERNELS.filter((k) => matches(k.name)), args.quick, opts);
}

const mismatches: Mismatch[] = [...singleCall.flatMap((f) => f.mismatches), ...programs.flatMap((p) => p.mismatches), ...(simd?.mismatches ?? [])];
const hbRatios = programs.filter((p) => p.heapbase.agrees && p.ratio !== null).map((p) => p.ratio!);
const pwRatios = programs.filter((p) => p.polywasm?.agrees && p.polywasmRatio !== null).map((p) => p.polywasmRatio!);
const geo = { heapbase: geomean(hbRatios), heapbasePrograms: hbRatios.length, polywasm: geomean(pwRatios), polywasmPrograms: pwRatios.length };

// ---- compile, instantiate, memory ----
let compile: CompileFigure[] = [];
let synthetic: (SyntheticCheck & { bytes: number; functions: number }) | null = null;
let instantiation: InstantiateFigure[] = [];
let memory: MemoryFigures | null = null;
if (!args.programsOnly && kernels) {
  log('compile speed…');
  const reps = args.quick ? 2 : 5;
  const wasiBytes = programBytes(WASI_PROGRAM.name);
  const synth = syntheticModule();
  compile = [
    measureCompile(`${WASI_PROGRAM.name}.wasm (wasi-libc)`, wasiBytes, reps),
    measureCompile('synthetic', synth.bytes, reps, synth.functions),
    // The same with every function compiled by new Module (what a second instance triggers).
    withLazyCompilation(false, () => measureCompile('synthetic, all up front', synth.bytes, reps, synth.functions)),
  ];
  synthetic = { ...checkSynthetic(synth.bytes, synth.calls), bytes: synth.bytes.length, functions: synth.functions };
  for (const m of synthetic.mismatches) mismatches.push({ engine: 'heapbase', text: m });

  log('instantiation…');
  const [batches, perBatch] = args.quick ? [5, 100] : [15, 200];
  const trimmedUrl = new URL('../../test/fixtures/memory/static_data_trimmed.wasm', import.meta.url);
  instantiation = [
    measureInstantiate('calls.wasm (2 pages, table)', programBytes('calls'), batches, perBatch),
    measureInstantiate('static_data_trimmed.wasm (memory fixture)', new Uint8Array(readFileSync(trimmedUrl)), batches, perBatch),
  ];

  log('bytes per instance…');
  memory = measureInstanceMemory(trimmedUrl, args.quick ? 2_000 : 10_000);
}
let density: DensityFigures | null = null;
if (args.density === 'only' || (args.density === 'also' && !args.programsOnly && kernels)) {
  log('density…');
  density = measureDensity(args.quick ? 100_000 : 1_000_000, { log });
  if ('failed' in density.heapbase) mismatches.push({ engine: 'heapbase', text: density.heapbase.failed });
}

// ---- real programs ----
let real: RealFigures[] = [];
let realCompile: CompileRow[] = [];
let realCache: CacheRow[] = [];
const realRounds = args.roundsGiven ? args.rounds : args.quick ? 1 : 3;
if (args.real !== 'skip') {
  log('real programs…');
  real = benchReal({ rounds: realRounds, quick: args.quick, filter: args.filter, polywasm: args.polywasm, log });
  for (const r of real) for (const m of r.mismatches) mismatches.push({ engine: m.includes(' on node ') ? 'native' : 'heapbase', text: m });
  log('compiling the real modules…');
  realCompile = benchCompile(args.quick ? 1 : 3, args.filter, log);
  log('code cache…');
  realCache = benchCache(real.map((r) => r.name), args.quick, log);
  for (const c of realCache) if (!c.first.ok || !c.second.ok) mismatches.push({ engine: 'heapbase', text: `${c.name} with the code cache: ${c.second.error ?? c.first.error}` });
}
const seconds = (performance.now() - started) / 1000;
log(`done in ${seconds.toFixed(0)} s`);

// ---- output ----
const failing = mismatches.filter((m) => m.engine !== 'polywasm');

if (args.json) {
  process.stdout.write(
    `${JSON.stringify(
      {
        node: process.version,
        cpu: os.cpus()[0]?.model ?? null,
        options: { rounds: args.rounds, quick: args.quick, filter: args.filter, polywasm: args.polywasm, singleCall: args.singleCall },
        programs,
        geomean: geo,
        simd,
        singleCall: kernels && args.singleCall ? { programs: singleCall, geomean: singleCallGeomean(singleCall) } : null,
        compile,
        synthetic,
        instantiation,
        memory,
        density,
        real: args.real === 'skip' ? null : { rounds: realRounds, programs: real, compile: realCompile, cache: realCache },
        mismatches,
        seconds,
      },
      null,
      2,
    )}\n`,
  );
} else {
  const out: string[] = [];

  out.push(`heapbase benchmark: node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}`);
  if (kernels) {
    out.push(`Programs: ms per run(n) call, median of ${args.rounds} round(s), engines interleaved; one warmed-up instance per engine${args.quick ? ' (--quick: smaller n)' : ''}`);
    out.push('');
    const header = ['program', 'n', 'native ms', 'heapbase ms', 'hb/native', 'hb agrees', ...(args.polywasm ? ['polywasm ms', 'pw/native', 'pw agrees'] : [])];
    const rows: string[][] = [header];
    const footnotes: string[] = [];
    for (const p of programs) {
      const pw = p.polywasm;
      const pwMs = pw ? `${ms(pw.ms)}${pw.scaled && pw.ms !== null ? '*' : ''}` : '';
      if (pw?.scaled && pw.ms !== null) footnotes.push(`${p.name} at n=${pw.n}`);
      if (pw?.note) footnotes.push(`${p.name}: polywasm ${pw.note}`);
      rows.push([
        p.name,
        String(p.n),
        ms(p.native.ms),
        ms(p.heapbase.ms),
        ratio(p.ratio),
        agree(p.heapbase.agrees, p.heapbase.error),
        ...(args.polywasm && pw ? [pwMs, ratio(p.polywasmRatio), agree(pw.agrees, pw.error)] : []),
      ]);
    }
    const gm = ['geometric mean', '', '', '', ratio(geo.heapbase), `${geo.heapbasePrograms} progs`, ...(args.polywasm ? ['', ratio(geo.polywasm), `${geo.polywasmPrograms} progs`] : [])];
    rows.push(gm);
    out.push(...table(rows, true));
    if (footnotes.length) {
      out.push('');
      out.push(`* polywasm measured at a smaller n and scaled linearly (over a ${(opts.polywasmBudgetMs / 1000).toFixed(1)} s budget per call): ${footnotes.join('; ')}`);
    }
    out.push('geometric means over the programs whose result agrees with native');
  }
  if (singleCall.length) {
    out.push('');
    const warm = new Map(programs.map((p) => [p.name, { n: p.n, native: p.native.ms, heapbase: p.heapbase.ms }]));
    out.push(...formatSingleCalls(singleCall, args.quick, warm));
  }
  if (simd) {
    if (kernels) out.push('');
    out.push(...formatSimd(simd, args.rounds, args.quick));
  }

  if (compile.length) {
    out.push('');
    out.push(`Compile: new Module(bytes) = decode + validate + codegen; median of ${args.quick ? 2 : 5}, fresh bytes each time`);
    out.push('(functions that only other functions call are compiled on their first call, unless marked "all up front")');
    const crow = [['module', 'size', 'heapbase', 'native']];
    for (const c of compile) {
      const hb = 'error' in c.heapbase ? `FAIL: ${c.heapbase.error}` : `${ms(c.heapbase.ms)} ms  ${c.heapbase.mbPerS.toFixed(2)} MB/s`;
      crow.push([
        c.functions === null ? c.module : `${c.module} (${c.functions} functions)`,
        `${(c.bytes / 1000).toFixed(1)} kB`,
        hb,
        `${ms(c.native.ms)} ms  ${c.native.mbPerS.toFixed(1)} MB/s`,
      ]);
    }
    out.push(...table(crow));
    if (synthetic) {
      out.push(
        synthetic.mismatches.length
          ? `synthetic module run on heapbase and native: ${synthetic.mismatches.length} MISMATCH(ES)`
          : `synthetic module run on heapbase and native: ${synthetic.calls} exported functions and the final memory agree`,
      );
    }
  }

  if (instantiation.length) {
    out.push('');
    out.push('Instantiation: new Instance(module, {}), µs per instance (median over batches)');
    const irow = [['module', 'size', 'heapbase µs', 'native µs', 'hb/native']];
    for (const f of instantiation) {
      irow.push([f.module, `${f.bytes} B`, f.heapbaseUs === null ? `FAIL: ${f.error}` : f.heapbaseUs.toFixed(1), f.nativeUs.toFixed(1), f.heapbaseUs === null ? '—' : ratio(f.heapbaseUs / f.nativeUs)]);
    }
    out.push(...table(irow));
  }

  if (memory) {
    const { instances, linearBytes, measuredBytes } = memory;
    out.push('');
    out.push(`Memory: ${instances} instances of test/fixtures/memory/static_data_trimmed.wasm, kept alive`);
    const mrow = [
      ['', 'heapbase', 'node WebAssembly', 'ratio'],
      ['linear memory per instance (bytes)', String(linearBytes.heapbase), String(linearBytes.native), (linearBytes.native / linearBytes.heapbase).toFixed(1) + '×'],
      ['process memory per instance (bytes)', String(measuredBytes.heapbase), String(measuredBytes.native), (measuredBytes.native / measuredBytes.heapbase).toFixed(1) + '×'],
    ];
    out.push(...table(mrow));
  }
  if (density) {
    out.push('');
    out.push(...formatDensity(density));
  }

  if (real.length) {
    out.push('');
    out.push(...formatReal(real, { rounds: realRounds, quick: args.quick, polywasm: args.polywasm }, geomean));
  }
  if (realCompile.length || realCache.length) {
    out.push('');
    out.push(...formatCompile(realCompile, realCache));
  }

  if (mismatches.length) {
    out.push('');
    for (const m of mismatches) {
      out.push(m.engine === 'polywasm' ? `polywasm disagrees: ${m.text}` : `!!! MISMATCH: ${m.text}`);
    }
  }
  out.push('');
  out.push(`total ${seconds.toFixed(0)} s`);
  process.stdout.write(out.join('\n') + '\n');
}

if (failing.length) {
  process.stderr.write(`\n!!! ${failing.length} heapbase result(s) disagree with native WebAssembly (see above)\n`);
  process.exitCode = 1;
}
