// The memory layout of a module, from the module alone (DESIGN.md, "Linear memory rules" and
// "Layout"): where the static data, the stack and the heap are, how many bytes the module needs,
// how many heapbase allocates under each `memory` policy, and why.
//
// The facts come from wasm-ld's conventions: the linker-defined globals `__heap_base`,
// `__data_end` and `__global_base` (when exported, or named in the name section), the stack
// pointer global, and the active data segments. Whatever a module does not say is left unknown
// rather than guessed: a region whose contents cannot be placed is reported as 'unknown'.
import { bodyCode } from '../binary/code.js';
import type { ConstExpr, ModuleIR } from '../binary/module.js';
import type { ValidationFacts } from '../validate/index.js';
import { emscriptenStackLimits, stackPointerFromCode } from './stack-pointer.js';

export type RegionName = 'static data' | 'stack' | 'heap' | 'unused' | 'unknown';

export interface Region {
  /**
   * 'unused': nothing the module describes lives there (below `__global_base`, alignment
   * padding). 'unknown': something does (the module has a stack pointer, or static data without
   * segments) but the module does not say what is where.
   */
  name: RegionName;
  start: number;
  end: number;
  grows: 'up' | 'down' | null;
}

export interface ResizeBlocker {
  op: 'memory.size' | 'memory.grow';
  funcIndex: number;
  funcName: string | null;
  pos: number;
  /** Without a name: what the function is recognised as by its code (wasi-libc's `sbrk`), else null. */
  recognisedAs: string | null;
}

export interface LayoutReport {
  /** The module's name from the name section (wasm-ld writes the output file's name), if any. */
  moduleName: string | null;
  memory: { imported: boolean; initialPages: number; maximumPages: number | null; pageSize: number } | null;
  stackPointer: { globalIndex: number; name: string | null; initial: number } | null;
  /** Value of the exported `__heap_base`, when exported as an immutable i32 global with an i32.const initialiser. */
  heapBase: number | null;
  /** `__data_end` if exported (or named in the name section), else the highest data segment end. */
  dataEnd: number | null;
  /** `__global_base` if exported (or named in the name section), else the lowest active data segment start. */
  globalBase: number | null;
  /**
   * Where the heap starts: `__heap_base` when known (exported or named), else where wasm-ld would
   * have put it (inferred: see `evidence.heapStart`); null when the module does not tell.
   */
  heapStart: number | null;
  /** Stack below the static data (wasm-ld --stack-first); null when the module does not tell. */
  stackFirst: boolean | null;
  /** Sorted by start, covering [0, allocatedBytes.auto) without gaps or overlaps. */
  regions: Region[];
  /** Whose link options the suggestions are spelt in: Emscripten's (-sNAME=value) or wasm-ld's. */
  linkOptions: 'emscripten' | 'wasm-ld';
  /** The stack region's bounds (the lower bound is where a stack guard goes), if known. */
  stack: { start: number; end: number } | null;
  /**
   * False when `stack.start` is only a lower bound (data first, without `__data_end`: static data
   * with no segment, .bss, may lie above the last segment), so the stack may be smaller; null
   * without a stack. `heapStart` likewise for the stack-first layout without `__data_end`.
   */
  stackStartExact: boolean | null;
  heapStartExact: boolean | null;
  /** `__heap_base` when known (exported). */
  requiredBytes: number | null;
  /** Allocation under each `memory` policy. */
  allocatedBytes: { auto: number; pages: number };
  /** True when 'auto' allocates exactly `__heap_base` bytes. */
  trimmed: boolean;
  /** The sizing decision and why. */
  reason: string;
  /** The first memory.size and the first memory.grow of every function that has them. */
  blockers: ResizeBlocker[];
  /** Link options that would shrink the memory or make the layout safer, each with its effect. */
  suggestions: string[];
  /** Further observations: what is estimated or unknown, data segments that will not fit, … */
  notes: string[];
  /** Which evidence each figure comes from (only the figures that are known). */
  evidence: LayoutEvidence;
}

