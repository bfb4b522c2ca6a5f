// Runs the WASI benchmark program: on heapbase with heapbase's WASI, on Node's WebAssembly with
// node:wasi, and on polywasm with heapbase's WASI (node:wasi only accepts a native
// WebAssembly.Memory). stdout goes to a file, which is read back for the comparison; only
// `start()` (the program's `_start`) is timed.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { WASI } from '../src/wasi/index.js';
import type { Engine } from './engines.js';

export interface WasiOutcome {
  exitCode: number;
  stdout: string;
  ms: number;
}

let tmpDir: string | null = null;
function outputPath(engine: string): string {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'heapbase-bench-'));
  return path.join(tmpDir, `${engine}.out`);
}

/** Removes the output files (call once at the end). */
export function cleanupWasiOutputs(): void {
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = null;
}

/** node:wasi warns, when loaded, that it is experimental; that line would only clutter the table. */
function quietly<T>(f: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/WASI/.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return f();
  } finally {
    process.emitWarning = emit;
  }
}

type NodeWasiModule = typeof import('node:wasi');
let nodeWasi: NodeWasiModule | null = null;
const loadNodeWasi = (): NodeWasiModule => (nodeWasi ??= quietly(() => createRequire(import.meta.url)('node:wasi') as NodeWasiModule));

export function runWasi(engine: Engine, module: object, programName: string, n: number): WasiOutcome {
  const file = outputPath(engine.name);
  const fd = fs.openSync(file, 'w+');
  const args = [programName, String(n)];
  let exitCode: number;
  let ms: number;
  try {
    if (engine.name === 'native') {
      const { WASI: NodeWASI } = loadNodeWasi();
      const wasi = new NodeWASI({ version: 'preview1', args, env: {}, stdout: fd, returnOnExit: true });
      const instance = engine.instantiate(module, wasi.getImportObject());
      const t0 = performance.now();
      exitCode = wasi.start(instance as Parameters<InstanceType<typeof NodeWASI>['start']>[0]);
      ms = performance.now() - t0;
    } else {
      const wasi = new WASI({ args, env: {}, stdout: fd, returnOnExit: true });
      const instance = engine.instantiate(module, wasi.getImportObject());
      const t0 = performance.now();
      exitCode = wasi.start(instance);
      ms = performance.now() - t0;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { exitCode, stdout: fs.readFileSync(file, 'utf8'), ms };
}
