// heapbase's public API: a drop-in for the standard WebAssembly namespace.
import { decodeModule } from './binary/decode.js';
import type { ModuleIR } from './binary/module.js';
import { checkParserLimits, compileModule, hasLazyCandidates, lazyCompilation, type ModuleFactory } from './compile/module.js';
import { Global, Memory, Table, webIdlInterface } from './runtime/api-objects.js';
import { CompileError, LinkError, RuntimeError } from './runtime/errors.js';
import { HostMemory } from './runtime/host-memory.js';
import { moduleSourceUrl, registerModule } from './runtime/stack-trace.js';
import {
  instantiate as instantiateModule, type CompiledModule, type InstanceLayout, type InstanceOptions, type InstanceState,
} from './runtime/instance.js';
import { analyzeLayout } from './layout/index.js';
import { validateModule, type ValidationFacts } from './validate/index.js';

export { CompileError, LinkError, RuntimeError, Memory, Table, Global, HostMemory };
export type { TrapKind } from './runtime/errors.js';
export type { InstanceOptions, InstanceLayout } from './runtime/instance.js';
export { inspect, renderText, renderSvg } from './layout/index.js';
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

export class Module {
  /** @internal */ readonly compiled: CompiledModule;
  /** @internal */ readonly facts: ValidationFacts;

  constructor(bytes: Bytes) {
    const ir = decodeModule(copyBytes(bytes), { deferCodeCheck: true });
    this.facts = validateModule(ir);
    const layout = analyzeLayout(ir, this.facts);
    const id = registerModule(this, ir.names.functions);
    const codegen = { stackPointerGlobal: layout.stackPointer?.globalIndex ?? null };
    const url = moduleSourceUrl(id);
    // The first instance may compile functions on their first call: new Module stays fast. From
    // the second instance on, the module is being reused: everything is compiled once, up front,
    // and shared by all later instances (lazily compiled code is per instance).
    const lazy = lazyCompilation.enabled && hasLazyCandidates(ir, this.facts);
    // The JavaScript is generated for the first instance, not here (1,000,000 empty functions:
    // new Module 7.0 s before, 0.8 s after). Only functions nested deeply enough to meet V8's
    // parser limits are generated here: that must be a CompileError from new Module.
    checkParserLimits(ir, this.facts, codegen);
    let first: ModuleFactory | undefined;
    const firstFactory = (): ModuleFactory => (first ??= compileModule(ir, this.facts, { ...codegen, lazy }, url));
    let eager: ModuleFactory | undefined;
    let instances = 0;
    const compileEager = (): ModuleFactory => {
      if (!lazy) return firstFactory();
      try {
        return compileModule(ir, this.facts, codegen, url);
      } catch (e) {
        // a V8 parser limit hit only by the whole source: keep compiling lazily
        if (e instanceof CompileError) return firstFactory();
        throw e;
      }
    };
    const factory = (): ModuleFactory => (instances++ === 0 ? firstFactory() : (eager ??= compileEager()));
    // Instances with a fuel budget share one up-front compilation with fuel counting.
    let fueled: ModuleFactory | undefined;
    const fueledFactory = (): ModuleFactory => (fueled ??= compileModule(ir, this.facts, { ...codegen, fuel: true }, url));
    this.compiled = { ir, factory, fueledFactory, layout };
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
    const stackTop = module.compiled.layout.stackPointer?.initial ?? 0;
    this.stats = {
      get stackPeak(): number {
        return stackTop - state.stackLowWater();
      },
      get fuelConsumed(): number {
        return state.fuelConsumed();
      },
    };
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

export async function compile(bytes: Bytes): Promise<Module> {
  const copy = copyBytes(bytes);
  await null; // the JS API compiles asynchronously: nothing after this runs in the caller's turn
  return new Module(copy);
}

export interface InstantiatedSource { module: Module; instance: Instance }

export async function instantiate(source: Bytes, importObject?: ImportObject, options?: InstanceOptions): Promise<InstantiatedSource>;
export async function instantiate(source: Module, importObject?: ImportObject, options?: InstanceOptions): Promise<Instance>;
export async function instantiate(source: Bytes | Module, importObject?: ImportObject, options?: InstanceOptions): Promise<InstantiatedSource | Instance> {
  checkImportObject(importObject, 'WebAssembly.instantiate');
  // from a Module the imports are read at once (as V8 does); from bytes after compiling
  if (source instanceof Module) return new Instance(source, importObject, options);
  const module = await compile(source);
  return { module, instance: new Instance(module, importObject, options) };
}

webIdlInterface(Module, 'WebAssembly.Module', { exports: 1, imports: 1, customSections: 2 });
webIdlInterface(Instance, 'WebAssembly.Instance', {});
Object.defineProperty(Module, 'length', { value: 1 });
// The heapbase extras on Instance are not part of the WebIDL interface: keep them non-enumerable.
for (const key of ['layout'] as const) Object.defineProperty(Instance.prototype, key, { enumerable: false });

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
