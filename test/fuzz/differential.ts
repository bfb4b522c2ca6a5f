// Differential execution: one module, two engines (heapbase and Node's own WebAssembly), the
// same imports and the same calls; after every call the result (or trap), the log of host calls,
// every global, every table and the whole linear memory must agree.
//
// Comparison rules:
// - Values crossing the JS boundary (results, arguments of host functions, global values) are
//   compared with Object.is: bit-exact for every number except that any NaN equals any NaN. A JS
//   number cannot show a NaN's payload reliably (V8 canonicalises some on the way out), and the
//   spec lets arithmetic produce any NaN payload and sign anyway.
// - Functions coming out (results, table elements, global values) are compared by which export
//   they are, else by `length` and `name` (the JS API names them by function index); externrefs
//   by which of the harness's objects they are.
// - Linear memory is compared byte for byte. Stored NaNs are exact bits, so modules whose float
//   arithmetic may make NaNs with nondeterministic payloads must be "denanned" first
//   (binaryen's --denan; the own generator only moves NaN bits where the spec fixes them),
//   unless the caller asks for NaN-tolerant memory comparison (`nanTolerantMemory`), where a
//   differing byte is forgiven when it lies inside a 4- or 8-byte window that is a NaN on both
//   sides. There, a logged value that differs while the memories differ only in NaN bits ends
//   the comparison of that module (binaryen's modules log a hash of their memory). Memories over 256 MiB (a module may grow to 4 GiB) are compared in samples: the first
//   and last 16 MiB and 1,024 pages between, as reading every page of 4 GiB takes seconds.
// - Traps are compared by kind: heapbase's `RuntimeError.kind` must be one of the kinds V8's
//   message can mean (V8 words some traps differently and merges a few).
// - A call stack exhaustion happens at different depths on the two engines, so it must happen
//   on both, and the comparison of that module stops there (state may legitimately differ).
// - SIMD: an exported function with a v128 parameter or result throws a TypeError when JS calls
//   it (as does a JS import with one when Wasm calls it, e.g. binaryen's log-v128): called like
//   the others, the error compared. A v128 global is exported (its `value` throws a TypeError,
//   compared) and read through an added function returning its four i32 lanes; with
//   nanTolerantMemory, lanes that are NaNs on both sides are forgiven as in memory, and a logged
//   i32/i64 that differs only as two NaN bit patterns ends the comparison (logsDifferInNaNBits).
import * as hb from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { Rng } from './prng.js';
import { addExports, addFunctions, parseModule, uleb, type Export, type ExtraFunction, type FuncType, type ModuleInfo, type ValType } from './wasm-bytes.js';

/** The part of the WebAssembly namespace the harness uses, common to both engines. */
export interface Engine {
  name: 'v8' | 'heapbase';
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
  Table: new (d: { element: string; initial: number; maximum?: number }, v?: unknown) => { length: number; get(i: number): unknown };
  Global: new (d: { value: string; mutable?: boolean }, v?: unknown) => { value: unknown };
  validate(bytes: Uint8Array): boolean;
  moduleExports(m: object): { name: string; kind: string }[];
  moduleImports(m: object): { module: string; name: string; kind: string }[];
  /** The trap kinds an error can mean, or null if it is not a trap. */
  trapKinds(e: unknown): string[] | null;
}

const v8Namespace = nativeWasm as unknown as {
  Module: { exports(m: object): { name: string; kind: string }[]; imports(m: object): { module: string; name: string; kind: string }[] };
};

/** V8's trap messages (Node 20) and the spec trap kinds each can mean. */
const v8TrapMessages: [RegExp, string[]][] = [
  [/^unreachable$|unreachable executed/, ['unreachable']],
  [/memory access out of bounds|data segment.*out of bounds/, ['out of bounds memory access']],
  [/divide by zero|remainder by zero/, ['integer divide by zero']],
  [/divide result unrepresentable/, ['integer overflow']],
  // V8 raises one trap for NaN (spec: invalid conversion) and out of range (spec: integer overflow).
  [/float unrepresentable in integer range/, ['invalid conversion to integer', 'integer overflow']],
  [/table index is out of bounds|element segment.*out of bounds|table initializer is out of bounds/, ['out of bounds table access', 'undefined element']],
  [/null function or function signature mismatch/, ['uninitialized element', 'indirect call type mismatch']],
  [/invalid index into function table/, ['undefined element']],
  [/operation does not support unaligned accesses/, ['unaligned atomic']],
];

export const v8Engine: Engine = {
  name: 'v8',
  Module: nativeWasm.Module,
  Instance: nativeWasm.Instance,
  Memory: nativeWasm.Memory as Engine['Memory'],
  Table: nativeWasm.Table as unknown as Engine['Table'],
  Global: nativeWasm.Global,
  validate: (b) => nativeWasm.validate(b),
  moduleExports: (m) => v8Namespace.Module.exports(m),
  moduleImports: (m) => v8Namespace.Module.imports(m),
  trapKinds(e) {
    if (e instanceof RangeError && e.message.includes('Maximum call stack size exceeded')) return ['call stack exhausted'];
    if (!(e instanceof nativeWasm.RuntimeError)) return null;
    for (const [re, kinds] of v8TrapMessages) if (re.test(e.message)) return kinds;
    return [`unmapped V8 trap message: ${e.message}`];
  },
};

