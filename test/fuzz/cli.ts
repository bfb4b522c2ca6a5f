// Differential fuzzing from the command line:
//
//   npm run fuzz -- --seed S --count N [options]
//
//   --seed S          run seed (default 1); case i uses mixSeed(S, i), so a run is deterministic
//   --count N         number of modules (default 100)
//   --start I         first case index (default 0): `--seed S --start I --count 1` re-runs case I
//   --source SRC      binaryen | own | mix (default: mix, alternating; own if wasm-opt is missing)
//   --jobs J          worker threads (default: available parallelism)
//   --timeout SEC     time limit per module (default 60)
//   --calls K         calls per exported function (default 2)
//   --no-loose        only well-typed arguments (by default 8% are JS values of other types:
//                     strings, objects, undefined, BigInt for i32... converted by the JS API)
//   --no-stack-guard  run heapbase with stackGuard: false
//   --split-at N      split functions of more than N characters of JavaScript into closures
//                     (normally only very large ones; a small N exercises the splitting)
//   --out DIR         where reproducers go (default fuzz-out)
//   --corpus DIR      run the .wasm files of DIR (with its manifest.json) instead of generating
//   --file F          run one module file; --case-seed X gives its argument seed; --raw-nans
//   --make-corpus DIR write --count binaryen modules (seed --seed) to DIR with a manifest.json
//                     (with --simd: SIMD modules; without: none, as the corpus was made)
//   --simd            every module a binaryen module with SIMD (--enable-simd); implies
//                     --source binaryen. By default 25% of binaryen modules have SIMD
//   --no-simd         no binaryen module has SIMD
//   --self-check      run V8 against itself instead of heapbase (checks the harness)
//
// Exit status 1 when a module diverges, hangs or crashes the
// worker. Each divergence is saved as DIR/<case>.wasm (the module), <case>.instrumented.wasm (as
// run: with exports added for globals, memory and tables), <case>.wat and <case>.txt (the step,
// both engines' outcomes and the command that reproduces it).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { binaryenModule, hasWasmOpt, nanBitsMayDiffer, wasmOptVersion } from './binaryen.js';
import { caseModule, type DifferentialCase, type DifferentialCaseResult, type ModuleSource } from './cases.js';
import { runPool } from './pool.js';
import { mixSeed } from './prng.js';
import { wasmToText } from './wat.js';

