// Compilation figures on the real programs' modules (issue 14): the first new Module in a fresh
// process, in MB/s, beside Node's; compile() with its worker thread (the core count printed);
// and the persistent code cache: the same program run twice in fresh processes with an empty
// HEAPBASE_CACHE directory, the time to a ready instance (glue import + compile + instantiate)
// and to the first run's end, first against second run. Modes alternate within each round.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../stats.js';
import { runChild, type ChildResult } from './index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const childPath = fileURLToPath(new URL('./compile-child.js', import.meta.url));

/** The real programs' modules, largest first (hash-wasm's are inside its JavaScript). */
export const REAL_MODULES: { name: string; file: string }[] = [
  { name: '@swc/wasm', file: 'node_modules/@swc/wasm/wasm_bg.wasm' },
  { name: 'tiktoken', file: 'node_modules/tiktoken/tiktoken_bg.wasm' },
  { name: 'brotli-wasm', file: 'node_modules/brotli-wasm/pkg.node/brotli_wasm_bg.wasm' },
  { name: 'sql.js', file: 'node_modules/sql.js/dist/sql-wasm.wasm' },
  { name: 'quickjs-emscripten', file: 'node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm' },
  { name: 'wasmoon', file: 'node_modules/wasmoon/dist/glue.wasm' },
  { name: '@bokuweb/zstd-wasm', file: 'node_modules/@bokuweb/zstd-wasm/dist/common/zstd.wasm' },
];

export interface CompileRow { name: string; bytes: number; nodeMs: number; moduleMs: number; compileMs: number }
export interface CacheRow { name: string; first: ChildResult; second: ChildResult }

function firstCompileMs(file: string, mode: 'node' | 'module' | 'compile'): number {
  const r = spawnSync(process.execPath, [childPath, file, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`compile child (${mode}) failed for ${file}: ${r.stderr.slice(-400)}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number }).ms;
}

export function benchCompile(rounds: number, filter: string | null, log: (line: string) => void): CompileRow[] {
  const rows: CompileRow[] = [];
  for (const m of REAL_MODULES) {
    if (filter !== null && !m.name.includes(filter)) continue;
    const file = join(root, m.file);
    const times = { node: [] as number[], module: [] as number[], compile: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['node', 'module', 'compile'] as const) times[mode].push(firstCompileMs(file, mode));
    }
    const row = { name: m.name, bytes: statSync(file).size, nodeMs: median(times.node), moduleMs: median(times.module), compileMs: median(times.compile) };
    log(`compile ${m.name}: node ${row.nodeMs.toFixed(0)} ms, new Module ${row.moduleMs.toFixed(0)} ms, compile() ${row.compileMs.toFixed(0)} ms`);
    rows.push(row);
  }
  return rows;
}

/** Each real program twice with one new cache directory: the first run fills it, the second uses it. */
export function benchCache(programs: string[], quick: boolean, log: (line: string) => void): CacheRow[] {
  const rows: CacheRow[] = [];
  for (const name of programs) {
    const dir = mkdtempSync(join(tmpdir(), 'heapbase-bench-cache-'));
    try {
      const env = { ...process.env, HEAPBASE_CACHE: dir };
      const first = runChild(name, 'heapbase', quick, 0, 0, 300_000, env);
      const second = runChild(name, 'heapbase', quick, 0, 0, 300_000, env);
      if (first.ok && second.ok && first.digest !== second.digest) Object.assign(second, { ok: false, error: 'the run with the cache gave other outputs' });
      log(`cache ${name}: ready ${first.loadMs?.toFixed(0)} -> ${second.loadMs?.toFixed(0)} ms, first run ${first.coldMs?.toFixed(0)} -> ${second.coldMs?.toFixed(0)} ms`);
      rows.push({ name, first, second });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

export function formatCompile(rows: CompileRow[], cache: CacheRow[]): string[] {
  const lines: string[] = [];
  const mbs = (bytes: number, ms: number): string => `${(bytes / 1e3 / ms).toFixed(1)}`;
  lines.push(`Compilation of the real programs' modules: the first compile in a fresh process (median of rounds), ${availableParallelism()} cores`);
  const table: string[][] = [['module', 'MB', 'node ms', 'new Module ms', 'MB/s', 'compile() ms', 'MB/s']];
  for (const r of rows) table.push([r.name, (r.bytes / 1e6).toFixed(2), r.nodeMs.toFixed(1), r.moduleMs.toFixed(0), mbs(r.bytes, r.moduleMs), r.compileMs.toFixed(0), mbs(r.bytes, r.compileMs)]);
  lines.push(...aligned(table));
  if (cache.length) {
    lines.push('', 'Code cache (HEAPBASE_CACHE): the same program in two fresh processes; ready = glue import + compile + instantiate; first run = ready + the workload once');
    const t: string[][] = [['program', 'ready ms, 1st', 'ready ms, 2nd', 'faster', 'first run ms, 1st', 'first run ms, 2nd', 'faster', 'same outputs']];
    for (const c of cache) {
      const ok = c.first.ok && c.second.ok;
      const f = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(0));
      const ratio = (a?: number, b?: number): string => (a && b ? `${(a / b).toFixed(2)}×` : '—');
      t.push([c.name, f(c.first.loadMs), f(c.second.loadMs), ratio(c.first.loadMs, c.second.loadMs), f(c.first.coldMs), f(c.second.coldMs), ratio(c.first.coldMs, c.second.coldMs), ok ? 'yes' : `NO: ${(c.second.error ?? c.first.error ?? '').slice(0, 80)}`]);
    }
    lines.push(...aligned(t));
  }
  return lines;
}

function aligned(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}