export const heapbaseEngine: Engine = {
  name: 'heapbase',
  Module: hb.Module as unknown as Engine['Module'],
  Instance: hb.Instance as unknown as Engine['Instance'],
  Memory: hb.Memory as unknown as Engine['Memory'],
  Table: hb.Table as unknown as Engine['Table'],
  Global: hb.Global as unknown as Engine['Global'],
  validate: (b) => hb.validate(b),
  moduleExports: (m) => hb.Module.exports(m as hb.Module),
  moduleImports: (m) => hb.Module.imports(m as hb.Module),
  trapKinds(e) {
    if (!(e instanceof hb.RuntimeError)) return null;
    return [e.kind ?? `no kind: ${e.message}`];
  },
};

/** Objects passed as externref, numbered so both engines' results can be compared. */
class ExternObject {
  constructor(readonly externId: number) {}
}
/** What the `throw` host function throws. */
class HostThrow {
  constructor(readonly hostThrowId: number) {}
}

export interface Divergence {
  /** Which step: 'validate', 'compile', 'instantiate', or `call <export>(<args>)`. */
  step: string;
  /** What differs. */
  what: string;
  v8: string;
  heapbase: string;
}

export interface DifferentialResult {
  status: 'ok' | 'diverged' | 'skipped';
  /** Why a module was skipped, or a note (e.g. stopped after call stack exhaustion). */
  note?: string;
  divergence?: Divergence;
  /** The module actually run (the input with exports added for globals, memory and tables). */
  instrumented?: Uint8Array;
  calls: number;
  /** Traps seen (heapbase kinds), for statistics. */
  traps: string[];
}

export interface DifferentialOptions {
  /** Calls per exported function (the first with zero-ish arguments, the rest random). */
  callsPerExport?: number;
  /** Occasionally pass JS values of the wrong type (strings, objects, undefined) to exports. */
  looseArguments?: boolean;
  /** Forgive memory differences inside NaN values (for modules with raw float arithmetic). */
  nanTolerantMemory?: boolean;
  /** Compare the `name` of exported functions (the JS API makes it the function index); default true. */
  compareFunctionNames?: boolean;
  /** heapbase's instantiation options (default: none, i.e. heapbase's defaults). */
  heapbaseOptions?: hb.InstanceOptions;
  /** Told which engine is about to run what (so a hang can be attributed). */
  onStage?: (stage: string) => void;
  /** Run V8 against itself instead of heapbase: checks the harness and its instrumentation
   *  (e.g. on SIMD modules while heapbase rejects them); any divergence is the harness's. */
  selfCheck?: boolean;
  /** The engine compared with V8 instead of heapbase (the harness's own tests use a doctored V8). */
  against?: Engine;
}

// ---- formatting values for comparison ----

function fmtNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

interface Side {
  engine: Engine;
  module?: object;
  exports: Record<string, unknown>;
  /** Host calls, in order; a caught exception is kept raw and formatted when compared. */
  log: (string | { threw: unknown })[];
  /** Exported functions in export order, for call-export. */
  exportedFunctions: ((...a: unknown[]) => unknown)[];
  depth: number;
  /** A view of memory 0 kept across calls as toolchain glue keeps it (see glueStep). */
  glue?: { buffer: ArrayBuffer; view: Uint8Array };
}

interface GlueMemory { buffer: ArrayBuffer; grow(delta: number): number }

/**
 * What wasm-bindgen's glue does between calls: keep one view of `memory.buffer`, make a new one
 * only when the old one is detached (byteLength 0), and write through it; sometimes grow the
 * memory from the host (`grow` pages, 0 included). Returns what the host saw, to compare: a
 * stale view writing into a dead copy shows up in the memory comparison that follows.
 */
function glueStep(side: Side, memory: GlueMemory, at: number, value: number, grow: number | null): string {
  let grew = '';
  if (grow !== null) {
    try {
      grew = ` grow(${grow}) = ${memory.grow(grow)}`;
    } catch (e) {
      grew = ` grow(${grow}) threw ${(e as Error).constructor.name}`;
    }
  }
  const buffer = memory.buffer;
  const glue = (side.glue ??= { buffer, view: new Uint8Array(buffer) });
  const stable = glue.buffer === buffer;
  const detached = glue.view.byteLength === 0;
  if (detached) glue.view = new Uint8Array(buffer);
  glue.buffer = buffer;
  if (glue.view.length > 0) glue.view[at % glue.view.length] = value;
  return `buffer ${stable ? 'same' : 'new'}, old view ${detached ? 'detached' : 'attached'}, ${glue.view.length} bytes${grew}`;
}

