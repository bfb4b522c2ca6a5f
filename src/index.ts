// heapbase's public API: a drop-in for the standard WebAssembly namespace.
import { decodeModule } from './binary/decode.js';
import type { ModuleIR } from './binary/module.js';
import { codeCacheAt, compiledCacheOf, ScriptFactoryCompiler, type CacheEntry } from './compile/code-cache.js';
import {
  checkParserLimits, compileModule, hasLazyCandidates, inlineLazyFunctions, lazyCompilation, type FactoryBuild, type ModuleFactory,
} from './compile/module.js';
import { Global, Memory, Table, webIdlInterface } from './runtime/api-objects.js';
import { CompileError, LinkError, RuntimeError } from './runtime/errors.js';
import { HostMemory } from './runtime/host-memory.js';
import { moduleSourceUrl, registerModule } from './runtime/stack-trace.js';
import {
  instantiate as instantiateModule, type CompiledModule, type InstanceLayout, type InstanceOptions, type InstanceState, type Instrumentation,
} from './runtime/instance.js';
import { analyzeLayout } from './layout/index.js';
import { heapInUse, memoryProfile, type MemoryProfile } from './layout/profile.js';
import type { LayoutReport } from './layout/index.js';
import { validateModule, type ValidationFacts } from './validate/index.js';
import { PARALLEL_MIN_CODE_BYTES, validateInParallel, validatesInParallel } from './validate/parallel.js';

export { CompileError, LinkError, RuntimeError, Memory, Table, Global, HostMemory };
export type { TrapKind } from './runtime/errors.js';
export type { InstanceOptions, InstanceLayout } from './runtime/instance.js';
export { inspect, renderText, renderSvg, renderHtml } from './layout/index.js';
export { renderProfileText, type MemoryProfile, type GrowRecord } from './layout/profile.js';
export { WASI, WasiExit, type WasiOptions } from './wasi/index.js';
export { hostFunction, type HostFunctionType, type TypedHostFunction } from './runtime/func.js';
export type { ValType, FuncType } from './binary/module.js';
export type { LayoutReport, Region, ResizeBlocker } from './layout/index.js';

type Bytes = ArrayBuffer | ArrayBufferView;

function copyBytes(source: Bytes): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength));
  throw new TypeError('WebAssembly module bytes must be an ArrayBuffer or a typed array');
}

export type ImportObject = Record<string, Record<string, unknown>>;

/** heapbase's compile options (the standard API has none). */
export interface ModuleOptions {
  /**
   * A directory for the persistent code cache (compile/code-cache.ts): the next process that
   * compiles the same bytes skips validation and code generation. Off by default, unless the
   * environment variable HEAPBASE_CACHE names a directory (as NODE_COMPILE_CACHE does for Node:
   * it reaches modules that glue code compiles); `cache: null` turns it off. Node only.
   */
  cache?: string | null;
}

/** The cache directory a Module uses: its option, else HEAPBASE_CACHE. */
function cacheDirOf(options: ModuleOptions | undefined): string | null {
  if (options?.cache !== undefined) return options.cache;
  const fromEnv = globalThis.process?.env?.HEAPBASE_CACHE;
  return fromEnv ? fromEnv : null;
}

/**
 * What a cached Module's exit-time entry is made from. The cache holds it until the process
 * exits, even if the Module is collected (glue code often drops its Module and keeps the Instance).
 */
interface CacheState { facts: ValidationFacts; hit: CacheEntry | null; compiler: ScriptFactoryCompiler; sourceUrl: string; build?: FactoryBuild }

/** The entry to write at exit for a cached Module's first factory, or null if the one on disk is complete. */
function entryAtExit(state: CacheState): CacheEntry | null {
  const build = state.build;
  if (build === undefined) return null; // never instantiated: nothing was generated
  if (build.lazyDefinitions.size > 0) {
    // The next process compiles these with the module. V8's cache of that new source, made
    // without running it, holds them; the next process's exit replaces it with one made after
    // running, which holds every function that ran.
    const source = inlineLazyFunctions(build.source, build.lazyDefinitions);
    return { facts: state.facts, source, v8Cache: compiledCacheOf(source, state.sourceUrl), v8CacheAfterRun: false };
  }
  const hit = state.hit;
  if (hit !== null && hit.v8CacheAfterRun && hit.v8Cache.length > 0 && !state.compiler.rejected) return null;
  return { facts: state.facts, source: build.source, v8Cache: state.compiler.cachedData(), v8CacheAfterRun: true };
}

