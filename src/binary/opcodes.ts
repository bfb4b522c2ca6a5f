// The one opcode table: each instruction is described here once, with its encoding,
// immediates, type (for instructions whose type is fixed) and JavaScript template.
// The decoder reads `imm`, the validator reads `sig`/`mem`, the code generator reads `js`.
import type { NumType, ValType } from './module.js';
import type { RmwOp } from '../runtime/atomics.js';
import { simdRows } from './simd-opcodes.js';

/** How an instruction's immediates are encoded. */
export type Imm =
  | 'none'
  | 'block'          // block type
  | 'label'          // branch depth
  | 'br_table'       // vector of depths + default
  | 'func'           // function index
  | 'call_indirect'  // type index, table index
  | 'local'
  | 'global'
  | 'table'          // table index
  | 'memarg'         // alignment, offset
  | 'memory'         // a memory index (must be 0 without multi-memory)
  | 'i32' | 'i64' | 'f32' | 'f64'
  | 'reftype'        // ref.null's heap type
  | 'select_types'   // vector of value types
  | 'data'           // data index
  | 'elem'           // elem index
  | 'memory_init'    // data index, memory index
  | 'memory_copy'    // memory index, memory index
  | 'table_init'     // elem index, table index
  | 'table_copy'     // table index, table index
  | 'v128'           // 16 bytes: v128.const
  | 'lane'           // one byte: a lane index
  | 'shuffle'        // 16 bytes: lane indices 0..31
  | 'memarg_lane';   // alignment, offset, then a lane index byte