function fmt(v: unknown, side: Side | null, compareNames: boolean): string {
  switch (typeof v) {
    case 'number': return fmtNumber(v);
    case 'bigint': return `${v}n`;
    case 'undefined': return 'undefined';
    case 'boolean': case 'string': return `${typeof v}:${String(v)}`;
    case 'function': {
      if (side) {
        for (const [name, e] of Object.entries(side.exports)) if (e === v) return `func=export:${name}`;
      }
      const f = v as { length: number; name: string };
      return `func(length=${f.length}${compareNames ? `,name=${f.name}` : ''})`;
    }
    case 'object':
      if (v === null) return 'null';
      if (v instanceof ExternObject) return `extern#${v.externId}`;
      if (Array.isArray(v)) return `[${v.map((x) => fmt(x, side, compareNames)).join(', ')}]`;
      return `object:${Object.prototype.toString.call(v)}`;
    default: return typeof v;
  }
}

function zeroValue(t: ValType): unknown {
  return t === 'i64' ? 0n : t === 'funcref' || t === 'externref' ? null : 0;
}

function hostResult(type: FuncType, value: unknown): unknown {
  if (type.results.length === 0) return undefined;
  if (type.results.length === 1) return value ?? zeroValue(type.results[0]);
  return type.results.map(zeroValue);
}

/** Builds the import object for one engine: the same behaviour and the same log on both. */
function makeImports(info: ModuleInfo, side: Side, externs: ExternObject[], compareNames: boolean): Record<string, Record<string, unknown>> {
  const imports: Record<string, Record<string, unknown>> = {};
  const E = side.engine;
  info.imports.forEach((imp, k) => {
    const ns = (imports[imp.module] ??= {});
    switch (imp.kind) {
      case 'func': {
        const type = imp.type;
        const name = imp.name;
        const host = (...args: unknown[]): unknown => {
          side.log.push(`${imp.module}.${name}(${args.map((a) => fmt(a, side, compareNames)).join(', ')})`);
          if (name === 'throw') throw new HostThrow(Number(args[0] ?? 0));
          if (name === 'call-export' || name === 'call-export-catch') {
            const fns = side.exportedFunctions;
            const target = fns.length ? fns[(Number(args[0] ?? 0) >>> 0) % fns.length] : undefined;
            if (!target || side.depth >= 4) return hostResult(type, 0);
            side.depth++;
            try {
              const r = target();
              side.log.push(`  -> ${fmt(r, side, compareNames)}`);
              return hostResult(type, 0);
            } catch (e) {
              if (name === 'call-export') throw e;
              // Formatted later, off this possibly very deep stack.
              side.log.push({ threw: e });
              return hostResult(type, 1);
            } finally {
              side.depth--;
            }
          }
          if (name === 'get-externref') return hostResult(type, externs[(Number(args[0] ?? 0) >>> 0) % externs.length]);
          return hostResult(type, undefined);
        };
        // A name of its own: coming back out of the module (an export, a table), the function
        // must be named by its index on both engines, not like this.
        Object.defineProperty(host, 'name', { value: `host ${imp.module}.${name}` });
        ns[name] = host;
        break;
      }
      case 'memory':
        ns[imp.name] = new E.Memory({ initial: imp.limits.min, ...(imp.limits.max !== undefined ? { maximum: imp.limits.max } : {}) });
        break;
      case 'table':
        ns[imp.name] = new E.Table({ element: imp.element === 'funcref' ? 'anyfunc' : 'externref', initial: imp.limits.min,
          ...(imp.limits.max !== undefined ? { maximum: imp.limits.max } : {}) }, null);
        break;
      case 'global': {
        const t = imp.global.type;
        const value = t === 'i64' ? BigInt(k * 1000 + 7) : t === 'externref' ? externs[k % externs.length] : t === 'funcref' ? null : k * 1000 + 7.5;
        const init = t === 'i32' ? k * 1000 + 7 : value;
        ns[imp.name] = imp.global.mutable ? new E.Global({ value: t === 'funcref' ? 'anyfunc' : t, mutable: true }, init) : init;
        break;
      }
    }
  });
  return imports;
}

function describeError(engine: Engine, e: unknown): { key: string; text: string } {
  const kinds = engine.trapKinds(e);
  if (kinds) return { key: `trap:${kinds.join('|')}`, text: `trap (${kinds.join(' | ')})` };
  if (e instanceof HostThrow) return { key: `host:${e.hostThrowId}`, text: `host exception #${e.hostThrowId}` };
  if (e instanceof Error) {
    const o = e as object;
    const cls = o instanceof nativeWasm.CompileError || o instanceof hb.CompileError ? 'CompileError'
      : o instanceof nativeWasm.LinkError || o instanceof hb.LinkError ? 'LinkError'
      : e.name;
    return { key: `error:${cls}`, text: `${e.name}: ${e.message}` };
  }
  return { key: `thrown:${typeof e}`, text: `thrown ${String(e)}` };
}

/** Whether heapbase's error `h` matches V8's `v` (trap kinds: heapbase's one kind among V8's). */
function errorsMatch(v: { key: string }, h: { key: string }): boolean {
  if (v.key === h.key) return true;
  if (v.key.startsWith('trap:') && h.key.startsWith('trap:')) return v.key.slice(5).split('|').includes(h.key.slice(5));
  return false;
}

// ---- arguments ----

