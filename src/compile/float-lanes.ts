// f32 lanes held as numbers. A v128 is four int32 words in generated code (see Quad in
// opcodes.ts), so every f32x4 operation reads its lanes as values through a typed array,
// `(simd_I32[n] = w, simd_F32[n])`, and writes its result back as bits,
// `(simd_F32[2] = x, simd_I32[2])`. In float kernels most word variables are only ever used that
// way: loaded, passed from one f32x4 operation to the next, kept in an accumulator. This pass finds
// them in a function's generated lines and keeps them as numbers instead, with no typed array in
// between: a variable qualifies when every read of it is an f32 lane read and every write is a
// value the pass can produce as a number (a load, an f32x4 result, an f32 scalar, zero, or a copy
// of another qualifying variable). Anything else (an integer or bitwise use, a call argument, a
// return, a move the pass does not know) leaves it as bits.
//
// Bits are kept where Wasm fixes them: a lane that f32x4.extract_lane reads (directly or through
// copies) is held the way heapbase holds f32 scalars (numeric.ts: a signalling NaN is a "box"),
// its loads through f32_load, and the extract is the number itself. Lanes only arithmetic reads
// are loaded with getFloat32, which may quieten a signalling NaN: arithmetic on it gives a quiet
// NaN either way (f32_load's check cost the dot product kernel 97 -> 400-450 ms). Arithmetic
// results are `Math.fround` of the value, quiet NaNs, as the typed-array round trip gave.
//
// Measured on bench/simd's kernels (heapbase, ms per run): see the README's SIMD section.

/** Variables the pass may retype: v128 words of locals and slots (`l5W0`, `s3VW1`) and scratches. */
const CANDIDATE = /^(?:l\d+W[0-3]|s\d+VW[0-3]|m\d)$/;

const LANE_READ = /\(simd_I32\[\d\] = ([A-Za-z_$][\w$]*), simd_F32\[\d\]\)/g;
/** f32x4.extract_lane of a word (see f32Scalar in simd-opcodes.ts): exact, boxing a signalling NaN. */
const EXTRACT = /\(simd_I32\[4\] = ([A-Za-z_$][\w$]*), simd_F32\[4\] === simd_F32\[4\] \? simd_F32\[4\] : f32_from_bits\(\1\)\)/g;
const NAME = /[A-Za-z_$][\w$]*/g;

/** A write the pass understands: the right-hand side as a number, or the variable it copies. */
type Write = { number: string; exactNumber?: string } | { copy: string };

/** `expr` without its outer parentheses, when they enclose all of it. */
function unwrap(expr: string): string {
  for (;;) {
    if (!expr.startsWith('(') || !expr.endsWith(')')) return expr;
    let depth = 0;
    for (let i = 0; i < expr.length - 1; i++) {
      if (expr[i] === '(') depth++;
      else if (expr[i] === ')' && --depth === 0) return expr;
    }
    expr = expr.slice(1, -1);
  }
}

/** Splits `a, b` at its top-level comma, or returns null. */
function splitComma(expr: string): [string, string] | null {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) return [expr.slice(0, i), expr.slice(i + 2)];
  }
  return null;
}

/** The number a right-hand side stands for, if it is a form the pass knows. */
function asNumber(rhs: string): Write | null {
  const e = unwrap(rhs);
  if (CANDIDATE.test(e)) return { copy: e };
  if (e === '0') return { number: '0' };
  const load = /^dv\.getInt32\(([^]*), true\)$/.exec(e);
  if (load) return { number: `dv.getFloat32(${load[1]}, true)`, exactNumber: `f32_load(dv, ${load[1]})` };
  // An f32x4 result: (simd_F32[2] = x, simd_I32[2]).
  const parts = splitComma(e);
  if (parts && parts[1] === 'simd_I32[2]' && parts[0].startsWith('simd_F32[2] = ')) {
    return { number: `Math.fround(${parts[0].slice('simd_F32[2] = '.length)})` };
  }
  // An f32 scalar's bits (f32x4.splat, replace_lane): (x === x ? (simd_F32[3] = x, simd_I32[3]) : f32_to_bits(x)).
  const scalar = /^([\w$]+) === \1 \? \(simd_F32\[3\] = \1, simd_I32\[3\]\) : f32_to_bits\(\1\)$/.exec(e);
  if (scalar) return { number: scalar[1] }; // already an f32 value (or a boxed NaN)
  return null;
}