/** One sentence per figure saying where it comes from: a name, an export, the code, or an inference. */
export interface LayoutEvidence {
  stackPointer?: string;
  stackFirst?: string;
  stack?: string;
  globalBase?: string;
  dataEnd?: string;
  heapStart?: string;
}

const STACK_ALIGN = 16; // the wasm32 C ABI's stack alignment; wasm-ld aligns the stack and __heap_base to it
export const DEFAULT_STACK = 65536; // wasm-ld's default -z stack-size
const WASM_PAGE = 65536;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** The regions of a memory of `bytes` bytes: those past it dropped, the last one cut, the heap reaching its end. */
export function clipRegions(regions: readonly Region[], bytes: number): Region[] {
  return regions.filter((r) => r.start < bytes).map((r) => (r.name === 'heap' || r.end > bytes ? { ...r, end: bytes } : r));
}

/** The value of a constant expression that is a single `i32.const`, as an unsigned address. */
function i32Const(expr: ConstExpr | null | undefined): number | null {
  if (!expr || expr.length < 1) return null;
  const first = expr[0];
  if (first.op.name !== 'i32.const') return null;
  if (expr.length > 2 || (expr.length === 2 && expr[1].op.name !== 'end')) return null;
  return first.a >>> 0;
}

/** Initial value of global `index` if it is a defined i32 global (mutable or not) initialised by i32.const. */
function globalConst(ir: ModuleIR, index: number): number | null {
  if (index < ir.importedGlobalCount || index >= ir.globals.length) return null;
  if (ir.globals[index].type !== 'i32') return null;
  return i32Const(ir.globalInits[index - ir.importedGlobalCount]);
}

/** An immutable i32 const global found by its export name, or failing that by its name-section name. */
function linkerSymbol(ir: ModuleIR, name: string, allowNameSection: boolean): number | null {
  const exp = ir.exports.find((e) => e.kind === 'global' && e.name === name);
  const candidates: number[] = [];
  if (exp) candidates.push(exp.index);
  if (allowNameSection) for (const [index, n] of ir.names.globals) if (n === name) candidates.push(index);
  for (const index of candidates) {
    const g = ir.globals[index];
    if (g && !g.mutable) {
      const v = globalConst(ir, index);
      if (v !== null) return v;
    }
  }
  return null;
}

function funcLabel(name: string | null, index: number, recognisedAs: string | null = null): string {
  if (name === null && recognisedAs !== null) return `function ${index} (${recognisedAs}, recognised by its code)`;
  return name === null ? `function ${index}` : `function \`${name}\` (index ${index})`;
}

const hex = (n: number): string => `0x${n.toString(16)}`;
/**
 * An integer with comma thousands separators ("65,536"), as toLocaleString('en-US') writes it
 * but without loading ICU, whose first use costs ~20 ms (every `new Module` reports a layout).
 */
export function groupDigits(n: number): string {
  return Number.isInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ',') : String(n);
}
const num = groupDigits;

export function formatBytes(n: number): string {
  if (n < 1024) return `${num(n)} bytes`;
  const kib = n / 1024;
  if (kib < 1024) return `${num(n)} bytes (${Number.isInteger(kib) ? kib : kib.toFixed(2)} KiB)`;
  const mib = kib / 1024;
  return `${num(n)} bytes (${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB)`;
}

