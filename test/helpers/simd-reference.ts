// For the SIMD template test: a one-instruction Wasm module per SIMD row (run on V8's own
// WebAssembly), and the row's template rendered as a JavaScript function (run as heapbase would).
//
// Memory layout of both: operand n at 16n (v128, or an i32/i64/f32/f64 scalar), the result at
// 64. A memory row's address is operand 0 like any i32.
import type { SimdImm, Template } from '../../src/binary/opcodes.js';
import type { SimdRow } from '../../src/binary/simd-opcodes.js';
import * as simd from '../../src/runtime/simd.js';
import * as numeric from '../../src/runtime/numeric.js';
import { section, sleb, uleb } from './wasm-builder.js';

export const RESULT_AT = 64;

/** The operand letters and the result letter ('' for none) of a row's shape. */
export function shapeOf(row: SimdRow): { params: string[]; result: string } {
  const [params, result] = row.shape.split(':');
  return { params: [...params], result };
}

const loadOp: Record<string, number[]> = { i: [0x28, 2], I: [0x29, 3], f: [0x2a, 2], F: [0x2b, 3], V: [0xfd, 0x00, 4] };
const storeOp: Record<string, number[]> = { i: [0x36, 2], I: [0x37, 3], f: [0x38, 2], F: [0x39, 3], V: [0xfd, 0x0b, 4] };

/** The row's immediate bytes (memarg with offset 0 and the natural alignment). */
function immBytes(row: SimdRow, imm: SimdImm): number[] {
  const align = row.mem ? Math.log2(row.mem.width) : 0;
  switch (row.imm) {
    case 'none': return [];
    case 'memarg': return [align, 0];
    case 'memarg_lane': return [align, 0, imm.lane];
    case 'lane': return [imm.lane];
    case 'v128': case 'shuffle': return [...imm.bytes];
    default: throw new Error(`unexpected immediate ${row.imm}`);
  }
}

/** A module exporting memory `m` (one page) and `f: () -> ()`, which applies the instruction to the operands in memory. */
export function moduleFor(row: SimdRow, imm: SimdImm): Uint8Array {
  const { params, result } = shapeOf(row);
  const code: number[] = [];
  if (result) code.push(0x41, ...sleb(RESULT_AT));
  params.forEach((p, n) => code.push(0x41, ...sleb(16 * n), ...loadOp[p], 0));
  code.push(0xfd, ...uleb(row.sub), ...immBytes(row, imm));
  if (result) code.push(...storeOp[result], 0);
  const body = [0, ...code, 0x0b];
  const name = (s: string): number[] => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 1, 1, 1]),
    ...section(7, [2, ...name('f'), 0, 0, ...name('m'), 2, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The helpers generated code sees by name. */
const helpers: Record<string, unknown> = { ...numeric, ...simd };

/**
 * A reference function for the row's template: (dv, A, operands…) → the result (number for
 * i32/f32/f64, or undefined), with i64 and v128 results in `out` as words. Operands: a v128 is
 * four int32 words, an i64 two (lo, hi), others one number.
 */
export type Reference = (dv: DataView, A: number, ...operands: number[]) => number | undefined;

export function render(row: SimdRow, template: Template, out: number[]): Reference {
  const { params, result } = shapeOf(row);
  const names: string[] = [];
  params.forEach((p, n) => {
    if (p === 'V') names.push(`v${n}_0`, `v${n}_1`, `v${n}_2`, `v${n}_3`);
    else if (p === 'I') names.push(`i${n}l`, `i${n}h`);
    else names.push(`s${n}`);
  });
  const sub = (s: string): string =>
    s.replace(/\$(\d)w([0-3])|\$(\d)([lh])|\$m(\d)|\$lo\b|\$A|\$(\d)/g, (all, vn, vk, In, half, m, sn) => {
      if (vn !== undefined) return `v${vn}_${vk}`;
      if (In !== undefined) return `i${In}${half}`;
      if (m !== undefined) return `m${m}`;
      if (all === '$lo') return 'lo';
      if (all === '$A') return 'A';
      return `s${sn}`;
    });
  let body = 'let m0 = 0, m1 = 0, m2 = 0, m3 = 0, m4 = 0, m5 = 0, m6 = 0, m7 = 0, m8 = 0, m9 = 0;\n';
  if (typeof template === 'string') {
    body += result ? `return (${sub(template)});` : `${sub(template)}; return undefined;`;
  } else if ('w' in template) {
    if (template.w.length !== 4) throw new Error(`${row.name}: ${template.w.length} words`);
    body += `${sub(template.pre ?? '')}\nconst r0 = (${sub(template.w[0])}), r1 = (${sub(template.w[1])}), r2 = (${sub(template.w[2])}), r3 = (${sub(template.w[3])});\n`;
    body += 'out[0] = r0; out[1] = r1; out[2] = r2; out[3] = r3; return undefined;';
  } else {
    body += `${sub(template.pre ?? '')}\nconst lo = (${sub(template.lo)});\nconst hi = (${sub(template.hi)});\nout[0] = lo; out[1] = hi; return undefined;`;
  }
  if (/\$/.test(body)) throw new Error(`${row.name}: unsubstituted placeholder in ${body}`);
  const keys = Object.keys(helpers);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...keys, 'out', `return function (dv, A, ${names.join(', ')}) {\n${body}\n};`);
  return make(...keys.map((k) => helpers[k]), out) as Reference;
}
