// Random valid modules from binaryen's translate-to-fuzz mode (`wasm-opt -ttf`), limited to the
// features heapbase supports. Needs `wasm-opt` on the PATH (Debian: `apt-get install binaryen`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nativeWasm } from '../helpers/native-wasm.js';
import { mixSeed, Rng } from './prng.js';

/** MVP + sign-ext + non-trapping float-to-int + mutable globals + multi-value + bulk memory. */
export const BASE_FEATURES = [
  '--mvp-features', '--enable-sign-ext', '--enable-nontrapping-float-to-int', '--enable-mutable-globals',
  '--enable-multivalue', '--enable-bulk-memory',
];

export interface BinaryenVariant {
  /** Also enable reference types. Binaryen 108 then often emits modules only valid under its
   * pre-standard subtyping (funcref <: anyref); those are rejected by V8 and regenerated. */
  referenceTypes: boolean;
  /** Run binaryen's --denan pass, so no NaN is ever produced (exact memory comparison is sound). */
  denan: boolean;
  /** Also run a random selection of optimisation passes (--fuzz-passes), for different code shapes. */
  fuzzPasses: boolean;
  /** Also enable fixed-width SIMD (--enable-simd): v128 locals, globals, parameters and results,
   * and binaryen's `fuzzing-support.log-v128` import (which throws a TypeError when called). */
  simd: boolean;
}

/** Whether the module's stored NaNs may have engine-chosen bits, so that memory must be compared
 * NaN-tolerantly: without --denan, or with SIMD, as binaryen 108's --denan leaves v128 values
 * alone (f32x4.div of zeros stays; V8 on x64 makes 0xffc00000 there, a JS engine 0x7fc00000). */
export function nanBitsMayDiffer(v: BinaryenVariant): boolean {
  return !v.denan || v.simd;
}

/** The share of modules with SIMD when the caller does not choose. */
export const SIMD_SHARE = 0.25;

export interface GeneratedModule {
  bytes: Uint8Array;
  variant: BinaryenVariant;
  /** The random input given to -ttf (so the module can be regenerated with wasm-opt). */
  input: Uint8Array;
  args: string[];
}

export function hasWasmOpt(): boolean {
  try {
    execFileSync('wasm-opt', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function wasmOptVersion(): string {
  return execFileSync('wasm-opt', ['--version'], { encoding: 'utf8' }).trim();
}

let workDir: string | null = null;
function dir(): string {
  workDir ??= mkdtempSync(join(tmpdir(), 'heapbase-ttf-'));
  return workDir;
}
process.on('exit', () => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

function ttf(input: Uint8Array, args: string[]): Uint8Array | null {
  const inFile = join(dir(), `in-${process.pid}.bin`);
  const outFile = join(dir(), `out-${process.pid}.wasm`);
  writeFileSync(inFile, input);
  try {
    execFileSync('wasm-opt', ['-ttf', inFile, '-o', outFile, ...args], { stdio: 'pipe', timeout: 60_000 });
  } catch {
    return null;
  }
  return new Uint8Array(readFileSync(outFile));
}

/** A module from `seed`; deterministic for a given seed and binaryen version. `simd`: true for
 * SIMD, false for none, unset for SIMD_SHARE of seeds (drawn apart from the other choices, so a
 * seed without SIMD makes the same module as before SIMD was added). */
export function binaryenModule(seed: number, options: { maxInput?: number; simd?: boolean } = {}): GeneratedModule {
  const rng = new Rng(seed);
  const variant: BinaryenVariant = {
    referenceTypes: rng.chance(0.35),
    denan: rng.chance(0.7),
    fuzzPasses: rng.chance(0.3),
    simd: options.simd ?? new Rng(mixSeed(seed, 0x5140)).chance(SIMD_SHARE),
  };
  for (let attempt = 0; ; attempt++) {
    const useRefs = variant.referenceTypes && attempt < 12;
    const size = rng.range(200, options.maxInput ?? 8000);
    const input = rng.bytes(size);
    const args = [...BASE_FEATURES, ...(useRefs ? ['--enable-reference-types'] : []), ...(variant.simd ? ['--enable-simd'] : []), ...(variant.fuzzPasses ? ['--fuzz-passes'] : []), ...(variant.denan ? ['--denan'] : [])];
    const bytes = ttf(input, args);
    if (bytes && nativeWasm.validate(bytes)) return { bytes, variant: { ...variant, referenceTypes: useRefs }, input, args };
    if (attempt > 40) throw new Error(`wasm-opt produced no module V8 accepts for seed ${seed}`);
  }
}
