// Module validation (WebAssembly 2.0, section 3.4 "Modules"): types, imports, limits, globals,
// exports, start, segments; then every function body (./function.ts). Returns the facts the
// later steps need. Throws CompileError naming the problem with the spec testsuite's wording.
import type { ElemSegment, FuncType, Limits, MemoryType, ModuleIR } from '../binary/module.js';
import { checkCodeEncoding } from '../binary/decode.js';
import { CompileError } from '../runtime/errors.js';
import { collectRefs, validateConstExpr, type ConstContext } from './const-expr.js';
import { FunctionValidator, type ModuleContext } from './function.js';
import { I32, typeCode, typeCodes } from './types.js';

export interface MemoryResizeUse { op: 'memory.size' | 'memory.grow'; funcIndex: number; pos: number }

export interface ValidationFacts {
  /** Every function that contains memory.size or memory.grow: the first such instruction in each. */
  memoryResizeUses: MemoryResizeUse[];
  /** Indices of globals written by global.set anywhere. */
  writtenGlobals: Set<number>;
  /** Per defined function (index − importedFuncCount): the maximum operand stack height. */
  maxStackHeights: number[];
  /** Per defined function: the function indices it calls directly (for compile/memory-growth.ts). */
  directCallees: number[][];
  /** Per defined function: contains memory.grow or call_indirect. */
  growsMemoryItself: boolean[];
  /** Per defined function: its deepest nesting of blocks, loops and ifs as its JavaScript nests them (BodyFacts.maxDepth). */
  maxDepths: number[];
  /** 1 for each function index referenced outside function bodies (exports, elements, globals): C.refs. */
  referenced: Uint8Array;
}

const MAX_PAGES_64K = 65536;

function fail(message: string, offset?: number): never {
  throw new CompileError(message, offset);
}

function checkMinMax(l: Limits, what: string, offset: number | undefined): void {
  if (l.max !== undefined && l.min > l.max) {
    fail(`size minimum must not be greater than maximum (${what}: minimum ${l.min}, maximum ${l.max})`, offset);
  }
}

function checkMemoryType(mem: MemoryType, what: string, offset: number | undefined): void {
  // At most 4 GiB: 2^16 pages of 64 KiB; with the custom-page-sizes proposal's 1-byte pages,
  // 2^32 − 1 pages (its testsuite accepts 0xFFFF_FFFF and rejects 2^32).
  const pages64k = mem.pageSizeLog2 === 16;
  const limit = pages64k ? MAX_PAGES_64K : 2 ** 32 - 1;
  if (mem.min > limit || (mem.max !== undefined && mem.max > limit)) {
    const bad = mem.min > limit ? `minimum ${mem.min}` : `maximum ${mem.max}`;
    fail(pages64k
      ? `memory size must be at most 65536 pages (4GiB) (${what}: ${bad})`
      : `memory size must be at most ${limit} pages of 1 byte (${what}: ${bad})`, offset);
  }
  checkMinMax(mem, what, offset);
  if (mem.shared && mem.max === undefined) fail(`shared memory must have maximum (${what})`, offset);
}

export function validateModule(m: ModuleIR): ValidationFacts {
  if (m.codeChecked) return validateDecoded(m);
  // The bodies' instructions were not decoded yet (DecodeOptions.deferCodeCheck): the function
  // validator decodes them, and malformed code anywhere must win over an invalid module.
  let facts: ValidationFacts;
  try {
    facts = validateDecoded(m);
  } catch (e) {
    if (e instanceof CompileError) checkCodeEncoding(m);
    throw e;
  }
  m.codeChecked = true;
  return facts;
}

function validateDecoded(m: ModuleIR): ValidationFacts {
  const ctx = validateModuleLevel(m);
  return mergeBodyFacts(ctx, [validateBodies(ctx, 0, m.bodies.length)]);
}

/** What validating a range of function bodies found (the bodies' part of ValidationFacts). */
export interface BodyRangeFacts {
  /** Index of the first body (function index − importedFuncCount). */
  from: number;
  maxStackHeights: number[];
  directCallees: number[][];
  growsMemoryItself: boolean[];
  maxDepths: number[];
  memoryResizeUses: MemoryResizeUse[];
  writtenGlobals: number[];
}