/**
 * Rewrites `lines` (one function's statements) so that the qualifying variables hold f32 lane
 * values as numbers. `fixed` are variables whose representation is given (parameters).
 */
export function holdFloatLanesAsNumbers(lines: string[], fixed: ReadonlySet<string>): string[] {
  const text = lines.join('\n');
  if (!text.includes('simd_F32')) return lines;
  const writes = new Map<string, Write[]>();
  const disqualified = new Set<string>(fixed);
  // Every occurrence of every candidate must be a lane read or the target of a known write.
  const statement = /(?:^|[;{}]\s*)([A-Za-z_$][\w$]*) = /gm;
  const writeSpans: { name: string; from: number; rhsFrom: number; to: number }[] = [];
  for (let m = statement.exec(text); m; m = statement.exec(text)) {
    const name = m[1];
    if (!CANDIDATE.test(name)) continue;
    const rhsFrom = m.index + m[0].length;
    const to = statementEnd(text, rhsFrom);
    if (to < 0) { disqualified.add(name); continue; }
    const w = asNumber(text.slice(rhsFrom, to));
    if (w === null) disqualified.add(name);
    else (writes.get(name) ?? writes.set(name, []).get(name)!).push(w);
    writeSpans.push({ name, from: rhsFrom - m[0].length + m[0].indexOf(name), rhsFrom, to });
  }
  const laneReads = new Set<number>();
  const extracted = new Set<string>();
  for (let m = LANE_READ.exec(text); m; m = LANE_READ.exec(text)) laneReads.add(m.index + m[0].indexOf(m[1], 14));
  for (let m = EXTRACT.exec(text); m; m = EXTRACT.exec(text)) {
    laneReads.add(m.index + m[0].indexOf(m[1], 14));
    laneReads.add(m.index + m[0].lastIndexOf(m[1]));
    extracted.add(m[1]);
  }
  const targets = new Set(writeSpans.map((s) => s.from));
  for (let m = NAME.exec(text); m; m = NAME.exec(text)) {
    const name = m[0];
    if (!CANDIDATE.test(name) || disqualified.has(name)) continue;
    if (text[m.index - 1] === '.' || targets.has(m.index) || laneReads.has(m.index)) continue;
    // A copy's source is read as a whole word: fine when it is converted too (checked below).
    if (isCopySource(text, m.index, name)) continue;
    disqualified.add(name);
  }
  // Copies tie variables together: both are converted or neither, and exact if either is.
  let changed = true;
  while (changed) {
    changed = false;
    for (const [name, ws] of writes) {
      for (const w of ws) {
        if (!('copy' in w)) continue;
        for (const set of [disqualified, extracted]) {
          if (set.has(name) !== set.has(w.copy)) {
            set.add(name);
            set.add(w.copy);
            changed = true;
          }
        }
      }
    }
  }
  const converted = new Set([...writes.keys()].filter((n) => !disqualified.has(n)));
  if (converted.size === 0) return lines;
  // Rewrite writes (from the last, so earlier offsets stay valid), then lane reads.
  let out = text;
  for (let i = writeSpans.length - 1; i >= 0; i--) {
    const s = writeSpans[i];
    if (!converted.has(s.name)) continue;
    const w = asNumber(out.slice(s.rhsFrom, s.to))!;
    const rhs = 'copy' in w ? w.copy : extracted.has(s.name) ? w.exactNumber ?? w.number : w.number;
    out = `${out.slice(0, s.rhsFrom)}${rhs}${out.slice(s.to)}`;
  }
  out = out.replace(EXTRACT, (whole, name: string) => (converted.has(name) ? name : whole));
  out = out.replace(LANE_READ, (whole, name: string) => (converted.has(name) ? name : whole));
  return out.split('\n');
}

/** Where the statement whose right-hand side starts at `from` ends (its `;`), or -1. */
function statementEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && (c === ';' || c === '\n')) return c === ';' ? i : -1;
  }
  return -1;
}

/** Whether the name at `at` is the whole right-hand side of an assignment `X = name;`. */
function isCopySource(text: string, at: number, name: string): boolean {
  const after = text.slice(at + name.length, at + name.length + 1);
  if (after !== ';') return false;
  const before = /([A-Za-z_$][\w$]*) = \(*$/.exec(text.slice(Math.max(0, at - 40), at));
  return before !== null && CANDIDATE.test(before[1]);
}
