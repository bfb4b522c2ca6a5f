// Very deep block nesting (C switches compiled to br_table) must compile and agree with V8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Instance, Module } from '../../src/index.js';
import { nativeExports } from '../helpers/native-wasm.js';
import { singleFunctionModule, sleb, uleb } from '../helpers/wasm-builder.js';

/**
 * n nested blocks, a br_table on the parameter, and after each block's end:
 * g = g * 31 + i, then every 7th case branches three blocks further out when the parameter is odd.
 */
function switchModule(n: number): Uint8Array {
  const code: number[] = [];
  for (let i = 0; i < n; i++) code.push(0x02, 0x40);
  code.push(0x20, 0, 0x0e, ...uleb(n), ...Array.from({ length: n }, (_, i) => uleb(i)).flat(), ...uleb(n - 1));
  for (let i = 0; i < n; i++) {
    code.push(0x0b);
    code.push(0x23, 0, 0x41, 31, 0x6c, 0x41, ...sleb(i), 0x6a, 0x24, 0);
    const remaining = n - 1 - i;
    if (i % 7 === 0 && remaining > 3) code.push(0x20, 0, 0x41, 1, 0x71, 0x0d, 3);
  }
  code.push(0x23, 0);
  return singleFunctionModule(code);
}

for (const n of [3000, 10000]) {
  test(`a switch of ${n} nested blocks runs like V8's`, () => {
    const bytes = switchModule(n);
    for (const x of [0, 1, 2, 5, 6, 7, 8, 13, n >> 1, n - 2, n - 1, n, n + 5, -1]) {
      // A fresh instance each time: the function accumulates into a global.
      const ours = new Instance(new Module(bytes)).exports.f as (x: number) => number;
      const expected = nativeExports(bytes).f as (x: number) => number;
      assert.equal(ours(x), expected(x), `f(${x})`);
    }
  });
}

test('a br_table into a chain whose default leaves the chain: in range, out of range and negative like V8', async () => {
  const { default: wabtInit } = await import('wabt');
  const wabt = await wabtInit();
  const n = 80;
  let inner = `(br_table ${Array.from({ length: n }, (_, i) => `$c${(i * 37) % n}`).join(' ')} $out (local.get $x))`;
  for (let i = 0; i < n; i++) inner = `(block $c${i} ${inner})\n(local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (i32.const ${i + 1})))`;
  // the nop keeps $out out of the chain; the default branch goes to it, past every case
  const wat = `(module (func (export "f") (param $x i32) (result i32) (local $acc i32)
    (block $out (nop) ${inner}) (i32.add (local.get $acc) (i32.const 1000))))`;
  const bytes = wabt.parseWat('chain-default.wat', wat).toBinary({}).buffer;
  const ours = new Instance(new Module(bytes)).exports.f as (x: number) => number;
  const expected = nativeExports(new Uint8Array(bytes)).f as (x: number) => number;
  for (const x of [0, 1, 2, 36, 37, n - 1, n, n + 1, 1000, -1, -2147483648, 2147483647]) assert.equal(ours(x), expected(x), `f(${x})`);
});
