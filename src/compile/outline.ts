// Splitting very large functions. V8 does not optimise a function whose bytecode exceeds about
// 60 KB: measured, a loop body of 1,400 statements (69,000 characters of JavaScript) ran 18×
// slower than one of 1,200, and a 75 KB Wasm function 55× slower than on V8's own Wasm engine.
// The body of such a function is split: complete statements (blocks, loops, ifs, switches, runs
// of plain statements) move into closures declared in the function, which share its variables.
// A branch or return that leaves a closure becomes `return <code>`, and the closure's call site
// turns the code back into that branch or return.
//
// Interpreter loops (a loop around a dispatch with hundreds of cases) decide the speed of real
// programs, so the choice of what moves follows them:
// - a Wasm loop's inside is fitted into the whole limit, so the loop then moves whole and an
//   iteration stays in one function;
// - a statement holding a large dispatch is fitted into what its siblings leave, and moves last;
// - a dispatch's case arms cannot move, but their insides can: the largest case bodies become
//   closures, the small (usually hot) ones stay in the loop;
// - a closure takes the variables it uses as arguments (no copying in), and stores the ones it
//   may assign at a single exit, from where its caller reloads them.
// Measured (warm, the same script again and again on one instance, a loaded 2-core machine):
// wasmoon's Lua 5.4 on a CPU-bound script 2,100–2,800 ms before (the whole dispatch in one
// closure of 190,000 characters that V8 never optimised, entered once per Lua instruction
// copying 55 variables in and out, its closures made again on every call from C), 155–220 ms
// after, Node's own Wasm 28–45 ms; quickjs-emscripten on a fib and loop script 2,030–2,370 ms
// before, 240–380 ms after, Node 14–19 ms.
//
// This works on the code generator's own output, whose shape it relies on: one statement or
// brace line per line, every `{` and `}` structural (no braces in strings or expressions),
// labels named L<n>, J<n>, D<n> or C<n>_<k>, and `break`/`continue` always labelled.

/**
 * Characters of JavaScript above which a function is split, and the size its pieces are fitted
 * to (call sites counted by their bytecode, callSiteGrowth). Measured bytecode per character:
 * 0.63 for the vm kernel's interpreter loop, 0.75 for unrolled SHA-256, 0.82 for QuickJS's
 * interpreter loop, and at least 0.89 for the loop of 1,400 statements above (69,000
 * characters past V8's limit of 61,440 bytes): 60,000 stays under it at 0.89 with 8 KB to spare.
 * Raising it from 40,000 let QuickJS's loop and dispatch fit one function of 41,282 bytes (fib
 * and loop script 800 → 320 ms at 55,000, alternating runs) and, from 55,000 to 60,000, the vm
 * kernel's (37,406 bytes; run(400) 390 → 55 ms, native 17); Lua and unrolled SHA-256 unchanged
 * within noise. Tests lower it to split nearly every function.
 */
export const splitting = { maxFunctionChars: 60_000 };

/**
 * Deepest statement nesting the splitting descends into: an interpreter's dispatch can be
 * hundreds of nested blocks (QuickJS: over 250), and each level copies its lines.
 */
const MAX_DEPTH = 500;

/**
 * Lines the splitting of one function looks at, over all levels, before it stops descending
 * (QuickJS's interpreter loop: 470,000; 20,000 nested ifs took 8 s and 1.6 GB without a bound).
 */
const MAX_VISITED_LINES = 1_000_000;

/** Smallest statement worth moving into a closure. */
const MIN_MOVED_CHARS = 60;

/**
 * Smallest case arm whose inside is worth moving: its call site keeps the arm's braces and a
 * `case` per way out (a switch of 10,000 one-line cases compiled twice as slowly, all moved).
 */
const MIN_MOVED_ARM_CHARS = 240;

/** The variable through which an outlined `return` passes the function's result. */
export const RESULT_VAR = 'R';

interface Item {
  lines: string[];
  size: number;
  /** simple: one statement; compound: a braced statement over several lines; separator: `} else {`. */
  kind: 'simple' | 'compound' | 'separator';
  /** Its inside was fitted into what its siblings leave: moved only when nothing else can be. */
  fitted?: boolean;
}

