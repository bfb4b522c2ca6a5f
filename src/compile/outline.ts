// Splitting very large functions. V8 does not optimise a function whose bytecode exceeds about
// 60 KB: measured, a loop body of 1,400 statements (69,000 characters of JavaScript) ran 18×
// slower than one of 1,200, and a 75 KB Wasm function 55× slower than on V8's own Wasm engine.
// The body of such a function is split: complete statements (blocks, loops, ifs, switches, runs
// of plain statements) move into closures declared in the function, which share its variables.
// A branch or return that leaves a closure becomes `return <code>`, and the closure's call site
// turns the code back into that branch or return.
//
// This works on the code generator's own output, whose shape it relies on: one statement or
// brace line per line, every `{` and `}` structural (no braces in strings or expressions),
// labels named L<n>, J<n>, D<n> or C<n>_<k>, and `break`/`continue` always labelled.

/**
 * Characters of JavaScript above which a function is split (bytecode is at most about one byte
 * per character). Tests lower it to split nearly every function.
 */
export const splitting = { maxFunctionChars: 40_000 };

/** Deepest statement nesting the splitting descends into. */
const MAX_DEPTH = 40;

/** Smallest statement worth moving into a closure. */
const MIN_MOVED_CHARS = 60;

/** The variable through which an outlined `return` passes the function's result. */
export const RESULT_VAR = 'R';

interface Item {
  lines: string[];
  size: number;
  /** simple: one statement; compound: a braced statement over several lines; separator: `} else {`. */
  kind: 'simple' | 'compound' | 'separator';
}

const LABEL_DECLARATION = /\b([LJDC]\d+(?:_\d+)?):(?=\s)/g;
const EXIT = /\b(?:(break|continue) ([LJDC]\d+(?:_\d+)?)|return(?: ([^;]*))?);/g;

function braceDelta(line: string): number {
  let d = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 123) d++;
    else if (c === 125) d--;
  }
  return d;
}

const sizeOf = (lines: string[]): number => lines.reduce((n, l) => n + l.length + 1, 0);

/** Splits a balanced statement sequence into its top-level statements. */
function parseItems(lines: string[]): Item[] {
  const items: Item[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const d = braceDelta(line);
    if (d === 0) {
      items.push({ lines: [line], size: line.length + 1, kind: line.startsWith('}') ? 'separator' : 'simple' });
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
    items.push({ lines: group, size: sizeOf(group), kind: 'compound' });
    i = j - 1;
  }
  return items;
}

/** A compound statement that can move as a whole: not a `case`/`default` arm of a switch. */
const movable = (item: Item): boolean => item.kind === 'compound' && !/^(case |default:)/.test(item.lines[0]);

export interface SplitFunction {
  /** Closure declarations, to place at the start of the function body. */
  closures: string[];
  body: string[];
  /** Whether RESULT_VAR is used (and must be declared). */
  usesResult: boolean;
}

/**
 * Splits `body` (the function's statements). `variables` are the function's own variables
 * (parameters and `let`s): a closure works on local copies of those it uses, copied in at its
 * start and back before it returns or calls another closure, because V8 keeps a closure's own
 * locals in registers but reads and writes shared ones in memory (measured: unrolled SHA-256
 * 6–10× slower with shared variables only).
 */
export function splitLargeFunction(body: string[], variables: readonly string[], limit = splitting.maxFunctionChars): SplitFunction {
  const isVariable = new Set(variables.filter((v) => v !== RESULT_VAR));
  /** Runs of plain statements are moved in pieces of at most this many characters. */
  const runPiece = Math.max(limit, 1);
  const closures: string[] = [];
  let usesResult = false;

  /** Moves `inner` (complete statements, already fitted) into a new closure; returns its call site. */
  const outline = (inner: string[]): string[] => {
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
    closures.push(`function ${name}() {\n${localize(rewritten, isVariable, true).join('\n')}\n}`);
    if (codes.size === 0) return [`${name}();`];
    return [`switch (${name}()) {`, ...[...codes].map(([statement, code]) => `case ${code}: ${statement}`), '}'];
  };

  /**
   * The statements, with parts moved into closures until what remains is within the limit.
   * Past MAX_DEPTH nested statements the rest stays as it is (each level copies its lines, and a
   * module nested 20,000 deep is past V8's parser anyway).
   */
  const fit = (lines: string[], depth: number): string[] => {
    if (depth > MAX_DEPTH || sizeOf(lines) <= limit) return lines;
    const items = parseItems(lines);
    // Large compound statements first get their insides fitted.
    for (const item of items) {
      if (item.kind === 'compound' && item.size > limit && item.lines.length > 2) {
        const inside = fit(item.lines.slice(1, -1), depth + 1);
        item.lines = [item.lines[0], ...inside, item.lines[item.lines.length - 1]];
        item.size = sizeOf(item.lines);
      }
    }
    // Then the largest movable statements (or pieces of runs of plain statements) move out.
    let total = items.reduce((n, it) => n + it.size, 0);
    while (total > limit) {
      const best = largestCandidate(items, runPiece);
      // Moving everything would only move the problem (and never end).
      if (best === null || (best[0] === 0 && best[1] === items.length)) break;
      const [start, end] = best;
      const moved = items.slice(start, end).flatMap((it) => it.lines);
      const call = outline(moved);
      const replacement: Item = { lines: call, size: sizeOf(call), kind: 'compound' };
      const before = items.slice(start, end).reduce((n, it) => n + it.size, 0);
      items.splice(start, end - start, replacement);
      total += replacement.size - before;
    }
    return items.flatMap((it) => it.lines);
  };

  const fitted = fit(body, 0);
  // The function's own statements too work on copies: its variables are shared with the
  // closures, so V8 keeps them in memory.
  return { body: closures.length > 0 ? localize(fitted, isVariable, false) : fitted, closures, usesResult };
}

/** [start, end) of the largest movable statement or piece of a run of plain statements, if worth moving. */
function largestCandidate(items: Item[], runPiece: number): [number, number] | null {
  let best: [number, number] | null = null;
  let bestSize = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (movable(item) && item.size > bestSize && !item.lines[0].startsWith('switch (o')) {
      best = [i, i + 1];
      bestSize = item.size;
    } else if (item.kind === 'simple') {
      let j = i;
      let size = 0;
      while (j < items.length && items[j].kind === 'simple' && size + items[j].size <= runPiece) size += items[j++].size;
      if (j === i) { j = i + 1; size = item.size; }
      if (size > bestSize && !(j - i === 1 && /^o\d+\(\);$/.test(item.lines[0]))) {
        best = [i, j];
        bestSize = size;
      }
      i = j - 1;
    }
  }
  // Moving something small buys nothing: its call site is about as long.
  return bestSize > MIN_MOVED_CHARS ? best : null;
}

