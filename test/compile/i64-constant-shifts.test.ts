// i64 shifts and rotates by a constant count are emitted inline (opcode table `js64ByCount`):
// every count 0..63 and a few out-of-range counts agree with V8 on edge-case and random values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Instance, Module } from '../../src/index.js';
import { nativeExports } from '../helpers/native-wasm.js';

const ops = ['shl', 'shr_s', 'shr_u', 'rotl', 'rotr'];
const counts = [...Array.from({ length: 64 }, (_, i) => i), 64, 65, 127, -1, -33];
const funcs = ops.flatMap((op) => counts.map((c) =>
  `(func (export "${op}_${c < 0 ? 'm' + -c : c}") (param i64) (result i64) (i64.${op} (local.get 0) (i64.const ${c})))`));
const wabt = await wabtInit();
const bytes = wabt.parseWat('shifts.wat', `(module ${funcs.join('\n')})`).toBinary({}).buffer;

const values = [0n, 1n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n, 0x123456789abcdef0n, -0x0fedcba987654321n, 0x80000000n, 0xffffffffn, 0x100000000n];
let seed = 12345n;
for (let i = 0; i < 20; i++) {
  seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
  values.push(BigInt.asIntN(64, seed));
}

test('i64 shifts and rotates by constants agree with V8', () => {
  const ours = new Instance(new Module(bytes)).exports;
  const theirs = nativeExports(bytes);
  let checked = 0;
  for (const name of Object.keys(theirs)) {
    for (const v of values) {
      assert.equal((ours[name] as (x: bigint) => bigint)(v), (theirs[name] as (x: bigint) => bigint)(v), `${name}(${v})`);
      checked++;
    }
  }
  assert.equal(checked, ops.length * counts.length * values.length);
});