/** Validates bodies [from, to) of a module whose module-level parts validateModuleLevel checked. */
export function validateBodies(ctx: ModuleContext, from: number, to: number): BodyRangeFacts {
  const m = ctx.m;
  const writtenGlobals = new Set<number>();
  const validator = new FunctionValidator(ctx, writtenGlobals);
  const count = to - from;
  const maxStackHeights: number[] = new Array(count);
  const directCallees: number[][] = new Array(count);
  const growsMemoryItself: boolean[] = new Array(count);
  const maxDepths: number[] = new Array(count);
  const memoryResizeUses: MemoryResizeUse[] = [];
  for (let i = from; i < to; i++) {
    const funcIndex = m.importedFuncCount + i;
    const facts = validator.validate(funcIndex, m.bodies[i]);
    maxStackHeights[i - from] = facts.maxHeight;
    directCallees[i - from] = facts.callees;
    growsMemoryItself[i - from] = facts.growsMemoryItself;
    maxDepths[i - from] = facts.maxDepth;
    if (facts.resizeOp !== null) memoryResizeUses.push({ op: facts.resizeOp, funcIndex, pos: facts.resizePos });
  }
  return { from, maxStackHeights, directCallees, growsMemoryItself, maxDepths, memoryResizeUses, writtenGlobals: [...writtenGlobals] };
}

/** The module's facts from the facts of body ranges that cover every body, in order. */
export function mergeBodyFacts(ctx: ModuleContext, ranges: readonly BodyRangeFacts[]): ValidationFacts {
  const one = ranges.length === 1;
  const all = <T>(pick: (r: BodyRangeFacts) => T[]): T[] => (one ? pick(ranges[0]) : ranges.flatMap(pick));
  return {
    memoryResizeUses: all((r) => r.memoryResizeUses),
    writtenGlobals: new Set(all((r) => r.writtenGlobals)),
    maxStackHeights: all((r) => r.maxStackHeights),
    directCallees: all((r) => r.directCallees),
    growsMemoryItself: all((r) => r.growsMemoryItself),
    maxDepths: all((r) => r.maxDepths),
    referenced: ctx.refs,
  };
}

