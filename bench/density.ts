// Density: how many live instances of the 624-byte trimmed memory fixture fit in one process,
// and the bytes of process memory each costs. heapbase makes 1,000,000 by default; Node's own
// WebAssembly reserves address space for every memory and stops long before (about 10,000 to
// 15,000 here). Each engine runs in a fresh child process (bench/density-child.ts), so neither
// measures the other's garbage and a failure cannot take the bench down.
//
//   node --expose-gc dist/bench/density.js [count] [--json]
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HeapbaseDensity, NativeDensity } from './density-child.js';

export type { HeapbaseDensity, NativeDensity };

export interface DensityFigures {
  heapbase: HeapbaseDensity | { engine: 'heapbase'; failed: string };
  native: NativeDensity | { engine: 'native'; failed: string };
  seconds: number;
}

export interface DensityOptions {
  /** Node's WebAssembly stops after this long (its child is killed 60 s later). */
  nativeLimitMs?: number;
  /** …or once its RSS is over this. */
  nativeRssLimit?: number;
  log?: (line: string) => void;
}

const CHILD = fileURLToPath(new URL('./density-child.js', import.meta.url));

function runChild<T>(args: string[], maxOldSpaceMb: number, timeoutMs: number): T | { failed: string } {
  const r = spawnSync(process.execPath, ['--expose-gc', `--max-old-space-size=${maxOldSpaceMb}`, CHILD, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 16 * 2 ** 20,
  });
  const lines = (r.stdout ?? '').trim().split('\n');
  const last = lines[lines.length - 1];
  if (r.status === 0 && last) {
    try {
      return JSON.parse(last) as T;
    } catch {
      // reported below
    }
  }
  const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
  const stderr = (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
  return { failed: `density child (${args[0]}) failed: ${why}${stderr ? `: ${stderr}` : ''}` };
}

/** Makes `count` live heapbase instances in one child process, then as many of Node's as it can in another. */
export function measureDensity(count = 1_000_000, options: DensityOptions = {}): DensityFigures {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const nativeLimitMs = options.nativeLimitMs ?? 60_000;
  const nativeRssLimit = options.nativeRssLimit ?? 8 * 2 ** 30;
  log(`density: ${count.toLocaleString('en-US')} heapbase instances…`);
  // ~5 KB and ~15 µs an instance today; the timeout leaves room for a machine several times slower.
  const heapbase = runChild<HeapbaseDensity>(['heapbase', String(count)], 16_384, Math.max(120_000, count * 0.6));
  log("density: Node's WebAssembly…");
  const native = runChild<NativeDensity>(['native', String(count), String(nativeLimitMs), String(nativeRssLimit)], 4_096, nativeLimitMs + 60_000);
  return {
    heapbase: 'failed' in heapbase ? { engine: 'heapbase', failed: heapbase.failed } : heapbase,
    native: 'failed' in native ? { engine: 'native', failed: native.failed } : native,
    seconds: (performance.now() - started) / 1000,
  };
}

const n = (v: number): string => v.toLocaleString('en-US');

/** The human-readable summary: one line per engine. */
export function formatDensity(f: DensityFigures): string[] {
  const out: string[] = [];
  const h = f.heapbase;
  if ('failed' in h) out.push(`Density: heapbase FAILED: ${h.failed}`);
  else {
    out.push(
      `Density: ${n(h.instances)} live instances of static_data_trimmed.wasm (${n(h.linearBytes)}-byte memory): ` +
        `${n(h.rssBytesPerInstance)} bytes per instance of process memory (RSS), ` +
        `${n(h.heapExternalBytesPerInstance)} of JS heap + external; ` +
        `made in ${h.createSeconds.toFixed(1)} s (${((h.createSeconds / h.instances) * 1e6).toFixed(1)} µs each), ` +
        `touch() checked on ${h.callsChecked === h.instances ? 'every one' : n(h.callsChecked)}; ${h.totalSeconds.toFixed(1)} s in all`,
    );
  }
  const v = f.native;
  if ('failed' in v) out.push(`Node's WebAssembly: FAILED to measure: ${v.failed}`);
  else {
    const each = v.instances ? ` (${n(v.rssBytesPerInstance)} bytes of RSS each, ${n(v.linearBytes)}-byte memories)` : '';
    const stop =
      v.stopped === 'error' ? `made ${n(v.instances)} live instances, then failed: ${v.error}`
      : v.stopped === 'count' ? `made all ${n(v.instances)} live instances`
      : v.stopped === 'time' ? `made ${n(v.instances)} live instances before the ${(v.limits.ms / 1000).toFixed(0)} s limit, without failing`
      : `made ${n(v.instances)} live instances before the ${(v.limits.rssBytes / 2 ** 30).toFixed(0)} GiB RSS limit, without failing`;
    out.push(`Node's WebAssembly: ${stop}${each}; ${v.totalSeconds.toFixed(1)} s`);
  }
  return out;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const count = rest[0] === undefined ? 1_000_000 : Number(rest[0].replace(/[_,]/g, ''));
  if (!Number.isInteger(count) || count < 1 || rest.length > 1) {
    process.stderr.write('usage: node --expose-gc dist/bench/density.js [count] [--json]\n');
    process.exit(2);
  }
  const figures = measureDensity(count, { log: (line) => void process.stderr.write(`${line}\n`) });
  process.stdout.write(json ? `${JSON.stringify(figures, null, 2)}\n` : `${formatDensity(figures).join('\n')}\ntotal ${figures.seconds.toFixed(0)} s\n`);
  if ('failed' in figures.heapbase) process.exitCode = 1;
}
