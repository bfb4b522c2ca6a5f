// Finding the auxiliary stack pointer from what the code does with it, for modules whose names
// are stripped (release builds, Emscripten): clang's function prologue for wasm32,
//
//   global.get $sp; i32.const N; i32.sub; [i32.const -16; i32.and;] local.tee/local.set $l; global.set $sp
//   global.get $sp; local.get $n; i32.sub; i32.const -16; i32.and; local.tee/local.set $l; global.set $sp
//
// (N a positive multiple of 16, the wasm32 C ABI's stack alignment, unless masked), its -O0 form
// (each operand through a local), the matching epilogue `local.get $l; i32.const N; i32.add;
// global.set $sp`, and Emscripten's stack helpers when exported under their own names.
//
// `new Module` runs this (DESIGN.md: analysis that `new Module` runs must be linear): it is a
// byte-level matcher over the code section (the native `indexOf` finds each `global.get` byte, a
// few byte comparisons reject it), bounded to SCAN_BUDGET bytes of code. A counter
// (`global.get; i32.const 1; i32.add; global.set`) never matches: no subtraction, no local, and
// 1 is not a multiple of 16.
import type { ModuleIR } from '../binary/module.js';

/** Bytes of function code scanned at most, the bodies in order (2 MiB: 1-5 ms on Node 20 here; @swc/wasm's first 86 functions). */
export const SCAN_BUDGET = 2 * 1024 * 1024;

export interface StackPointerFromCode {
  globalIndex: number;
  initial: number;
  /** Functions (among those scanned) whose code has the prologue for this global. */
  prologueFunctions: number;
  /** Of those, functions that also restore it with the matching epilogue. */
  epilogueFunctions: number;
  /** Exported Emscripten helpers whose bodies read or write this global (`_emscripten_stack_restore`, …). */
  helpers: string[];
  /** Function bodies scanned, of how many; whether the budget stopped the scan. */
  scannedFunctions: number;
  totalFunctions: number;
  truncated: boolean;
  /** A second global with the prologue too (fewer functions), if any: reported as a note. */
  runnerUp: { globalIndex: number; prologueFunctions: number } | null;
  /** What the choice rests on, for the report's evidence. */
  evidence: string;
}

const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

/** Bytes after the prologue's subtraction within which Emscripten's overflow check stores the new stack pointer. */
const CHECK_WINDOW = 64;

const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_AND = 0x71;

/** A LEB128 read at `pos` within `end`: value and the position after it, or null. */
let lebEnd = 0;
function u32At(b: Uint8Array, pos: number, end: number): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= end) return -1;
    const byte = b[pos + i];
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) {
      lebEnd = pos + i + 1;
      return result >>> 0;
    }
    shift += 7;
  }
  return -1;
}
/** Signed LEB128 (i32.const); NaN when malformed. Sets lebEnd. */
function s32At(b: Uint8Array, pos: number, end: number): number {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= end) return NaN;
    const byte = b[pos + i];
    result |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) {
      lebEnd = pos + i + 1;
      if (shift < 32 && (byte & 0x40) !== 0) result |= -1 << shift;
      return result | 0;
    }
  }
  return NaN;
}

interface Prologue {
  global: number;
  /** Bytes of the epilogue that would undo it, `local.get $l; i32.const N; i32.add` (null when there is none to look for). */
  undo: Uint8Array | null;
  /** The global's index as encoded (for the epilogue's `global.set`). */
  globalBytes: Uint8Array;
  end: number;
}