/** Checks everything but the function bodies; returns what validating the bodies needs. */
export function validateModuleLevel(m: ModuleIR): ModuleContext {
  const typeCount = m.types.length;
  const funcCount = m.funcTypes.length;

  // Types.
  // The decoder shares repeated types, so each distinct one is converted once.
  const codesOf = new Map<FuncType, [Uint8Array, Uint8Array]>();
  const typeParams: Uint8Array[] = new Array(typeCount);
  const typeResults: Uint8Array[] = new Array(typeCount);
  for (let i = 0; i < typeCount; i++) {
    const t = m.types[i];
    let codes = codesOf.get(t);
    if (codes === undefined) codesOf.set(t, codes = [typeCodes(t.params), typeCodes(t.results)]);
    typeParams[i] = codes[0];
    typeResults[i] = codes[1];
  }

  // Imports.
  let memIndex = 0;
  let tableIndex = 0;
  for (const imp of m.imports) {
    switch (imp.kind) {
      case 'func':
        if (imp.typeIndex >= typeCount) fail(`unknown type ${imp.typeIndex} (import "${imp.module}" "${imp.name}")`, imp.pos);
        break;
      case 'table':
        checkMinMax(imp.type, `table ${tableIndex++}`, imp.pos);
        break;
      case 'memory':
        checkMemoryType(imp.type, `memory ${memIndex++}`, imp.pos);
        break;
    }
  }

  // Functions' types.
  for (let f = m.importedFuncCount; f < funcCount; f++) {
    const t = m.funcTypes[f];
    if (t >= typeCount) fail(`unknown type ${t} (function ${f})`, m.bodies[f - m.importedFuncCount]?.pos);
  }

  // Tables and memories.
  for (let t = m.importedTableCount; t < m.tables.length; t++) checkMinMax(m.tables[t], `table ${t}`, undefined);
  for (let i = m.importedMemoryCount; i < m.memories.length; i++) checkMemoryType(m.memories[i], `memory ${i}`, undefined);
  if (m.memories.length > 1) {
    fail(`multiple memories (${m.memories.length} memories, ${m.importedMemoryCount} imported)`,
      m.importedMemoryCount > 1 ? m.imports.filter((i) => i.kind === 'memory')[1].pos : undefined);
  }

  // Globals: constant initialisers may read imported immutable globals only.
  const constCtx: ConstContext = { funcCount, globals: m.globals, visibleGlobals: m.importedGlobalCount };
  const globalTypes = new Uint8Array(m.globals.length);
  const globalMutable = new Uint8Array(m.globals.length);
  for (let g = 0; g < m.globals.length; g++) {
    const init = g >= m.importedGlobalCount ? m.globalInits[g - m.importedGlobalCount] : undefined;
    globalTypes[g] = typeCode(m.globals[g].type);
    globalMutable[g] = m.globals[g].mutable ? 1 : 0;
    if (init !== undefined) validateConstExpr(init, globalTypes[g], constCtx, () => `global ${g}`, undefined);
  }

  // Exports.
  const names = new Set<string>();
  for (const e of m.exports) {
    if (names.has(e.name)) fail(`duplicate export name ${JSON.stringify(e.name)}`);
    names.add(e.name);
    const count = e.kind === 'func' ? funcCount : e.kind === 'table' ? m.tables.length
      : e.kind === 'memory' ? m.memories.length : m.globals.length;
    if (e.index >= count) {
      fail(`unknown ${e.kind === 'func' ? 'function' : e.kind} ${e.index} (export ${JSON.stringify(e.name)})`);
    }
  }

  // Start function.
  if (m.start !== null) {
    if (m.start >= funcCount) fail(`unknown function ${m.start} (start function)`);
    const t = m.funcTypes[m.start];
    if (typeParams[t].length !== 0 || typeResults[t].length !== 0) {
      fail(`start function must have type [] -> [] (function ${m.start})`);
    }
  }

  // Element segments.
  const tableTypes = new Uint8Array(m.tables.length);
  for (let t = 0; t < m.tables.length; t++) tableTypes[t] = typeCode(m.tables[t].element);
  const elemTypes = new Uint8Array(m.elems.length);
  // The decoder shares repeated short segments; a repeat validates like its first occurrence.
  let previous: ElemSegment | undefined;
  m.elems.forEach((seg, i) => {
    const et = typeCode(seg.type);
    elemTypes[i] = et;
    if (seg === previous) return;
    previous = seg;
    if (seg.mode === 'active') {
      if (seg.table >= m.tables.length) fail(`unknown table ${seg.table} (elem segment ${i})`, seg.pos);
      validateConstExpr(seg.offset!, I32, constCtx, () => `elem segment ${i} offset`, seg.pos);
      if (tableTypes[seg.table] !== et) {
        fail(`type mismatch (elem segment ${i}): segment of ${seg.type} for table ${seg.table} of ${m.tables[seg.table].element}`, seg.pos);
      }
    }
    for (let j = 0; j < seg.init.length; j++) {
      validateConstExpr(seg.init[j], et, constCtx, () => `elem segment ${i} element ${j}`, seg.pos);
    }
  });

  // Data segments.
  m.datas.forEach((seg, i) => {
    if (seg.mode === 'active') {
      if (seg.memory >= m.memories.length) fail(`unknown memory ${seg.memory} (data segment ${i})`, seg.pos);
      validateConstExpr(seg.offset!, I32, constCtx, () => `data segment ${i} offset`, seg.pos);
    }
  });

  // C.refs: functions referenced outside function bodies may be named by ref.func inside them.
  const refs = new Uint8Array(funcCount);
  for (const init of m.globalInits) collectRefs(init, refs);
  previous = undefined;
  for (const seg of m.elems) {
    if (seg === previous) continue;
    previous = seg;
    collectRefs(seg.offset, refs);
    for (const init of seg.init) collectRefs(init, refs);
  }
  for (const seg of m.datas) collectRefs(seg.offset, refs);
  for (const e of m.exports) if (e.kind === 'func') refs[e.index] = 1;

  return { m, typeParams, typeResults, globalTypes, globalMutable, tableTypes, elemTypes, refs };
}
