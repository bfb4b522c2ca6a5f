// Float constants in generated code: plain literals where a JS number literal is exact,
// otherwise (NaNs, whose payloads a literal cannot express) a module-level constant.
import { f64_from_bits } from '../runtime/numeric.js';

const f32Scratch = new Float32Array(1);
const f32Bits = new Uint32Array(f32Scratch.buffer);

function literal(x: number): string {
  if (Object.is(x, -0)) return '-0';
  return String(x); // shortest round-trip form; also 'Infinity' and '-Infinity'
}

export class ConstantPool {
  readonly declarations: string[] = [];

  /** `prefix` names the constants: a lazily compiled function's own are K<index>_<n>. */
  constructor(private readonly prefix = 'K') {}

  f32(bits: number): string {
    f32Bits[0] = bits;
    const x = f32Scratch[0];
    if (x === x) return literal(x);
    return this.add(`f32_from_bits(${bits | 0})`);
  }

  /** The f64 with bits `hi:lo`. */
  f64(lo: number, hi: number): string {
    const x = f64_from_bits(lo, hi);
    if (x === x) return literal(x);
    return this.add(`f64_from_bits(${lo | 0}, ${hi | 0})`);
  }

  /** An Int32Array of these values (a br_table's targets as chain cases, see function.ts). */
  int32Table(values: readonly number[]): string {
    return this.add(`new Int32Array([${values.map((v) => v | 0).join(',')}])`);
  }

  private add(expr: string): string {
    const name = `${this.prefix}${this.declarations.length}`;
    this.declarations.push(`const ${name} = ${expr};`);
    return name;
  }
}