/** A module compile() decoded (and validated, if it could) already, for the Module it constructs next from `bytes`. */
let validatedAhead: { bytes: Uint8Array; ir: ModuleIR; facts: ValidationFacts | null } | null = null;

export class Module {
  /** @internal */ readonly compiled: CompiledModule;
  /** @internal */ readonly facts: ValidationFacts;

  constructor(bytes: Bytes, options?: ModuleOptions) {
    const ahead = validatedAhead !== null && validatedAhead.bytes === bytes ? validatedAhead : null;
    validatedAhead = null;
    const copy = ahead?.bytes ?? copyBytes(bytes);
    const cacheDir = cacheDirOf(options);
    const cache = cacheDir === null ? null : codeCacheAt(cacheDir);
    const key = cache?.keyOf(copy, `lazy=${lazyCompilation.enabled}`);
    const hit = cache !== null && key !== undefined ? cache.load(key) : null;
    const ir = ahead?.ir ?? decodeModule(copy, { deferCodeCheck: true });
    // A cache entry is found only for these very bytes, validated by this very heapbase.
    this.facts = hit?.facts ?? ahead?.facts ?? validateModule(ir);
    const layout = analyzeLayout(ir, this.facts);
    const id = registerModule(this, ir.names.functions, key === undefined ? undefined : `c${key.slice(0, 24)}`);
    const codegen = { stackPointerGlobal: layout.stackPointer?.globalIndex ?? null };
    const url = moduleSourceUrl(id);
    // The first instance may compile functions on their first call: new Module stays fast. From
    // the second instance on, the module is being reused: everything is compiled once, up front,
    // and shared by all later instances (lazily compiled code is per instance).
    const lazy = lazyCompilation.enabled && hasLazyCandidates(ir, this.facts);
    // The JavaScript is generated for the first instance, not here (1,000,000 empty functions:
    // new Module 7.0 s before, 0.8 s after). Only functions nested deeply enough to meet V8's
    // parser limits are generated here: that must be a CompileError from new Module.
    if (hit === null) checkParserLimits(ir, this.facts, codegen);
    const cacheState: CacheState | null = cache === null ? null : { facts: this.facts, hit, compiler: new ScriptFactoryCompiler(hit?.v8Cache ?? null), sourceUrl: url };
    let first: FactoryBuild | undefined;
    const firstFactory = (): ModuleFactory => {
      if (first === undefined) {
        first = compileModule(ir, this.facts, { ...codegen, lazy }, url, cacheState === null ? {} : { source: hit?.source, compiler: cacheState.compiler.compile, keepLazyDefinitions: true });
        if (cacheState !== null) cacheState.build = first;
      }
      return first.factory;
    };
    if (cache !== null && key !== undefined && cacheState !== null) cache.saveAtExit(key, () => entryAtExit(cacheState));
    let eager: ModuleFactory | undefined;
    let instances = 0;
    const compileEager = (): ModuleFactory => {
      if (!lazy) return firstFactory();
      try {
        return compileModule(ir, this.facts, codegen, url).factory;
      } catch (e) {
        // a V8 parser limit hit only by the whole source: keep compiling lazily
        if (e instanceof CompileError) return firstFactory();
        throw e;
      }
    };
    const factory = (): ModuleFactory => (instances++ === 0 ? firstFactory() : (eager ??= compileEager()));
    // Instances with fuel or a memory profile share one up-front compilation per combination.
    const instrumented = new Map<string, ModuleFactory>();
    const instrumentedFactory = (what: Instrumentation): ModuleFactory => {
      const key = `${what.fuel}:${what.memoryProfile}`;
      let made = instrumented.get(key);
      if (made === undefined) instrumented.set(key, made = compileModule(ir, this.facts, { ...codegen, ...what }, url).factory);
      return made;
    };
    this.compiled = { ir, factory, instrumentedFactory, layout };
  }

