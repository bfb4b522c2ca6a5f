// The benchmark programs (bench/programs/, built from C by build.sh) give the same results on
// heapbase as on Node's own WebAssembly, at small sizes: correctness only, no timing. The same
// comparison runs at full size in `npm run bench`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heapbase, native, type Engine } from '../../bench/engines.js';
import { KERNELS, WASI_PROGRAM, formatResult, programBytes, runExport } from '../../bench/programs.js';
import { checkSynthetic, syntheticModule } from '../../bench/compile-speed.js';
import { cleanupWasiOutputs, runWasi } from '../../bench/wasi-run.js';

function runKernel(engine: Engine, name: string, n: number): unknown {
  return runExport(engine.instantiate(engine.compile(programBytes(name)), {}).exports)(n);
}

for (const k of KERNELS) {
  test(`bench program ${k.name}: run(${k.smallN}) agrees with native WebAssembly`, () => {
    const want = runKernel(native, k.name, k.smallN);
    const got = runKernel(heapbase, k.name, k.smallN);
    assert.equal(typeof got, typeof want);
    assert.ok(Object.is(got, want), `${k.name}: heapbase gave ${formatResult(got)}, native ${formatResult(want)}`);
  });
}

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
