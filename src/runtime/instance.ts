// Instantiation: linking imports with type checks, creating storage, running the compiled
// factory, initialising segments in the spec's order and running the start function.
import type { FuncType, GlobalType, Import, MemoryType, ModuleIR, TableType } from '../binary/module.js';
import type { CompiledInstance, InstanceEnv, MemoryGrowEvent, ModuleFactory } from '../compile/module.js';
import { Global, Memory, Table } from './api-objects.js';
import { elem_drop, data_drop, memory_init, table_init } from './bulk.js';
import { evalConst } from './const-expr.js';
import { LinkError, RuntimeError } from './errors.js';
import { clipRegions, type LayoutReport } from '../layout/analyze.js';
import {
  boundaryError, declaredSignature, exportFunction, importHostFunction, isExportedFunction, internalFunction, signatureId,
  toWasm, typeKey, typeText, type WasmFunction,
} from './func.js';
import { GlobalCell } from './global.js';
import { LinearMemory, type GrowPolicy } from './memory.js';
import { MAX_TABLE_SIZE, TableInstance } from './table.js';

export interface CompiledModule {
  ir: ModuleIR;
  /** The factory for the next instance (see Module: the first may compile functions lazily). */
  factory(): ModuleFactory;
  /** The same code with fuel counting or the memory profile, compiled on first use. */
  instrumentedFactory(what: Instrumentation): ModuleFactory;
  layout: LayoutReport;
}

/** What a separate compilation adds to the code (none of it is in an instance's usual code). */
export interface Instrumentation { fuel: boolean; memoryProfile: boolean }

/** heapbase's instantiation options (the standard API has none). */
export interface InstanceOptions {
  /**
   * 'auto' (default): trim to `__heap_base` when the module allows it; 'pages': initial × page
   * size; a number: only that many bytes exist (a memory trimmed by hand, for example to the size
   * a memory profile suggested): memory.size and memory.grow keep the module's page arithmetic,
   * and any access past those bytes traps.
   */
  memory?: 'auto' | 'pages' | number;
  /** 'spec' (default): memory.grow up to the maximum; 'fixed': never grows, returns the current size. */
  grow?: GrowPolicy;
  /** Budget for the linear memory in bytes: allocating or growing past it fails. */
  maxMemoryBytes?: number;
  /** Trap with `stack overflow` when the stack pointer goes below the stack region (default: on when known). */
  stackGuard?: boolean;
  /** Instruction budget: running out traps with `out of fuel`. Off by default (no cost when off). */
  fuel?: number;
  /**
   * Record the highest address written and every memory.grow, for `Instance.memoryProfile()`.
   * Off by default: the instance then runs a separate compilation (no cost when off).
   */
  memoryProfile?: boolean;
}

/** The profile's view of the compiled code and its memory.grow log. */
export interface ProfileState { highestWrite(): number; endMarkerTop(): number; grows: MemoryGrowEvent[]; started: number }

/**
 * What an instance keeps. A class, not closures over instantiate's scope: such closures kept
 * everything instantiate made alive (about 860 bytes an instance, bench/density.ts).
 */
export class InstanceState {
  constructor(
    readonly exports: Record<string, unknown>,
    readonly memory: LinearMemory | null,
    readonly functions: WasmFunction[],
    private readonly compiled: CompiledInstance,
    private readonly report: LayoutReport,
    private readonly policy: 'auto' | 'pages' | 'exact',
    private readonly allocatedBytes: number,
    private readonly fuel: number | undefined,
    /** With the memory profile: the end of the highest bytes written, and the memory.grow log. */
    readonly profile: ProfileState | null,
  ) {}

  /** The layout with the allocation actually made (built on demand: most instances never ask). */
  layout(): InstanceLayout {
    return instanceLayout(this.report, this.policy, this.allocatedBytes);
  }

  /** Lowest stack pointer value seen so far. */
  stackLowWater(): number {
    return this.compiled.stackLowWater();
  }

  /** Fuel consumed so far (0 without a budget). */
  fuelConsumed(): number {
    const fuel = this.fuel;
    return fuel === undefined ? 0 : Math.min(fuel, fuel - this.compiled.fuelLeft());
  }
}

export type InstanceLayout = Omit<LayoutReport, 'allocatedBytes'> & {
  /** Bytes allocated for this instance's memory. */
  allocatedBytes: number;
  /** The memory option: 'exact' for a byte count. */
  policy: 'auto' | 'pages' | 'exact';
};

