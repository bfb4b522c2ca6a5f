// Lazy compilation (compile/module.ts): functions that only other functions call directly are
// compiled on their first call; functions whose identity can be seen are compiled with the module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { Instance, Module, RuntimeError } from '../../src/index.js';
import { generateModuleSource, withLazyCompilation } from '../../src/compile/module.js';
import { nativeExports } from '../helpers/native-wasm.js';
import { section, uleb } from '../helpers/wasm-builder.js';

const wabt = await wabtInit();
const wasm = (wat: string): Uint8Array =>
  new Uint8Array(wabt.parseWat('lazy.wat', wat, { reference_types: true }).toBinary({ write_debug_names: true }).buffer);

/** The module's factory source as new Module generates it (lazily or not). */
function factorySource(bytes: Uint8Array, lazy: boolean): string {
  const module = new Module(bytes);
  return generateModuleSource(module.ir, module.facts, { stackPointerGlobal: null, lazy });
}

/** 28 bytes of code that do nothing: bodies under 24 bytes are compiled with the module. */
const pad = '(drop (i32.const 1234567)) '.repeat(4);

const mixed = wasm(`(module
  (type $ii (func (param i32) (result i32)))
  (table 1 funcref) (elem (i32.const 0) $viaTable)
  (global $started (mut i32) (i32.const 0))
  (func $helper (param i32) (result i32) ${pad} (i32.mul (local.get 0) (i32.const 3)))
  (func $viaTable (param i32) (result i32) ${pad} (i32.add (local.get 0) (i32.const 1)))
  (func $unused (result i32) ${pad} (i32.const 7))
  (func $start ${pad} (global.set $started (i32.const 100)))
  (func $named (result funcref) ${pad} (ref.func $viaTable))
  (func $tiny (param i32) (result i32) (i32.add (local.get 0) (call $helper (local.get 0))))
  (func (export "run") (param i32) (result i32)
    (i32.add (i32.add (call $helper (local.get 0)) (call_indirect (type $ii) (local.get 0) (i32.const 0)))
      (global.get $started)))
  (start $start))`);

test('functions only called directly wait for their first call; exported, table and start functions do not', () => {
  const source = factorySource(mixed, true);
  // 0 $helper, 1 $viaTable, 2 $unused, 3 $start, 4 $named, 5 $tiny (a body of 9 bytes), 6 run
  for (const lazy of [0, 2, 4]) assert.match(source, new RegExp(`var f${lazy} = function w${lazy}\\(`), `function ${lazy} waits`);
  for (const eager of [1, 3, 5, 6]) assert.match(source, new RegExp(`^function f${eager}\\(`, 'm'), `function ${eager} is compiled with the module`);
  assert.doesNotMatch(factorySource(mixed, false), /function w\d+\(/, 'without laziness every function is compiled up front');

  const run = new Instance(new Module(mixed)).exports.run as (n: number) => number;
  const expected = (nativeExports(mixed).run as (n: number) => number)(5);
  assert.equal(expected, 15 + 6 + 100);
  assert.equal(run(5), expected);
  assert.equal(run(5), expected, 'the second call goes to the compiled function');
});

test('the first instance compiles lazily, later ones share code compiled up front; each has its own state', () => {
  const bytes = wasm(`(module
    (global $count (mut i32) (i32.const 0))
    (func $bump (param i32) (result i32) ${pad} (global.set $count (i32.add (global.get $count) (local.get 0))) (global.get $count))
    (func (export "bump") (param i32) (result i32) (call $bump (local.get 0))))`);
  const module = new Module(bytes);
  const a = new Instance(module).exports.bump as (n: number) => number;
  const b = new Instance(module).exports.bump as (n: number) => number;
  assert.equal(a(5), 5);
  assert.equal(b(1), 1);
  assert.equal(a(5), 10);
  assert.equal(new Instance(module).exports.bump instanceof Function, true);
  assert.equal(b(1), 2);
});

test('a trap in a lazily compiled function names it in the stack, and its wrapper leaves no frame', () => {
  const bytes = wasm(`(module
    (func $boom (param i32) (result i32) ${pad} (if (i32.eq (local.get 0) (i32.const 3)) (then unreachable)) (local.get 0))
    (func $middle (param i32) (result i32) ${pad} (call $boom (local.get 0)))
    (func (export "run") (param i32) (result i32) (call $middle (local.get 0))))`);
  const run = new Instance(new Module(bytes)).exports.run as (n: number) => number;
  assert.equal(run(1), 1);
  assert.throws(() => run(3), (e: Error) => {
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.message, 'unreachable');
    const frames = e.stack!.split('\n').slice(1).filter((l) => l.includes('wasm function'));
    assert.deepEqual(frames.map((l) => l.trim()), ['at boom (wasm function 0)', 'at middle (wasm function 1)', 'at $2 (wasm function 2)']);
    assert.doesNotMatch(e.stack!, /\bw\d+\b|compileLazily|eval at/);
    return true;
  });
});

test('a deeply nested function is compiled with the module, where a parser limit is a CompileError', () => {
  const depth = 250;
  // built by hand: wabt's parser runs out of stack on deep nesting
  const deep = [0, ...Array<number[]>(depth).fill([0x03, 0x40]).flat(), ...Array<number>(depth).fill(0x0b), 0x41, 9, 0x0b];
  const shallow = [0, ...Array<number[]>(4).fill([0x41, 0x87, 0xad, 0xcb, 0x00, 0x1a]).flat(), 0x41, 1, 0x0b]; // 4 × (i32.const, drop) pad it to 27 bytes
  const run = [0, 0x10, 0, 0x10, 1, 0x6a, 0x0b]; // call 0, call 1, i32.add
  const bodies = [deep, shallow, run].map((b) => [...uleb(b.length), ...b]).flat();
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 0, 1, 0x7f]),
    ...section(3, [3, 0, 0, 0]),
    ...section(7, [1, 3, ...Buffer.from('run'), 0, 2]),
    ...section(10, [3, ...bodies]),
  ]);
  const source = factorySource(bytes, true);
  assert.match(source, /^function f0\(/m, 'the deep function is compiled up front');
  assert.match(source, /var f1 = function w1\(/, 'the shallow one waits');
  assert.equal((new Instance(new Module(bytes)).exports.run as () => number)(), 10);
});

test('lazy and up-front compilation give the same results', () => {
  for (const [name, n] of [['calls', 3], ['embedded', 40], ['sort', 1]] as const) {
    const bytes = new Uint8Array(readFileSync(new URL(`../../../bench/programs/${name}.wasm`, import.meta.url)));
    const outcome = (lazy: boolean): unknown =>
      withLazyCompilation(lazy, () => (new Instance(new Module(bytes)).exports.run as (n: number) => unknown)(n));
    const lazyResult = outcome(true);
    assert.equal(lazyResult, outcome(false), `${name}: lazy against up front`);
    assert.equal(lazyResult, (nativeExports(bytes).run as (n: number) => unknown)(n), `${name}: against V8`);
  }
});
