// The official WASI testsuite (wasm32-wasip1 binaries of its C, Rust and AssemblyScript tests),
// read in place from ../shared/wasi-testsuite beside the repository (or $HEAPBASE_WASI_TESTSUITE).
// Every test runs under heapbase (one node:test test each, so a failure names it) and under Node's own
// WebAssembly + node:wasi (for comparison only: node:wasi failing never fails the run). A test
// runs as the suite's doc/specification.md says: its `root` copied to a fresh temporary
// directory and preopened as "/", only the `env` keys in the environment, the `args` after the
// program name, then the exit code and (when given) stdout compared with the specification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI as NodeWASI } from 'node:wasi';
import { findRepoRoot } from '../spec/script.js';
import { Instance, Module } from '../../src/index.js';
import { WASI } from '../../src/wasi/index.js';

interface NativeWasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const native = (globalThis as unknown as { WebAssembly: NativeWasm }).WebAssembly;

/** `../shared/wasi-testsuite` beside the repository (as the spec suites), unless HEAPBASE_WASI_TESTSUITE says. */
const suiteDir = process.env.HEAPBASE_WASI_TESTSUITE ??
  path.resolve(findRepoRoot(path.dirname(fileURLToPath(import.meta.url))), '../shared/wasi-testsuite');
const SUITES = ['c', 'rust', 'assemblyscript'] as const;
type Engine = 'heapbase' | 'node:wasi';

/** One test case, its specification reduced to what a run needs and checks. */
interface Case {
  suite: string;
  name: string;
  wasm: string;
  args: string[];
  env: Record<string, string>;
  /** Host directory to copy and preopen as "/", or null. */
  root: string | null;
  exitCode: number;
  /** Expected stdout, or undefined when the specification does not check it. */
  stdout: string | undefined;
  /** Why this case cannot run here (an operation or proposal this runner does not support). */
  unsupported?: string;
}

interface RawRun { args?: string[]; env?: Record<string, string>; root?: string | null }
interface RawOperation extends RawRun { type: string; exit_code?: number; id?: string; payload?: string }
interface RawSpec extends RawRun { exit_code?: number; stdout?: string; proposals?: string[]; operations?: RawOperation[] }

/** Reads NAME.json (either form of doc/specification.md) into a Case. */
function caseOf(suite: string, dir: string, file: string): Case {
  const name = file.slice(0, -'.wasm'.length);
  const jsonPath = path.join(dir, `${name}.json`);
  const spec: RawSpec = fs.existsSync(jsonPath) ? JSON.parse(fs.readFileSync(jsonPath, 'utf8')) : {};
  const c: Case = { suite, name, wasm: path.join(dir, file), args: [], env: {}, root: null, exitCode: 0, stdout: undefined };
  const setRun = (r: RawRun): void => {
    c.args = r.args ?? [];
    c.env = r.env ?? {};
    c.root = r.root == null ? null : path.join(dir, r.root);
  };
  if (spec.operations === undefined) {
    setRun(spec);
    c.exitCode = spec.exit_code ?? 0;
    c.stdout = spec.stdout;
    return c;
  }
  if (spec.proposals?.length) c.unsupported = `needs proposals ${spec.proposals.join(', ')}`;
  for (const op of spec.operations) {
    switch (op.type) {
      case 'run': setRun(op); break;
      case 'wait': c.exitCode = op.exit_code ?? 0; break;
      case 'read':
        if ((op.id ?? 'stdout') === 'stdout') c.stdout = (c.stdout ?? '') + (op.payload ?? '');
        break;
      default: c.unsupported = `operation ${op.type} is not supported by this runner`;
    }
  }
  return c;
}

function casesOf(suite: string): Case[] {
  const dir = path.join(suiteDir, 'tests', suite, 'testsuite', 'wasm32-wasip1');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort().map((f) => caseOf(suite, dir, f));
}

const tmpBase = fs.existsSync(suiteDir) ? fs.mkdtempSync(path.join(os.tmpdir(), 'heapbase-wasi-suite-')) : '';
if (tmpBase) process.on('exit', () => fs.rmSync(tmpBase, { recursive: true, force: true }));
let tmpCount = 0;

/** A writable copy of `root` (the shared copy of the suite is read-only; the tests write into it). */
function copyRoot(root: string, label: string): string {
  const dest = path.join(tmpBase, `${label}-${tmpCount++}`);
  fs.cpSync(root, dest, { recursive: true, verbatimSymlinks: true });
  const makeWritable = (p: string): void => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.mode | 0o200 | (st.isDirectory() ? 0o700 : 0));
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) makeWritable(path.join(p, n));
  };
  makeWritable(dest);
  return dest;
}

