// Compiled code keeps a local copy of the memory's view and refreshes it only after calls that
// may grow the memory (src/compile/memory-growth.ts). Each way a callee can grow the memory
// (memory.grow two calls deep, the host, a call through a table) is followed by an access to
// the new pages in the caller; a stale view would trap there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Instance, Memory, Module } from '../../src/index.js';
import { functionsThatMayGrowMemory } from '../../src/compile/memory-growth.js';
import { decodeModule } from '../../src/binary/decode.js';
import { validateModule } from '../../src/validate/index.js';

const wabt = await wabtInit();
const wat = `(module
  (import "host" "grow" (func $hostGrow))
  (memory (export "mem") 1)
  (table 1 funcref)
  (elem (i32.const 0) $grow)
  (func $grow (drop (memory.grow (i32.const 1))))
  (func $middle (call $grow))
  (func $leaf (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  ;; each stores at 65536 (the second page, absent before the call) and reads it back
  (func (export "deep") (result i32)
    (drop (call $leaf (i32.const 0)))
    (call $middle)
    (i32.store (i32.const 65536) (i32.const 7))
    (i32.load (i32.const 65536)))
  (func (export "viaHost") (result i32)
    (call $hostGrow)
    (i32.store (i32.const 65536) (i32.const 8))
    (i32.load (i32.const 65536)))
  (func (export "viaTable") (result i32)
    (call_indirect (i32.const 0))
    (i32.store (i32.const 65536) (i32.const 9))
    (i32.load (i32.const 65536)))
  (func (export "leafOnly") (result i32)
    (i32.store (i32.const 0) (call $leaf (i32.const 41)))
    (i32.load (i32.const 0))))`;
const bytes = wabt.parseWat('growth.wat', wat).toBinary({}).buffer;

test('the analysis marks imports, memory.grow, call_indirect and their callers; not leaves', () => {
  // Function indices: 0 hostGrow, 1 grow, 2 middle, 3 leaf, 4 deep, 5 viaHost, 6 viaTable, 7 leafOnly.
  const ir = decodeModule(bytes);
  assert.deepEqual(functionsThatMayGrowMemory(ir, validateModule(ir)), [true, true, true, false, true, true, true, false]);
});

for (const name of ['deep', 'viaHost', 'viaTable'] as const) {
  test(`an access after a call that grew the memory (${name}) sees the new page`, () => {
    let memory: Memory | null = null;
    const instance = new Instance(new Module(bytes), { host: { grow: () => memory!.grow(1) } });
    memory = instance.exports.mem as Memory;
    const expected = { deep: 7, viaHost: 8, viaTable: 9 }[name];
    assert.equal((instance.exports[name] as () => number)(), expected);
    assert.equal(memory.buffer.byteLength, 2 * 65536);
  });
}

test('a call to a leaf keeps the view and the result', () => {
  const instance = new Instance(new Module(bytes), { host: { grow: () => {} } });
  assert.equal((instance.exports.leafOnly as () => number)(), 42);
});
