// Memory, Table and Global faces: one per storage, and a face looked up twice never leaks its
// storage into the next object constructed (the differential fuzzer found a Global made after
// an imported Global re-exported, whose face already existed, wrapping that import's storage).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Global, Instance, Memory, Module, Table } from '../../src/index.js';

const wabt = await wabtInit();
const bytes = wabt.parseWat('faces.wat', `(module
  (global (export "g") (mut i32) (i32.const 7)) (memory (export "m") 1) (table (export "t") 2 funcref))`).toBinary({}).buffer;

const reexport = wabt.parseWat('reexport.wat', `(module
  (import "env" "g" (global $g (mut i32))) (export "g" (global $g))
  (import "env" "m" (memory 1)) (export "m" (memory 0)))`).toBinary({}).buffer;

test('a re-exported import is the imported object, and the next object constructed is new', () => {
  const env = { g: new Global({ value: 'i32', mutable: true }, 3), m: new Memory({ initial: 1 }) };
  const exports = new Instance(new Module(reexport), { env }).exports as { g: Global; m: Memory };
  assert.equal(exports.g, env.g);
  assert.equal(exports.m, env.m);
  const g = new Global({ value: 'f64', mutable: true }, 1.5);
  assert.equal(g.value, 1.5);
  assert.notEqual(g, env.g);
  const m = new Memory({ initial: 2 });
  assert.equal(m.buffer.byteLength, 2 * 65536);
  assert.equal(env.g.value, 3);
});

test('exports read twice are the same objects, and new objects get storage of their own', () => {
  const exports = new Instance(new Module(bytes)).exports as { g: Global; m: Memory; t: Table };
  const again = new Instance(new Module(bytes)).exports;
  assert.equal(exports.g, exports.g);
  const g = new Global({ value: 'i64', mutable: true }, 5n);
  assert.equal(g.value, 5n);
  assert.equal(exports.g.value, 7);
  const m = new Memory({ initial: 3 });
  assert.equal(m.buffer.byteLength, 3 * 65536);
  assert.equal(exports.m.buffer.byteLength, 65536);
  const t = new Table({ element: 'externref', initial: 5 });
  assert.equal(t.length, 5);
  assert.equal(exports.t.length, 2);
  assert.notEqual(again.g, exports.g);
});