/** The prologue starting at `i` (a global.get byte), or null. */
function prologueAt(b: Uint8Array, i: number, end: number): Prologue | null {
  const gStart = i + 1;
  const g = u32At(b, gStart, end);
  if (g < 0) return null;
  const gEnd = lebEnd;
  let p = gEnd;
  let n: number; // the frame size, NaN when it is in a local
  let nStart = -1;
  let nEnd = -1;
  let masked = false;
  let local: number;
  let lStart: number;
  let lEnd: number;
  if (b[p] === I32_CONST) {
    nStart = p + 1;
    n = s32At(b, nStart, end);
    if (Number.isNaN(n)) return null;
    nEnd = lebEnd;
    p = nEnd;
    if (b[p] !== I32_SUB) return null;
    p++;
  } else if (b[p] === LOCAL_GET) {
    if (u32At(b, p + 1, end) < 0) return null;
    p = lebEnd;
    if (b[p] !== I32_SUB) return null;
    p++;
    n = NaN;
  } else if (b[p] === LOCAL_SET) {
    // -O0: global.get $sp; local.set $a; i32.const N; local.set $b; local.get $a; local.get $b; i32.sub; local.set $c; local.get $c; global.set $sp
    const a = u32At(b, p + 1, end);
    if (a < 0 || b[lebEnd] !== I32_CONST) return null;
    n = s32At(b, lebEnd + 1, end);
    if (Number.isNaN(n) || b[lebEnd] !== LOCAL_SET) return null;
    const bb = u32At(b, lebEnd + 1, end);
    if (bb < 0 || b[lebEnd] !== LOCAL_GET || u32At(b, lebEnd + 1, end) !== a) return null;
    if (b[lebEnd] !== LOCAL_GET || u32At(b, lebEnd + 1, end) !== bb) return null;
    if (b[lebEnd] !== I32_SUB || b[lebEnd + 1] !== LOCAL_SET) return null;
    const c = u32At(b, lebEnd + 2, end);
    if (c < 0 || b[lebEnd] !== LOCAL_GET || u32At(b, lebEnd + 1, end) !== c) return null;
    if (b[lebEnd] !== GLOBAL_SET || u32At(b, lebEnd + 1, end) !== g) return null;
    if (!(n > 0 && n % 16 === 0)) return null;
    return { global: g, undo: null, globalBytes: b.subarray(gStart, gEnd), end: lebEnd };
  } else return null;
  // optional alignment: i32.const -16; i32.and
  if (b[p] === I32_CONST) {
    if (s32At(b, p + 1, end) !== -16 || b[lebEnd] !== I32_AND) return null;
    masked = true;
    p = lebEnd + 1;
  }
  if (b[p] !== LOCAL_TEE && b[p] !== LOCAL_SET) return null;
  lStart = p + 1;
  local = u32At(b, lStart, end);
  if (local < 0) return null;
  lEnd = lebEnd;
  p = lEnd;
  let after: number;
  if (b[p] === GLOBAL_SET && u32At(b, p + 1, end) === g) after = lebEnd;
  else {
    // Emscripten's STACK_OVERFLOW_CHECK checks the new value before storing it: `local.tee $l;
    // [local.tee $m;] global.get $end; i32.gt_u; … if … end; local.get $l|$m; global.set $sp`
    // within a few dozen bytes. Only a local.tee (the value is still needed) starts it.
    if (b[lStart - 1] !== LOCAL_TEE) return null;
    const locals = [local];
    while (b[p] === LOCAL_TEE) {
      const m = u32At(b, p + 1, end);
      if (m < 0) return null;
      locals.push(m);
      p = lebEnd;
    }
    after = -1;
    const limit = Math.min(end, p + CHECK_WINDOW);
    for (let h = b.indexOf(GLOBAL_SET, p); h >= 0 && h < limit; h = b.indexOf(GLOBAL_SET, h + 1)) {
      if (u32At(b, h + 1, end) !== g) continue;
      const setEnd = lebEnd;
      // local.get $x right before, with $x one of the tee'd locals (minimal LEB or not: try 1-5 bytes)
      for (let len = 1; len <= 5 && after < 0; len++) {
        const at = h - len - 1;
        if (at < p || b[at] !== LOCAL_GET) continue;
        const x = u32At(b, at + 1, h);
        if (x >= 0 && lebEnd === h && locals.includes(x)) after = setEnd;
      }
      break; // the first global.set of $sp decides
    }
    if (after < 0) return null;
  }
  if (Number.isNaN(n)) {
    if (!masked) return null; // a frame size in a local without the mask: too weak alone
  } else if (!masked && !(n > 0 && n % 16 === 0)) return null;
  let undo: Uint8Array | null = null;
  if (!masked && nStart >= 0) {
    // local.get $l; i32.const N; i32.add, with the immediates encoded as in the prologue
    undo = new Uint8Array(1 + (lEnd - lStart) + 1 + (nEnd - nStart) + 1);
    undo[0] = LOCAL_GET;
    undo.set(b.subarray(lStart, lEnd), 1);
    undo[1 + lEnd - lStart] = I32_CONST;
    undo.set(b.subarray(nStart, nEnd), 2 + lEnd - lStart);
    undo[undo.length - 1] = I32_ADD;
  }
  return { global: g, undo, globalBytes: b.subarray(gStart, gEnd), end: after };
}

/** Whether `b[from, end)` has `undo` followed by `global.set` of the prologue's global. */
function hasEpilogue(b: Uint8Array, pro: Prologue, end: number): boolean {
  const undo = pro.undo;
  if (undo === null) return false;
  const gb = pro.globalBytes;
  for (let h = b.indexOf(GLOBAL_SET, pro.end + undo.length); h >= 0 && h + gb.length < end; h = b.indexOf(GLOBAL_SET, h + 1)) {
    let ok = true;
    for (let k = 0; k < gb.length && ok; k++) if (b[h + 1 + k] !== gb[k]) ok = false;
    for (let k = 0; k < undo.length && ok; k++) if (b[h - undo.length + k] !== undo[k]) ok = false;
    if (ok) return true;
  }
  return false;
}

