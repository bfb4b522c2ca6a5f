// One differential fuzz case: make (or read) a module, run it on both engines.
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { binaryenModule, nanBitsMayDiffer } from './binaryen.js';
import { runDifferential, type DifferentialResult } from './differential.js';
import { generateModule } from './generator.js';
import { reportStage } from './pool.js';
import { mixSeed } from './prng.js';
import type { InstanceOptions } from '../../src/index.js';

export type ModuleSource = 'binaryen' | 'own' | 'file';

export interface DifferentialCase {
  index: number;
  /** Seed of this case (module generation and call arguments). */
  seed: number;
  source: ModuleSource;
  /** For source 'file': the module, and whether it was made without binaryen's --denan. */
  file?: string;
  rawNaNs?: boolean;
  /** For source 'binaryen': SIMD or not; unset: binaryen.ts decides by the seed (SIMD_SHARE). */
  simd?: boolean;
}

export interface DifferentialConfig {
  callsPerExport?: number;
  looseArguments?: boolean;
  heapbaseOptions?: InstanceOptions;
  /** V8 against itself (see DifferentialOptions.selfCheck). */
  selfCheck?: boolean;
}

export interface DifferentialCaseResult {
  index: number;
  seed: number;
  source: ModuleSource;
  /** How the module was made (wasm-opt arguments, generator settings, or the file). */
  origin: string;
  result: DifferentialResult;
  /** The module as generated (only for divergences, to save a reproducer). */
  bytes?: Uint8Array;
  /** Size of the module in bytes. */
  size: number;
  error?: string;
}

/** The module of a case (generated again: deterministic), e.g. to save a hung case's module. */
export function caseModule(c: DifferentialCase): Uint8Array {
  if (c.source === 'binaryen') return binaryenModule(c.seed, { simd: c.simd }).bytes;
  if (c.source === 'own') return generateModule(c.seed).bytes;
  return new Uint8Array(readFileSync(c.file!));
}

export function runDifferentialCase(c: DifferentialCase, config: DifferentialConfig): DifferentialCaseResult {
  let bytes: Uint8Array;
  let origin: string;
  let rawNaNs = false;
  try {
    if (c.source === 'binaryen') {
      const g = binaryenModule(c.seed, { simd: c.simd });
      bytes = g.bytes;
      origin = `wasm-opt -ttf <${g.input.length} random bytes> ${g.args.join(' ')}`;
      rawNaNs = nanBitsMayDiffer(g.variant);
    } else if (c.source === 'own') {
      const g = generateModule(c.seed);
      bytes = g.bytes;
      origin = `own generator (${g.summary})`;
    } else {
      bytes = new Uint8Array(readFileSync(c.file!));
      origin = c.file!;
      rawNaNs = c.rawNaNs ?? false;
    }
  } catch (e) {
    return { index: c.index, seed: c.seed, source: c.source, origin: 'generation failed', size: 0, result: { status: 'skipped', calls: 0, traps: [] }, error: (e as Error).stack };
  }
  const run = (heapbaseOptions?: InstanceOptions): DifferentialResult => {
    try {
      return runDifferential(bytes, mixSeed(c.seed, 1), { ...config, nanTolerantMemory: rawNaNs, heapbaseOptions, onStage: (stage) => reportStage(parentPort, stage) });
    } catch (e) {
      return { status: 'diverged', calls: 0, traps: [], divergence: { step: 'harness', what: 'the harness itself threw', v8: '', heapbase: (e as Error).stack ?? String(e) } };
    }
  };
  const result = run(config.heapbaseOptions);
  const diverged = result.status === 'diverged';
  if (!diverged) delete result.instrumented;
  return { index: c.index, seed: c.seed, source: c.source, origin, result, size: bytes.length, ...(diverged ? { bytes } : {}) };
}
