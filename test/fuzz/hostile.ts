// Worker side of the hostile-bytes test: one mutated (or hand-made) module per case, fed to
// heapbase's validate, new Module and new Instance (with stub imports), and to V8's validate.
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import * as hb from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { mutate, specialModules, type Mutation, type SpecialModule } from './mutate.js';
import { reportStage } from './pool.js';
import { Rng } from './prng.js';
import { parseModule, type Import, type ValType } from './wasm-bytes.js';

export type HostileCase =
  | { index: number; kind: 'mutation'; source: number; mutation: Mutation; seed: number }
  | { index: number; kind: 'special'; special: number };

export interface HostileConfig {
  /** Module files the mutations start from. */
  files: string[];
}

export interface HostileResult {
  index: number;
  /** The source and the mutation, or the special module's name. */
  label: string;
  size: number;
  v8Valid: boolean;
  hbValid: boolean | null;
  /** Why each engine rejects the module (when it does). */
  v8Message?: string;
  hbMessage?: string;
  /** Violations: an exception other than CompileError/LinkError/RuntimeError, inconsistencies. */
  problems: string[];
  /** What `new Instance` did on each engine, when the module compiled. */
  v8Instance?: string;
  hbInstance?: string;
  /** External memory (ArrayBuffers) held right after instantiation, in bytes. */
  arrayBuffers: number;
  ms: number;
}

let sources: Uint8Array[] | null = null;
let specials: SpecialModule[] | null = null;

export function hostileBytes(c: HostileCase, config: HostileConfig): { bytes: Uint8Array; label: string; skipInstantiate?: string } {
  if (c.kind === 'special') {
    specials ??= specialModules();
    const s = specials[c.special];
    return { bytes: s.make(), label: `special: ${s.name}`, skipInstantiate: s.skipInstantiate };
  }
  sources ??= config.files.map((f) => new Uint8Array(readFileSync(f)));
  const m = mutate(sources[c.source], c.mutation, new Rng(c.seed));
  return { bytes: m.bytes, label: `${config.files[c.source]}: ${c.mutation}: ${m.label}` };
}

function zeroOf(t: ValType): unknown {
  return t === 'i64' ? 0n : t === 'funcref' || t === 'externref' ? null : 0;
}

interface Api {
  Memory: new (d: { initial: number; maximum?: number }) => object;
  Table: new (d: { element: string; initial: number; maximum?: number }) => object;
  Global: new (d: { value: string; mutable?: boolean }, v?: unknown) => object;
}

/** Imports satisfying every declared import, by type (so only genuine link errors remain). */
function stubImports(imports: Import[] | null, listed: { module: string; name: string; kind: string }[], api: Api): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  listed.forEach((l, i) => {
    const ns = (out[l.module] ??= {});
    const imp = imports?.[i];
    if (!imp || imp.module !== l.module || imp.name !== l.name) {
      // The harness's parser could not read the module: a function is the likeliest kind.
      if (l.kind === 'function') ns[l.name] = () => undefined;
      return;
    }
    try {
      switch (imp.kind) {
        case 'func': {
          const results = imp.type.results;
          ns[imp.name] = () => (results.length === 0 ? undefined : results.length === 1 ? zeroOf(results[0]) : results.map(zeroOf));
          break;
        }
        case 'memory':
          ns[imp.name] = new api.Memory({ initial: imp.limits.min, ...(imp.limits.max !== undefined ? { maximum: imp.limits.max } : {}) });
          break;
        case 'table':
          ns[imp.name] = new api.Table({ element: imp.element === 'funcref' ? 'anyfunc' : imp.element, initial: imp.limits.min,
            ...(imp.limits.max !== undefined ? { maximum: imp.limits.max } : {}) });
          break;
        case 'global': {
          const t = imp.global.type;
          ns[imp.name] = imp.global.mutable ? new api.Global({ value: t === 'funcref' ? 'anyfunc' : t, mutable: true }, zeroOf(t)) : zeroOf(t);
          break;
        }
      }
    } catch {
      // e.g. a memory too large to create: leave the import missing (a LinkError is fine)
    }
  });
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : `thrown ${String(e)}`;
}

export function runHostileCase(c: HostileCase, config: HostileConfig): HostileResult {
  const started = Date.now();
  const { bytes, label, skipInstantiate } = hostileBytes(c, config);
  const port = parentPort;
  const problems: string[] = [];
  const result: HostileResult = { index: c.index, label, size: bytes.length, v8Valid: false, hbValid: null, problems, arrayBuffers: 0, ms: 0 };

  reportStage(port, 'V8 validate');
  result.v8Valid = nativeWasm.validate(bytes);

  reportStage(port, 'heapbase validate');
  try {
    result.hbValid = hb.validate(bytes);
  } catch (e) {
    problems.push(`validate threw ${errorText(e)}`);
  }

  reportStage(port, 'heapbase new Module');
  let module: hb.Module | null = null;
  try {
    module = new hb.Module(bytes);
    if (result.hbValid === false) problems.push('new Module accepted what validate rejected');
  } catch (e) {
    if (!(e instanceof hb.CompileError)) problems.push(`new Module threw ${errorText(e)}`);
    else {
      result.hbMessage = e.message;
      if (result.hbValid === true) problems.push(`new Module rejected what validate accepted: ${e.message}`);
    }
  }

  if (result.hbValid !== null && result.hbValid !== result.v8Valid && !result.v8Valid) {
    // Only for disagreements: V8's reason (its constructor can be slow on absurd counts).
    try {
      new nativeWasm.Module(bytes);
    } catch (e) {
      result.v8Message = (e as Error).message;
    }
  }

  if (module && skipInstantiate) result.hbInstance = `not instantiated: ${skipInstantiate}`;
  else if (module) {
    let parsed: Import[] | null = null;
    try {
      parsed = parseModule(bytes).imports;
    } catch {
      parsed = null;
    }
    if (result.v8Valid) {
      // V8 first: if a start function loops forever, the timeout then says it is the guest's loop.
      reportStage(port, 'V8 new Instance');
      try {
        const m = new nativeWasm.Module(bytes);
        const listed = (nativeWasm.Module as unknown as { imports(m: object): { module: string; name: string; kind: string }[] }).imports(m);
        new nativeWasm.Instance(m, stubImports(parsed, listed, nativeWasm as unknown as Api));
        result.v8Instance = 'ok';
      } catch (e) {
        result.v8Instance = errorText(e);
      }
    }
    reportStage(port, 'heapbase new Instance');
    try {
      const instance = new hb.Instance(module, stubImports(parsed, hb.Module.imports(module), hb as unknown as Api));
      result.hbInstance = 'ok';
      result.arrayBuffers = process.memoryUsage().arrayBuffers;
      void instance;
    } catch (e) {
      result.hbInstance = errorText(e);
      // A RangeError is accepted where V8 throws one too: an implementation limit (e.g. a table
      // over 10,000,000 elements) or an allocation failure.
      const alsoV8 = e instanceof RangeError && result.v8Instance?.startsWith('RangeError');
      if (!(e instanceof hb.LinkError || e instanceof hb.RuntimeError || alsoV8)) problems.push(`new Instance threw ${errorText(e)}`);
    }
  }
  result.ms = Date.now() - started;
  return result;
}
