// The benchmark programs (bench/programs/, built from C by build.sh) give the same results on
// heapbase as on Node's own WebAssembly, at small sizes: correctness only, no timing. The same
// comparison runs at full size in `npm run bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapbase, native, type Engine } from '../../bench/engines.js';
import { KERNELS, WASI_PROGRAM, formatResult, programBytes, runExport } from '../../bench/programs.js';
import { checkSynthetic, syntheticModule } from '../../bench/compile-speed.js';
import { cleanupWasiOutputs, runWasi } from '../../bench/wasi-run.js';
import { benchSingleCall, withUniqueSection } from '../../bench/single-call.js';

/** run(n)'s result, and errors()'s after it for a kernel that checks its own work. */
function runKernel(engine: Engine, name: string, n: number): { result: unknown; errors: unknown } {
  const exports = engine.instantiate(engine.compile(programBytes(name)), {}).exports;
  const result = runExport(exports)(n);
  return { result, errors: typeof exports.errors === 'function' ? (exports.errors as () => number)() : null };
}

for (const k of KERNELS) {
  test(`bench program ${k.name}: run(${k.smallN}) agrees with native WebAssembly`, () => {
    const want = runKernel(native, k.name, k.smallN);
    const got = runKernel(heapbase, k.name, k.smallN);
    assert.equal(typeof got.result, typeof want.result);
    assert.ok(Object.is(got.result, want.result), `${k.name}: heapbase gave ${formatResult(got.result)}, native ${formatResult(want.result)}`);
    if (want.errors !== null) {
      assert.equal(want.errors, 0, `${k.name}: its own check failed on native`);
      assert.equal(got.errors, 0, `${k.name}: its own check failed on heapbase`);
    }
  });
}

test('bench program compress: exports errors(), which its run(1) leaves at 0', () => {
  assert.equal(runKernel(native, 'compress', 1).errors, 0);
});

test('single long call (small n): fresh modules from bytes with a unique custom section, results agree', () => {
  const k = KERNELS.find((x) => x.name === 'coremark_like')!;
  for (const first of ['heapbase', 'native'] as const) {
    const f = benchSingleCall(k, k.smallN, first, () => {});
    assert.deepEqual(f.mismatches, []);
    assert.equal(f.heapbase.agrees, true);
    assert.equal(f.result, formatResult(runKernel(native, k.name, k.smallN).result));
    assert.ok(f.ratio !== null && f.ratio > 0);
  }
  const a = withUniqueSection(programBytes(k.name));
  const b = withUniqueSection(programBytes(k.name));
  assert.notDeepEqual(a, b);
  assert.deepEqual(a.subarray(0, programBytes(k.name).length), programBytes(k.name));
});

test(`bench program ${WASI_PROGRAM.name} (${WASI_PROGRAM.smallN} words): same exit code and stdout as node:wasi`, () => {
  try {
    const run = (e: Engine) => runWasi(e, e.compile(programBytes(WASI_PROGRAM.name)), WASI_PROGRAM.name, WASI_PROGRAM.smallN);
    const want = run(native);
    const got = run(heapbase);
    assert.equal(want.exitCode, 0);
    assert.match(want.stdout, /^words 20000, distinct \d+/);
    assert.equal(got.exitCode, want.exitCode);
    assert.equal(got.stdout, want.stdout);
  } finally {
    cleanupWasiOutputs();
  }
});

test('synthetic compile-speed module (200 kB): exports and final memory agree with native', () => {
  const synth = syntheticModule(200_000);
  const { calls, mismatches } = checkSynthetic(synth.bytes, synth.calls);
  assert.ok(calls > 0);
  assert.deepEqual(mismatches, []);
});