/** A Wasm loop (`L3: for (;;) {`); `D` loops are a block chain's dispatch. */
const LOOP = /^L\d+: for \(;;\) \{$/;
const LABEL_DECLARATION = /\b([LJDC]\d+(?:_\d+)?):(?=\s)/g;
const EXIT = /\b(?:(break|continue) ([LJDC]\d+(?:_\d+)?)|return(?: ([^;]*))?);/g;

/**
 * Brace deltas of the lines of the function being split: each level of nesting parses the lines
 * inside it again (a string's hash is computed once and kept by V8, so a lookup is cheap).
 */
const deltas = new Map<string, number>();

function braceDelta(line: string): number {
  let d = deltas.get(line);
  if (d !== undefined) return d;
  d = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 123) d++;
    else if (c === 125) d--;
  }
  deltas.set(line, d);
  return d;
}

/** By closure name: how many characters its call site grows by when localize fills in the arguments. */
type Growth = ReadonlyMap<string, number>;
const CALL_PLACEHOLDER = /^(?:switch \()?(o\d+)\(\)/;

function lineSize(line: string, growth: Growth): number {
  const c = line.charCodeAt(0);
  // only `o5();` and `switch (o5()) {` lines grow
  if (growth.size === 0 || (c !== 111 && !(c === 115 && line.startsWith('switch (o')))) return line.length + 1;
  const name = CALL_PLACEHOLDER.exec(line)?.[1];
  return line.length + 1 + (name === undefined ? 0 : growth.get(name) ?? 0);
}

const sizeOf = (lines: string[], growth: Growth): number => lines.reduce((n, l) => n + lineSize(l, growth), 0);

/** Splits a balanced statement sequence into its top-level statements. */
function parseItems(lines: string[], growth: Growth): Item[] {
  const items: Item[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const d = braceDelta(line);
    if (d === 0) {
      items.push({ lines: [line], size: lineSize(line, growth), kind: line.startsWith('}') ? 'separator' : 'simple' });
      continue;
    }
    if (d < 0) throw new Error(`outline: unbalanced line ${JSON.stringify(line)}`);
    let depth = d;
    let j = i + 1;
    while (depth > 0) {
      if (j >= lines.length) throw new Error('outline: unbalanced statement');
      depth += braceDelta(lines[j]);
      j++;
    }
    const group = lines.slice(i, j);
    items.push({ lines: group, size: sizeOf(group, growth), kind: 'compound' });
    i = j - 1;
  }
  return items;
}

/** A compound statement that can move as a whole: not a `case`/`default` arm of a switch. */
const movable = (item: Item): boolean => item.kind === 'compound' && !CASE_ARM.test(item.lines[0]);

/**
 * A `case`/`default` arm opening one block (`case 7: C0_7: {` … `}`): it cannot move, but its
 * inside can. This is what splits an interpreter loop: the loop and its dispatch stay in one
 * function and the larger case bodies become closures, instead of the whole dispatch `switch`
 * moving into one closure, too large for V8 to optimise, entered and left once per iteration.
 */
const CASE_ARM = /^(case |default:)/;
const armInside = (item: Item): boolean =>
  item.kind === 'compound' && item.lines.length > 2 && CASE_ARM.test(item.lines[0]) &&
  braceDelta(item.lines[0]) === 1 && item.lines[item.lines.length - 1] === '}' && !onlyCall(item.lines);

/** Whether the inside of a braced statement is one closure call site (so moving it again would never end). */
function onlyCall(lines: string[]): boolean {
  const first = lines[1];
  if (CLOSURE_CALL.test(first)) return lines.length === 3;
  if (!first.startsWith('switch (o')) return false;
  let depth = 0;
  for (let i = 1; i < lines.length - 1; i++) {
    depth += braceDelta(lines[i]);
    if (depth === 0) return i === lines.length - 2;
  }
  return false;
}

export interface SplitFunction {
  /** Closure declarations, to place at the start of the function body. */
  closures: string[];
  body: string[];
  /** Whether RESULT_VAR is used (and must be declared). */
  usesResult: boolean;
}

/**
 * Splits `body` (the function's statements). `variables` are the function's own variables
 * (parameters and `let`s): a closure works on local copies of those it uses, because V8 keeps a
 * closure's own locals in registers but reads and writes shared ones in memory (measured:
 * unrolled SHA-256 6–10× slower with shared variables only). The copies come in as arguments
 * and the ones a closure assigns go back through the shared variables before it returns.
 */
export function splitLargeFunction(body: string[], variables: readonly string[], limit = splitting.maxFunctionChars): SplitFunction {
  const isVariable = new Set(variables.filter((v) => v !== RESULT_VAR));
  /** Runs of plain statements are moved in pieces of at most this many characters. */
  const runPiece = Math.max(limit, 1);
  const closures: string[] = [];
  const pieces = new Map<string, Piece>();
  const growth = new Map<string, number>();
  /** Lines looked at so far, over all levels (nesting thousands deep costs lines × depth). */
  let visited = 0;
  let usesResult = false;

  /**
   * Moves `inner` (complete statements, already fitted) into a new closure; returns its call
   * site and the size that will have once its arguments are filled in.
   */
  const outline = (inner: string[]): { lines: string[]; size: number } => {
    const declared = new Set<string>();
    for (const line of inner) for (const m of line.matchAll(LABEL_DECLARATION)) declared.add(m[1]);
    /** Exit statement (as written at the call site) → code. */
    const codes = new Map<string, number>();
    const codeOf = (statement: string): number => {
      let code = codes.get(statement);
      if (code === undefined) codes.set(statement, (code = codes.size + 1));
      return code;
    };
    const rewritten = inner.map((line) => line.replace(EXIT, (all, kind: string | undefined, label: string | undefined, value: string | undefined) => {
      if (kind !== undefined) return declared.has(label!) ? all : `return ${codeOf(`${kind} ${label};`)};`;
      if (value === undefined) return `return ${codeOf('return;')};`;
      usesResult = true;
      return `{ ${RESULT_VAR} = ${value}; return ${codeOf(`return ${RESULT_VAR};`)}; }`;
    }));
    const name = `o${closures.length}`;
    const local = localize(rewritten, isVariable, pieces, true);
    pieces.set(name, local.piece);
    closures.push(`function ${name}(${local.piece.params.map((v) => `${v}_`).join(', ')}) {\n${local.lines.join('\n')}\n}`);
    const lines = codes.size === 0 ? [`${name}();`]
      : [`switch (${name}()) {`, ...[...codes].map(([statement, code]) => `case ${code}: ${statement}`), '}'];
    growth.set(name, callSiteGrowth(local.piece));
    return { lines, size: sizeOf(lines, growth) };
  };

  /**
   * The statements, with parts moved into closures until what remains is within `budget`.
   * Past MAX_DEPTH nested statements the rest stays as it is (each level copies its lines, and a
   * module nested 20,000 deep is past V8's parser anyway).
   */
  const fit = (lines: string[], depth: number, budget: number, size = sizeOf(lines, growth)): { lines: string[]; size: number } => {
    if (depth > MAX_DEPTH || visited > MAX_VISITED_LINES || size <= budget) return { lines, size };
    visited += lines.length;
    const items = parseItems(lines, growth);
    let total = items.reduce((n, it) => n + it.size, 0);
    // Large compound statements first get their insides fitted, into what their siblings leave
    // (so that a statement with a large dispatch inside can stay whole), but at least a quarter
    // of the limit (blocks nested hundreds deep, one case of a dispatch each, would otherwise
    // leave nothing to the innermost). A loop's inside is fitted into the whole limit: the loop
    // can then move whole, and an iteration never crosses into another function and back.
    for (const item of items) {
      if (item.kind === 'compound' && item.size > budget && item.lines.length > 2) {
        const room = LOOP.test(item.lines[0]) ? limit - item.lines[0].length - 2
          : Math.max(budget - (total - item.size), Math.floor(limit / 4));
        const first = item.lines[0];
        const last = item.lines[item.lines.length - 1];
        const ends = lineSize(first, growth) + lineSize(last, growth);
        const inside = fit(item.lines.slice(1, -1), depth + 1, room, item.size - ends);
        item.lines = [first, ...inside.lines, last];
        item.fitted = true;
        total -= item.size;
        item.size = inside.size + ends;
        total += item.size;
      }
    }
    // Then movable statements, pieces of runs of plain statements and insides of case arms move
    // out. Moving one leaves the others as they are: they are taken largest first, in one pass
    // (a dispatch has thousands of case arms), what holds a dispatch nested deep inside (its hot
    // path) last.
    const replaced = new Map<number, { end: number; item: Item }>();
    for (const best of candidates(items, runPiece)) {
      if (total <= budget) break;
      // Moving everything would only move the problem (and never end).
      if (best.end - best.start === items.length && !best.inside) continue;
      let replacement: Item;
      if (best.inside) {
        const arm = items[best.start];
        const call = outline(arm.lines.slice(1, -1));
        const lines = [arm.lines[0], ...call.lines, '}'];
        replacement = { lines, size: call.size + arm.lines[0].length + 3, kind: 'compound' };
      } else {
        const call = outline(items.slice(best.start, best.end).flatMap((it) => it.lines));
        replacement = { lines: call.lines, size: call.size, kind: 'compound' };
      }
      replaced.set(best.start, { end: best.end, item: replacement });
      total += replacement.size - best.size;
    }
    if (replaced.size > 0) {
      const kept: Item[] = [];
      for (let i = 0; i < items.length; i++) {
        const r = replaced.get(i);
        if (r === undefined) kept.push(items[i]);
        else { kept.push(r.item); i = r.end - 1; }
      }
      return { lines: kept.flatMap((it) => it.lines), size: total };
    }
    return { lines: items.flatMap((it) => it.lines), size: total };
  };

  let fitted: string[];
  try {
    fitted = fit(body, 0, limit).lines;
  } finally {
    deltas.clear();
  }
  // The function's own statements too work on copies: its variables are shared with the
  // closures, so V8 keeps them in memory.
  return { body: closures.length > 0 ? localize(fitted, isVariable, pieces, false).lines : fitted, closures, usesResult };
}

interface Candidate {
  start: number;
  end: number;
  size: number;
  /** Move the inside of the case arm at `start`, not the statements. */
  inside: boolean;
  fitted: boolean;
}

/**
 * What could move, in the order to move it: movable statements, pieces of runs of plain
 * statements and case arm insides, largest first, those holding a fitted statement last. Small
 * ones are left out: moving them buys nothing, their call site is about as long.
 */
function candidates(items: Item[], runPiece: number): Candidate[] {
  const found: Candidate[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const fitted = item.fitted === true;
    if (movable(item) && !CALL_PLACEHOLDER.test(item.lines[0])) {
      found.push({ start: i, end: i + 1, size: item.size, inside: false, fitted });
    } else if (armInside(item) && item.size > MIN_MOVED_ARM_CHARS) {
      found.push({ start: i, end: i + 1, size: item.size, inside: true, fitted });
    } else if (item.kind === 'simple') {
      let j = i;
      let size = 0;
      while (j < items.length && items[j].kind === 'simple' && size + items[j].size <= runPiece) size += items[j++].size;
      if (j === i) { j = i + 1; size = item.size; }
      if (!(j - i === 1 && CLOSURE_CALL.test(item.lines[0]))) found.push({ start: i, end: j, size, inside: false, fitted: false });
      i = j - 1;
    }
  }
  return found.filter((c) => c.size > MIN_MOVED_CHARS).sort((a, b) => Number(a.fitted) - Number(b.fitted) || b.size - a.size);
}

/** What a caller must know of a closure: the variables it takes (in this order) and those it may assign. */
interface Piece {
  params: string[];
  assigned: ReadonlySet<string>;
}

/**
 * What a call site's arguments and reloads add, in the units of the limit. The limit stands for
 * V8's bytecode limit at about one byte per character of plain statements; an argument costs
 * V8 2–3 bytes of bytecode (counted as 2: 3 moved hot Lua cases out and was slower) and a reload
 * about 5, far fewer than their characters (measured: a piece of 83,000 characters, mostly call
 * sites, was 50,585 bytes of bytecode).
 */
function callSiteGrowth(piece: Piece): number {
  return 2 * piece.params.length + 5 * piece.assigned.size;
}

/** Whether char code `c` is a word character (`\w`). */
const isWordCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/**
 * `line` with every identifier in `isVariable` renamed to its local copy (`x` → `x_`) and added
 * to `used`, outside string literals (the code generator's strings are trap messages, with no
 * quotes inside). A scan by hand: a regular expression with a replacer function per identifier
 * was a fifth of the code generation of a large module (@swc/wasm).
 */
function localNames(line: string, isVariable: ReadonlySet<string>, used: Set<string>, assigned: Set<string>): string {
  let out = '';
  let copied = 0;
  let inString = false;
  for (let i = 0; i < line.length;) {
    const c = line.charCodeAt(i);
    if (c === 39) { inString = !inString; i++; continue; } // '
    if (inString || !isWordCode(c)) { i++; continue; }
    // a run of word characters: an identifier if it starts with a letter or _, else a number
    const start = i;
    while (i < line.length && isWordCode(line.charCodeAt(i))) i++;
    if (c >= 48 && c <= 57) continue;
    const id = line.slice(start, i);
    if (!isVariable.has(id)) continue;
    used.add(id);
    // `x = ` (not `x ===`): the generator's assignments are all of this form
    if (line.charCodeAt(i) === 32 && line.charCodeAt(i + 1) === 61 && line.charCodeAt(i + 2) === 32 && line.charCodeAt(i + 3) !== 61) assigned.add(id);
    out += `${line.slice(copied, i)}_`;
    copied = i;
  }
  return copied === 0 ? line : out + line.slice(copied);
}
const CLOSURE_CALL = /^(o\d+)\(\);$/;
const CLOSURE_SWITCH = /^switch \((o\d+)\(\)\) \{$/;
const CODE_RETURN = /\breturn (\d+);/g;

/**
 * Statements working on copies of the function's variables: `x` becomes `x_`. A closure takes
 * its copies as arguments: those it uses and those the closures it calls take. A caller passes
 * its copies, and after the call reloads the copies of the variables the callee may have
 * assigned; the callee stores all of those when it returns (in a closure, `inClosure`: its
 * `return <code>`s leave a block `X` to one exit that stores them, returning 0 if none ran).
 * The function's own statements copy their variables in first, and their returns need no copy.
 */
function localize(lines: string[], isVariable: ReadonlySet<string>, pieces: ReadonlyMap<string, Piece>, inClosure: boolean): { lines: string[]; piece: Piece } {
  const used = new Set<string>();
  // Only what these statements assign goes back.
  const assigned = new Set<string>();
  const renamed = lines.map((line) => localNames(line, isVariable, used, assigned));
  const callee = (line: string): Piece | undefined => {
    if (line.charCodeAt(0) !== 111 && !line.startsWith('switch (o')) return undefined; // o…
    const name = (CLOSURE_CALL.exec(line) ?? CLOSURE_SWITCH.exec(line))?.[1];
    return name === undefined ? undefined : pieces.get(name);
  };
  let callsWithReload = false;
  for (const line of renamed) {
    const piece = callee(line);
    if (piece === undefined) continue;
    for (const v of piece.params) used.add(v);
    for (const v of piece.assigned) assigned.add(v);
    if (piece.assigned.size > 0) callsWithReload = true;
  }
  const params = [...used];
  const piece: Piece = { params, assigned };
  // Everything a caller reloads goes back, also what only a callee assigns: the callee may not have run.
  const copyBack = [...assigned].map((v) => `${v} = ${v}_;`).join(' ');
  const singleExit = inClosure && copyBack !== '';
  const out: string[] = [];
  if (!inClosure && params.length > 0) out.push(`let ${params.map((v) => `${v}_ = ${v}`).join(', ')}${callsWithReload ? ', k_ = 0' : ''};`);
  else if (callsWithReload) out.push('let k_ = 0;');
  const bodyStart = out.length;
  for (const line of renamed) {
    const piece = callee(line);
    if (piece !== undefined) {
      const name = /o\d+/.exec(line)![0];
      const call = `${name}(${piece.params.map((v) => `${v}_`).join(', ')})`;
      const reloads = [...piece.assigned].map((v) => `${v}_ = ${v}`);
      if (CLOSURE_CALL.test(line)) out.push(`${call};${reloads.map((r) => ` ${r};`).join('')}`);
      else out.push(reloads.length === 0 ? `switch (${call}) {` : `switch ((k_ = ${call}, ${reloads.join(', ')}, k_)) {`);
      continue;
    }
    out.push(singleExit ? line.replace(CODE_RETURN, (_all, code: string) => `{ exit_ = ${code}; break X; }`) : line);
  }
  if (!singleExit) return { lines: inClosure ? [...out, 'return 0;'] : out, piece };
  // One copy back, at one exit: a closure has many exits and may assign dozens of variables.
  return { lines: [...out.slice(0, bodyStart), 'let exit_ = 0;', 'X: {', ...out.slice(bodyStart), '}', copyBack, 'return exit_;'], piece };
}
