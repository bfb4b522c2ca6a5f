// f32 lanes held as numbers (src/compile/float-lanes.ts): which variables the pass converts, and
// that converted code computes what V8 computes, NaN bits included where Wasm fixes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { holdFloatLanesAsNumbers } from '../../src/compile/float-lanes.js';
import { Instance, Module } from '../../src/index.js';
import { nativeExports } from '../helpers/native-wasm.js';

const wabt = await wabtInit();
function wat(text: string): Uint8Array {
  const mod = wabt.parseWat('t.wat', text, { simd: true });
  try {
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

const read = (n: string, slot = 0): string => `(simd_I32[${slot}] = ${n}, simd_F32[${slot}])`;
const result = (x: string): string => `(simd_F32[2] = ${x}, simd_I32[2])`;

test('float-lanes: variables only f32x4 arithmetic reads become numbers; any other use keeps the bits', () => {
  const lines = [
    's1VW0 = dv.getInt32((l0 >>> 0), true);',
    'l2W0 = s1VW0;',
    `l3W0 = ${result(`${read('l2W0')} * ${read('l3W0', 1)}`)};`,
    's1VW1 = dv.getInt32((l0 >>> 0) + 4, true);',
    `l3W1 = ${result(`${read('s1VW1')} + 1`)};`,
    'l4W1 = l3W1 ^ 5;', // an integer use: l3W1 stays bits (s1VW1, read only as a lane, does not)
  ];
  const out = holdFloatLanesAsNumbers(lines, new Set(['l0']));
  assert.equal(out[0], 's1VW0 = dv.getFloat32((l0 >>> 0), true);');
  assert.equal(out[1], 'l2W0 = s1VW0;');
  assert.equal(out[2], 'l3W0 = Math.fround(l2W0 * l3W0);');
  assert.equal(out[3], 's1VW1 = dv.getFloat32((l0 >>> 0) + 4, true);');
  assert.equal(out[4], `l3W1 = ${result('s1VW1 + 1')};`, 'l3W1 is used as an integer: still bits, but its operand is a number');
  assert.equal(out[5], lines[5]);
  // a parameter's words arrive as bits
  const withParam = holdFloatLanesAsNumbers([`l3W0 = ${result(read('l0W0'))};`], new Set(['l0W0']));
  assert.equal(withParam[0], `l3W0 = Math.fround(${read('l0W0')});`);
  // no f32 lanes: the lines come back as they are
  const plain = ['l1 = (l0 + 1) | 0;'];
  assert.equal(holdFloatLanesAsNumbers(plain, new Set()), plain);
});

test('float-lanes: loops of f32x4 arithmetic over loads, locals and extracts agree with V8, signalling NaN bits included', () => {
  const bytes = wat(`(module (memory (export "mem") 1)
    (func (export "sum") (param $n i32) (result f32) (local $acc v128) (local $i i32)
      (loop $l
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.shl (local.get $i) (i32.const 4))) (v128.load offset=1024 (i32.shl (local.get $i) (i32.const 4))))))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))
    ;; a load moved through locals to extract_lane keeps its exact bits (a signalling NaN too)
    (func (export "moved") (param $at i32) (param $lane i32) (result i32) (local $v v128) (local $w v128)
      (local.set $v (v128.load (local.get $at)))
      (local.set $w (local.get $v))
      (if (result i32) (local.get $lane)
        (then (i32.reinterpret_f32 (f32x4.extract_lane 1 (local.get $w))))
        (else (i32.reinterpret_f32 (f32x4.extract_lane 0 (local.get $w))))))
    ;; the same local read as floats and as integers stays bits
    (func (export "mixed") (param $at i32) (result i32) (local $v v128)
      (local.set $v (f32x4.mul (v128.load (local.get $at)) (v128.load offset=16 (local.get $at))))
      (i32.xor (i32x4.extract_lane 2 (local.get $v)) (i32.reinterpret_f32 (f32x4.extract_lane 2 (f32x4.sqrt (local.get $v)))))))`);
  const mine = new Instance(new Module(bytes), {}).exports as Record<string, (...a: number[]) => number> & { mem: { buffer: ArrayBuffer } };
  const theirs = nativeExports(bytes) as typeof mine;
  for (const e of [mine, theirs]) {
    const f = new Float32Array(e.mem.buffer);
    for (let i = 0; i < 512; i++) f[i] = ((i * 37) % 101) / 7 - 5;
    const words = new Int32Array(e.mem.buffer);
    words[600] = 0x7fa00001; // signalling NaN with a payload
    words[601] = 0xffc12345 | 0; // quiet negative NaN with a payload
  }
  for (const n of [1, 7, 64]) assert.equal(mine.sum(n), theirs.sum(n), `sum(${n})`);
  assert.equal(mine.moved(2400, 0), theirs.moved(2400, 0));
  assert.equal(mine.moved(2400, 0), 0x7fa00001);
  assert.equal(mine.moved(2400, 1), theirs.moved(2400, 1));
  for (const at of [0, 48, 2384]) assert.equal(mine.mixed(at), theirs.mixed(at), `mixed(${at})`);
});