interface Args {
  seed: number;
  count: number;
  start: number;
  source: 'binaryen' | 'own' | 'mix';
  jobs: number;
  timeout: number;
  calls: number;
  loose: boolean;
  stackGuard: boolean;
  splitAt: number | undefined;
  out: string;
  corpus: string | null;
  file: string | null;
  caseSeed: number;
  rawNaNs: boolean;
  makeCorpus: string | null;
  /** true: every binaryen module SIMD, false: none, undefined: a share (binaryen.ts). */
  simd: boolean | undefined;
  sourceGiven: boolean;
  selfCheck: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    seed: 1, count: 100, start: 0, source: hasWasmOpt() ? 'mix' : 'own', jobs: availableParallelism(), timeout: 60, calls: 2,
    loose: true, stackGuard: true, splitAt: undefined, out: 'fuzz-out', corpus: null, file: null, caseSeed: 1, rawNaNs: false, makeCorpus: null,
    simd: undefined, sourceGiven: false, selfCheck: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    const n = (): number => {
      const x = Number(v());
      if (!Number.isFinite(x)) throw new Error(`${k} needs a number`);
      return x;
    };
    switch (k) {
      case '--seed': a.seed = n() >>> 0; break;
      case '--count': a.count = n(); break;
      case '--start': a.start = n(); break;
      case '--source': {
        const s = v();
        if (s !== 'binaryen' && s !== 'own' && s !== 'mix') throw new Error('--source must be binaryen, own or mix');
        a.source = s;
        a.sourceGiven = true;
        break;
      }
      case '--jobs': a.jobs = Math.max(1, n()); break;
      case '--timeout': a.timeout = n(); break;
      case '--calls': a.calls = n(); break;
      case '--no-loose': a.loose = false; break;
      case '--no-stack-guard': a.stackGuard = false; break;
      case '--split-at': a.splitAt = n(); break;
      case '--out': a.out = v(); break;
      case '--corpus': a.corpus = v(); break;
      case '--file': a.file = v(); break;
      case '--case-seed': a.caseSeed = n() >>> 0; break;
      case '--raw-nans': a.rawNaNs = true; break;
      case '--make-corpus': a.makeCorpus = v(); break;
      case '--simd': a.simd = true; break;
      case '--no-simd': a.simd = false; break;
      case '--self-check': a.selfCheck = true; break;
      case '--help': case '-h':
        console.log(readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${k} (see --help)`);
    }
  }
  if (a.simd === true) {
    if (a.sourceGiven && a.source !== 'binaryen') throw new Error('--simd makes binaryen modules: it needs --source binaryen');
    a.source = 'binaryen';
  }
  return a;
}

export interface CorpusEntry {
  file: string;
  seed: number;
  /** Made without --denan, or with SIMD (see nanBitsMayDiffer): memory comparison tolerates NaN bits. */
  rawNaNs: boolean;
  /** Made with --enable-simd. */
  simd?: boolean;
  origin: string;
}

function makeCorpus(a: Args): void {
  if (!hasWasmOpt()) throw new Error('wasm-opt (binaryen) is needed to make a corpus');
  mkdirSync(a.makeCorpus!, { recursive: true });
  const entries: CorpusEntry[] = [];
  let total = 0;
  for (let i = 0; i < a.count; i++) {
    const seed = mixSeed(a.seed, i);
    const g = binaryenModule(seed, { maxInput: 3000, simd: a.simd ?? false });
    const file = `m${String(i).padStart(4, '0')}.wasm`;
    writeFileSync(join(a.makeCorpus!, file), g.bytes);
    total += g.bytes.length;
    entries.push({ file, seed, rawNaNs: nanBitsMayDiffer(g.variant), ...(g.variant.simd ? { simd: true } : {}), origin: `wasm-opt -ttf <${g.input.length} bytes> ${g.args.join(' ')}` });
  }
  const manifest = { generator: wasmOptVersion(), command: `node dist/test/fuzz/cli.js --make-corpus ${a.makeCorpus} --seed ${a.seed} --count ${a.count}${a.simd ? ' --simd' : ''}`, modules: entries };
  writeFileSync(join(a.makeCorpus!, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  console.log(`wrote ${entries.length} modules (${total} bytes) and manifest.json to ${a.makeCorpus}`);
}

function caseName(r: { source: string; index: number; seed: number }): string {
  return `${r.source}-${r.index}-${r.seed}`;
}

async function saveReproducer(a: Args, r: DifferentialCaseResult, rerun: string): Promise<string> {
  mkdirSync(a.out, { recursive: true });
  const base = join(a.out, caseName(r));
  const d = r.result.divergence!;
  const files: string[] = [];
  if (r.bytes) {
    writeFileSync(`${base}.wasm`, r.bytes);
    files.push(`${base}.wasm`);
    try {
      writeFileSync(`${base}.wat`, await wasmToText(r.bytes));
      files.push(`${base}.wat`);
    } catch {
      // wabt cannot print every module; the binary is the reproducer
    }
  }
  if (r.result.instrumented) {
    writeFileSync(`${base}.instrumented.wasm`, r.result.instrumented);
    files.push(`${base}.instrumented.wasm`);
  }
  const text = [
    `module: ${r.origin}`,
    `case: index ${r.index}, case seed ${r.seed}`,
    `step: ${d.step}`,
    `differs: ${d.what}`,
    `  V8:       ${d.v8}`,
    `  heapbase: ${d.heapbase}`,
    ...(r.result.note ? [`note: ${r.result.note}`] : []),
    `re-run: ${rerun}`,
    `files: ${files.join(' ')}`,
  ].join('\n');
  writeFileSync(`${base}.txt`, `${text}\n`);
  return text;
}

/** Why differential.ts stops comparing a module early (its notes). */
const STOP_REASONS = ['the memories differ only in NaN bits', 'a logged integer differs only as NaN bits', 'call stack exhaustion'];

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2));
  if (a.makeCorpus) {
    makeCorpus(a);
    return 0;
  }
  let cases: DifferentialCase[];
  let describe: string;
  if (a.file) {
    cases = [{ index: 0, seed: a.caseSeed, source: 'file', file: resolve(a.file), rawNaNs: a.rawNaNs }];
    describe = `file ${a.file}`;
  } else if (a.corpus) {
    const manifest = JSON.parse(readFileSync(join(a.corpus, 'manifest.json'), 'utf8')) as { modules: CorpusEntry[] };
    cases = manifest.modules.slice(a.start, a.start + a.count).map((m, k) => ({
      index: a.start + k, seed: m.seed, source: 'file' as const, file: resolve(a.corpus!, m.file), rawNaNs: m.rawNaNs,
    }));
    describe = `corpus ${a.corpus} (${cases.length} modules)`;
  } else {
    if (a.source !== 'own' && !hasWasmOpt()) throw new Error(`--source ${a.source} needs wasm-opt (binaryen) on the PATH`);
    cases = [];
    for (let i = a.start; i < a.start + a.count; i++) {
      const source: ModuleSource = a.source === 'mix' ? (i % 2 === 0 ? 'binaryen' : 'own') : a.source;
      cases.push({ index: i, seed: mixSeed(a.seed, i), source, ...(source === 'binaryen' && a.simd !== undefined ? { simd: a.simd } : {}) });
    }
    describe = `seed ${a.seed}, cases ${a.start}..${a.start + a.count - 1}, source ${a.source}${a.source !== 'own' ? ` (${wasmOptVersion()}, ${a.simd === undefined ? 'SIMD in a share' : a.simd ? 'all SIMD' : 'no SIMD'})` : ''}`;
  }
  console.log(`heapbase differential fuzzing: ${describe}, ${a.jobs} jobs${a.loose ? '' : ', typed arguments only'}${a.stackGuard ? '' : ', stackGuard off'}${a.selfCheck ? ', V8 against itself (--self-check)' : ''}`);

  const stats = { ok: 0, diverged: 0, skipped: 0, hung: 0, crashed: 0, calls: 0, bytes: 0 };
  const traps = new Map<string, number>();
  const skipped = new Map<string, number>();
  const stopped = new Map<string, number>();
  const failures: string[] = [];
  const started = Date.now();
  const rerunOf = (c: DifferentialCase): string => (c.source === 'file'
    ? `node dist/test/fuzz/cli.js --file ${c.file} --case-seed ${c.seed}${c.rawNaNs ? ' --raw-nans' : ''}${a.loose ? '' : ' --no-loose'}`
    : `npm run fuzz -- --seed ${a.seed} --start ${c.index} --count 1 --source ${c.source}${c.simd === true ? ' --simd' : c.simd === false ? ' --no-simd' : ''}${a.loose ? '' : ' --no-loose'}`);
  const pending: Promise<void>[] = [];
  let done = 0;
  await runPool<DifferentialCase>({
    workerUrl: new URL('./worker.js', import.meta.url),
    workerData: { kind: 'differential', callsPerExport: a.calls, looseArguments: a.loose, heapbaseOptions: a.stackGuard ? undefined : { stackGuard: false }, maxFunctionChars: a.splitAt, selfCheck: a.selfCheck },
    cases,
    jobs: a.jobs,
    timeoutMs: a.timeout * 1000,
    onResult(c, outcome) {
      done++;
      if (outcome.kind !== 'done') {
        const what = outcome.kind === 'timeout' ? `hung (no answer in ${outcome.ms} ms, while running ${outcome.stage ?? '?'})` : `crashed the worker: ${outcome.error}`;
        if (outcome.kind === 'timeout') stats.hung++;
        else stats.crashed++;
        let saved = '';
        try {
          mkdirSync(a.out, { recursive: true });
          const file = join(a.out, `${caseName(c)}.wasm`);
          writeFileSync(file, caseModule(c));
          saved = `\n  module: ${file}`;
        } catch {
          // nothing to save
        }
        const line = `case ${c.index} (seed ${c.seed}, ${c.source}${c.file ? ` ${basename(c.file)}` : ''}) ${what}${saved}\n  re-run: ${rerunOf(c)}`;
        failures.push(line);
        console.log(`\n✗ ${line}`);
        return;
      }
      const r = outcome.result as DifferentialCaseResult;
      stats.calls += r.result.calls;
      stats.bytes += r.size;
      for (const t of r.result.traps) traps.set(t, (traps.get(t) ?? 0) + 1);
      if (r.error) {
        stats.crashed++;
        failures.push(`case ${r.index}: ${r.error}`);
        console.log(`\n✗ case ${r.index}: module generation failed: ${r.error}`);
        return;
      }
      if (r.result.status === 'skipped') {
        stats.skipped++;
        skipped.set(r.result.note ?? '?', (skipped.get(r.result.note ?? '?') ?? 0) + 1);
      } else if (r.result.status === 'ok') {
        stats.ok++;
        // agreed up to a point where the comparison had to stop (see differential.ts)
        const note = r.result.note ?? '';
        const why = note.startsWith('stopped') ? STOP_REASONS.find((x) => note.includes(x)) : undefined;
        if (why) stopped.set(why, (stopped.get(why) ?? 0) + 1);
      }
      else {
        stats.diverged++;
        pending.push(saveReproducer(a, r, rerunOf(c)).then((text) => {
          failures.push(text);
          console.log(`\n✗ divergence in case ${r.index}\n${text.replace(/^/gm, '  ')}`);
        }));
      }
      if (done % 100 === 0) console.log(`  ${done}/${cases.length} modules, ${stats.diverged} divergences, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    },
  });
  await Promise.all(pending);
  const seconds = (Date.now() - started) / 1000;
  console.log(`\n${cases.length} modules in ${seconds.toFixed(1)} s: ${stats.ok} agree, ${stats.diverged} diverge, ` +
    `${stats.skipped} skipped, ${stats.hung} hung, ${stats.crashed} crashed; ${stats.calls} calls compared, ${stats.bytes} bytes of modules`);
  if (traps.size) console.log(`traps compared: ${[...traps].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (skipped.size) console.log(`skipped: ${[...skipped].map(([k, n]) => `${k} (${n})`).join(', ')}`);
  if (stopped.size) console.log(`agreed until the comparison stopped: ${[...stopped].map(([k, n]) => `${k} (${n})`).join(', ')}`);
  if (failures.length) {
    console.log(`\nFAILED: ${failures.length} case(s); reproducers in ${a.out}/`);
    return 1;
  }
  console.log('OK');
  return 0;
}

main().then((code) => process.exit(code), (e: Error) => {
  console.error(e.message);
  process.exit(2);
});
