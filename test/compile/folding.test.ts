// The folding invariant (src/compile/folding-check.ts): a pending expression never reads a
// variable assigned before it is consumed. Regressions from real toolchain output, and the
// debug-mode check itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Instance, Module } from '../../src/index.js';
import { checkPendingConsumed, foldingChecks } from '../../src/compile/folding-check.js';
import { nativeExports } from '../helpers/native-wasm.js';

const wabt = await wabtInit();
const assemble = (wat: string): Uint8Array => wabt.parseWat('folding.wat', wat).toBinary({}).buffer;

const samples = [0x11223344, 0, -1, 1, 0x7fffffff, -0x80000000, 0x00ff00ff, -0x00ff0100, 0x12345678, 0x0f0f0f0f];

function agreeWithV8(bytes: Uint8Array, args: (n: number) => unknown[]): void {
  const ours = new Instance(new Module(bytes)).exports;
  const theirs = nativeExports(bytes);
  for (const name of Object.keys(theirs)) {
    for (const n of samples) {
      const a = args(n);
      assert.equal((ours[name] as (...x: unknown[]) => unknown)(...a), (theirs[name] as (...x: unknown[]) => unknown)(...a), `${name}(${a.join(', ')})`);
    }
  }
}

test('the tests run with the code generator\'s folding check on', () => {
  assert.equal(foldingChecks.enabled, true, 'npm test sets HEAPBASE_CHECK_CODEGEN=1');
});

test('two rotates that each need a temporary, folded into a third instruction (AssemblyScript\'s byte swap)', () => {
  const bytes = assemble(`(module (func (export "bswap") (param i32) (result i32)
    local.get 0 i32.const 0xff00ff00 i32.and i32.const 8 i32.rotl
    local.get 0 i32.const 0x00ff00ff i32.and i32.const 8 i32.rotr
    i32.or))`);
  const bswap = new Instance(new Module(bytes)).exports.bswap as (x: number) => number;
  assert.equal(bswap(0x11223344) >>> 0, 0x44332211);
  agreeWithV8(bytes, (n) => [n]);
});

test('operands needing temporaries at every position, nested, for i32 and i64 rotates', () => {
  const i32 = (op: string, k: number): string => `(i32.${op} (i32.xor (local.get 0) (i32.const ${k})) (i32.add (local.get 1) (i32.const ${k})))`;
  const i64 = (op: string, k: number): string => `(i64.${op} (i64.xor (local.get 2) (i64.const ${k})) (i64.extend_i32_u (i32.add (local.get 1) (i32.const ${k}))))`;
  const funcs = [
    `(func (export "a") (param i32 i32 i64) (result i32) (i32.add ${i32('rotl', 3)} ${i32('rotr', 5)}))`,
    `(func (export "b") (param i32 i32 i64) (result i32) (i32.rotl ${i32('rotr', 7)} ${i32('rotl', 9)}))`,
    `(func (export "c") (param i32 i32 i64) (result i32) (select ${i32('rotl', 1)} ${i32('rotr', 2)} ${i32('rotl', 4)}))`,
    `(func (export "d") (param i32 i32 i64) (result i64) (i64.sub ${i64('rotl', 3)} ${i64('rotr', 33)}))`,
    `(func (export "e") (param i32 i32 i64) (result i64) (i64.rotr ${i64('rotl', 6)} ${i64('rotr', 40)}))`,
  ];
  const bytes = assemble(`(module ${funcs.join('\n')})`);
  agreeWithV8(bytes, (n) => [n, n ^ 0x5a5a, BigInt(n) * 0x10001n]);
});

test('the folding check fails on an assignment to a variable a pending expression reads', () => {
  const lines = ['s0i = l1;', 'u00 = (l0 & 255);'];
  assert.throws(() => checkPendingConsumed(['((u00 << 8) | (u00 >>> 24))'], lines, 0, 7), /function 7.*reads u00/);
  assert.throws(() => checkPendingConsumed(['(l3 + 1)'], ['if (x) { l3 = 2; }'], 0, 0), /reads l3/);
  // assignments before the expression was made, and names that only share a prefix, are fine
  checkPendingConsumed(['((u00 << 8) | (u00 >>> 24))'], lines, 2, 7);
  checkPendingConsumed(['(u0 + l10)'], ['u00 = 1; l1 = 2;'], 0, 0);
});

test('a value dropped in an if branch does not come back as the else branch\'s parameter', () => {
  // differential fuzzing, seed 51000 case 4899: `drop` left the dropped expression pending, and
  // `else`, restoring the if's parameter at that height, popped the stale expression instead
  const bytes = assemble(`(module (func (export "f") (param i32) (result i32) (local i32)
    i32.const 7
    local.get 0
    if (param i32)
      drop
      local.get 0 i32.const 100 i32.add
      drop
    else
      local.set 1
    end
    local.get 1))`);
  const f = new Instance(new Module(bytes)).exports.f as (x: number) => number;
  assert.equal(f(0), 7);
  agreeWithV8(bytes, (n) => [n]);
});
