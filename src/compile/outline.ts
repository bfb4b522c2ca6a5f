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

export function splitLargeFunction(body: string[], limit = splitting.maxFunctionChars): SplitFunction {
  /** Runs of plain statements are moved in pieces of at most this many characters. */
  const runPiece = Math.max(limit / 2, 1);
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
    closures.push(`function ${name}() {\n${rewritten.join('\n')}\nreturn 0;\n}`);
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

  return { body: fit(body, 0), closures, usesResult };
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
