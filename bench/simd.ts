// The SIMD section of `npm run bench` (bench/simd/*.c, built by bench/simd/build.sh): each
// kernel's scalar build (no v128) against its SIMD builds (clang's autovectoriser, and for some
// kernels wasm_simd128.h intrinsics), on Node's own WebAssembly and on heapbase.
//
// Each (engine, build) gets one instance, reused by every call; warm-up calls at a small n (at
// least two, and for at least warmUpMs); then R rounds, each timing one run(n) call per
// (engine, build), interleaved with a different one first each round; the figure is the median.
// Every result must equal Node's scalar build's at the same n: the builds compute the same
// thing in the same order (see bench/simd/simd.h). A heapbase that cannot load a build (until
// it supports SIMD: a CompileError about the 0xfd prefix) gets its error in the row instead of
// figures; the run goes on.
//
// The targets: heapbase SIMD / heapbase scalar ≤ 1.0 (SIMD must not be slower than the same
// kernel without it), and heapbase SIMD / Node SIMD ≤ 3.
import { readFileSync } from 'node:fs';
import { heapbase, native, type Engine } from './engines.js';
import type { HarnessOptions, Mismatch } from './harness.js';
import { formatResult, runExport, sameResult, type Result } from './programs.js';
import { median } from './stats.js';
import { ms, ratio, table } from './format.js';

export type SimdBuild = 'scalar' | 'simd' | 'intrin';

export interface SimdKernel {
  name: string;
  what: string;
  /** Work size of a timed call: 40–150 ms for the scalar build on Node on the 2-core machine. */
  n: number;
  quickN: number;
  /** Warm-up calls and the correctness test. */
  smallN: number;
  /** The SIMD builds besides the scalar one. */
  simd: Exclude<SimdBuild, 'scalar'>[];
}

export const SIMD_KERNELS: SimdKernel[] = [
  { name: 'dot_f32', what: 'f32 dot product, 4096 elements, 8 lanes of partial sums', n: 20_000, quickN: 2_000, smallN: 20, simd: ['simd', 'intrin'] },
  { name: 'dot_i16', what: 'i16 dot product into i32, 8192 elements', n: 15_000, quickN: 1_500, smallN: 20, simd: ['simd'] },
  { name: 'histogram', what: '256-bin byte histogram of 64 KiB (four sub-histograms)', n: 2_000, quickN: 200, smallN: 4, simd: ['simd', 'intrin'] },
  { name: 'blend', what: 'RGBA alpha blending, 8-bit channels, 256×256 pixels', n: 200, quickN: 20, smallN: 1, simd: ['simd', 'intrin'] },
  { name: 'mat4', what: '4096 4×4 f32 matrices times one 4×4 matrix', n: 500, quickN: 50, smallN: 2, simd: ['simd', 'intrin'] },
];

export const BUILD_LABEL: Record<SimdBuild, string> = { scalar: 'scalar', simd: 'autovec', intrin: 'intrinsics' };

export const simdUrl = (name: string, build: SimdBuild): URL => new URL(`../../bench/simd/${name}.${build}.wasm`, import.meta.url);

export function simdBytes(name: string, build: SimdBuild): Uint8Array {
  return new Uint8Array(readFileSync(simdUrl(name, build)));
}

const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** heapbase's CompileError for a SIMD module while it does not support SIMD: "unknown opcode 0xfd" from
 *  the decoder, "SIMD is not supported" from the validator for a v128 type. */
export function isSimdUnsupported(e: unknown): boolean {
  return e instanceof Error && e.name === 'CompileError' && /0xfd|SIMD is not supported/i.test(e.message);
}

export interface SimdTiming {
  /** Median ms of one run(n) call; null if it did not run. */
  ms: number | null;
  samples: number[];
  /** Every result equal to Node scalar's at the same n (null: not run). */
  agrees: boolean | null;
  error: string | null;
  /** The error is heapbase's "no SIMD yet" CompileError (not counted as a failure). */
  unsupported: boolean;
}

export interface SimdRow {
  kernel: string;
  what: string;
  build: Exclude<SimdBuild, 'scalar'>;
  n: number;
  /** Node scalar's result at n, formatted. */
  result: string | null;
  nodeScalar: SimdTiming;
  nodeSimd: SimdTiming;
  heapbaseScalar: SimdTiming;
  heapbaseSimd: SimdTiming;
  /** Node SIMD / Node scalar. */
  nodeSpeedup: number | null;
  /** heapbase SIMD / heapbase scalar (target ≤ 1.0). */
  heapbaseSimdOverScalar: number | null;
  /** heapbase SIMD / Node SIMD (target ≤ 3). */
  heapbaseOverNode: number | null;
}