const i32Pool = [0, 1, -1, 2, 7, 0x7fffffff, -0x80000000, 0xff, 0x7fff, 0x10000, 65535, 65536, 1 << 24];
const i64Pool = [0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 0xffffffffn, 0x100000000n, 0x80000000n, 42n];
const f32Pool = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, 3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38, 2147483648, -2147483904, 4294967296];
const f64Pool = [0, -0, 1, -1, 0.5, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 31, -(2 ** 31) - 1, 2 ** 63, 2 ** 64, 1e300, 2.2250738585072014e-308];
const loosePool: (() => unknown)[] = [
  () => undefined, () => null, () => '12', () => '0x10', () => 'abc', () => true, () => ({ valueOf: () => 5 }),
  () => 3.7, () => -0.5, () => 2 ** 40, () => 5n, () => ({}), () => [7], () => '9007199254740993',
];

type ArgSpec = { v: unknown } | { exportFunc: number };

function argFor(t: ValType, rng: Rng, externs: ExternObject[], loose: boolean, zero: boolean): ArgSpec {
  if (loose && rng.chance(0.08)) return { v: rng.pick(loosePool)() };
  switch (t) {
    case 'i32': return { v: zero ? 0 : rng.chance(0.6) ? rng.pick(i32Pool) : rng.u32() | 0 };
    case 'i64': return { v: zero ? 0n : rng.chance(0.6) ? rng.pick(i64Pool) : rng.i64() };
    case 'f32': return { v: zero ? 0 : rng.chance(0.6) ? rng.pick(f32Pool) : Math.fround((rng.u32() / 2 ** 16) * (rng.chance(0.5) ? 1 : -1)) };
    case 'f64': return { v: zero ? 0 : rng.chance(0.6) ? rng.pick(f64Pool) : (rng.u32() / 2 ** 8) * (rng.chance(0.5) ? 1 : -1) };
    case 'externref': return { v: zero || rng.chance(0.3) ? null : rng.pick(externs) };
    case 'funcref': return zero || rng.chance(0.4) ? { v: null } : { exportFunc: rng.int(1000) };
    default: return { v: undefined };
  }
}

function resolveArg(a: ArgSpec, side: Side): unknown {
  if ('v' in a) return a.v;
  const fns = side.exportedFunctions;
  return fns.length ? fns[a.exportFunc % fns.length] : null;
}

function argText(a: ArgSpec): string {
  if ('exportFunc' in a) return `<exported function #${a.exportFunc} mod count>`;
  const v = a.v;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof ExternObject) return `extern#${v.externId}`;
  if (typeof v === 'object' && v !== null) return JSON.stringify(v) ?? 'object';
  return fmt(v, null, false);
}

// ---- state ----

/** A global the harness observes: its export, and for a v128 global the export of a function
 *  returning its four i32 lanes (JS cannot read a v128 value: `Global.value` throws a TypeError). */
interface ObservedGlobal { name: string; lanes: string | null }

/** Names for the extra exports, not colliding with the module's own. */
function instrumentation(info: ModuleInfo): { extra: Export[]; readers: ExtraFunction[]; globals: ObservedGlobal[]; tables: string[]; memory: string | null } {
  const taken = new Set(info.exports.map((e) => e.name));
  const fresh = (base: string): string => {
    let n = base;
    for (let k = 0; taken.has(n); k++) n = `${base}_${k}`;
    taken.add(n);
    return n;
  };
  const extra: Export[] = [];
  const readers: ExtraFunction[] = [];
  const globals = info.globals.map((g, i): ObservedGlobal => {
    const name = fresh(`__fz_global_${i}`);
    extra.push({ name, kind: 'global', index: i });
    if (g.type !== 'v128') return { name, lanes: null };
    // (func (result i32 i32 i32 i32) global.get i, i32x4.extract_lane 0, … lane 3); its function
    // index is filled in once the functions are added (see instrument)
    const lanes = fresh(`__fz_v128_global_${i}`);
    const get = [0x23, ...uleb(i)];
    readers.push({ type: { params: [], results: ['i32', 'i32', 'i32', 'i32'] }, code: [0, 1, 2, 3].flatMap((lane) => [...get, 0xfd, 0x1b, lane]) });
    extra.push({ name: lanes, kind: 'func', index: -readers.length });
    return { name, lanes };
  });
  const tables = info.tables.map((_, i) => {
    const name = fresh(`__fz_table_${i}`);
    extra.push({ name, kind: 'table', index: i });
    return name;
  });
  let memory: string | null = null;
  if (info.memories.length > 0) {
    memory = fresh('__fz_memory');
    extra.push({ name: memory, kind: 'memory', index: 0 });
  }
  return { extra, readers, globals, tables, memory };
}

/** The module with the instrumentation's functions and exports added. */
function instrument(bytes: Uint8Array, info: ModuleInfo, names: ReturnType<typeof instrumentation>): Uint8Array {
  const added = addFunctions(bytes, info, names.readers);
  const extra = names.extra.map((e) => (e.kind === 'func' && e.index < 0 ? { ...e, index: added.indices[-e.index - 1] } : e));
  return addExports(added.bytes, added.bytes === bytes ? info : parseModule(added.bytes), extra);
}

