// Module → one JavaScript factory, compiled once per Module and called once per Instance.
// The factory's closure holds the instance state (memory view, tables, globals, imports),
// so compiled functions reach it without indirection.
//
// With `lazy` (a Module's first instance, see Module in index.ts) a function that only other
// functions call directly is compiled on its first call: it starts as a small wrapper `fN` that
// calls `iN`, the compiled function, made on first use by a direct eval inside the factory (so it
// shares the closure like the others). Call sites only ever call the compiled function: V8's
// feedback stays monomorphic. Functions whose identity can be seen (exported, in tables, named by
// ref.func, the start function) are compiled with the module, so tables and exports hold them.
import type { ModuleIR } from '../binary/module.js';
import type { ValidationFacts } from '../validate/index.js';
import * as atomics from '../runtime/atomics.js';
import * as bulk from '../runtime/bulk.js';
import { CompileError, trap } from '../runtime/errors.js';
import type { WasmFunction } from '../runtime/func.js';
import type { GlobalCell } from '../runtime/global.js';
import type { LinearMemory } from '../runtime/memory.js';
import * as numeric from '../runtime/numeric.js';
import * as simd from '../runtime/simd.js';
import type { TableInstance } from '../runtime/table.js';
import { ConstantPool } from './constants.js';
import { compileFunction, funcName, GLOBAL_CONSTANTS, paramNames, type CodegenOptions } from './function.js';
import { functionsThatMayGrowMemory } from './memory-growth.js';

/** What an instance hands its compiled code. */
export interface InstanceEnv {
  memory: LinearMemory | null;
  tables: TableInstance[];
  globals: GlobalCell[];
  /** Imported functions, in import order. */
  imports: WasmFunction[];
  /** Data segments' bytes; a dropped segment is replaced by an empty one. */
  datas: Uint8Array[];
  /** Element segments' references; a dropped segment is replaced by an empty one. */
  elems: unknown[][];
  /** Stack pointer values: below `low` traps with `stack overflow`; `top` is the initial value. */
  stack: { low: number; top: number };
  /** Instruction budget, for code compiled with fuel. */
  fuel: number;
  /** Where code compiled with the memory profile logs each memory.grow. */
  growLog?: MemoryGrowEvent[];
  /** The signature id (runtime/func.ts) of each type index. */
  signatures: readonly number[];
}

/** The memory profile's end zone: how close to the memory's end a write is taken for an allocator's marker. */
export const END_MARKER_BYTES = 64;

/** One memory.grow, as code compiled with the memory profile logs it. */
export interface MemoryGrowEvent {
  /** Index of the function that executed memory.grow. */
  func: number;
  /** Pages asked for. */
  delta: number;
  /** What memory.grow returned: the old size in pages, or -1. */
  result: number;
  /** performance.now() when it returned. */
  time: number;
}

/** What the factory gives an instance: its functions and a window on its stack tracking. */
export interface CompiledInstance {
  /** All functions, imported ones first, by function index. */
  functions: WasmFunction[];
  /** Lowest value ever written to the stack pointer global (its initial value if none). */
  stackLowWater(): number;
  /** Fuel not yet consumed (negative once exhausted). */
  fuelLeft(): number;
  /** With the memory profile: the end of the highest bytes written, except by writes starting in the memory's last END_MARKER_BYTES (0 if none). */
  highestWrite?(): number;
  /** With the memory profile: the end of the highest write that started in the memory's last END_MARKER_BYTES (0 if none). */
  endMarkerTop?(): number;
}

export type ModuleFactory = (env: InstanceEnv) => CompiledInstance;

const runtimeHelpers: Record<string, unknown> = { ...numeric, ...bulk, ...atomics, ...simd, trap };

/** The realm's eval, as it was when heapbase loaded. */
const intrinsicEval = globalThis.eval;

/** Whether new Modules compile functions on first call; tests and the bench turn it off to compile everything up front. */
export const lazyCompilation = { enabled: true };

/** Runs `f` with lazy compilation on or off for the Modules it creates. */
export function withLazyCompilation<T>(enabled: boolean, f: () => T): T {
  const saved = lazyCompilation.enabled;
  lazyCompilation.enabled = enabled;
  try {
    return f();
  } finally {
    lazyCompilation.enabled = saved;
  }
}

