// Fixed-width SIMD instructions (the 0xfd prefix) as rows of the opcode table (opcodes.ts reads
// them into the one table). A v128 is four int32 words in generated code: see Quad in
// opcodes.ts for the template conventions.
import type { Imm, MemAccess, SimdImm, Template } from './opcodes.js';

export interface SimdRow {
  /** The sub-opcode after 0xfd (a u32 LEB128 in the binary; all are below 0x100). */
  readonly sub: number;
  readonly name: string;
  readonly imm: Imm;
  /** Operand and result letters: i i32, I i64, f f32, F f64, V v128 ('VV:V'). */
  readonly shape: string;
  /** The template, or a function of the immediates for lane and shuffle instructions. */
  readonly js: Template | ((imm: SimdImm) => Template);
  /** Loads and stores: the access width (the natural alignment) and direction. */
  readonly mem?: MemAccess;
  /** Instructions with a lane immediate: the number of lanes. */
  readonly lanes?: number;
}

type Words = [string, string, string, string];

/** Word k (bytes 4k..4k+3, little-endian) of 16 immediate bytes, as an int32 literal. */
function literalWord(bytes: readonly number[], k: number): string {
  const w = bytes[4 * k] | (bytes[4 * k + 1] << 8) | (bytes[4 * k + 2] << 16) | (bytes[4 * k + 3] << 24);
  return w < 0 ? `(${w})` : String(w);
}

export const simdRows: readonly SimdRow[] = [
  {
    sub: 0x00, name: 'v128.load', imm: 'memarg', shape: 'i:V', mem: { width: 16, store: false },
    js: { w: ['dv.getInt32($A, true)', 'dv.getInt32($A + 4, true)', 'dv.getInt32($A + 8, true)', 'dv.getInt32($A + 12, true)'] },
  },
  {
    // The last word first: an out-of-bounds store throws before anything is written.
    sub: 0x0b, name: 'v128.store', imm: 'memarg', shape: 'iV:', mem: { width: 16, store: true },
    js: 'dv.setInt32($A + 12, $1w3, true), dv.setInt32($A, $1w0, true), dv.setInt32($A + 4, $1w1, true), dv.setInt32($A + 8, $1w2, true)',
  },
  { sub: 0x0c, name: 'v128.const', imm: 'v128', shape: ':V', js: (imm) => ({ w: [0, 1, 2, 3].map((k) => literalWord(imm.bytes, k)) as Words }) },
  { sub: 0xae, name: 'i32x4.add', imm: 'none', shape: 'VV:V', js: { w: [0, 1, 2, 3].map((k) => `($0w${k} + $1w${k}) | 0`) as Words } },
];