/** A v128 global's lanes as the snapshot shows them. */
const V128_PREFIX = 'v128 i32x4 ';

function v128Bytes(text: string): Uint8Array | null {
  const at = text.indexOf(V128_PREFIX);
  if (at < 0) return null;
  const lanes = text.slice(at + V128_PREFIX.length).split(' ').map((x) => Number.parseInt(x, 16));
  if (lanes.length !== 4 || lanes.some((x) => !Number.isInteger(x))) return null;
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  lanes.forEach((x, k) => dv.setUint32(k * 4, x, true));
  return out;
}

/** Two globals' snapshot texts differ; with NaN tolerance, v128 lanes that are NaNs on both sides
 *  (as f32 or as f64, like memory) are forgiven. */
function globalsMatch(v: string | undefined, h: string | undefined, nanTolerant: boolean): boolean {
  if (v === h) return true;
  if (!nanTolerant || v === undefined || h === undefined) return false;
  const [a, b] = [v128Bytes(v), v128Bytes(h)];
  if (!a || !b || v.slice(0, v.indexOf(V128_PREFIX)) !== h.slice(0, h.indexOf(V128_PREFIX))) return false;
  return rangeDifference(a, b, 0, 16, true) < 0;
}

interface Snapshot {
  globals: string[];
  tables: string[];
  memory: Uint8Array | null;
}

const MAX_TABLE_COMPARE = 100_000;

function snapshot(side: Side, names: ReturnType<typeof instrumentation>, compareNames: boolean): Snapshot {
  const ex = side.exports;
  const globals = names.globals.map(({ name: n, lanes }) => {
    let text: string;
    try {
      text = `${n}=${fmt((ex[n] as { value: unknown }).value, side, compareNames)}`;
    } catch (e) {
      text = `${n}: ${describeError(side.engine, e).key}`;
    }
    if (lanes === null) return text;
    try {
      const r = (ex[lanes] as () => unknown)();
      if (!Array.isArray(r) || r.length !== 4 || r.some((x) => typeof x !== 'number')) return `${text}, ${lanes}() = ${fmt(r, side, compareNames)}`;
      return `${text}, ${V128_PREFIX}${(r as number[]).map((x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ')}`;
    } catch (e) {
      return `${text}, ${lanes}() threw ${describeError(side.engine, e).key}`;
    }
  });
  const tables = names.tables.map((n) => {
    const t = ex[n] as { length: number; get(i: number): unknown };
    const items: string[] = [];
    for (let i = 0; i < Math.min(t.length, MAX_TABLE_COMPARE); i++) items.push(fmt(t.get(i), side, compareNames));
    return `${n}[${t.length}] = ${items.join(' ')}`;
  });
  return { globals, tables, memory: names.memory ? memoryBytes(side, ex[names.memory]) : null };
}

/** Above this size heapbase's memory is read without `Memory.buffer` (see memoryBytes). */
const BUFFER_READ_LIMIT = 64 * 2 ** 20;

function memoryBytes(side: Side, memory: unknown): Uint8Array {
  // heapbase's `Memory.buffer` copies a memory that has spare capacity from growth (a known
  // cost, regressions.test.ts): for a memory grown to GiBs, reading it after every call would
  // take seconds each. Large ones are read through the storage instead.
  const storage = (memory as { storage?: { byteLength: number; bytes: Uint8Array } }).storage;
  if (side.engine.name === 'heapbase' && storage && storage.byteLength > BUFFER_READ_LIMIT) return storage.bytes;
  return new Uint8Array((memory as { buffer: ArrayBuffer }).buffer);
}

function isNaNAt(m: Uint8Array, at: number, width: 4 | 8): boolean {
  if (at < 0 || at + width > m.length) return false;
  const dv = new DataView(m.buffer, m.byteOffset + at, width);
  return width === 4 ? Number.isNaN(dv.getFloat32(0, true)) : Number.isNaN(dv.getFloat64(0, true));
}

/** Memories larger than this are compared in samples: reading every page of a 4 GiB memory takes ~15 s. */
const FULL_COMPARE_BYTES = 256 * 2 ** 20;
const SAMPLE_BYTES = 16 * 2 ** 20;

/** The ranges of a memory that are compared: all of it, or its first and last 16 MiB and 1,024 pages between. */
function compareRanges(length: number): [number, number][] {
  if (length <= FULL_COMPARE_BYTES) return [[0, length]];
  const ranges: [number, number][] = [[0, SAMPLE_BYTES], [length - SAMPLE_BYTES, length]];
  const rng = new Rng(length >>> 16);
  for (let i = 0; i < 1024; i++) {
    const page = SAMPLE_BYTES + rng.int(length - 2 * SAMPLE_BYTES - 65536);
    ranges.push([page, page + 65536]);
  }
  return ranges;
}

/** The first memory difference not explained by NaN payloads (when tolerated), or -1. */
function memoryDifference(a: Uint8Array, b: Uint8Array, nanTolerant: boolean): number {
  for (const [from, to] of compareRanges(a.length)) {
    const at = rangeDifference(a, b, from, to, nanTolerant);
    if (at >= 0) return at;
  }
  return -1;
}