function instanceLayout(report: LayoutReport, policy: 'auto' | 'pages' | 'exact', allocatedBytes: number): InstanceLayout {
  const regions = clipRegions(report.regions, allocatedBytes);
  const trimmed = (policy === 'auto' && report.trimmed) || policy === 'exact';
  const reason = policy === 'exact'
    ? `trimmed to ${allocatedBytes} bytes by the memory option (memory.size still counts the module's pages)`
    : policy === 'pages' && report.trimmed ? "not trimmed: the 'pages' policy allocates initial × page size" : report.reason;
  return { ...report, regions, allocatedBytes, trimmed, reason, policy };
}

type ImportObject = Record<string, unknown> | undefined;

function describe(imp: Import): string {
  return `import "${imp.module}" "${imp.name}"`;
}

function lookup(importObject: ImportObject, imp: Import): unknown {
  const ns = importObject?.[imp.module];
  if (ns === null || (typeof ns !== 'object' && typeof ns !== 'function')) {
    throw new TypeError(`${describe(imp)}: module "${imp.module}" is not provided (imports["${imp.module}"] is ${ns === null ? 'null' : typeof ns})`);
  }
  return (ns as Record<string, unknown>)[imp.name];
}

function limitsText(l: { min: number; max: number | undefined }): string {
  return l.max === undefined ? `min ${l.min}` : `min ${l.min}, max ${l.max}`;
}

/** The spec's import subtyping of limits: actual size ≥ required min, actual max within required max. */
function limitsMatch(actualMin: number, actualMax: number | undefined, required: { min: number; max: number | undefined }): boolean {
  if (actualMin < required.min) return false;
  if (required.max === undefined) return true;
  return actualMax !== undefined && actualMax <= required.max;
}

function linkMemory(imp: Import, v: unknown, type: MemoryType): LinearMemory {
  if (!(v instanceof Memory && v.storage)) throw new LinkError(`${describe(imp)}: expected a WebAssembly.Memory, got ${typeof v}`);
  const mem = v.storage;
  const actualPages = mem.pages();
  if (mem.type.pageSizeLog2 !== type.pageSizeLog2) {
    throw new LinkError(`${describe(imp)}: page size ${mem.pageSize} does not match the required ${2 ** type.pageSizeLog2}`);
  }
  if (mem.type.shared !== type.shared) throw new LinkError(`${describe(imp)}: shared flag does not match`);
  if (!limitsMatch(actualPages, mem.type.max, type)) {
    throw new LinkError(`${describe(imp)}: memory of ${actualPages} pages (max ${mem.type.max ?? 'none'}) does not match the required ${limitsText(type)}`);
  }
  return mem;
}

function linkTable(imp: Import, v: unknown, type: TableType): TableInstance {
  if (!(v instanceof Table && v.storage)) throw new LinkError(`${describe(imp)}: expected a WebAssembly.Table, got ${typeof v}`);
  const t = v.storage;
  if (t.type.element !== type.element) throw new LinkError(`${describe(imp)}: table of ${t.type.element}, expected ${type.element}`);
  if (!limitsMatch(t.length, t.type.max, type)) {
    throw new LinkError(`${describe(imp)}: table of size ${t.length} (max ${t.type.max ?? 'none'}) does not match the required ${limitsText(type)}`);
  }
  return t;
}

function linkGlobal(imp: Import, v: unknown, type: GlobalType): GlobalCell {
  if (v instanceof Global && v.storage) {
    const cell = v.storage;
    if (cell.type.type !== type.type || cell.type.mutable !== type.mutable) {
      const text = (g: GlobalType): string => `${g.mutable ? 'mut ' : ''}${g.type}`;
      throw new LinkError(`${describe(imp)}: global of type ${text(cell.type)}, expected ${text(type)}`);
    }
    return cell;
  }
  if (type.mutable) throw new LinkError(`${describe(imp)}: a mutable global import needs a WebAssembly.Global`);
  if (type.type === 'v128') throw new LinkError(`${describe(imp)}: a v128 global import needs a WebAssembly.Global (v128 values cannot come from JavaScript)`);
  if (type.type === 'i64' && typeof v !== 'bigint') throw new LinkError(`${describe(imp)}: expected a BigInt for an i64 global, got ${typeof v}`);
  if ((type.type === 'i32' || type.type === 'f32' || type.type === 'f64') && typeof v !== 'number') {
    throw new LinkError(`${describe(imp)}: expected a Number for an ${type.type} global, got ${typeof v}`);
  }
  return new GlobalCell(type, toWasm(v, type.type));
}