/**
 * Functions nested deeper than this are compiled with the module even if they could wait: V8's
 * parser fails at about 900 nested loops, and that should be a CompileError from new Module.
 */
const LAZY_MAX_DEPTH = 200;

/**
 * Bodies smaller than this (bytes of code) are compiled with the module: their JavaScript is
 * about as long as a wrapper's (1,000,000 empty functions: 25 s to compile lazily, 10.8 s not).
 */
const LAZY_MIN_BODY_BYTES = 24;

/** Whether function `index` (a defined function) is compiled on its first call. */
function compiledLazily(m: ModuleIR, facts: ValidationFacts, options: CodegenOptions, index: number): boolean {
  const body = m.bodies[index - m.importedFuncCount];
  return options.lazy === true && !facts.referenced[index] && index !== m.start &&
    body.codeEnd - body.codeStart >= LAZY_MIN_BODY_BYTES && facts.maxDepths[index - m.importedFuncCount] <= LAZY_MAX_DEPTH;
}

/**
 * Rejects a module whose JavaScript V8's parser would refuse, as a CompileError now rather than
 * at the first instantiation: generates and parses only the functions nested deeper than
 * LAZY_MAX_DEPTH, each inside as many functions as the factory puts around it. (The whole
 * module's JavaScript was generated here before whenever one function was deep.)
 */
export function checkParserLimits(m: ModuleIR, facts: ValidationFacts, options: CodegenOptions): void {
  let calls: CallFacts | undefined;
  for (let i = 0; i < facts.maxDepths.length; i++) {
    if (facts.maxDepths[i] <= LAZY_MAX_DEPTH) continue;
    calls ??= callFactsOf(m, facts);
    const constants = new ConstantPool();
    const fn = compileFunction(m, m.importedFuncCount + i, constants, options, calls.mayGrowMemory);
    try {
      new Function('eval', 'rt', 'functionSource', [...constants.declarations, 'return function instantiate(env) {', fn, '};'].join('\n'));
    } catch (e) {
      throw new CompileError(`the module is valid but its JavaScript could not be compiled: ${(e as Error).message}`);
    }
  }
}

/** Whether any function of the module would be compiled lazily (else lazy and eager code are the same). */
export function hasLazyCandidates(m: ModuleIR, facts: ValidationFacts): boolean {
  const lazy: CodegenOptions = { stackPointerGlobal: null, lazy: true };
  for (let i = m.importedFuncCount; i < m.funcTypes.length; i++) if (compiledLazily(m, facts, lazy, i)) return true;
  return false;
}

/** What the code generator needs to know about calls, from the whole module's call graph. */
interface CallFacts {
  mayGrowMemory: readonly boolean[];
}

function callFactsOf(m: ModuleIR, facts: ValidationFacts): CallFacts {
  return { mayGrowMemory: functionsThatMayGrowMemory(m, facts) };
}

/** The variable holding lazily compiled function `index` once it is compiled. */
const compiledName = (index: number): string => `i${index}`;

/** A lazily compiled function's wrapper: compiles it on the first call, then calls it. */
function lazyWrapper(m: ModuleIR, index: number): string {
  const params = paramNames(m.types[m.funcTypes[index]]).join(', ');
  const compiled = compiledName(index);
  return `var ${funcName(index)} = function w${index}(${params}) { return (${compiled} ?? compileLazily(${index}))(${params}); };`;
}

/**
 * A lazily compiled function's definition, which can also take the place of its wrapper in the
 * factory's source (see inlineLazyFunctions): its constants are named after it.
 */
export interface LazyDefinition {
  constants: string[];
  /** `function fN(...) {...}` */
  fn: string;
}

function lazyFunctionDefinition(
  m: ModuleIR, options: CodegenOptions, index: number, mayGrowMemory: readonly boolean[],
): LazyDefinition {
  const constants = new ConstantPool(`K${index}_`);
  const fn = compileFunction(m, index, constants, options, mayGrowMemory);
  return { constants: constants.declarations, fn };
}