function rangeDifference(a: Uint8Array, b: Uint8Array, from: number, to: number, nanTolerant: boolean): number {
  if (Buffer.from(a.buffer, a.byteOffset + from, to - from).equals(Buffer.from(b.buffer, b.byteOffset + from, to - from))) return -1;
  for (let i = from; i < to; i++) {
    if (a[i] === b[i]) continue;
    if (nanTolerant) {
      let explained = false;
      for (const w of [4, 8] as const) {
        for (let s = i - w + 1; s <= i && !explained; s++) if (isNaNAt(a, s, w) && isNaNAt(b, s, w)) explained = true;
      }
      if (explained) continue;
    }
    return i;
  }
  return -1;
}

function hexAround(m: Uint8Array, at: number): string {
  const from = Math.max(0, at - 8);
  return `[${from}..] ${Array.from(m.subarray(from, Math.min(m.length, at + 8)), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function compareSnapshots(v: Snapshot, h: Snapshot, nanTolerant: boolean): Omit<Divergence, 'step'> | null {
  for (let i = 0; i < Math.max(v.globals.length, h.globals.length); i++) {
    if (!globalsMatch(v.globals[i], h.globals[i], nanTolerant)) return { what: 'global', v8: v.globals[i], heapbase: h.globals[i] };
  }
  for (let i = 0; i < Math.max(v.tables.length, h.tables.length); i++) {
    if (v.tables[i] !== h.tables[i]) return { what: 'table', v8: v.tables[i], heapbase: h.tables[i] };
  }
  if (v.memory && h.memory) {
    if (v.memory.length !== h.memory.length) return { what: 'memory size', v8: String(v.memory.length), heapbase: String(h.memory.length) };
    const at = memoryDifference(v.memory, h.memory, nanTolerant);
    if (at >= 0) return { what: `memory byte ${at}`, v8: hexAround(v.memory, at), heapbase: hexAround(h.memory, at) };
  }
  return null;
}

/**
 * Whether the memories differ, but only inside NaNs. Their bits are the engine's choice (sign and
 * payload of a canonical or arithmetic NaN), so anything the module computes from those bytes
 * (binaryen's hashMemory, logged) may then differ too.
 */
function onlyNaNBitsDiffer(v: Snapshot, h: Snapshot): boolean {
  if (!v.memory || !h.memory || v.memory.length !== h.memory.length) return false;
  return memoryDifference(v.memory, h.memory, false) >= 0 && memoryDifference(v.memory, h.memory, true) < 0;
}

function logEntry(side: Side, entry: string | { threw: unknown } | undefined): { key: string } {
  if (entry === undefined) return { key: '(none)' };
  if (typeof entry === 'string') return { key: entry };
  return { key: `  -> threw ${describeError(side.engine, entry.threw).key}` };
}

/** Log entries match if equal, or if both record errors that match (see errorsMatch). */
function logEntriesMatch(v: { key: string }, h: { key: string }): boolean {
  if (v.key === h.key) return true;
  const prefix = '  -> threw ';
  if (v.key.startsWith(prefix) && h.key.startsWith(prefix)) return errorsMatch({ key: v.key.slice(prefix.length) }, { key: h.key.slice(prefix.length) });
  return false;
}

/** binaryen's log-i32 / log-i64 of an integer with the bits of a NaN (an f32 NaN as i32, an f64
 *  NaN as i64): SIMD code moves float lanes into integer ones (i32x4.extract_lane of an
 *  f32x4.div result, say), where the NaN's engine-chosen bits become a logged number. */
const LOGGED_INTEGER = /^fuzzing-support\.log-(i32|i64)\((-?\d+)n?\)$/;

function loggedNaNBits(key: string): 'i32' | 'i64' | null {
  const m = LOGGED_INTEGER.exec(key);
  if (!m) return null;
  if (m[1] === 'i32') {
    const x = Number(m[2]) >>> 0;
    return (x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0 ? 'i32' : null;
  }
  const x = BigInt.asUintN(64, BigInt(m[2]));
  return (x & 0x7ff0000000000000n) === 0x7ff0000000000000n && (x & 0xfffffffffffffn) !== 0n ? 'i64' : null;
}

/** Whether two differing log entries are the same log call of two NaN bit patterns. */
export function logsDifferInNaNBits(d: Omit<Divergence, 'step'>): boolean {
  const kind = loggedNaNBits(d.v8);
  return kind !== null && kind === loggedNaNBits(d.heapbase);
}

function compareLogs(v: Side, h: Side): Omit<Divergence, 'step'> | null {
  const n = Math.max(v.log.length, h.log.length);
  for (let i = 0; i < n; i++) {
    const a = logEntry(v, v.log[i]);
    const b = logEntry(h, h.log[i]);
    if (!logEntriesMatch(a, b)) return { what: `host call log entry ${i}`, v8: a.key, heapbase: b.key };
  }
  v.log.length = 0;
  h.log.length = 0;
  return null;
}

type Outcome = { ok: true; value: string } | { ok: false; key: string; text: string };

function outcomeText(o: Outcome): string {
  return o.ok ? `returned ${o.value}` : o.text;
}

function outcomesMatch(v: Outcome, h: Outcome): boolean {
  if (v.ok && h.ok) return v.value === h.value;
  if (!v.ok && !h.ok) return errorsMatch(v, h);
  return false;
}

function exportShape(side: Side, compareNames: boolean): string {
  const ex = side.exports;
  const parts = Object.keys(ex).map((k) => {
    const v = ex[k];
    if (typeof v === 'function') return `${k}:function/${v.length}${compareNames ? `/${v.name}` : ''}`;
    const ctor = (v as object).constructor?.name ?? 'object';
    return `${k}:${ctor}`;
  });
  return `${Object.getPrototypeOf(ex) === null ? 'null-proto' : 'HAS-PROTO'} ${Object.isFrozen(ex) ? 'frozen' : 'NOT-FROZEN'} ${parts.join(' ')}`;
}

/** Runs one module on both engines and compares everything observable. */
export function runDifferential(bytes: Uint8Array, seed: number, options: DifferentialOptions = {}): DifferentialResult {
  const callsPerExport = options.callsPerExport ?? 2;
  const compareNames = options.compareFunctionNames ?? true;
  const result: DifferentialResult = { status: 'ok', calls: 0, traps: [] };
  const diverge = (step: string, d: Omit<Divergence, 'step'>): DifferentialResult => {
    result.status = 'diverged';
    result.divergence = { step, ...d };
    return result;
  };

  // Validation must agree.
  const second = options.against ?? (options.selfCheck ? { ...v8Engine } : heapbaseEngine);
  const validity = [v8Engine, second].map((E) => {
    try {
      return { ok: true as const, value: String(E.validate(bytes)) };
    } catch (e) {
      return { ok: false as const, ...describeError(E, e) };
    }
  });
  if (!outcomesMatch(validity[0], validity[1])) {
    return diverge('validate', { what: 'validate()', v8: outcomeText(validity[0]), heapbase: outcomeText(validity[1]) });
  }
  if (validity[0].ok && validity[0].value === 'false') return { ...result, status: 'skipped', note: 'invalid module' };

  let info: ModuleInfo;
  try {
    info = parseModule(bytes);
  } catch (e) {
    return { ...result, status: 'skipped', note: `harness cannot parse: ${(e as Error).message}` };
  }
  if (info.memories.some((m) => m.flags & ~1) || info.imports.some((i) => i.kind === 'memory' && i.limits.flags & ~1)) {
    return { ...result, status: 'skipped', note: 'shared memory or custom page size' };
  }
  const names = instrumentation(info);
  const instrumented = instrument(bytes, info, names);
  result.instrumented = instrumented;
  const info2 = parseModule(instrumented);

  const externs = Array.from({ length: 4 }, (_, i) => new ExternObject(i + 1));
  const hbEngine: Engine = options.selfCheck || options.against ? second : options.heapbaseOptions
    ? { ...heapbaseEngine, Instance: function (m: object, i?: object) { return new hb.Instance(m as hb.Module, i as hb.ImportObject, options.heapbaseOptions); } as unknown as Engine['Instance'] }
    : heapbaseEngine;
  const sides: Side[] = [v8Engine, hbEngine].map((engine) => ({ engine, exports: {}, log: [], exportedFunctions: [], depth: 0 }));
  const [V, H] = sides;

  // Compile.
  const compiled = sides.map((s): Outcome => {
    options.onStage?.(`${s.engine.name}: new Module`);
    try {
      s.module = new s.engine.Module(instrumented);
      return { ok: true, value: 'compiled' };
    } catch (e) {
      return { ok: false, ...describeError(s.engine, e) };
    }
  });
  if (!outcomesMatch(compiled[0], compiled[1])) return diverge('compile', { what: 'new Module', v8: outcomeText(compiled[0]), heapbase: outcomeText(compiled[1]) });
  if (!compiled[0].ok) return { ...result, status: 'skipped', note: `both engines reject the instrumented module: ${compiled[0].text}` };
  const listing = sides.map((s) => JSON.stringify([s.engine.moduleImports(s.module!), s.engine.moduleExports(s.module!)]));
  if (listing[0] !== listing[1]) return diverge('compile', { what: 'Module.imports / Module.exports', v8: listing[0], heapbase: listing[1] });

  // Instantiate.
  const instantiated = sides.map((s): Outcome => {
    options.onStage?.(`${s.engine.name}: new Instance`);
    try {
      const imports = makeImports(info2, s, externs, compareNames);
      const instance = new s.engine.Instance(s.module!, imports);
      s.exports = instance.exports;
      // (not the fuel reset: re-entering it from the module would defeat the hang limit)
      s.exportedFunctions = info.exports.filter((e) => e.kind === 'func' && e.name !== 'hangLimitInitializer').map((e) => s.exports[e.name] as (...a: unknown[]) => unknown);
      return { ok: true, value: 'instantiated' };
    } catch (e) {
      return { ok: false, ...describeError(s.engine, e) };
    }
  });
  if (!outcomesMatch(instantiated[0], instantiated[1])) {
    return diverge('instantiate', { what: 'new Instance', v8: outcomeText(instantiated[0]), heapbase: outcomeText(instantiated[1]) });
  }
  if (!instantiated[0].ok) {
    const logs = compareLogs(V, H);
    if (logs) return diverge('instantiate', logs);
    return { ...result, note: `instantiation failed on both: ${instantiated[0].text}` };
  }
  const shapes = sides.map((s) => exportShape(s, compareNames));
  if (shapes[0] !== shapes[1]) return diverge('instantiate', { what: 'exports object', v8: shapes[0], heapbase: shapes[1] });
  const nanTolerant = options.nanTolerantMemory ?? false;
  /** Logs, then globals, tables and memory: a difference, null, or 'stop' when NaN bits make the rest undecidable. */
  const compareState = (step: string): Omit<Divergence, 'step'> | null | 'stop' => {
    const logs = compareLogs(V, H);
    const snaps = [snapshot(V, names, compareNames), snapshot(H, names, compareNames)];
    if (logs && nanTolerant && onlyNaNBitsDiffer(snaps[0], snaps[1])) {
      result.note = `stopped at ${step}: the memories differ only in NaN bits, and a logged value differs (${logs.what})`;
      return 'stop';
    }
    // what the module computes from such a number may differ too: the comparison stops here
    if (logs && nanTolerant && logsDifferInNaNBits(logs)) {
      result.note = `stopped at ${step}: a logged integer differs only as NaN bits (${logs.what}: V8 ${logs.v8}, heapbase ${logs.heapbase})`;
      return 'stop';
    }
    return logs ?? compareSnapshots(snaps[0], snaps[1], nanTolerant);
  };
  const afterStart = compareState('instantiate');
  if (afterStart === 'stop') return result;
  if (afterStart) return diverge('instantiate', afterStart);

  // Call every exported function.
  const rng = new Rng(seed);
  const funcExports = info.exports.filter((e) => e.kind === 'func');
  const hangLimit = funcExports.find((e) => e.name === 'hangLimitInitializer');
  const call = (name: string, args: ArgSpec[]): DifferentialResult | 'stop' | null => {
    const step = `call ${JSON.stringify(name)}(${args.map(argText).join(', ')})`;
    const outcomes = sides.map((s): Outcome => {
      options.onStage?.(`${s.engine.name}: ${step}`);
      try {
        const r = (s.exports[name] as (...a: unknown[]) => unknown)(...args.map((a) => resolveArg(a, s)));
        return { ok: true, value: fmt(r, s, compareNames) };
      } catch (e) {
        return { ok: false, ...describeError(s.engine, e) };
      }
    });
    result.calls++;
    if (!outcomes[1].ok && outcomes[1].key.startsWith('trap:')) result.traps.push(outcomes[1].key.slice(5));
    if (!outcomesMatch(outcomes[0], outcomes[1])) {
      return diverge(step, { what: 'result', v8: outcomeText(outcomes[0]), heapbase: outcomeText(outcomes[1]) });
    }
    if (!outcomes[0].ok && outcomes[0].key === 'trap:call stack exhausted') {
      result.note = `stopped after call stack exhaustion in ${step}`;
      return 'stop';
    }
    const glue = names.memory ? glueSteps(step) : null;
    if (glue) return glue;
    const d = compareState(step);
    if (d === 'stop') return 'stop';
    return d ? diverge(step, d) : null;
  };
  /** The glue's view kept across the call, refreshed and written through, on both sides. */
  const glueSteps = (step: string): DifferentialResult | null => {
    const memories = sides.map((s) => s.exports[names.memory!] as GlueMemory & { storage?: { byteLength: number } });
    // Memory.buffer of a large heapbase memory copies it (see memoryBytes): not after every call
    if (memories.some((m) => (m.storage?.byteLength ?? 0) > BUFFER_READ_LIMIT || m.buffer.byteLength > BUFFER_READ_LIMIT)) return null;
    const at = rng.int(1 << 30);
    const value = rng.int(256);
    const grow = rng.chance(0.1) ? rng.int(2) : null;
    const seen = sides.map((s, i) => glueStep(s, memories[i], at, value, grow));
    return seen[0] === seen[1] ? null : diverge(step, { what: 'host view of memory across the call', v8: seen[0], heapbase: seen[1] });
  };
  for (const e of funcExports) {
    if (e === hangLimit) continue;
    const type = info.funcs[e.index];
    // A v128 parameter or result: the call throws a TypeError on both engines (JS API), before
    // the function runs; compared like any other outcome.
    if (!type) continue;
    for (let k = 0; k < callsPerExport; k++) {
      if (hangLimit) {
        const r = call(hangLimit.name, []);
        if (r === 'stop') return result;
        if (r) return r;
      }
      const args = type.params.map((t) => argFor(t, rng, externs, options.looseArguments ?? false, k === 0));
      const r = call(e.name, args);
      if (r === 'stop') return result;
      if (r) return r;
    }
  }
  return result;
}