const IDENTIFIER = /\b[A-Za-z_][\w]*\b/g;
const CLOSURE_CALL = /^o\d+\(\);$/;
const CLOSURE_SWITCH = /^switch \((o\d+\(\))\) \{$/;
const CODE_RETURN = /\breturn (\d+);/g;
/** `x_ = ` (not `x_ ===`): an assignment to the copy of variable x. */
const ASSIGNMENT = /\b([A-Za-z_]\w*)_ = (?!=)/g;

/**
 * Statements working on copies of the function's variables: `x` becomes `x_`, declared and
 * copied in first; every call of a closure (which uses the shared variables) copies them back
 * first and in again after. In a closure (`inClosure`), every `return <code>` copies them back
 * too, and it ends with `return 0`; the function's own returns need no copy.
 */
function localize(lines: string[], isVariable: ReadonlySet<string>, inClosure: boolean): string[] {
  const used = new Set<string>();
  // Only outside string literals (the code generator's strings are trap messages, no quotes inside).
  const mapCode = (line: string, f: (code: string) => string): string =>
    line.split("'").map((part, i) => (i % 2 === 0 ? f(part) : part)).join("'");
  const renamed = lines.map((line) => mapCode(line, (code) => code.replace(IDENTIFIER, (id) => {
    if (!isVariable.has(id)) return id;
    used.add(id);
    return `${id}_`;
  })));
  if (used.size === 0) return inClosure ? [...lines, 'return 0;'] : lines;
  const names = [...used];
  // Only what these statements assign goes back (the generator's assignments are all `x = …`).
  const assignedSet = new Set<string>();
  for (const line of renamed) for (const m of line.matchAll(ASSIGNMENT)) if (used.has(m[1])) assignedSet.add(m[1]);
  const assigned = names.filter((v) => assignedSet.has(v));
  const copyBack = assigned.map((v) => `${v} = ${v}_;`).join(' ');
  const copyIn = names.map((v) => `${v}_ = ${v}`).join(', ');
  const out = [`let ${names.map((v) => `${v}_ = ${v}`).join(', ')}, k_ = 0;`];
  for (const line of renamed) {
    if (CLOSURE_CALL.test(line)) {
      out.push(`${copyBack} ${line} ${copyIn};`);
      continue;
    }
    const call = CLOSURE_SWITCH.exec(line);
    if (call) {
      out.push(`${copyBack} switch ((k_ = ${call[1]}, ${copyIn}, k_)) {`);
      continue;
    }
    out.push(inClosure ? line.replace(CODE_RETURN, (_all, code: string) => `{ ${copyBack} return ${code}; }`) : line);
  }
  if (inClosure) out.push(`${copyBack} return 0;`);
  return out;
}

