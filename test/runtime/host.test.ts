// Host binding: typed host functions, argument conversion, traps with Wasm stack traces, host
// exceptions passing through Wasm frames, and re-entrant calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { hostFunction, Instance, LinkError, Module, RuntimeError } from '../../src/index.js';

const wabt = await wabtInit();
const wat = (text: string): Uint8Array => {
  const m = wabt.parseWat('t.wat', text);
  m.resolveNames();
  return m.toBinary({ write_debug_names: true }).buffer;
};

const callbackModule = wat(`(module
  (import "env" "log" (func $log (param i32 i64)))
  (import "env" "callback" (func $callback (param i32) (result i32)))
  (func (export "run") (param i32) (result i32)
    (call $log (local.get 0) (i64.const -5))
    (call $callback (local.get 0)))
  (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 0)) (then unreachable))
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2))))))))`);

test('a typed host function of the wrong type fails to link, naming the import and both signatures', () => {
  const env = {
    log: hostFunction({ params: ['i32', 'i32'] }, () => {}),
    callback: hostFunction({ params: ['i32'], results: ['i32'] }, (x: number) => x),
  };
  assert.throws(() => new Instance(new Module(callbackModule), { env }), (e: unknown) =>
    e instanceof LinkError && e.message.includes('"env" "log"') &&
    e.message.includes('[i32 i64] -> []') && e.message.includes('[i32 i32] -> []'));
});

test('host functions get JS values, and may call back into the instance', () => {
  const seen: unknown[] = [];
  let instance: Instance | undefined;
  const env = {
    log: hostFunction({ params: ['i32', 'i64'] }, (a: number, b: bigint) => { seen.push(a, b); }),
    callback: (x: number) => (instance!.exports.double as (v: number) => number)(x) + 1,
  };
  instance = new Instance(new Module(callbackModule), { env });
  assert.equal((instance.exports.run as (x: number) => number)(20), 41);
  assert.deepEqual(seen, [20, -5n]);
});

test('an exception thrown by a host function reaches the caller unchanged', () => {
  const problem = new RangeError('host says no');
  const env = { log: () => { throw problem; }, callback: (x: number) => x };
  const instance = new Instance(new Module(callbackModule), { env });
  assert.throws(() => (instance.exports.run as (x: number) => number)(1), (e: unknown) => e === problem);
});

test('a trap is a RuntimeError with its kind and a stack of named Wasm functions', () => {
  const instance = new Instance(new Module(callbackModule), { env: { log: () => {}, callback: (x: number) => x } });
  const fib = instance.exports.fib as (n: number) => number;
  assert.equal(fib(10), 55);
  try {
    fib(-1); // negative: unreachable
    assert.fail('no trap');
  } catch (e) {
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.kind, 'unreachable');
    assert.equal(e.message, 'unreachable');
    const frames = e.stack!.split('\n').filter((l) => l.includes('wasm function'));
    assert.equal(frames.length, 1, e.stack);
    assert.match(frames[0], /at fib \(wasm function 4\)/);
    assert.doesNotMatch(e.stack!, /runtime\/errors/);
  }
});

test('exported functions convert arguments like the JS API', () => {
  const bytes = wat(`(module (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
    (func (export "f32") (param f32) (result f32) (local.get 0)))`);
  const exports = new Instance(new Module(bytes), {}).exports;
  const add64 = exports.add64 as (a: unknown, b: unknown) => bigint;
  assert.equal(add64(2n ** 63n - 1n, 1n), -(2n ** 63n));
  assert.throws(() => add64(1, 2), TypeError);
  assert.equal((exports.f32 as (x: number) => number)(0.1), Math.fround(0.1));
  assert.equal(Object.getPrototypeOf(exports), null);
  assert.ok(Object.isFrozen(exports));
});
