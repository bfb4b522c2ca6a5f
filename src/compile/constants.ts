// Float constants in generated code: plain literals where a JS number literal is exact,
// otherwise (NaNs, whose payloads a literal cannot express) a module-level constant.

const f32Scratch = new Float32Array(1);
const f32Bits = new Uint32Array(f32Scratch.buffer);
const f64Scratch = new Float64Array(1);
const f64Bits = new BigUint64Array(f64Scratch.buffer);

function literal(x: number): string {
  if (Object.is(x, -0)) return '-0';
  return String(x); // shortest round-trip form; also 'Infinity' and '-Infinity'
}

export class ConstantPool {
  readonly declarations: string[] = [];

  f32(bits: number): string {
    f32Bits[0] = bits;
    const x = f32Scratch[0];
    if (x === x) return literal(x);
    return this.add(`f32_from_bits(${bits | 0})`);
  }

  f64(bits: bigint): string {
    f64Bits[0] = bits;
    const x = f64Scratch[0];
    if (x === x) return literal(x);
    return this.add(`f64_from_bits(${Number(BigInt.asIntN(32, bits))}, ${Number(BigInt.asIntN(32, bits >> 32n))})`);
  }

  private add(expr: string): string {
    const name = `K${this.declarations.length}`;
    this.declarations.push(`const ${name} = ${expr};`);
    return name;
  }
}