/** What compileLazily evaluates inside the factory: the definition, then the function stored in its variable. */
const lazyEvalSource = (definition: LazyDefinition, index: number): string =>
  [...definition.constants, definition.fn, `${compiledName(index)} = ${funcName(index)};`].join('\n');

/** Source for a lazily compiled function, evaluated inside the factory: defines it and stores it in its variable. */
export function generateFunctionSource(
  m: ModuleIR, facts: ValidationFacts, options: CodegenOptions, index: number,
  mayGrowMemory: readonly boolean[],
): string {
  return lazyEvalSource(lazyFunctionDefinition(m, options, index, mayGrowMemory), index);
}

/**
 * The factory's source with the wrappers of the given lazily compiled functions replaced by
 * their definitions: what a code cache keeps, so the next process compiles them with the module.
 * They and `instantiate` are parenthesised, which V8 takes as a hint to compile them with the
 * script: V8's code cache for the script, made before anything runs, then holds their bytecode.
 */
export function inlineLazyFunctions(source: string, definitions: ReadonlyMap<number, LazyDefinition>): string {
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === INSTANTIATE_START) lines[i] = `return (${line.slice('return '.length)}`;
    const wrapper = LAZY_WRAPPER.exec(line);
    const definition = wrapper && definitions.get(Number(wrapper[1]));
    if (definition) {
      // a split function is already an expression (`var fN = (() => ...)()`, see function.ts)
      const fn = definition.fn.startsWith('function ') ? `var ${funcName(Number(wrapper[1]))} = (${definition.fn});` : definition.fn;
      lines[i] = [...definition.constants, fn].join('\n');
    }
  }
  if (lines[lines.length - 1] === INSTANTIATE_END) lines[lines.length - 1] = '});';
  return lines.join('\n');
}

const INSTANTIATE_START = 'return function instantiate(env) {';
const INSTANTIATE_END = '};';