export interface SimdFigures {
  rows: SimdRow[];
  mismatches: Mismatch[];
}

type Call = (n: number) => { result: Result; ms: number };

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function load(engine: Engine, bytes: Uint8Array): Call {
  const run = runExport(engine.instantiate(engine.compile(bytes), {}).exports);
  return (n) => {
    const t0 = performance.now();
    const result = run(n);
    return { result, ms: performance.now() - t0 };
  };
}

/** Measures one kernel: every build on both engines (the method is at the top of this file). */
export function benchSimdKernel(k: SimdKernel, n: number, opts: Pick<HarnessOptions, 'rounds' | 'warmUpMs' | 'log'>): SimdFigures {
  const builds: SimdBuild[] = ['scalar', ...k.simd];
  const engines: Engine[] = [native, heapbase];
  const key = (e: Engine, b: SimdBuild): string => `${e.name}/${b}`;
  const timing = new Map<string, SimdTiming>();
  const calls = new Map<string, Call>();
  const mismatches: Mismatch[] = [];
  const note = (e: Engine, text: string): void => {
    if (!mismatches.some((m) => m.text === text)) mismatches.push({ engine: e.name, text });
  };
  const fail = (e: Engine, b: SimdBuild, what: string, err: unknown): void => {
    const t = timing.get(key(e, b))!;
    t.error = `${what}: ${message(err)}`;
    t.unsupported = what === 'load' && e === heapbase && isSimdUnsupported(err);
    t.agrees = false;
    calls.delete(key(e, b));
    if (!t.unsupported) note(e, `${k.name} ${BUILD_LABEL[b]}: ${e.name} ${what} failed (${message(err)})`);
  };
  for (const e of engines) {
    for (const b of builds) {
      timing.set(key(e, b), { ms: null, samples: [], agrees: null, error: null, unsupported: false });
      try {
        calls.set(key(e, b), load(e, simdBytes(k.name, b)));
      } catch (err) {
        fail(e, b, 'load', err);
      }
    }
  }

  // The reference: Node's scalar build, per n; it is always run first.
  const reference = new Map<number, Result>();
  const check = (e: Engine, b: SimdBuild, atN: number, result: Result, when: string): void => {
    const t = timing.get(key(e, b))!;
    if (e === native && b === 'scalar' && !reference.has(atN)) {
      reference.set(atN, result);
      t.agrees = true;
      return;
    }
    const want = reference.get(atN);
    if (!sameResult(result, want)) {
      t.agrees = false;
      note(e, `${k.name} ${BUILD_LABEL[b]} (n=${atN}, ${when}): ${e.name} gave ${formatResult(result)}, Node scalar ${formatResult(want)}`);
    } else if (t.agrees === null) t.agrees = true;
  };
  const order: [Engine, SimdBuild][] = engines.flatMap((e) => builds.map((b): [Engine, SimdBuild] => [e, b]));

  for (const [e, b] of order) {
    const call = calls.get(key(e, b));
    if (!call) continue;
    try {
      const t0 = performance.now();
      for (let i = 0; i < 50 && (i < 2 || performance.now() - t0 < opts.warmUpMs); i++) check(e, b, k.smallN, call(k.smallN).result, 'warm-up');
    } catch (err) {
      fail(e, b, `warm-up run(${k.smallN})`, err);
    }
  }
  if (!calls.has(key(native, 'scalar'))) {
    opts.log(`${k.name}: Node's scalar build failed, skipped (${timing.get(key(native, 'scalar'))!.error})`);
  } else {
    for (let round = 0; round < opts.rounds; round++) {
      const results: [Engine, SimdBuild, Result][] = [];
      for (let i = 0; i < order.length; i++) {
        const [e, b] = order[(i + round) % order.length];
        const call = calls.get(key(e, b));
        if (!call) continue;
        gc();
        try {
          const { result, ms } = call(n);
          timing.get(key(e, b))!.samples.push(ms);
          results.push([e, b, result]);
        } catch (err) {
          fail(e, b, `run(${n}) in round ${round + 1}`, err);
        }
      }
      // Node scalar first: in round 1 it sets the reference for n
      results.sort((x, y) => Number(!(x[0] === native && x[1] === 'scalar')) - Number(!(y[0] === native && y[1] === 'scalar')));
      for (const [e, b, result] of results) check(e, b, n, result, `round ${round + 1}`);
    }
  }
  for (const t of timing.values()) if (t.samples.length && t.error === null) t.ms = median(t.samples);

  const div = (a: number | null, b: number | null): number | null => (a !== null && b ? a / b : null);
  const ok = (t: SimdTiming): number | null => (t.agrees ? t.ms : null);
  const rows: SimdRow[] = k.simd.map((b) => {
    const nodeScalar = timing.get(key(native, 'scalar'))!;
    const nodeSimd = timing.get(key(native, b))!;
    const heapbaseScalar = timing.get(key(heapbase, 'scalar'))!;
    const heapbaseSimd = timing.get(key(heapbase, b))!;
    const ref = reference.get(n);
    return {
      kernel: k.name, what: k.what, build: b, n,
      result: ref === undefined ? null : formatResult(ref),
      nodeScalar, nodeSimd, heapbaseScalar, heapbaseSimd,
      nodeSpeedup: div(ok(nodeSimd), ok(nodeScalar)),
      heapbaseSimdOverScalar: div(ok(heapbaseSimd), ok(heapbaseScalar)),
      heapbaseOverNode: div(ok(heapbaseSimd), ok(nodeSimd)),
    };
  });
  const f = (t: SimdTiming): string => (t.ms === null ? (t.unsupported ? 'no SIMD' : '—') : `${t.ms.toFixed(1)} ms`);
  for (const r of rows) {
    opts.log(`${`${r.kernel} ${BUILD_LABEL[r.build]}`.padEnd(21)} node ${f(r.nodeScalar)} / ${f(r.nodeSimd)}, heapbase ${f(r.heapbaseScalar)} / ${f(r.heapbaseSimd)}` +
      (mismatches.length ? '  MISMATCH' : ''));
  }
  return { rows, mismatches };
}