export interface Signature {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface MemAccess {
  /** Bytes read or written; the natural alignment. */
  readonly width: number;
  readonly store: boolean;
  /** An atomic access (0xfe prefix): its alignment immediate must equal the natural alignment. */
  readonly atomic?: boolean;
}

export interface OpInfo {
  /** One byte, or (prefix << 8 | sub-opcode) for the 0xfc and 0xfe prefixes. */
  readonly code: number;
  readonly name: string;
  readonly imm: Imm;
  /** Fixed operand and result types; absent for instructions the validator types itself. */
  readonly sig?: Signature;
  /** Memory access facts, for loads and stores. */
  readonly mem?: MemAccess;
  /**
   * JavaScript expression computing the result (or, without a result, the statement) from the
   * operands `$0`, `$1`, … in push order. An i64 operand is a pair of int32 numbers: `$0l` and
   * `$0h` are its low and high words. Loads and stores use `$A` for the effective address.
   */
  readonly js?: string;
  /**
   * For an i64 result: expressions for its low and high words. `lo` is computed first (into a
   * temporary that `hi` may read as `$lo`); helpers returning an i64 return the low word and
   * leave the high word in `HI[0]`.
   */
  readonly js64?: Wide;
  /** May trap (division, trapping float-to-int conversion); loads and stores are marked by `mem`. */
  readonly traps?: boolean;
  /** i64 shifts and rotates by a constant count (0..63): inline word arithmetic instead of a helper. */
  readonly js64ByCount?: (count: number) => Wide;
  /** For a v128 result: its four words (see Quad). */
  readonly js128?: Quad;
  /**
   * For instructions whose code depends on a SIMD immediate (lane index, shuffle pattern): the
   * template for that immediate, used instead of js/js64/js128.
   */
  readonly jsByImm?: (imm: SimdImm) => Template;
  /** For a 'lane' or 'memarg_lane' immediate: the number of lanes (the index must be below it). */
  readonly lanes?: number;
}

/**
 * A v128 result. In generated code a v128 is four int32 words, w0 = bytes 0..3 (little-endian,
 * lane order as in memory) … w3 = bytes 12..15; a v128 operand n is read as `$nw0`…`$nw3`.
 * `pre` (optional) are statements run first (scratch variables `$m0`…`$m9` hold int32 values
 * only); then the four word expressions are all evaluated before the result is stored, so they
 * may read operands that share the result's variables. Helpers that compute a whole v128 write
 * it to `V128` (an Int32Array(4)): `{ pre: 'helper(...);', w: ['V128[0]', …, 'V128[3]'] }`.
 */
export interface Quad {
  readonly pre?: string;
  readonly w: readonly [string, string, string, string];
}

/** The SIMD immediates a template may depend on. */
export interface SimdImm {
  /** The lane index of a 'lane' or 'memarg_lane' immediate (else 0). */
  readonly lane: number;
  /** The 16 bytes of a 'v128' or 'shuffle' immediate (else empty). */
  readonly bytes: readonly number[];
}

export type Template = string | Wide | Quad;

/**
 * An i64 result: `pre` (optional) are statements run first, which may use scratch variables
 * `$m0`…`$m9`; then `lo` is computed (into a temporary `hi` may read as `$lo`), then `hi`.
 */
export interface Wide {
  readonly pre?: string;
  readonly lo: string;
  readonly hi: string;
}

const letterType: Record<string, NumType | 'v128'> = { i: 'i32', I: 'i64', f: 'f32', F: 'f64', V: 'v128' };

/** 'ii:i' → i32 i32 → i32. */
function sig(shape: string): Signature {
  const [params, results] = shape.split(':');
  return {
    params: [...params].map((c) => letterType[c]),
    results: [...results].map((c) => letterType[c]),
  };
}

const table: OpInfo[] = [];

function def(code: number, name: string, imm: Imm, shape?: string, js?: Template, mem?: MemAccess): void {
  const plain = typeof js === 'string' ? js : undefined;
  const wide = typeof js === 'object' && !('w' in js) ? js : undefined;
  const quad = typeof js === 'object' && 'w' in js ? js : undefined;
  const traps = /\.(div|rem)_|\.trunc_f/.test(name);
  table.push({ code, name, imm, sig: shape === undefined ? undefined : sig(shape), js: plain, js64: wide, js128: quad, mem, traps });
}

/** An i64 result computed by a helper that returns the low word and leaves the high word in HI[0]. */
const viaHI = (call: string): Template => ({ lo: call, hi: 'HI[0]' });
/** An i64 result whose high word is the sign of its (int32) low word. */
const signExtended = (lo: string): Template => ({ lo, hi: '$lo >> 31' });
const zeroExtended = (lo: string): Template => ({ lo, hi: '0' });

// Control and parametric instructions: typed by the validator, emitted by the code generator.
def(0x00, 'unreachable', 'none');
def(0x01, 'nop', 'none');
def(0x02, 'block', 'block');
def(0x03, 'loop', 'block');
def(0x04, 'if', 'block');
def(0x05, 'else', 'none');
def(0x0b, 'end', 'none');
def(0x0c, 'br', 'label');
def(0x0d, 'br_if', 'label');
def(0x0e, 'br_table', 'br_table');
def(0x0f, 'return', 'none');
def(0x10, 'call', 'func');
def(0x11, 'call_indirect', 'call_indirect');
def(0x1a, 'drop', 'none');
def(0x1b, 'select', 'none');
def(0x1c, 'select', 'select_types');
def(0x20, 'local.get', 'local');
def(0x21, 'local.set', 'local');
def(0x22, 'local.tee', 'local');
def(0x23, 'global.get', 'global');
def(0x24, 'global.set', 'global');
def(0x25, 'table.get', 'table');
def(0x26, 'table.set', 'table');
def(0x3f, 'memory.size', 'memory');
def(0x40, 'memory.grow', 'memory');
def(0xd0, 'ref.null', 'reftype');
def(0xd1, 'ref.is_null', 'none');
def(0xd2, 'ref.func', 'func');

// Constants: the code generator formats the immediate.
def(0x41, 'i32.const', 'i32', ':i');
def(0x42, 'i64.const', 'i64', ':I');
def(0x43, 'f32.const', 'f32', ':f');
def(0x44, 'f64.const', 'f64', ':F');

// Loads and stores. DataView accesses past the end of the buffer throw RangeError,
// which the runtime turns into the `out of bounds memory access` trap.
function load(code: number, name: string, type: string, width: number, js: Template): void {
  def(code, name, 'memarg', `i:${type}`, js, { width, store: false });
}
function store(code: number, name: string, type: string, width: number, js: string): void {
  def(code, name, 'memarg', `i${type}:`, js, { width, store: true });
}
load(0x28, 'i32.load', 'i', 4, 'dv.getInt32($A, true)');
load(0x29, 'i64.load', 'I', 8, { lo: 'dv.getInt32($A, true)', hi: 'dv.getInt32($A + 4, true)' });
load(0x2a, 'f32.load', 'f', 4, 'f32_load(dv, $A)');
load(0x2b, 'f64.load', 'F', 8, 'dv.getFloat64($A, true)');
load(0x2c, 'i32.load8_s', 'i', 1, 'dv.getInt8($A)');
load(0x2d, 'i32.load8_u', 'i', 1, 'dv.getUint8($A)');
load(0x2e, 'i32.load16_s', 'i', 2, 'dv.getInt16($A, true)');
load(0x2f, 'i32.load16_u', 'i', 2, 'dv.getUint16($A, true)');
load(0x30, 'i64.load8_s', 'I', 1, signExtended('dv.getInt8($A)'));
load(0x31, 'i64.load8_u', 'I', 1, zeroExtended('dv.getUint8($A)'));
load(0x32, 'i64.load16_s', 'I', 2, signExtended('dv.getInt16($A, true)'));
load(0x33, 'i64.load16_u', 'I', 2, zeroExtended('dv.getUint16($A, true)'));
load(0x34, 'i64.load32_s', 'I', 4, signExtended('dv.getInt32($A, true)'));
load(0x35, 'i64.load32_u', 'I', 4, zeroExtended('dv.getInt32($A, true)'));
store(0x36, 'i32.store', 'i', 4, 'dv.setInt32($A, $1, true)');
// The high word first: when the access is out of bounds it throws before anything is written.
store(0x37, 'i64.store', 'I', 8, 'dv.setInt32($A + 4, $1h, true), dv.setInt32($A, $1l, true)');
store(0x38, 'f32.store', 'f', 4, 'f32_store(dv, $A, $1)');
store(0x39, 'f64.store', 'F', 8, 'dv.setFloat64($A, $1, true)');
store(0x3a, 'i32.store8', 'i', 1, 'dv.setInt8($A, $1)');
store(0x3b, 'i32.store16', 'i', 2, 'dv.setInt16($A, $1, true)');
store(0x3c, 'i64.store8', 'I', 1, 'dv.setInt8($A, $1l)');
store(0x3d, 'i64.store16', 'I', 2, 'dv.setInt16($A, $1l, true)');
store(0x3e, 'i64.store32', 'I', 4, 'dv.setInt32($A, $1l, true)');

/** An i64 comparison on (lo, hi) pairs: the high words decide unless equal, then the low words unsigned. */
function compare64(op: '<' | '>' | '<=' | '>=', unsigned: boolean): string {
  const strict = op[0];
  const high = unsigned ? ['($0h >>> 0)', '($1h >>> 0)'] : ['$0h', '$1h'];
  return `+(${high[0]} ${strict} ${high[1]} || ($0h === $1h && ($0l >>> 0) ${op} ($1l >>> 0)))`;
}

/** Which int32 of an f64's two holds its low word in typed arrays (platform byte order). */
const F64_LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

// Numeric instructions.
/** Variable i64 shifts: $m0 = all ones when the count is 32..63 (bit 5), else 0. */
const COUNT_BIT5 = '$m0 = ($1l << 26) >> 31;';
/** Variable i64 rotates: the words, swapped when the count is 32..63, in $m1 (low) and $m2. */
const SWAP_WORDS_FROM_32 = '$m0 = ($0l ^ $0h) & (($1l << 26) >> 31); $m1 = $0l ^ $m0; $m2 = $0h ^ $m0;';

const numeric: [number, string, string, Template][] = [
  [0x45, 'i32.eqz', 'i:i', '+($0 === 0)'],
  [0x46, 'i32.eq', 'ii:i', '+($0 === $1)'],
  [0x47, 'i32.ne', 'ii:i', '+($0 !== $1)'],
  [0x48, 'i32.lt_s', 'ii:i', '+($0 < $1)'],
  [0x49, 'i32.lt_u', 'ii:i', '+(($0 >>> 0) < ($1 >>> 0))'],
  [0x4a, 'i32.gt_s', 'ii:i', '+($0 > $1)'],
  [0x4b, 'i32.gt_u', 'ii:i', '+(($0 >>> 0) > ($1 >>> 0))'],
  [0x4c, 'i32.le_s', 'ii:i', '+($0 <= $1)'],
  [0x4d, 'i32.le_u', 'ii:i', '+(($0 >>> 0) <= ($1 >>> 0))'],
  [0x4e, 'i32.ge_s', 'ii:i', '+($0 >= $1)'],
  [0x4f, 'i32.ge_u', 'ii:i', '+(($0 >>> 0) >= ($1 >>> 0))'],
  [0x50, 'i64.eqz', 'I:i', '+(($0l | $0h) === 0)'],
  [0x51, 'i64.eq', 'II:i', '+($0l === $1l && $0h === $1h)'],
  [0x52, 'i64.ne', 'II:i', '+($0l !== $1l || $0h !== $1h)'],
  [0x53, 'i64.lt_s', 'II:i', compare64('<', false)],
  [0x54, 'i64.lt_u', 'II:i', compare64('<', true)],
  [0x55, 'i64.gt_s', 'II:i', compare64('>', false)],
  [0x56, 'i64.gt_u', 'II:i', compare64('>', true)],
  [0x57, 'i64.le_s', 'II:i', compare64('<=', false)],
  [0x58, 'i64.le_u', 'II:i', compare64('<=', true)],
  [0x59, 'i64.ge_s', 'II:i', compare64('>=', false)],
  [0x5a, 'i64.ge_u', 'II:i', compare64('>=', true)],
  [0x5b, 'f32.eq', 'ff:i', '+($0 === $1)'],
  [0x5c, 'f32.ne', 'ff:i', '+($0 !== $1)'],
  [0x5d, 'f32.lt', 'ff:i', '+($0 < $1)'],
  [0x5e, 'f32.gt', 'ff:i', '+($0 > $1)'],
  [0x5f, 'f32.le', 'ff:i', '+($0 <= $1)'],
  [0x60, 'f32.ge', 'ff:i', '+($0 >= $1)'],
  [0x61, 'f64.eq', 'FF:i', '+($0 === $1)'],
  [0x62, 'f64.ne', 'FF:i', '+($0 !== $1)'],
  [0x63, 'f64.lt', 'FF:i', '+($0 < $1)'],
  [0x64, 'f64.gt', 'FF:i', '+($0 > $1)'],
  [0x65, 'f64.le', 'FF:i', '+($0 <= $1)'],
  [0x66, 'f64.ge', 'FF:i', '+($0 >= $1)'],
  [0x67, 'i32.clz', 'i:i', 'Math.clz32($0)'],
  [0x68, 'i32.ctz', 'i:i', 'i32_ctz($0)'],
  [0x69, 'i32.popcnt', 'i:i', 'i32_popcnt($0)'],
  [0x6a, 'i32.add', 'ii:i', '($0 + $1) | 0'],
  [0x6b, 'i32.sub', 'ii:i', '($0 - $1) | 0'],
  [0x6c, 'i32.mul', 'ii:i', 'Math.imul($0, $1)'],
  [0x6d, 'i32.div_s', 'ii:i', 'i32_div_s($0, $1)'],
  [0x6e, 'i32.div_u', 'ii:i', 'i32_div_u($0, $1)'],
  [0x6f, 'i32.rem_s', 'ii:i', 'i32_rem_s($0, $1)'],
  [0x70, 'i32.rem_u', 'ii:i', 'i32_rem_u($0, $1)'],
  [0x71, 'i32.and', 'ii:i', '$0 & $1'],
  [0x72, 'i32.or', 'ii:i', '$0 | $1'],
  [0x73, 'i32.xor', 'ii:i', '$0 ^ $1'],
  [0x74, 'i32.shl', 'ii:i', '$0 << $1'],
  [0x75, 'i32.shr_s', 'ii:i', '$0 >> $1'],
  [0x76, 'i32.shr_u', 'ii:i', '($0 >>> $1) | 0'],
  // Inline: JS takes shift counts mod 32, so `-n` shifts by 32 - n (and by 0 when n is 0). A
  // helper call stops being inlined once V8's inlining budget is spent (unrolled SHA-256: 357
  // rotates in one function).
  [0x77, 'i32.rotl', 'ii:i', '($0 << $1) | ($0 >>> -$1)'],
  [0x78, 'i32.rotr', 'ii:i', '($0 >>> $1) | ($0 << -$1)'],
  [0x79, 'i64.clz', 'I:I', zeroExtended('i64_clz($0l, $0h)')],
  [0x7a, 'i64.ctz', 'I:I', zeroExtended('i64_ctz($0l, $0h)')],
  [0x7b, 'i64.popcnt', 'I:I', zeroExtended('i64_popcnt($0l, $0h)')],
  // Carry and borrow from unsigned comparisons of the low words.
  [0x7c, 'i64.add', 'II:I', { lo: '($0l + $1l) | 0', hi: '($0h + $1h + (($lo >>> 0) < ($0l >>> 0))) | 0' }],
  [0x7d, 'i64.sub', 'II:I', { lo: '($0l - $1l) | 0', hi: '($0h - $1h - (($0l >>> 0) < ($1l >>> 0))) | 0' }],
  // Inline, since V8 stops inlining helpers into large functions. The low word is Math.imul;
  // the high word adds the cross terms al·bh + ah·bl (mod 2^32) to the high half of the 32×32
  // product al·bl, taken in 16-bit digits a1 a0 · b1 b0 ($m1 $m0 · $m3 $m2): $m4 = a1·b0 +
  // carry of a0·b0 and $m5 = a0·b1 + low digit of $m4 are both below 2^32, so their `| 0`
  // wrapping keeps every bit. (Two `& 0xffff` fewer than summing the four products' digits:
  // i64mix 104 → 101 ms per 2M iterations.)
  [0x7e, 'i64.mul', 'II:I', {
    pre: '$m0 = $0l & 0xffff; $m1 = $0l >>> 16; $m2 = $1l & 0xffff; $m3 = $1l >>> 16; '
      + '$m4 = (Math.imul($m1, $m2) + (Math.imul($m0, $m2) >>> 16)) | 0; $m5 = (Math.imul($m0, $m3) + ($m4 & 0xffff)) | 0;',
    lo: 'Math.imul($0l, $1l)',
    hi: '(Math.imul($m1, $m3) + ($m4 >>> 16) + ($m5 >>> 16) + Math.imul($0l, $1h) + Math.imul($0h, $1l)) | 0',
  }],
  [0x7f, 'i64.div_s', 'II:I', viaHI('i64_div_s($0l, $0h, $1l, $1h)')],
  [0x80, 'i64.div_u', 'II:I', viaHI('i64_div_u($0l, $0h, $1l, $1h)')],
  [0x81, 'i64.rem_s', 'II:I', viaHI('i64_rem_s($0l, $0h, $1l, $1h)')],
  [0x82, 'i64.rem_u', 'II:I', viaHI('i64_rem_u($0l, $0h, $1l, $1h)')],
  [0x83, 'i64.and', 'II:I', { lo: '$0l & $1l', hi: '$0h & $1h' }],
  [0x84, 'i64.or', 'II:I', { lo: '$0l | $1l', hi: '$0h | $1h' }],
  [0x85, 'i64.xor', 'II:I', { lo: '$0l ^ $1l', hi: '$0h ^ $1h' }],
  // Shifts and rotates by a count known only at run time (constant counts: js64ByCount below).
  // Only the count's low word matters: Wasm takes it mod 64. JS masks shift counts to 5 bits,
  // so the operators see n & 31 by themselves, and `~n` acts as `31 - (n & 31)`: `(x >>> 1) >>>
  // ~n` is `x >>> (32 - n)` made 0 for n & 31 = 0. Bit 5 of n (counts 32..63) picks between the
  // two cases through the mask $m0 rather than a branch, which a varying count would mispredict
  // (2.5× faster on random counts). Inline rather than helpers: V8's inlining budget per
  // compiled function (920 bytes of helper bytecode) is better left to division.
  [0x86, 'i64.shl', 'II:I', {
    pre: `${COUNT_BIT5} $m1 = $0l << $1l; $m2 = ($0h << $1l) | (($0l >>> 1) >>> ~$1l);`,
    lo: '$m1 & ~$m0',
    hi: '$m2 ^ (($m2 ^ $m1) & $m0)', // n ≥ 32: hi = lo << (n - 32), lo = 0
  }],
  [0x87, 'i64.shr_s', 'II:I', {
    pre: `${COUNT_BIT5} $m1 = ($0l >>> $1l) | (($0h << 1) << ~$1l); $m2 = $0h >> $1l;`,
    lo: '$m1 ^ (($m1 ^ $m2) & $m0)', // n ≥ 32: lo = hi >> (n - 32), hi = the sign
    hi: '$m2 ^ (($m2 ^ ($0h >> 31)) & $m0)',
  }],
  [0x88, 'i64.shr_u', 'II:I', {
    pre: `${COUNT_BIT5} $m1 = ($0l >>> $1l) | (($0h << 1) << ~$1l); $m2 = $0h >>> $1l;`,
    lo: '$m1 ^ (($m1 ^ $m2) & $m0)', // n ≥ 32: lo = hi >>> (n - 32), hi = 0
    hi: '$m2 & ~$m0',
  }],
  // Rotating by 32 or more swaps the words ($m1, $m2), then rotates by the rest.
  [0x89, 'i64.rotl', 'II:I', {
    pre: SWAP_WORDS_FROM_32,
    lo: '($m1 << $1l) | (($m2 >>> 1) >>> ~$1l)',
    hi: '($m2 << $1l) | (($m1 >>> 1) >>> ~$1l)',
  }],
  [0x8a, 'i64.rotr', 'II:I', {
    pre: SWAP_WORDS_FROM_32,
    lo: '($m1 >>> $1l) | (($m2 << 1) << ~$1l)',
    hi: '($m2 >>> $1l) | (($m1 << 1) << ~$1l)',
  }],
  [0x8b, 'f32.abs', 'f:f', 'Math.abs($0)'],
  [0x8c, 'f32.neg', 'f:f', '-$0'],
  [0x8d, 'f32.ceil', 'f:f', 'Math.fround(Math.ceil($0))'],
  [0x8e, 'f32.floor', 'f:f', 'Math.fround(Math.floor($0))'],
  [0x8f, 'f32.trunc', 'f:f', 'Math.fround(Math.trunc($0))'],
  [0x90, 'f32.nearest', 'f:f', 'f32_nearest($0)'],
  [0x91, 'f32.sqrt', 'f:f', 'Math.fround(Math.sqrt($0))'],
  [0x92, 'f32.add', 'ff:f', 'Math.fround($0 + $1)'],
  [0x93, 'f32.sub', 'ff:f', 'Math.fround($0 - $1)'],
  [0x94, 'f32.mul', 'ff:f', 'Math.fround($0 * $1)'],
  [0x95, 'f32.div', 'ff:f', 'Math.fround($0 / $1)'],
  [0x96, 'f32.min', 'ff:f', 'f32_min($0, $1)'],
  [0x97, 'f32.max', 'ff:f', 'f32_max($0, $1)'],
  [0x98, 'f32.copysign', 'ff:f', 'f32_copysign($0, $1)'],
  [0x99, 'f64.abs', 'F:F', 'Math.abs($0)'],
  [0x9a, 'f64.neg', 'F:F', '-$0'],
  [0x9b, 'f64.ceil', 'F:F', 'f64_ceil($0)'],
  [0x9c, 'f64.floor', 'F:F', 'f64_floor($0)'],
  [0x9d, 'f64.trunc', 'F:F', 'f64_trunc($0)'],
  [0x9e, 'f64.nearest', 'F:F', 'f64_nearest($0)'],
  [0x9f, 'f64.sqrt', 'F:F', 'Math.sqrt($0)'],
  [0xa0, 'f64.add', 'FF:F', '$0 + $1'],
  [0xa1, 'f64.sub', 'FF:F', '$0 - $1'],
  [0xa2, 'f64.mul', 'FF:F', '$0 * $1'],
  [0xa3, 'f64.div', 'FF:F', '$0 / $1'],
  [0xa4, 'f64.min', 'FF:F', 'f64_min($0, $1)'],
  [0xa5, 'f64.max', 'FF:F', 'f64_max($0, $1)'],
  [0xa6, 'f64.copysign', 'FF:F', 'f64_copysign($0, $1)'],
  [0xa7, 'i32.wrap_i64', 'I:i', '$0l'],
  [0xa8, 'i32.trunc_f32_s', 'f:i', 'i32_trunc_f32_s($0)'],
  [0xa9, 'i32.trunc_f32_u', 'f:i', 'i32_trunc_f32_u($0)'],
  [0xaa, 'i32.trunc_f64_s', 'F:i', 'i32_trunc_f64_s($0)'],
  [0xab, 'i32.trunc_f64_u', 'F:i', 'i32_trunc_f64_u($0)'],
  [0xac, 'i64.extend_i32_s', 'i:I', signExtended('$0')],
  [0xad, 'i64.extend_i32_u', 'i:I', zeroExtended('$0')],
  [0xae, 'i64.trunc_f32_s', 'f:I', viaHI('i64_trunc_f32_s($0)')],
  [0xaf, 'i64.trunc_f32_u', 'f:I', viaHI('i64_trunc_f32_u($0)')],
  [0xb0, 'i64.trunc_f64_s', 'F:I', viaHI('i64_trunc_f64_s($0)')],
  [0xb1, 'i64.trunc_f64_u', 'F:I', viaHI('i64_trunc_f64_u($0)')],
  [0xb2, 'f32.convert_i32_s', 'i:f', 'Math.fround($0)'],
  [0xb3, 'f32.convert_i32_u', 'i:f', 'Math.fround($0 >>> 0)'],
  [0xb4, 'f32.convert_i64_s', 'I:f', 'f32_convert_i64_s($0l, $0h)'],
  [0xb5, 'f32.convert_i64_u', 'I:f', 'f32_convert_i64_u($0l, $0h)'],
  [0xb6, 'f32.demote_f64', 'F:f', 'f32_demote($0)'],
  [0xb7, 'f64.convert_i32_s', 'i:F', '$0'],
  [0xb8, 'f64.convert_i32_u', 'i:F', '$0 >>> 0'],
  // Both terms are exact doubles, so the sum is rounded once: correctly.
  [0xb9, 'f64.convert_i64_s', 'I:F', '$0h * 4294967296 + ($0l >>> 0)'],
  [0xba, 'f64.convert_i64_u', 'I:F', '($0h >>> 0) * 4294967296 + ($0l >>> 0)'],
  // A boxed f32 signalling NaN is already a quiet f64 NaN, so promotion moves the value as is.
  [0xbb, 'f64.promote_f32', 'f:F', '$0'],
  // Inline through numeric.ts's REINTERPRET_* views, a slot per instruction (see there why); the
  // helpers only for f32 NaNs, whose signalling ones heapbase carries as boxes.
  [0xbc, 'i32.reinterpret_f32', 'f:i', '($0 === $0 ? (REINTERPRET_F32[0] = $0, REINTERPRET_I32[0]) : f32_to_bits($0))'],
  [0xbd, 'i64.reinterpret_f64', 'F:I', { pre: 'REINTERPRET_F64[0] = $0;', lo: `REINTERPRET_I64[${F64_LOW_WORD}]`, hi: `REINTERPRET_I64[${1 - F64_LOW_WORD}]` }],
  [0xbe, 'f32.reinterpret_i32', 'i:f', '(REINTERPRET_I32[1] = $0, REINTERPRET_F32[1] === REINTERPRET_F32[1] ? REINTERPRET_F32[1] : f32_from_bits($0))'],
  [0xbf, 'f64.reinterpret_i64', 'I:F', `(REINTERPRET_I64[${2 + F64_LOW_WORD}] = $0l, REINTERPRET_I64[${3 - F64_LOW_WORD}] = $0h, REINTERPRET_F64[1])`],
  [0xc0, 'i32.extend8_s', 'i:i', '($0 << 24) >> 24'],
  [0xc1, 'i32.extend16_s', 'i:i', '($0 << 16) >> 16'],
  [0xc2, 'i64.extend8_s', 'I:I', signExtended('($0l << 24) >> 24')],
  [0xc3, 'i64.extend16_s', 'I:I', signExtended('($0l << 16) >> 16')],
  [0xc4, 'i64.extend32_s', 'I:I', signExtended('$0l')],
  [0xfc00, 'i32.trunc_sat_f32_s', 'f:i', 'i32_trunc_sat_f32_s($0)'],
  [0xfc01, 'i32.trunc_sat_f32_u', 'f:i', 'i32_trunc_sat_f32_u($0)'],
  [0xfc02, 'i32.trunc_sat_f64_s', 'F:i', 'i32_trunc_sat_f64_s($0)'],
  [0xfc03, 'i32.trunc_sat_f64_u', 'F:i', 'i32_trunc_sat_f64_u($0)'],
  [0xfc04, 'i64.trunc_sat_f32_s', 'f:I', viaHI('i64_trunc_sat_f32_s($0)')],
  [0xfc05, 'i64.trunc_sat_f32_u', 'f:I', viaHI('i64_trunc_sat_f32_u($0)')],
  [0xfc06, 'i64.trunc_sat_f64_s', 'F:I', viaHI('i64_trunc_sat_f64_s($0)')],
  [0xfc07, 'i64.trunc_sat_f64_u', 'F:I', viaHI('i64_trunc_sat_f64_u($0)')],
];
for (const [code, name, shape, js] of numeric) def(code, name, 'none', shape, js);

// Shifts and rotates by a constant: the words move by known amounts. `c` is in 0..63.
const identity = { lo: '$0l', hi: '$0h' };
const byCount: Record<string, (c: number) => { lo: string; hi: string }> = {
  'i64.shl': (c) => c === 0 ? identity : c < 32
    ? { lo: `$0l << ${c}`, hi: `($0h << ${c}) | ($0l >>> ${32 - c})` }
    : { lo: '0', hi: `$0l << ${c - 32}` },
  'i64.shr_u': (c) => c === 0 ? identity : c < 32
    ? { lo: `($0l >>> ${c}) | ($0h << ${32 - c})`, hi: `($0h >>> ${c}) | 0` }
    : { lo: `($0h >>> ${c - 32}) | 0`, hi: '0' },
  'i64.shr_s': (c) => c === 0 ? identity : c < 32
    ? { lo: `($0l >>> ${c}) | ($0h << ${32 - c})`, hi: `$0h >> ${c}` }
    : { lo: `$0h >> ${c - 32}`, hi: '$0h >> 31' },
  'i64.rotl': rotateLeft,
  'i64.rotr': (c) => rotateLeft((64 - c) & 63),
};
function rotateLeft(c: number): { lo: string; hi: string } {
  if (c === 0) return identity;
  if (c === 32) return { lo: '$0h', hi: '$0l' };
  const [a, b, d] = c < 32 ? ['$0l', '$0h', c] : ['$0h', '$0l', c - 32];
  return { lo: `(${a} << ${d}) | (${b} >>> ${32 - d})`, hi: `(${b} << ${d}) | (${a} >>> ${32 - d})` };
}
for (const op of table) {
  const special = byCount[op.name];
  if (special) {
    // One template object per count, made once (code generators may cache by identity).
    const byCountTemplates = Array.from({ length: 64 }, (_, c) => special(c));
    (op as { js64ByCount?: typeof special }).js64ByCount = (c) => byCountTemplates[c & 63];
  }
}

// Bulk memory and table instructions: typed by the validator, emitted as runtime calls.
def(0xfc08, 'memory.init', 'memory_init');
def(0xfc09, 'data.drop', 'data');
def(0xfc0a, 'memory.copy', 'memory_copy');
def(0xfc0b, 'memory.fill', 'memory');
def(0xfc0c, 'table.init', 'table_init');
def(0xfc0d, 'elem.drop', 'elem');
def(0xfc0e, 'table.copy', 'table_copy');
def(0xfc0f, 'table.grow', 'table');
def(0xfc10, 'table.size', 'table');
def(0xfc11, 'table.fill', 'table');

/** Single-byte opcodes by byte. */
export const byteOps: (OpInfo | undefined)[] = new Array(256);
/** 0xfc-prefixed opcodes by sub-opcode. */
export const prefixFcOps: (OpInfo | undefined)[] = [];
for (const op of table) {
  if (op.code < 0x100) byteOps[op.code] = op;
  else prefixFcOps[op.code & 0xff] = op;
}

export const allOps: readonly OpInfo[] = table;

/** Looks an instruction up by its text name (the typed `select` is `select` with a type vector). */
export function opByName(name: string): OpInfo {
  const op = table.find((o) => o.name === name);
  if (!op) throw new Error(`no instruction ${name}`);
  return op;
}

// ------------------------------------------------------------------------------------------------
// Atomics (threads proposal): the 0xfe prefix. Appended here, after the index above, with an index
// of their own. Templates call the helpers of runtime/atomics.ts (single-threaded semantics); the
// validator requires an alignment immediate equal to the natural alignment (`mem.atomic`), and a
// misaligned effective address traps at run time.
// ------------------------------------------------------------------------------------------------

/** Loads, stores and each read-modify-write come in these seven shapes, in opcode order. */
const atomicShapes: readonly { readonly type: 'i' | 'I'; readonly bits: 8 | 16 | 32 | 64 }[] = [
  { type: 'i', bits: 32 }, { type: 'I', bits: 64 },
  { type: 'i', bits: 8 }, { type: 'i', bits: 16 },
  { type: 'I', bits: 8 }, { type: 'I', bits: 16 }, { type: 'I', bits: 32 },
];
/** Read-modify-write operators in opcode order: 0xfe1e + 7 × index + shape. */
const rmwOps: readonly (RmwOp | 'cmpxchg')[] = ['add', 'sub', 'and', 'or', 'xor', 'xchg', 'cmpxchg'];

function atomic(sub: number, name: string, shape: string, js: Template, width: number, store: boolean): void {
  def(0xfe00 | sub, name, 'memarg', shape, js, { width, store, atomic: true });
}

def(0xfe03, 'atomic.fence', 'memory', ':', ''); // One thread: nothing to order. The immediate is a zero byte.
atomic(0x00, 'memory.atomic.notify', 'ii:i', 'memory_atomic_notify(dv, $A, $1)', 4, false);
atomic(0x01, 'memory.atomic.wait32', 'iiI:i', 'memory_atomic_wait32(dv, $A, $1, $2l, $2h)', 4, false);
atomic(0x02, 'memory.atomic.wait64', 'iII:i', 'memory_atomic_wait64(dv, $A, $1l, $1h, $2l, $2h)', 8, false);

atomicShapes.forEach(({ type, bits }, i) => {
  const t = letterType[type];
  const narrow = bits !== (type === 'i' ? 32 : 64);
  const width = bits / 8;
  /** Operand n as helper arguments: an i64 is two words, of which a narrow access needs the low one. */
  const arg = (n: number): string => (type === 'i' ? `$${n}` : bits === 64 ? `$${n}l, $${n}h` : `$${n}l`);
  /** Helpers return an int32 word, zero-extended for narrow i64 results; 64-bit ones leave the high word in HI[0]. */
  const result = (call: string): Template => (type === 'i' ? call : bits === 64 ? viaHI(call) : zeroExtended(call));
  atomic(0x10 + i, `${t}.atomic.load${narrow ? `${bits}_u` : ''}`, `i:${type}`, result(`atomic_load${bits}(dv, $A)`), width, false);
  atomic(0x17 + i, `${t}.atomic.store${narrow ? bits : ''}`, `i${type}:`, `atomic_store${bits}(dv, $A, ${arg(1)})`, width, true);
  rmwOps.forEach((op, k) => {
    const name = `${t}.atomic.rmw${narrow ? bits : ''}.${op}${narrow ? '_u' : ''}`;
    const [shape, call] = op === 'cmpxchg'
      ? [`i${type}${type}:${type}`, `atomic_cmpxchg${bits}(dv, $A, ${arg(1)}, ${arg(2)})`]
      : [`i${type}:${type}`, `atomic_rmw${bits}(dv, $A, ${arg(1)}, '${op}')`];
    atomic(0x1e + 7 * k + i, name, shape, result(call), width, true);
  });
});

/** 0xfe-prefixed opcodes by sub-opcode. */
export const prefixFeOps: (OpInfo | undefined)[] = [];
for (const op of table) if (op.code >> 8 === 0xfe) prefixFeOps[op.code & 0xff] = op;

// ------------------------------------------------------------------------------------------------
// Fixed-width SIMD: the 0xfd prefix. The rows are in simd-opcodes.ts; a v128 is four int32 words
// in generated code (see Quad).
// ------------------------------------------------------------------------------------------------

/** A lane instruction's templates, made once per lane index (they depend on nothing else). */
function byLane(make: (imm: SimdImm) => Template): (imm: SimdImm) => Template {
  const made: Template[] = [];
  return (imm) => (made[imm.lane] ??= make(imm));
}

for (const row of simdRows) {
  def(0xfd00 | row.sub, row.name, row.imm, row.shape, typeof row.js === 'function' ? undefined : row.js, row.mem);
  const op = table[table.length - 1] as { -readonly [K in keyof OpInfo]: OpInfo[K] };
  if (typeof row.js === 'function') op.jsByImm = row.imm === 'lane' || row.imm === 'memarg_lane' ? byLane(row.js) : row.js;
  if (row.lanes !== undefined) op.lanes = row.lanes;
}

/** 0xfd-prefixed opcodes by sub-opcode. */
export const prefixFdOps: (OpInfo | undefined)[] = [];
for (const op of table) if (op.code >> 8 === 0xfd) prefixFdOps[op.code & 0xff] = op;
