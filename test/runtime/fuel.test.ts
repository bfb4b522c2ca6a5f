// The fuel option: an instruction budget; running out traps with `out of fuel`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Instance, Module, RuntimeError } from '../../src/index.js';

const wabt = await wabtInit();
const bytes = wabt.parseWat('fuel.wat', `(module
  (func (export "spin") (loop $l (br $l)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2))))))))`).toBinary({}).buffer;
const module = new Module(bytes);

test('an infinite loop runs out of fuel', () => {
  const i = new Instance(module, {}, { fuel: 10_000 });
  assert.throws(() => (i.exports.spin as () => void)(), (e: unknown) =>
    e instanceof RuntimeError && e.kind === 'out of fuel' && e.message === 'out of fuel');
  assert.equal(i.stats.fuelConsumed, 10_000);
});

test('fuel consumed is deterministic, and exactly that budget suffices', () => {
  const a = new Instance(module, {}, { fuel: 1_000_000 });
  assert.equal((a.exports.fib as (n: number) => number)(15), 610);
  const used = a.stats.fuelConsumed;
  assert.ok(used > 1000, `used ${used}`);
  const b = new Instance(module, {}, { fuel: used });
  assert.equal((b.exports.fib as (n: number) => number)(15), 610);
  assert.equal(b.stats.fuelConsumed, used);
  const c = new Instance(module, {}, { fuel: used - 1 });
  assert.throws(() => (c.exports.fib as (n: number) => number)(15), /out of fuel/);
});

test('without a budget nothing is counted', () => {
  const i = new Instance(module, {});
  assert.equal((i.exports.fib as (n: number) => number)(10), 55);
  assert.equal(i.stats.fuelConsumed, 0);
  assert.throws(() => new Instance(module, {}, { fuel: -1 }), TypeError);
});