export function benchSimd(kernels: SimdKernel[], quick: boolean, opts: Pick<HarnessOptions, 'rounds' | 'warmUpMs' | 'log'>): SimdFigures {
  const all: SimdFigures = { rows: [], mismatches: [] };
  for (const k of kernels) {
    const f = benchSimdKernel(k, quick ? k.quickN : k.n, opts);
    all.rows.push(...f.rows);
    all.mismatches.push(...f.mismatches);
  }
  return all;
}

/** A cell: the time, or why there is none (the error, shortened). */
function cell(t: SimdTiming): string {
  if (t.error) return t.unsupported ? 'no SIMD (CompileError)' : 'FAIL';
  if (t.agrees === false) return `${ms(t.ms)} WRONG`;
  return ms(t.ms);
}

export function formatSimd(f: SimdFigures, rounds: number, quick: boolean): string[] {
  const out: string[] = [];
  out.push(`SIMD kernels (bench/simd/): ms per run(n) call, median of ${rounds} round(s), one warmed-up instance per engine and build${quick ? ' (--quick: smaller n)' : ''}`);
  out.push('scalar: -mno-simd128, vectorisers off; autovec: -msimd128; intrinsics: wasm_simd128.h. All results must equal Node scalar\'s.');
  out.push('');
  const rows: string[][] = [['kernel', 'build', 'n', 'node scalar', 'node SIMD', 'node SIMD/scalar', 'hb scalar', 'hb SIMD', 'hb SIMD/scalar', 'hb SIMD/node SIMD', 'agree']];
  for (const r of f.rows) {
    const all = [r.nodeScalar, r.nodeSimd, r.heapbaseScalar, r.heapbaseSimd];
    const agree = all.some((t) => t.error && !t.unsupported) ? 'FAIL' : all.some((t) => t.agrees === false && !t.error) ? 'NO' : all.every((t) => t.agrees) ? 'yes' : 'node';
    rows.push([r.kernel, BUILD_LABEL[r.build], String(r.n), cell(r.nodeScalar), cell(r.nodeSimd), ratio(r.nodeSpeedup), cell(r.heapbaseScalar), cell(r.heapbaseSimd),
      ratio(r.heapbaseSimdOverScalar), ratio(r.heapbaseOverNode), agree]);
  }
  out.push(...table(rows));
  out.push('targets: hb SIMD/scalar ≤ 1.00×, hb SIMD/node SIMD ≤ 3×; agree "node": only Node\'s builds ran');
  const errors = new Map<string, string[]>();
  for (const r of f.rows) {
    for (const [what, t] of [['heapbase scalar', r.heapbaseScalar], [`heapbase ${BUILD_LABEL[r.build]}`, r.heapbaseSimd], ['node scalar', r.nodeScalar], [`node ${BUILD_LABEL[r.build]}`, r.nodeSimd]] as const) {
      if (!t.error) continue;
      const list = errors.get(t.error) ?? [];
      const label = `${r.kernel} ${what}`;
      if (!list.includes(label)) list.push(label);
      errors.set(t.error, list);
    }
  }
  for (const [error, where] of errors) out.push(`${where.join(', ')}: ${error}`);
  return out;
}
