// The SIMD benchmark kernels (bench/simd/, built from C by build.sh): on Node's own WebAssembly
// each kernel's SIMD builds give the same checksum as its scalar build; the SIMD builds contain
// v128 instructions and the scalar builds none; and, where heapbase accepts a SIMD module,
// heapbase's checksums agree with Node's. Small n: correctness only, the timing is in
// `npm run bench` (bench/simd.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapbase, native, type Engine } from '../../bench/engines.js';
import { formatResult, runExport, type Result } from '../../bench/programs.js';
import { BUILD_LABEL, SIMD_KERNELS, isSimdUnsupported, simdBytes, type SimdBuild } from '../../bench/simd.js';
import { wasmToText } from '../fuzz/wat.js';

const run = (engine: Engine, bytes: Uint8Array, n: number): Result => runExport(engine.instantiate(engine.compile(bytes), {}).exports)(n);

/** Instructions of the text format with a v128 operand or result (v128.*, i8x16.*, … f64x2.*). */
const V128_INSTRUCTION = /^\s*(v128|[if](?:8x16|16x8|32x4|64x2))\.\S+/gm;

for (const k of SIMD_KERNELS) {
  const builds: SimdBuild[] = ['scalar', ...k.simd];

  test(`SIMD kernel ${k.name}: every build gives the same run(${k.smallN}) on Node; v128 only in the SIMD builds`, async () => {
    const want = run(native, simdBytes(k.name, 'scalar'), k.smallN);
    assert.equal(typeof want, 'number');
    for (const b of builds) {
      const bytes = simdBytes(k.name, b);
      if (b !== 'scalar') assert.ok(Object.is(run(native, bytes, k.smallN), want), `${k.name} ${BUILD_LABEL[b]}: ${formatResult(run(native, bytes, k.smallN))}, scalar ${formatResult(want)}`);
      const text = await wasmToText(bytes);
      const v128 = text.match(V128_INSTRUCTION) ?? [];
      if (b === 'scalar') {
        assert.deepEqual(v128, [], `${k.name}.scalar.wasm has v128 instructions`);
        assert.doesNotMatch(text, /\bv128\b/, `${k.name}.scalar.wasm mentions v128`);
      } else {
        // the arithmetic of each kernel, not only loads and stores
        assert.ok(v128.length >= 10, `${k.name}.${b}.wasm: only ${v128.length} v128 instructions`);
        assert.ok(v128.some((i) => !/v128\.(load|store|const)/.test(i)), `${k.name}.${b}.wasm: no v128 arithmetic`);
      }
    }
  });

  test(`SIMD kernel ${k.name}: heapbase's checksums agree with Node's`, (t) => {
    const want = run(native, simdBytes(k.name, 'scalar'), k.smallN);
    const skipped: string[] = [];
    for (const b of builds) {
      let module: object;
      try {
        module = heapbase.compile(simdBytes(k.name, b));
      } catch (e) {
        if (b !== 'scalar' && isSimdUnsupported(e)) {
          skipped.push(`${BUILD_LABEL[b]}: ${(e as Error).message}`);
          continue;
        }
        throw e;
      }
      const got = runExport(heapbase.instantiate(module, {}).exports)(k.smallN);
      assert.ok(Object.is(got, want), `${k.name} ${BUILD_LABEL[b]}: heapbase gave ${formatResult(got)}, Node ${formatResult(want)}`);
    }
    if (skipped.length) t.skip(`heapbase does not accept the SIMD builds yet (${skipped.join('; ')}); its scalar build agrees`);
  });
}