  /** @internal */ get ir(): ModuleIR {
    return this.compiled.ir;
  }

  static exports(module: Module): { name: string; kind: string }[] {
    checkModule(module, 'WebAssembly.Module.exports');
    return module.ir.exports.map((e) => ({ name: e.name, kind: e.kind === 'func' ? 'function' : e.kind }));
  }

  static imports(module: Module): { module: string; name: string; kind: string }[] {
    checkModule(module, 'WebAssembly.Module.imports');
    return module.ir.imports.map((i) => ({ module: i.module, name: i.name, kind: i.kind === 'func' ? 'function' : i.kind }));
  }

  static customSections(module: Module, name: string): ArrayBuffer[] {
    checkModule(module, 'WebAssembly.Module.customSections');
    if (arguments.length < 2) throw new TypeError('WebAssembly.Module.customSections: the section name is required');
    const wanted = String(name);
    return module.ir.customs.filter((c) => c.name === wanted).map((c) => c.bytes.slice().buffer);
  }
}

function checkModule(module: unknown, what: string): asserts module is Module {
  if (!(module instanceof Module) || !(module.compiled as unknown)) throw new TypeError(`${what}: the argument must be a WebAssembly.Module`);
}

function checkImportObject(importObject: unknown, what: string): void {
  if (importObject !== undefined && (typeof importObject !== 'object' || importObject === null) && typeof importObject !== 'function') {
    throw new TypeError(`${what}: the import object must be an object`);
  }
}

export interface InstanceStats {
  /** Deepest auxiliary stack use seen so far, in bytes (0 when the module has no known stack pointer). */
  readonly stackPeak: number;
  /** Instructions charged against the `fuel` budget so far (0 without one). */
  readonly fuelConsumed: number;
  /**
   * With the `memoryProfile` option: bytes from the heap start to the end of the highest write
   * above it (0 if none). Null without the option or when the heap start is unknown.
   */
  readonly heapHighWater: number | null;
}

/** An instance's stats: getters on a prototype over its state (an object literal of getters cost 460 bytes an instance). */
class Stats implements InstanceStats {
  readonly #state: InstanceState;
  readonly #layout: LayoutReport;

  constructor(state: InstanceState, layout: LayoutReport) {
    this.#state = state;
    this.#layout = layout;
  }

  get stackPeak(): number {
    return (this.#layout.stackPointer?.initial ?? 0) - this.#state.stackLowWater();
  }

  get fuelConsumed(): number {
    return this.#state.fuelConsumed();
  }

  get heapHighWater(): number | null {
    const { profile, memory } = this.#state;
    const heapStart = this.#layout.heapStart;
    if (profile === null || heapStart === null) return null;
    return Math.max(0, heapInUse(profile.highestWrite(), profile.endMarkerTop(), memory?.byteLength ?? 0).end - heapStart);
  }

  toJSON(): InstanceStats {
    return { stackPeak: this.stackPeak, fuelConsumed: this.fuelConsumed, heapHighWater: this.heapHighWater };
  }
}

export class Instance {
  readonly #exports: Record<string, unknown>;
  /** Host access to the instance's linear memory (null without one). */
  readonly memory: HostMemory | null;
  readonly stats: InstanceStats;
  readonly #state: InstanceState;

  constructor(module: Module, importObject?: ImportObject, options?: InstanceOptions) {
    checkModule(module, 'WebAssembly.Instance');
    checkImportObject(importObject, 'WebAssembly.Instance');
    const state: InstanceState = instantiateModule(module.compiled, importObject, options);
    this.#state = state;
    this.#exports = state.exports;
    this.memory = state.memory ? new HostMemory(state.memory) : null;
    this.stats = new Stats(state, module.compiled.layout);
    this.#names = module.ir.names.functions;
  }

  readonly #names: ReadonlyMap<number, string>;