/** Emscripten's stack helpers, by export name: the global their body reads or writes, or null. */
function helperGlobal(ir: ModuleIR, name: string, funcIndex: number): number | null {
  const body = ir.bodies[funcIndex - ir.importedFuncCount];
  if (!body) return null;
  const b = body.bytes;
  let p = body.codeStart; // after the locals declaration
  const end = body.codeEnd;
  if (name === '_emscripten_stack_restore' || name === 'stackRestore') {
    // local.get 0; global.set $sp; end
    if (b[p] !== LOCAL_GET || u32At(b, p + 1, end) !== 0) return null;
    p = lebEnd;
    if (b[p] !== GLOBAL_SET) return null;
    const g = u32At(b, p + 1, end);
    return g >= 0 && lebEnd === end - 1 && b[lebEnd] === 0x0b ? g : null;
  }
  if (name === 'stackSave' || name === 'emscripten_stack_get_current') {
    if (b[p] !== GLOBAL_GET) return null;
    const g = u32At(b, p + 1, end);
    return g >= 0 && lebEnd === end - 1 && b[lebEnd] === 0x0b ? g : null;
  }
  if (name === '_emscripten_stack_alloc' || name === 'stackAlloc') {
    if (b[p] !== GLOBAL_GET) return null;
    const pro = prologueAt(b, p, end);
    return pro ? pro.global : null;
  }
  return null;
}
export const EMSCRIPTEN_HELPERS = ['_emscripten_stack_restore', 'stackRestore', 'stackSave', 'emscripten_stack_get_current', '_emscripten_stack_alloc', 'stackAlloc'];

/**
 * The global the code uses as its stack pointer, or null when the code does not show one clearly:
 * at least two functions with the prologue, or one with both prologue and epilogue, or an
 * Emscripten helper; a defined mutable i32 global whose i32.const initial value is > 0 and a
 * multiple of 16 (and within `memoryBytes` when given).
 */
export function stackPointerFromCode(ir: ModuleIR, memoryBytes: number | null): StackPointerFromCode | null {
  const initialOf = (g: number): number | null => {
    if (g < ir.importedGlobalCount || g >= ir.globals.length) return null;
    const type = ir.globals[g];
    if (type.type !== 'i32' || !type.mutable) return null;
    const init = ir.globalInits[g - ir.importedGlobalCount];
    if (!init || init.length < 1 || init[0].op.name !== 'i32.const') return null;
    if (init.length > 2 || (init.length === 2 && init[1].op.name !== 'end')) return null;
    const v = init[0].a >>> 0;
    if (v === 0 || v % 16 !== 0 || (memoryBytes !== null && v > memoryBytes)) return null;
    return v;
  };

  const counts = new Map<number, { pro: number; epi: number; helpers: string[] }>();
  const entry = (g: number): { pro: number; epi: number; helpers: string[] } => {
    let e = counts.get(g);
    if (!e) counts.set(g, (e = { pro: 0, epi: 0, helpers: [] }));
    return e;
  };

  for (const e of ir.exports) {
    if (e.kind !== 'func' || !EMSCRIPTEN_HELPERS.includes(e.name)) continue;
    const g = helperGlobal(ir, e.name, e.index);
    if (g !== null && initialOf(g) !== null) entry(g).helpers.push(e.name);
  }

  const bodies = ir.bodies;
  let scanned = 0;
  let budget = SCAN_BUDGET;
  const seen = new Set<number>();
  let hit = -1; // the next global.get byte found, possibly in a later body
  let hitBytes: Uint8Array | null = null;
  for (let k = 0; k < bodies.length && budget > 0; k++) {
    const body = bodies[k];
    const b = body.bytes;
    const end = body.codeEnd;
    scanned++;
    budget -= end - body.codeStart;
    seen.clear();
    if (hitBytes !== b || hit < body.codeStart) {
      hitBytes = b;
      hit = b.indexOf(GLOBAL_GET, body.codeStart);
      if (hit < 0) hit = b.length; // none left in these bytes: later bodies need no search
    }
    while (hit >= 0 && hit < end) {
      const pro = prologueAt(b, hit, end);
      if (pro !== null && !seen.has(pro.global)) {
        seen.add(pro.global);
        const e = entry(pro.global);
        e.pro++;
        if (hasEpilogue(b, pro, end)) e.epi++;
      }
      hit = b.indexOf(GLOBAL_GET, hit + 1);
      if (hit < 0) hit = b.length;
    }
  }

  let best: { g: number; pro: number; epi: number; helpers: string[] } | null = null;
  let second: { g: number; pro: number } | null = null;
  for (const [g, e] of counts) {
    if (initialOf(g) === null) continue;
    if (e.pro < 2 && e.epi < 1 && e.helpers.length === 0) continue;
    const score = e.helpers.length > 0 ? Infinity : e.pro;
    const bestScore = best === null ? -1 : best.helpers.length > 0 ? Infinity : best.pro;
    if (best === null || score > bestScore || (score === bestScore && e.pro > best.pro)) {
      if (best !== null && best.pro > 0) second = { g: best.g, pro: best.pro };
      best = { g, ...e };
    } else if (e.pro > 0 && (second === null || e.pro > second.pro)) second = { g, pro: e.pro };
  }
  if (best === null) return null;
  const truncated = scanned < bodies.length;
  const ofWhat = truncated ? ` of the first ${group(scanned)} scanned (of ${group(bodies.length)})` : '';
  const parts: string[] = [];
  if (best.pro > 0) {
    parts.push(`the prologue (global.get; i32.const N; i32.sub; local.tee; global.set) of ${group(best.pro)} function${best.pro === 1 ? '' : 's'}${ofWhat}${best.epi > 0 ? `, ${group(best.epi)} with the matching epilogue` : ''}`);
  }
  if (best.helpers.length > 0) parts.push(`Emscripten's ${best.helpers.join(', ')}`);
  return {
    globalIndex: best.g,
    initial: initialOf(best.g)!,
    prologueFunctions: best.pro,
    epilogueFunctions: best.epi,
    helpers: best.helpers,
    scannedFunctions: scanned,
    totalFunctions: bodies.length,
    truncated,
    runnerUp: second !== null && second.g !== best.g ? { globalIndex: second.g, prologueFunctions: second.pro } : null,
    evidence: `global ${best.g}, from ${parts.join(' and ')}`,
  };
}

