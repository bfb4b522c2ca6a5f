// Module → one JavaScript factory, compiled once per Module and called once per Instance.
// The factory's closure holds the instance state (memory view, tables, globals, imports),
// so compiled functions reach it without indirection.
import type { ModuleIR } from '../binary/module.js';
import type { ValidationFacts } from '../validate/index.js';
import * as atomics from '../runtime/atomics.js';
import * as bulk from '../runtime/bulk.js';
import { CompileError, trap } from '../runtime/errors.js';
import type { WasmFunction } from '../runtime/func.js';
import type { GlobalCell } from '../runtime/global.js';
import type { LinearMemory } from '../runtime/memory.js';
import * as numeric from '../runtime/numeric.js';
import type { TableInstance } from '../runtime/table.js';
import { ConstantPool } from './constants.js';
import { compileFunction, funcName, GLOBAL_CONSTANTS, type CodegenOptions } from './function.js';
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
}

/** What the factory gives an instance: its functions and a window on its stack tracking. */
export interface CompiledInstance {
  /** All functions, imported ones first, by function index. */
  functions: WasmFunction[];
  /** Lowest value ever written to the stack pointer global (its initial value if none). */
  stackLowWater(): number;
  /** Fuel not yet consumed (negative once exhausted). */
  fuelLeft(): number;
}

export type ModuleFactory = (env: InstanceEnv) => CompiledInstance;

const runtimeHelpers: Record<string, unknown> = { ...numeric, ...bulk, ...atomics, trap };

export function generateModuleSource(m: ModuleIR, facts: ValidationFacts, options: CodegenOptions): string {
  const constants = new ConstantPool();
  const functions: string[] = [];
  const mayGrowMemory = functionsThatMayGrowMemory(m, facts);
  for (let i = m.importedFuncCount; i < m.funcTypes.length; i++) functions.push(compileFunction(m, i, constants, options, mayGrowMemory));

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
  ];
  m.tables.forEach((_, i) => state.push(`const T${i} = env.tables[${i}];`));
  state.push('const G = env.globals;');
  for (let i = 0; i < Math.min(m.globals.length, GLOBAL_CONSTANTS); i++) state.push(`const g${i} = G[${i}];`);
  for (let i = 0; i < m.importedFuncCount; i++) state.push(`const ${funcName(i)} = env.imports[${i}];`);
  const all = m.funcTypes.map((_, i) => funcName(i)).join(', ');

  return [
    '"use strict";',
    `const { ${Object.keys(runtimeHelpers).join(', ')} } = rt;`,
    ...constants.declarations,
    'return function instantiate(env) {',
    ...state,
    ...functions,
    // Listed inside an arrow so every function is a context slot: as registers of instantiate,
    // 120,000 or more functions made its frame larger than the stack.
    `return { functions: (() => [${all}])(), stackLowWater: () => spMin, fuelLeft: () => fuel };`,
    '};',
  ].join('\n');
}

export function compileModule(m: ModuleIR, facts: ValidationFacts, options: CodegenOptions, sourceUrl: string): ModuleFactory {
  const source = `${generateModuleSource(m, facts, options)}\n//# sourceURL=${sourceUrl}`;
  let outer: (rt: Record<string, unknown>) => ModuleFactory;
  try {
    outer = new Function('rt', source) as typeof outer;
  } catch (e) {
    // V8's parser has limits (nesting depth, function size) that a valid module can exceed.
    throw new CompileError(`the module is valid but its JavaScript could not be compiled: ${(e as Error).message}`);
  }
  return outer(runtimeHelpers);
}