function findBlockers(ir: ModuleIR, facts: ValidationFacts): ResizeBlocker[] {
  const blockers: ResizeBlocker[] = [];
  const seen = new Set<string>();
  const recognised = new Map<number, string | null>(); // a function's two ops share one look at its code
  const add = (op: ResizeBlocker['op'], funcIndex: number, pos: number): void => {
    const key = `${op}@${funcIndex}`;
    if (seen.has(key)) return;
    seen.add(key);
    const funcName = ir.names.functions.get(funcIndex) ?? null;
    let recognisedAs = recognised.get(funcIndex);
    if (recognisedAs === undefined) recognised.set(funcIndex, recognisedAs = funcName === null ? recognise(ir, funcIndex) : null);
    blockers.push({ op, funcIndex, funcName, pos, recognisedAs });
  };
  for (const use of facts.memoryResizeUses) {
    add(use.op, use.funcIndex, use.pos);
    // The validator records the first use in each function; find the first of the other op too,
    // so that a function that calls memory.size before memory.grow is reported for its grow.
    const body = ir.bodies[use.funcIndex - ir.importedFuncCount];
    const other = use.op === 'memory.size' ? 'memory.grow' : 'memory.size';
    const instr = (body && bodyCode(body))?.find((i) => i.op.name === other);
    if (instr) add(other, use.funcIndex, instr.pos);
  }
  return blockers.sort((a, b) => a.funcIndex - b.funcIndex || a.pos - b.pos);
}

/**
 * wasi-libc's sbrk by its code: `memory.size` times 65,536 (sbrk(0), the current break) and
 * `memory.grow` of the increment divided by 65,536. Emscripten's sbrk keeps its break in memory
 * and calls emscripten_resize_heap instead, so it has no such shape.
 */
function recognise(ir: ModuleIR, funcIndex: number): string | null {
  const body = ir.bodies[funcIndex - ir.importedFuncCount];
  const code = body && bodyCode(body);
  if (!code) return null;
  const is = (k: number, name: string, value?: number): boolean => code[k]?.op.name === name && (value === undefined || code[k].a === value);
  let sizeTimesPage = false;
  let growByPages = false;
  for (let k = 0; k < code.length; k++) {
    if (is(k, 'memory.size') && is(k + 1, 'i32.const', 16) && is(k + 2, 'i32.shl')) sizeTimesPage = true;
    if (is(k, 'i32.const', 16) && is(k + 1, 'i32.shr_u') && is(k + 2, 'memory.grow')) growByPages = true;
  }
  return sizeTimesPage && growByPages ? 'sbrk' : null;
}

function blockerReason(blockers: ResizeBlocker[]): string {
  // memory.grow is the telling one (an allocator that grows memory); name it first.
  const first = blockers.find((b) => b.op === 'memory.grow') ?? blockers[0];
  let text = `not trimmed: ${first.op} in ${funcLabel(first.funcName, first.funcIndex, first.recognisedAs)} at byte ${hex(first.pos)}`;
  const others = blockers.filter((b) => b !== first);
  const sameFunc = others.filter((b) => b.funcIndex === first.funcIndex);
  const otherFuncs = new Set(others.filter((b) => b.funcIndex !== first.funcIndex).map((b) => b.funcIndex));
  const extra: string[] = [];
  if (sameFunc.length > 0) extra.push(`${sameFunc.map((b) => b.op).join(' and ')} at byte ${sameFunc.map((b) => hex(b.pos)).join(', ')} in the same function`);
  if (otherFuncs.size > 0) {
    const list = [...otherFuncs].slice(0, 3).map((i) => funcLabel(blockers.find((b) => b.funcIndex === i)?.funcName ?? null, i));
    extra.push(`${otherFuncs.size === 1 ? 'also in' : `also in ${otherFuncs.size} other functions:`} ${list.join(', ')}${otherFuncs.size > 3 ? ', …' : ''}`);
  }
  if (extra.length > 0) text += ` (${extra.join('; ')})`;
  return text;
}

interface Span { name: RegionName; start: number; end: number; priority: number }