/**
 * Emscripten's stack limits, when its helpers are exported under their own names (builds with
 * STACK_OVERFLOW_CHECK, the default at -O0/-O1): `emscripten_stack_get_base`/`_end` return a
 * global that `emscripten_stack_init` sets from constants (or return a constant). The end is the
 * stack's exact lower bound, which the data segments alone cannot tell (.bss has none).
 */
export function emscriptenStackLimits(ir: ModuleIR): { base: number | null; end: number | null } | null {
  const exported = (name: string): number | null => {
    const e = ir.exports.find((x) => x.kind === 'func' && x.name === name);
    return e ? e.index : null;
  };
  const getBase = exported('emscripten_stack_get_base');
  const getEnd = exported('emscripten_stack_get_end');
  if (getBase === null && getEnd === null) return null;
  const globals = new Map<number, number>();
  // emscripten_stack_init sets the globals that the getters read
  const init = exported('emscripten_stack_init');
  if (init !== null && evaluate(ir, init, globals, 0) === undefined) globals.clear();
  const base = getBase === null ? undefined : evaluate(ir, getBase, globals, 1);
  const end = getEnd === null ? undefined : evaluate(ir, getEnd, globals, 1);
  return base === undefined && end === undefined ? null : { base: base ?? null, end: end ?? null };
}

/**
 * Runs a short straight-line body of i32.const, i32.add/sub/and and global.get/set over
 * `globals` (which it updates): its result (null with `results` 0), or undefined when the body is
 * anything else or reads a global not in `globals`.
 */
function evaluate(ir: ModuleIR, funcIndex: number, globals: Map<number, number>, results: 0 | 1): number | null | undefined {
  const body = ir.bodies[funcIndex - ir.importedFuncCount];
  if (!body || body.codeEnd - body.codeStart > 256) return undefined;
  const b = body.bytes;
  const end = body.codeEnd;
  const stack: number[] = [];
  for (let p = body.codeStart; p < end;) {
    const op = b[p];
    if (op === I32_CONST) {
      const v = s32At(b, p + 1, end);
      if (Number.isNaN(v)) return undefined;
      stack.push(v);
      p = lebEnd;
    } else if (op === GLOBAL_GET || op === GLOBAL_SET) {
      const g = u32At(b, p + 1, end);
      if (g < 0) return undefined;
      p = lebEnd;
      if (op === GLOBAL_SET) {
        if (stack.length < 1) return undefined;
        globals.set(g, stack.pop()!);
      } else {
        const v = globals.get(g);
        if (v === undefined) return undefined;
        stack.push(v);
      }
    } else if (op === I32_ADD || op === I32_SUB || op === I32_AND) {
      if (stack.length < 2) return undefined;
      const y = stack.pop()!;
      const x = stack.pop()!;
      stack.push(op === I32_ADD ? (x + y) | 0 : op === I32_SUB ? (x - y) | 0 : x & y);
      p++;
    } else if (op === 0x0b && p === end - 1) {
      if (stack.length !== results) return undefined;
      return results === 1 ? stack[0] >>> 0 : null;
    } else return undefined;
  }
  return undefined;
}