  /** The run so far against the layout (needs the `memoryProfile` option): see layout/profile.ts. */
  memoryProfile(): MemoryProfile {
    const { profile, memory } = this.#state;
    if (profile === null) throw new TypeError('memoryProfile() needs an instance created with the option memoryProfile: true');
    const layout = this.layout;
    return memoryProfile({
      layout,
      allocatedBytes: memory?.byteLength ?? 0,
      pages: memory?.pages() ?? 0,
      stackPeak: this.stats.stackPeak,
      highestWrite: profile.highestWrite(),
      endZoneWrite: profile.endMarkerTop(),
      grows: profile.grows.map((g) => ({
        funcIndex: g.func, funcName: this.#names.get(g.func) ?? null, recognisedAs: layout.blockers.find((b) => b.funcIndex === g.func)?.recognisedAs ?? null,
        delta: g.delta, result: g.result, atMs: g.time - profile.started,
      })),
    });
  }

  get exports(): Record<string, unknown> {
    if (!(#exports in this)) throw new TypeError('WebAssembly.Instance.prototype.exports called on an object that is not an Instance');
    return this.#exports;
  }

  /** The memory layout, with the allocation made for this instance. */
  get layout(): InstanceLayout {
    return this.#state.layout();
  }
}

export function validate(bytes: Bytes): boolean {
  try {
    validateModule(decodeModule(copyBytes(bytes), { deferCodeCheck: true }));
    return true;
  } catch (e) {
    if (e instanceof CompileError) return false;
    throw e;
  }
}

export async function compile(bytes: Bytes, options?: ModuleOptions): Promise<Module> {
  const copy = copyBytes(bytes);
  await null; // the JS API compiles asynchronously: nothing after this runs in the caller's turn
  if (cacheDirOf(options) === null && copy.length >= PARALLEL_MIN_CODE_BYTES) {
    // A large module is validated on two threads (validate/parallel.ts); on any error, on one.
    const ir = decodeModule(copy, { deferCodeCheck: true });
    const facts = validatesInParallel(ir) ? await validateInParallel(copy, ir) : null;
    validatedAhead = { bytes: copy, ir, facts };
  }
  return new Module(copy, options);
}
Object.defineProperty(compile, 'length', { value: 1 });

export interface InstantiatedSource { module: Module; instance: Instance }

export async function instantiate(source: Bytes, importObject?: ImportObject, options?: InstanceOptions & ModuleOptions): Promise<InstantiatedSource>;
export async function instantiate(source: Module, importObject?: ImportObject, options?: InstanceOptions): Promise<Instance>;
export async function instantiate(source: Bytes | Module, importObject?: ImportObject, options?: InstanceOptions & ModuleOptions): Promise<InstantiatedSource | Instance> {
  checkImportObject(importObject, 'WebAssembly.instantiate');
  // from a Module the imports are read at once (as V8 does); from bytes after compiling
  if (source instanceof Module) return new Instance(source, importObject, options);
  const module = await compile(source, options?.cache === undefined ? undefined : { cache: options.cache });
  return { module, instance: new Instance(module, importObject, options) };
}

webIdlInterface(Module, 'WebAssembly.Module', { exports: 1, imports: 1, customSections: 2 });
webIdlInterface(Instance, 'WebAssembly.Instance', {});
Object.defineProperty(Module, 'length', { value: 1 });
// The heapbase extras on Instance are not part of the WebIDL interface: keep them non-enumerable.
for (const key of ['layout', 'memoryProfile'] as const) Object.defineProperty(Instance.prototype, key, { enumerable: false });

/** The standard namespace, for code written against `WebAssembly`: its members are writable,
 * configurable and not enumerable, and it is tagged `WebAssembly`, as a WebIDL namespace. */
export const WebAssembly = {} as {
  Module: typeof Module; Instance: typeof Instance; Memory: typeof Memory; Table: typeof Table; Global: typeof Global;
  CompileError: typeof CompileError; LinkError: typeof LinkError; RuntimeError: typeof RuntimeError;
  validate: typeof validate; compile: typeof compile; instantiate: typeof instantiate;
};
for (const [key, value] of Object.entries({ Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError, validate, compile, instantiate })) {
  // WebIDL: a namespace's operations are enumerable, its interface objects are not
  Object.defineProperty(WebAssembly, key, { value, writable: true, configurable: true, enumerable: typeof value === 'function' && !/^[A-Z]/.test(key) });
}
Object.defineProperty(instantiate, 'length', { value: 1 });
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: 'WebAssembly', configurable: true });