function linkFunction(imp: Import, v: unknown, m: ModuleIR, typeIndex: number): WasmFunction {
  const type = m.types[typeIndex];
  if (typeof v !== 'function') throw new LinkError(`${describe(imp)}: expected a function of type ${typeText(type)}, got ${v === null ? 'null' : typeof v}`);
  const actual = isExportedFunction(v) ? v[internalFunction].type : (v as { [declaredSignature]?: FuncType })[declaredSignature];
  if (actual !== undefined && typeKey(actual) !== typeKey(type)) {
    throw new LinkError(`${describe(imp)}: the module expects a function of type ${typeText(type)}, the host provides ${typeText(actual)}`);
  }
  return importHostFunction(v as (...args: unknown[]) => unknown, type);
}

const signatureTables = new WeakMap<ModuleIR, number[]>();

/** The signature id of each of the module's type indices (made once per module). */
function signaturesOf(m: ModuleIR): number[] {
  let ids = signatureTables.get(m);
  if (ids === undefined) {
    const byType = new Map<FuncType, number>(); // the decoder shares repeated types
    ids = m.types.map((t) => { let id = byType.get(t); if (id === undefined) byType.set(t, id = signatureId(t)); return id; });
    signatureTables.set(m, ids);
  }
  return ids;
}

export function instantiate(compiled: CompiledModule, importObject: ImportObject, options: InstanceOptions = {}): InstanceState {
  const m = compiled.ir;
  const memoryOption = options.memory ?? 'auto';
  const exactBytes = typeof memoryOption === 'number' ? memoryOption : undefined;
  if (exactBytes !== undefined ? !(Number.isInteger(exactBytes) && exactBytes >= 0) : memoryOption !== 'auto' && memoryOption !== 'pages') {
    throw new TypeError(`option memory must be 'auto', 'pages' or a byte count, got ${String(memoryOption)}`);
  }
  const policy = exactBytes !== undefined ? 'exact' : memoryOption as 'auto' | 'pages';
  const growPolicy = options.grow ?? 'spec';
  if (growPolicy !== 'spec' && growPolicy !== 'fixed') throw new TypeError(`option grow must be 'spec' or 'fixed', got ${String(growPolicy)}`);
  const budget = options.maxMemoryBytes ?? Infinity;
  if (!(budget >= 0)) throw new TypeError(`option maxMemoryBytes must be a non-negative number, got ${String(options.maxMemoryBytes)}`);
  if (m.imports.length > 0 && (importObject === null || typeof importObject !== 'object')) {
    throw new TypeError('WebAssembly.Instance: the module has imports but no import object was given');
  }
  const imported: WasmFunction[] = [];
  const tables: TableInstance[] = [];
  const globals: GlobalCell[] = [];
  let memory: LinearMemory | null = null;
  for (const imp of m.imports) {
    const v = lookup(importObject, imp);
    switch (imp.kind) {
      case 'func': {
        const fn = linkFunction(imp, v, m, imp.typeIndex);
        // A host function exported again is named by its index here, as the JS API says.
        if (!isExportedFunction(v)) fn.wasmName = String(imported.length);
        imported.push(fn);
        break;
      }
      case 'table': tables.push(linkTable(imp, v, imp.type)); break;
      case 'memory': memory = linkMemory(imp, v, imp.type); break;
      case 'global': globals.push(linkGlobal(imp, v, imp.type)); break;
    }
  }
  let allocatedBytes = memory?.byteLength ?? 0;
  if (m.importedMemoryCount === 0 && m.memories.length > 0) {
    const pagesBytes = compiled.layout.allocatedBytes.pages;
    allocatedBytes = exactBytes !== undefined ? Math.min(exactBytes, pagesBytes) : compiled.layout.allocatedBytes[policy as 'auto' | 'pages'];
    if (allocatedBytes > budget) {
      throw new LinkError(`the module needs ${allocatedBytes} bytes of linear memory (${compiled.layout.reason}), over the maxMemoryBytes budget of ${budget}`);
    }
    try {
      memory = exactBytes !== undefined ? new LinearMemory(m.memories[0], pagesBytes, exactBytes) : new LinearMemory(m.memories[0], allocatedBytes);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new LinkError(`cannot allocate ${allocatedBytes} bytes of linear memory: ${e.message}`);
    }
    memory.growPolicy = growPolicy;
    memory.byteBudget = budget;
  }
  const report = compiled.layout;
  const guarded = options.stackGuard ?? true;
  const stack = {
    low: guarded && report.stack ? report.stack.start : -Infinity,
    top: report.stackPointer ? report.stackPointer.initial : 0,
  };
  for (let i = m.importedTableCount; i < m.tables.length; i++) {
    if (m.tables[i].min > MAX_TABLE_SIZE) {
      throw new LinkError(`table ${i} declares ${m.tables[i].min} elements, over the implementation limit of ${MAX_TABLE_SIZE}`);
    }
    tables.push(new TableInstance(m.tables[i], null));
  }
  for (let i = m.importedGlobalCount; i < m.globals.length; i++) globals.push(new GlobalCell(m.globals[i], null));

  const fuel = options.fuel;
  if (fuel !== undefined && !(Number.isInteger(fuel) && fuel >= 0)) throw new TypeError(`option fuel must be a non-negative integer, got ${String(fuel)}`);
  const memoryProfile = options.memoryProfile === true;
  const started = memoryProfile ? performance.now() : 0;
  const env: InstanceEnv = { memory, tables, globals, imports: imported, datas: [], elems: [], stack, fuel: fuel ?? 0, signatures: signaturesOf(m) };
  if (memoryProfile) env.growLog = [];
  const factory = fuel === undefined && !memoryProfile ? compiled.factory() : compiled.instrumentedFactory({ fuel: fuel !== undefined, memoryProfile });
  let compiledInstance: ReturnType<typeof factory>;
  try {
    compiledInstance = factory(env);
  } catch (e) {
    // V8 compiles the factory lazily, here: a limit of its parser or stack surfaces now.
    if (e instanceof RangeError) throw new LinkError(`the module's JavaScript could not be compiled: ${e.message}`);
    throw e;
  }
  const { functions, highestWrite, endMarkerTop } = compiledInstance;
  const grows = env.growLog;
  const profile = grows !== undefined && highestWrite !== undefined && endMarkerTop !== undefined ? { highestWrite, endMarkerTop, grows, started } : null;
  for (let i = m.importedFuncCount; i < functions.length; i++) {
    const fn = functions[i];
    fn.type = m.types[m.funcTypes[i]];
    fn.sig = signatureId(fn.type);
    fn.wasmName = String(i); // the JS API names exported functions by index; stack traces use the name section
  }
  for (let i = m.importedGlobalCount; i < m.globals.length; i++) {
    globals[i].value = evalConst(m.globalInits[i - m.importedGlobalCount], globals, functions);
  }
  // Filled in place: the compiled code already holds these arrays.
  for (const seg of m.elems) {
    const refs = new Array<unknown>(seg.init.length);
    for (let k = 0; k < refs.length; k++) refs[k] = evalConst(seg.init[k], globals, functions);
    env.elems.push(refs);
  }
  for (const seg of m.datas) env.datas.push(seg.bytes);
  const exports = exportsObject(m, functions, tables, memory, globals);

  try {
    for (let i = 0; i < m.elems.length; i++) {
      const seg = m.elems[i];
      if (seg.mode === 'active') {
        const offset = evalConst(seg.offset!, globals, functions) as number;
        table_init(tables[seg.table], env.elems, i, offset, 0, seg.init.length);
      }
      if (seg.mode !== 'passive') elem_drop(env.elems, i);
    }
    for (let i = 0; i < m.datas.length; i++) {
      const seg = m.datas[i];
      if (seg.mode === 'active') {
        const offset = (evalConst(seg.offset!, globals, functions) as number) >>> 0;
        const end = offset + seg.bytes.length;
        if (end > memory!.byteLength) {
          throw new RuntimeError(`out of bounds memory access: data segment ${i} [${offset}, ${end}) does not fit in linear memory of ${memory!.byteLength} bytes`, 'out of bounds memory access');
        }
        memory_init(memory!, env.datas, i, offset, 0, seg.bytes.length);
        data_drop(env.datas, i);
      }
    }
    if (m.start !== null) functions[m.start]();
  } catch (e) {
    throw boundaryError(e);
  }
  return new InstanceState(exports, memory, functions, compiledInstance, report, policy, allocatedBytes, fuel, profile);
}

/**
 * The exports object: null prototype, frozen, as the JS API says. Built as an ordinary object
 * and then given the null prototype, so V8 keeps it in fast mode with a map shared by every
 * instance of the module (Object.create(null) is a dictionary: about 290 bytes more an instance).
 */
function exportsObject(m: ModuleIR, functions: WasmFunction[], tables: TableInstance[], memory: LinearMemory | null, globals: GlobalCell[]): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const e of m.exports) {
    let value: unknown;
    switch (e.kind) {
      case 'func': value = exportFunction(functions[e.index]); break;
      case 'table': value = Table.of(tables[e.index]); break;
      case 'memory': value = Memory.of(memory!); break;
      case 'global': value = Global.of(globals[e.index]); break;
    }
    // defineProperty, not assignment: an export named __proto__ is an own property like any other
    if (e.name === '__proto__') Object.defineProperty(exports, e.name, { value, writable: true, enumerable: true, configurable: true });
    else exports[e.name] = value;
  }
  Object.setPrototypeOf(exports, null);
  return Object.freeze(exports);
}