/** Partition [0, total) by the given spans (higher priority wins an overlap); gaps get `gap(start)`. */
function partition(spans: Span[], total: number, gap: (start: number) => RegionName): Region[] {
  const points = new Set<number>([0, total]);
  for (const s of spans) {
    if (s.start < total) points.add(Math.max(0, s.start));
    if (s.end < total) points.add(Math.max(0, s.end));
  }
  const sorted = [...points].filter((p) => p >= 0 && p <= total).sort((a, b) => a - b);
  // A sweep over the points, counting the spans open at each priority (spans of one priority
  // share a name): brotli-wasm's thousands of data segments made a scan of all spans per point
  // take 35 % of its new Module.
  const real = spans.filter((s) => s.end > s.start);
  const byStart = [...real].sort((a, b) => a.start - b.start);
  const byEnd = [...real].sort((a, b) => a.end - b.end);
  const open = new Map<number, { count: number; name: RegionName }>();
  let nextStart = 0;
  let nextEnd = 0;
  const out: Region[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i];
    const end = sorted[i + 1];
    // a span covers [start, end) when it starts at or before `start` and ends after it
    for (; nextStart < byStart.length && byStart[nextStart].start <= start; nextStart++) {
      const s = byStart[nextStart];
      const level = open.get(s.priority);
      if (level) level.count++;
      else open.set(s.priority, { count: 1, name: s.name });
    }
    for (; nextEnd < byEnd.length && byEnd[nextEnd].end <= start; nextEnd++) {
      const level = open.get(byEnd[nextEnd].priority)!;
      if (--level.count === 0) open.delete(byEnd[nextEnd].priority);
    }
    let best: { priority: number; name: RegionName } | null = null;
    for (const [priority, level] of open) if (!best || priority > best.priority) best = { priority, name: level.name };
    const name = best ? best.name : gap(start);
    const last = out[out.length - 1];
    if (last && last.name === name && last.end === start) last.end = end;
    else out.push({ name, start, end, grows: growsOf(name) });
  }
  return out;
}

function growsOf(name: RegionName): Region['grows'] {
  return name === 'stack' ? 'down' : name === 'heap' ? 'up' : null;
}