interface Outcome { pass: boolean; detail: string; ms: number }

function runCase(engine: Engine, c: Case): Outcome {
  const started = Date.now();
  if (c.unsupported) return { pass: false, detail: c.unsupported, ms: 0 };
  const io = path.join(tmpBase, `io-${tmpCount++}`);
  fs.mkdirSync(io);
  fs.writeFileSync(path.join(io, 'in'), '');
  const stdin = fs.openSync(path.join(io, 'in'), 'r');
  const stdout = fs.openSync(path.join(io, 'out'), 'w+');
  const stderr = fs.openSync(path.join(io, 'err'), 'w+');
  let code: number | string;
  try {
    const preopens: Record<string, string> = c.root === null ? {} : { '/': copyRoot(c.root, `${engine === 'heapbase' ? 'hb' : 'node'}-${c.name}`) };
    const config = { args: [`${c.name}.wasm`, ...c.args], env: c.env, preopens, stdin, stdout, stderr, returnOnExit: true };
    const bytes = fs.readFileSync(c.wasm);
    try {
      if (engine === 'node:wasi') {
        const wasi = new NodeWASI({ version: 'preview1', ...config });
        code = wasi.start(new native.Instance(new native.Module(bytes), wasi.getImportObject() as object) as never);
      } else {
        const wasi = new WASI(config);
        code = wasi.start(new Instance(new Module(bytes), wasi.getImportObject()));
      }
    } catch (e) {
      code = `${(e as Error).name}: ${(e as Error).message}`;
    }
  } finally {
    for (const fd of [stdin, stdout, stderr]) fs.closeSync(fd);
  }
  const out = fs.readFileSync(path.join(io, 'out'), 'utf8');
  const err = fs.readFileSync(path.join(io, 'err'), 'utf8');
  const problems: string[] = [];
  if (code !== c.exitCode) problems.push(`exit ${code}, expected ${c.exitCode}`);
  if (c.stdout !== undefined && out !== c.stdout) problems.push(`stdout ${JSON.stringify(out)}, expected ${JSON.stringify(c.stdout)}`);
  if (problems.length && err) problems.push(`stderr: ${err.trim().slice(0, 2000)}`);
  return { pass: problems.length === 0, detail: problems.join('; '), ms: Date.now() - started };
}

const all = SUITES.map((suite) => ({ suite, cases: casesOf(suite) }));
const results = new Map<string, Record<Engine, Outcome | undefined>>();
const key = (c: Case): string => `${c.suite}/${c.name}`;

if (all.every((s) => s.cases.length === 0)) {
  test('wasi-testsuite', { skip: `no WASI testsuite at ${suiteDir} (set HEAPBASE_WASI_TESTSUITE to its folder)` }, () => {});
} else {
  for (const { suite, cases } of all) {
    for (const c of cases) {
      test(`wasi-testsuite ${suite}/${c.name} (heapbase)`, () => {
        const heapbase = runCase('heapbase', c);
        // node:wasi is informational: its result is recorded, never asserted.
        const node = runCase('node:wasi', c);
        results.set(key(c), { heapbase, 'node:wasi': node });
        assert.ok(heapbase.pass, `${suite}/${c.name}: ${heapbase.detail}`);
      });
    }
  }

  test('wasi-testsuite summary (heapbase vs node:wasi)', () => {
    const count = (cases: Case[], engine: Engine): number => cases.filter((c) => results.get(key(c))?.[engine]?.pass).length;
    let total = 0;
    let hb = 0;
    let node = 0;
    for (const { suite, cases } of all) {
      const h = count(cases, 'heapbase');
      const n = count(cases, 'node:wasi');
      console.log(`wasi-testsuite ${suite}: heapbase ${h}/${cases.length}, node:wasi ${n}/${cases.length}`);
      const nodeFailures = cases.filter((c) => !results.get(key(c))?.['node:wasi']?.pass).map((c) => c.name);
      if (process.env.HEAPBASE_WASI_SUITE_VERBOSE && nodeFailures.length) console.log(`  node:wasi fails: ${nodeFailures.join(', ')}`);
      total += cases.length;
      hb += h;
      node += n;
    }
    console.log(`wasi-testsuite total: heapbase ${hb}/${total}, node:wasi ${node}/${total}`);
  });
}