const LAZY_WRAPPER = /^var f(\d+) = function w\1\(/;

export function generateModuleSource(m: ModuleIR, facts: ValidationFacts, options: CodegenOptions, calls = callFactsOf(m, facts)): string {
  const constants = new ConstantPool();
  const functions: string[] = [];
  const lazy: string[] = [];
  const { mayGrowMemory } = calls;
  for (let i = m.importedFuncCount; i < m.funcTypes.length; i++) {
    if (compiledLazily(m, facts, options, i)) {
      functions.push(lazyWrapper(m, i));
      lazy.push(compiledName(i));
    } else {
      functions.push(compileFunction(m, i, constants, options, mayGrowMemory));
    }
  }

  const state: string[] = [
    'const mem0 = env.memory;',
    // Functions copy memView into a local `dv` (V8 then hoists its checks out of loops) and
    // copy it again after anything that may have grown the memory.
    'let memView = mem0 === null ? null : mem0.dv;',
    'if (mem0 !== null) mem0.onGrow(() => { memView = mem0.dv; });',
    'const D = env.datas, E = env.elems;',
    'const spLow = env.stack.low;',
    'let spMin = env.stack.top;',
    'let fuel = env.fuel;',
    'const SIG = env.signatures;',
  ];
  if (options.memoryProfile) {
    state.push(
      // Writes starting in the memory's last END_MARKER_BYTES raise endTop instead of heapTop:
      // allocators like dlmalloc keep a marker at the end of whatever memory they are given.
      'let heapTop = 0, endTop = 0;',
      `let endStart = mem0 === null ? 0 : mem0.byteLength - ${END_MARKER_BYTES};`,
      `if (mem0 !== null) mem0.onGrow(() => { endStart = mem0.byteLength - ${END_MARKER_BYTES}; });`,
      'const noteWrite = (start, end) => { if (start < endStart) heapTop = end; else if (end > endTop) endTop = end; };',
      'const growLog = env.growLog;',
      'const profiledGrow = (delta, func) => { const result = mem0.grow(delta); growLog.push({ func, delta, result, time: performance.now() }); return result; };',
    );
  }
  m.tables.forEach((_, i) => state.push(`const T${i} = env.tables[${i}];`));
  state.push('const G = env.globals;');
  for (let i = 0; i < Math.min(m.globals.length, GLOBAL_CONSTANTS); i++) state.push(`const g${i} = G[${i}];`);
  for (let i = 0; i < m.importedFuncCount; i++) state.push(`const ${funcName(i)} = env.imports[${i}];`);
  if (lazy.length > 0) {
    // A direct eval: the function it defines closes over this scope like the others.
    state.push(`var ${lazy.join(', ')};`, 'const compileLazily = (index) => eval(functionSource(index));');
  }
  const all = m.funcTypes.map((_, i) => funcName(i)).join(', ');

  return [
    `const { ${Object.keys(runtimeHelpers).join(', ')} } = rt;`,
    ...constants.declarations,
    INSTANTIATE_START,
    '"use strict";',
    ...state,
    ...functions,
    // Listed inside an arrow so every function is a context slot: as registers of instantiate,
    // 120,000 or more functions made its frame larger than the stack.
    `return { functions: (() => [${all}])(), stackLowWater: () => spMin, fuelLeft: () => fuel${options.memoryProfile ? ', highestWrite: () => heapTop, endMarkerTop: () => endTop' : ''} };`,
    INSTANTIATE_END,
  ].join('\n');
}

/** The factory's source compiled: a sloppy function of (eval, rt, functionSource). */
export type FactoryOuter = (evalFunction: typeof eval, rt: Record<string, unknown>, functionSource: (index: number) => string) => ModuleFactory;

/** Compiles a factory's source; the default is `new Function`, a code cache uses a vm.Script. */
export type FactoryCompiler = (source: string, sourceUrl: string) => FactoryOuter;

const compileWithFunction: FactoryCompiler = (source, sourceUrl) =>
  // The outer function is sloppy so a parameter can be named `eval`: compileLazily's `eval(...)`
  // is then still a direct eval, and no code that replaces globalThis.eval later can see it.
  new Function('eval', 'rt', 'functionSource', `${source}\n//# sourceURL=${sourceUrl}`) as FactoryOuter;

/** A compiled factory and what a code cache needs to keep it. */
export interface FactoryBuild {
  factory: ModuleFactory;
  /** The factory's source as compiled (without a sourceURL). */
  source: string;
  /** Definitions of the functions compiled lazily so far, by function index (kept only if asked). */
  lazyDefinitions: Map<number, LazyDefinition>;
}

export interface FactoryBuildOptions {
  /** Source generated before (a code cache's): used instead of generating it. */
  source?: string;
  compiler?: FactoryCompiler;
  /** Keep the lazily compiled functions' definitions (a code cache writes them into its entry). */
  keepLazyDefinitions?: boolean;
}

export function compileModule(
  m: ModuleIR, facts: ValidationFacts, options: CodegenOptions, sourceUrl: string, build: FactoryBuildOptions = {},
): FactoryBuild {
  let calls: CallFacts | undefined;
  const source = build.source ?? generateModuleSource(m, facts, options, calls = callFactsOf(m, facts));
  let outer: FactoryOuter;
  try {
    outer = (build.compiler ?? compileWithFunction)(source, sourceUrl);
  } catch (e) {
    // V8's parser has limits (nesting depth, function size) that a valid module can exceed.
    throw new CompileError(`the module is valid but its JavaScript could not be compiled: ${(e as Error).message}`);
  }
  // Made once per module and kept: every instance evaluates the same text (V8 caches its compilation).
  const lazyDefinitions = new Map<number, LazyDefinition>();
  const evalSources: string[] = [];
  const functionSource = (index: number): string => {
    if (evalSources[index] === undefined) {
      calls ??= callFactsOf(m, facts);
      const definition = lazyFunctionDefinition(m, options, index, calls.mayGrowMemory);
      if (build.keepLazyDefinitions === true) lazyDefinitions.set(index, definition);
      evalSources[index] = `${lazyEvalSource(definition, index)}\n//# sourceURL=${sourceUrl}`;
    }
    return evalSources[index];
  };
  return { factory: outer(intrinsicEval, runtimeHelpers, functionSource), source, lazyDefinitions };
}