export function analyzeLayout(ir: ModuleIR, facts: ValidationFacts): LayoutReport {
  const moduleName = ir.names.module ?? null;
  const blockers = findBlockers(ir, facts);
  const notes: string[] = [];
  const sbrk = blockers.find((b) => b.recognisedAs === 'sbrk' && b.op === 'memory.grow');
  if (sbrk !== undefined) {
    notes.push(`function ${sbrk.funcIndex} is wasi-libc's sbrk, recognised by its code (memory.size × 65,536; memory.grow of the increment / 65,536): malloc grows the heap from the heap start by whole pages`);
  }
  const suggestions: string[] = [];

  const memType = ir.memories[0];
  if (memType === undefined) {
    return {
      moduleName, memory: null, stackPointer: null, heapBase: null, dataEnd: null, globalBase: null, heapStart: null, stackFirst: null,
      regions: [], linkOptions: 'wasm-ld', stack: null, stackStartExact: null, heapStartExact: null, requiredBytes: null, allocatedBytes: { auto: 0, pages: 0 }, trimmed: false,
      reason: 'no memory: the module neither defines nor imports a linear memory', blockers, suggestions, notes, evidence: {},
    };
  }
  const pageSize = 2 ** memType.pageSizeLog2;
  const memory = {
    imported: ir.importedMemoryCount > 0,
    initialPages: memType.min,
    maximumPages: memType.max ?? null,
    pageSize,
  };
  const pagesBytes = memType.min * pageSize;
  const evidence: LayoutEvidence = {};

  // __heap_base: only an exported immutable i32 global with an i32.const initialiser counts for
  // sizing (DESIGN.md); one named only in the name section still tells where the heap starts.
  const heapExport = ir.exports.find((e) => e.name === '__heap_base');
  let heapBase: number | null = null;
  let heapProblem: string | null = null;
  if (!heapExport) heapProblem = '__heap_base is not exported (link with -Wl,--export=__heap_base)';
  else if (heapExport.kind !== 'global') heapProblem = `the export __heap_base is a ${heapExport.kind === 'func' ? 'function' : heapExport.kind}, not a global`;
  else {
    const g = ir.globals[heapExport.index];
    const value = globalConst(ir, heapExport.index);
    if (g.type !== 'i32') heapProblem = `__heap_base is a global of type ${g.type}, not i32`;
    else if (g.mutable) heapProblem = '__heap_base is a mutable global';
    else if (value === null) heapProblem = heapExport.index < ir.importedGlobalCount
      ? '__heap_base is an imported global, not a constant'
      : '__heap_base is not initialised by an i32.const';
    else heapBase = value;
  }
  const heapBaseHint = heapBase ?? linkerSymbol(ir, '__heap_base', true);
  if (heapBase !== null) evidence.heapStart = '__heap_base, exported';
  else if (heapBaseHint !== null) evidence.heapStart = '__heap_base, named in the name section (or exported but not usable for sizing)';

  // Data segments: active, in memory 0, at a constant offset.
  const segments: { index: number; start: number; end: number }[] = [];
  ir.datas.forEach((d, index) => {
    if (d.mode !== 'active' || d.memory !== 0) return;
    const start = i32Const(d.offset);
    if (start === null) {
      notes.push(`data segment ${index} is placed at a non-constant offset; it is left out of the layout`);
      return;
    }
    if (d.bytes.length > 0) segments.push({ index, start, end: start + d.bytes.length });
  });
  const segLow = segments.length ? Math.min(...segments.map((s) => s.start)) : null;
  const segHigh = segments.length ? Math.max(...segments.map((s) => s.end)) : null;
  const globalBaseSymbol = linkerSymbol(ir, '__global_base', true);
  const globalBase = globalBaseSymbol ?? segLow;
  const dataEndSymbol = linkerSymbol(ir, '__data_end', true);
  const dataEnd = dataEndSymbol ?? segHigh;
  const symbolSource = (name: string): string =>
    ir.exports.some((e) => e.kind === 'global' && e.name === name) ? `${name}, exported` : `${name}, named in the name section`;
  if (globalBaseSymbol !== null) evidence.globalBase = symbolSource('__global_base');
  else if (segLow !== null) evidence.globalBase = 'the start of the lowest active data segment';
  if (dataEndSymbol !== null) evidence.dataEnd = symbolSource('__data_end');
  else if (segHigh !== null) evidence.dataEnd = 'the end of the highest active data segment (zero-initialised data after it has no segment, so the real end may be higher)';

  // Stack pointer: `__stack_pointer` by name (name section, or an export of that name); failing
  // that, the global the code uses as one (clang's prologue and epilogue, Emscripten's stack
  // helpers: src/layout/stack-pointer.ts); failing that, the first mutable i32 global whose
  // initial value is ≤ __heap_base (wasm-ld convention). Without __heap_base or such code the
  // module gives no sign of an auxiliary stack, so no global is guessed: an ordinary counter must
  // never be mistaken for a stack (and guarded). A value of 0 is no stack.
  let stackPointer: LayoutReport['stackPointer'] = null;
  const spCandidates: [number, string][] = [];
  for (const [index, n] of ir.names.globals) if (n === '__stack_pointer') spCandidates.push([index, 'named __stack_pointer in the name section']);
  for (const e of ir.exports) if (e.kind === 'global' && e.name === '__stack_pointer') spCandidates.push([e.index, 'exported as __stack_pointer']);
  for (const [index, how] of spCandidates) {
    const g = ir.globals[index];
    const v = globalConst(ir, index);
    if (g && g.mutable && v !== null) {
      stackPointer = { globalIndex: index, name: '__stack_pointer', initial: v };
      evidence.stackPointer = `global ${index}, ${how}`;
      break;
    }
  }
  /** Emscripten's stack helpers are exported: its link options are spelt -sNAME=value. */
  let emscripten = false;
  if (stackPointer === null) {
    const fromCode = stackPointerFromCode(ir, memory.imported ? null : Math.max(pagesBytes, heapBaseHint ?? 0));
    if (fromCode !== null) {
      stackPointer = { globalIndex: fromCode.globalIndex, name: ir.names.globals.get(fromCode.globalIndex) ?? null, initial: fromCode.initial };
      evidence.stackPointer = fromCode.evidence;
      emscripten = fromCode.helpers.length > 0;
      if (fromCode.runnerUp !== null) {
        notes.push(`global ${fromCode.runnerUp.globalIndex} also has the stack pointer's prologue (in ${num(fromCode.runnerUp.prologueFunctions)} function${fromCode.runnerUp.prologueFunctions === 1 ? '' : 's'}); global ${fromCode.globalIndex} has it in more and is taken for the stack pointer`);
      }
    }
  }
  if (stackPointer === null && heapBaseHint !== null) {
    const limit = heapBaseHint;
    for (let index = ir.importedGlobalCount; index < ir.globals.length; index++) {
      const g = ir.globals[index];
      const v = globalConst(ir, index);
      if (g.mutable && v !== null && v > 0 && v <= limit) {
        stackPointer = { globalIndex: index, name: ir.names.globals.get(index) ?? null, initial: v };
        evidence.stackPointer = `global ${index}, the first mutable i32 global whose initial value is at most __heap_base (wasm-ld's convention; the code does not show it)`;
        break;
      }
    }
  }
  const stackTop = stackPointer?.initial ?? null;

  // Stack first? The stack top is at or below the static data with --stack-first, above it
  // otherwise. Without any data, wasm-ld's default layout puts the stack top at __heap_base,
  // which --stack-first does too when there is no data at all: then the module does not tell.
  let stackFirst: boolean | null = null;
  if (stackTop !== null) {
    const lowName = globalBaseSymbol !== null ? '__global_base' : 'the lowest data segment';
    if (globalBase !== null) {
      stackFirst = stackTop <= globalBase;
      evidence.stackFirst = `the stack pointer's initial value (${num(stackTop)}) is ${stackFirst ? 'at or below' : 'above'} ${lowName} (${num(globalBase)})`;
    } else if (dataEnd !== null) {
      stackFirst = stackTop <= dataEnd;
      evidence.stackFirst = `the stack pointer's initial value (${num(stackTop)}) is ${stackFirst ? 'at or below' : 'above'} __data_end (${num(dataEnd)})`;
    } else if (heapBaseHint !== null && stackTop < heapBaseHint) {
      stackFirst = true;
      evidence.stackFirst = `the stack pointer's initial value (${num(stackTop)}) is below __heap_base (${num(heapBaseHint)}) and there is no data`;
    }
  }

  // Sizing decision.
  let trimmed = false;
  let reason: string;
  if (memory.imported) reason = 'not trimmed: the memory is imported (the host creates it)';
  else if (heapProblem !== null) reason = `not trimmed: ${heapProblem}`;
  else if (blockers.length > 0) reason = blockerReason(blockers);
  else {
    trimmed = true;
    reason = `trimmed to __heap_base (${num(heapBase!)} bytes): no memory.size or memory.grow`;
  }
  const autoBytes = trimmed ? heapBase! : pagesBytes;
  if (trimmed && heapBase! > pagesBytes) {
    notes.push(`__heap_base (${num(heapBase!)}) is above the initial memory (${num(pagesBytes)} bytes): 'auto' allocates more than the module declares`);
  }

  // Regions.
  const spans: Span[] = [];
  let stack: LayoutReport['stack'] = null;
  let emscriptenEnd = false;
  let dataStart = globalBase;
  let dataStop = dataEnd;
  if (stackFirst === true) {
    stack = { start: 0, end: stackTop! };
    evidence.stack = `[0, the stack pointer's initial value): the stack is below the static data`;
    // Static data follows the stack, up to __data_end; wasm-ld then puts __heap_base at
    // __data_end rounded up to 16. Zero-initialised data (.bss) has no segment, so without
    // __data_end a gap of 16 bytes or more between the last segment and __heap_base is .bss.
    if (dataStart === null) dataStart = stackTop!;
    if (dataEndSymbol === null && heapBaseHint !== null && heapBaseHint > dataStart
        && (dataStop === null || heapBaseHint - dataStop >= STACK_ALIGN)) {
      if (dataStop !== null) notes.push(`static data runs to __heap_base (${num(heapBaseHint)}), past the last data segment (${num(dataStop)}): zero-initialised data has no segment`);
      dataStop = heapBaseHint;
    }
  } else if (stackFirst === false && dataEnd !== null && stackTop! >= dataEnd) {
    // wasm-ld puts the stack at __data_end rounded up to the stack alignment.
    stack = { start: Math.min(alignUp(dataEnd, STACK_ALIGN), stackTop!), end: stackTop! };
    evidence.stack = dataEndSymbol !== null
      ? '[__data_end rounded up to 16, the stack pointer\'s initial value): wasm-ld puts the stack right after the static data'
      : '[the end of the last data segment rounded up to 16, the stack pointer\'s initial value): wasm-ld puts the stack right after the static data; the start is only a lower bound (zero-initialised data has no segment)';
    // Emscripten's emscripten_stack_get_end (set by emscripten_stack_init) is the exact bound.
    const limits = dataEndSymbol === null ? emscriptenStackLimits(ir) : null;
    if (limits !== null && limits.end !== null && limits.end >= stack.start && limits.end <= stackTop!
        && (limits.base === null || limits.base === stackTop)) {
      stack.start = limits.end;
      emscriptenEnd = true;
      evidence.stack = `[emscripten_stack_get_end(), the stack pointer's initial value): Emscripten's helpers (emscripten_stack_init sets the end to ${num(limits.end)})`;
    }
    if (dataEndSymbol === null && !emscriptenEnd && stack.start < stackTop!) {
      notes.push('the stack\'s lower bound is taken from the last data segment; zero-initialised data (.bss) above it has no segment, so the real bound may be higher (export __data_end to know it)');
    }
  }
  if (stack) spans.push({ name: 'stack', start: stack.start, end: stack.end, priority: 2 });
  if (dataStart !== null && dataStop !== null && dataStop > dataStart) {
    spans.push({ name: 'static data', start: dataStart, end: dataStop, priority: 3 });
  }
  for (const s of segments) spans.push({ name: 'static data', start: s.start, end: s.end, priority: 3 });

  // The heap starts at __heap_base; without it, where wasm-ld would have put __heap_base.
  let heapStart = heapBaseHint;
  let heapStartExact: boolean | null = heapStart !== null ? true : null;
  if (heapStart === null) {
    if (stackFirst === true && dataStop !== null) {
      heapStart = alignUp(dataStop, STACK_ALIGN);
      heapStartExact = dataEndSymbol !== null || dataStop !== dataEnd;
      evidence.heapStart = heapStartExact
        ? 'inferred: the end of the static data rounded up to 16 (stack-first layout)'
        : 'inferred: the end of the last data segment rounded up to 16 (stack-first layout); zero-initialised data has no segment, so __heap_base may be higher';
    } else if (stackFirst === false && stackTop !== null) {
      heapStart = stackTop;
      heapStartExact = true;
      evidence.heapStart = 'inferred: the stack pointer\'s initial value (data-first layout: wasm-ld puts __heap_base right after the stack)';
    }
    if (heapStart !== null) notes.push(`the heap start (${num(heapStart)}) is estimated: __heap_base is not exported`);
  }
  if (heapStart !== null && heapStart <= autoBytes) spans.push({ name: 'heap', start: heapStart, end: autoBytes, priority: 1 });

  // Gaps: 'unknown' below the stack top when the stack could not be placed, or below the heap
  // when static data exists that has no segments; 'unused' otherwise.
  const unknownBelow = stackTop !== null && stack === null ? stackTop : -1;
  const regions = partition(spans, autoBytes, (start) => (start < unknownBelow ? 'unknown' : 'unused'));
  if (heapStart !== null && heapStart === autoBytes) regions.push({ name: 'heap', start: heapStart, end: heapStart, grows: 'up' });

  if (stackTop !== null && stack === null) {
    notes.push(stackFirst === false
      ? 'the stack\'s lower bound is unknown: the module has no data segments and does not export __data_end'
      : 'where the stack is cannot be told: the module has no data segments and does not export __data_end or __global_base');
  }
  if (stackPointer === null && !memory.imported) notes.push('no stack pointer global: the module has no auxiliary stack in linear memory, or it is not wasm-ld\'s');
  if (trimmed) {
    for (const s of segments) {
      if (s.end > autoBytes) notes.push(`data segment ${s.index} [${num(s.start)}, ${num(s.end)}) extends past __heap_base (${num(autoBytes)}): instantiation under 'auto' fails`);
    }
  }

  // Suggestions: link options that would shrink the memory or make it safer.
  const stackSize = stack ? stack.end - stack.start : null;
  const stackStartExact = stack === null ? null : stackFirst === true || dataEndSymbol !== null || emscriptenEnd || stack.start === stackTop;
  if (!memory.imported && heapProblem !== null && heapProblem.startsWith('__heap_base is not exported')) {
    suggestions.push(blockers.length > 0
      ? '-Wl,--export=__heap_base: reports where the heap starts (the memory still is not trimmed: the module uses memory.size/memory.grow)'
      : `-Wl,--export=__heap_base: lets heapbase allocate exactly what the module needs${heapStart !== null ? ` (${num(heapStart)} bytes)` : ''} instead of ${num(pagesBytes)} bytes`);
  }
  if (stackSize !== null && stackSize >= DEFAULT_STACK) {
    const option = emscripten ? '-sSTACK_SIZE' : '-z stack-size';
    const example = emscripten ? '-sSTACK_SIZE=8192' : '-z stack-size=8192';
    suggestions.push(`${option}=<bytes>: the stack is ${stackStartExact ? '' : 'at most '}${formatBytes(stackSize)}${stackSize === DEFAULT_STACK && !emscripten ? ', wasm-ld\'s default' : ''}; most embedded programs need far less (for example ${example}), and every byte saved is a byte not allocated`);
  }
  if (stackFirst === false) {
    suggestions.push('-Wl,--stack-first: puts the stack below the static data, so a stack overflow runs below address 0 and traps instead of overwriting data');
  }
  if (!memory.imported && !trimmed && pageSize === WASM_PAGE) {
    const need = heapBaseHint ?? heapStart;
    if (need !== null) {
      const minPages = Math.max(1, Math.ceil(need / WASM_PAGE));
      if (memType.min > minPages) {
        suggestions.push(`-Wl,--initial-memory=${minPages * WASM_PAGE}: the layout needs ${num(need)} bytes but the memory starts with ${memType.min} pages (${num(pagesBytes)} bytes)`);
      }
    }
  }
  if (stackTop !== null && stack === null && dataEndSymbol === null) {
    suggestions.push('-Wl,--export=__data_end: tells where the static data ends and so where the stack is, which lets heapbase guard it against overflow');
  }
  if (memory.imported) suggestions.push('link without --import-memory: a module that defines its memory can have it trimmed to __heap_base');

  return {
    moduleName, memory, stackPointer, heapBase, dataEnd, globalBase, heapStart, stackFirst, regions, linkOptions: emscripten ? 'emscripten' : 'wasm-ld', stack,
    stackStartExact, heapStartExact, requiredBytes: heapBase, allocatedBytes: { auto: autoBytes, pages: pagesBytes }, trimmed, reason, blockers,
    suggestions, notes, evidence,
  };
}
