// The benchmark programs (C sources and built .wasm in bench/programs/, see build.sh) and how to
// run them. Each kernel exports `run(n)`, whose work is proportional to n and whose result is a
// checksum (i32 → number, i64 → BigInt) of everything it computed; a kernel that checks its own
// work (compress decodes what it encoded) also exports `errors()`, 0 when the last run was right.
// wasi_prog is a WASI command
// taking the work size as argv[1] and printing a summary.
import { readFileSync } from 'node:fs';

export type Result = number | bigint;

export interface Kernel {
  name: string;
  what: string;
  /** Work size of a timed call: about 100–400 ms on Node's native WebAssembly on the 2-core bench machine. */
  n: number;
  /** For --quick. */
  quickN: number;
  /** Warm-up calls and the correctness test. */
  smallN: number;
  /** The single long call (bench/single-call.ts) is run(n × longTimes) (quickN × longTimes with
   *  --quick): about 0.5–1.5 s on native, measured cold. That is up to 2.5 times its warmed-up time
   *  at the same n: V8 runs a wasm function that is already on the stack in its baseline code
   *  (Liftoff) to the end of the call, so a kernel whose loop is all in run gains nothing from
   *  tiering up (hash32, matmul, vm, hashtable). */
  longTimes: number;
}

export const KERNELS: Kernel[] = [
  { name: 'hash32', what: 'murmur3-style + FNV-1a i32 hashing of a 4 MiB xorshift buffer', n: 40, quickN: 4, smallN: 1, longTimes: 2 },
  { name: 'sort', what: 'quicksort of 256 Ki i32', n: 10, quickN: 1, smallN: 1, longTimes: 5 },
  { name: 'matmul', what: '200×200 f64 matrix multiply', n: 50, quickN: 5, smallN: 1, longTimes: 2 },
  { name: 'nbody', what: '40-body gravity steps, f64 with sqrt', n: 25_000, quickN: 2_500, smallN: 200, longTimes: 5 },
  // Warm-up replays the same first iterations (run(n) restarts its generators): below ~200,000 they
  // miss a rare branch of 64-bit division, which then deoptimised the first two timed calls.
  { name: 'i64mix', what: 'splitmix64/xorshift64, rotates, i64 div/rem', n: 8_000_000, quickN: 800_000, smallN: 200_000, longTimes: 5 },
  { name: 'calls', what: 'fib/tak recursion + call_indirect dispatch', n: 800, quickN: 80, smallN: 4, longTimes: 3 },
  { name: 'bulk', what: 'memory.fill/memory.copy over 8 MiB', n: 200, quickN: 20, smallN: 2, longTimes: 3 },
  { name: 'embedded', what: 'pool list, br_table state machine, Q8 matrices, CRC-32', n: 25_000, quickN: 2_500, smallN: 100, longTimes: 3 },
  { name: 'unrolled', what: 'SHA-256 with every round written out, two lanes: one very large function', n: 200, quickN: 20, smallN: 1, longTimes: 4 },
  { name: 'vm', what: 'bytecode interpreter: a loop around a switch of 163 opcodes (one br_table), a generated program', n: 4_000, quickN: 400, smallN: 20, longTimes: 2 },
  { name: 'hashtable', what: 'open-addressing table of string keys: insert/lookup/delete, grows and shrinks', n: 16, quickN: 2, smallN: 1, longTimes: 3 },
  { name: 'compress', what: 'LZ77 (hash chains, lazy) + adaptive range coder of 128 KiB blocks, decoded and compared', n: 20, quickN: 2, smallN: 1, longTimes: 4 },
  { name: 'coremark_like', what: 'linked-list find/reverse/merge sort, i16 matrices, number-parsing state machine, CRC-16', n: 3_000, quickN: 300, smallN: 20, longTimes: 4 },
];

export interface WasiProgram {
  name: string;
  what: string;
  n: number;
  quickN: number;
  smallN: number;
}

export const WASI_PROGRAM: WasiProgram = {
  name: 'wasi_prog',
  what: 'word frequencies with wasi-libc malloc/qsort/printf (n words)',
  n: 1_500_000,
  quickN: 150_000,
  smallN: 20_000,
};

export const programUrl = (name: string): URL => new URL(`../../bench/programs/${name}.wasm`, import.meta.url);

export function programBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(programUrl(name)));
}

export function sameResult(a: unknown, b: unknown): boolean {
  return typeof a === typeof b && Object.is(a, b);
}

export function formatResult(r: unknown): string {
  if (typeof r === 'bigint') return `${r}n`;
  if (r instanceof Error) return `${r.name}: ${r.message}`;
  return String(r);
}

/** The exported `run` of an instance. */
export function runExport(exports: Record<string, unknown>): (n: number) => Result {
  const run = exports.run;
  if (typeof run !== 'function') throw new TypeError('the program does not export run');
  return run as (n: number) => Result;
}
