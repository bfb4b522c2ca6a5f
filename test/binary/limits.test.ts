// The JS API's implementation limits, and the decoder's sharing of repeated types, offsets and
// element segments (which let 10,000,000 segments decode): sharing must not change what a module
// means or where its first error is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { CompileError, Instance, Module, validate } from '../../src/index.js';
import { decodeModule, MAX_LOCALS, MAX_MODULE_BYTES } from '../../src/binary/decode.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { section, uleb } from '../helpers/wasm-builder.js';

const wabt = await wabtInit();
const assemble = (wat: string): Uint8Array => wabt.parseWat('limits.wat', wat).toBinary({}).buffer;
const header = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

function compileError(bytes: Uint8Array): CompileError {
  try {
    new Module(bytes);
  } catch (e) {
    assert.ok(e instanceof CompileError, `expected CompileError, got ${e}`);
    return e;
  }
  return assert.fail('module compiled');
}

test('repeated element segments, offsets and types keep their own meaning', () => {
  const bytes = assemble(`(module
    (type (func (result i32))) (type (func (result i32))) (type (func (param i32) (result i32)))
    (table (export "t") 8 funcref)
    (memory (export "m") 1)
    (global (export "g0") i32 (i32.const 7)) (global (export "g1") i32 (i32.const 7))
    (global (export "g2") (mut i32) (i32.const 7))
    (func $a (type 0) (i32.const 1)) (func $b (type 1) (i32.const 2)) (func $c (type 2) (local.get 0))
    (elem (i32.const 0) $a) (elem (i32.const 1) $a) (elem (i32.const 2) $b) (elem (i32.const 3) $a)
    (elem (i32.const 4) $c)
    (data (i32.const 0) "x") (data (i32.const 4) "x") (data (i32.const 4) "y"))`);
  const ours = new Instance(new Module(bytes)).exports as Record<string, any>;
  const theirs = new nativeWasm.Instance(new nativeWasm.Module(bytes)).exports as Record<string, any>;
  for (let i = 0; i < 5; i++) {
    const [f, g] = [ours.t.get(i), theirs.t.get(i)];
    assert.equal(f.length, g.length, `t[${i}].length`);
    assert.equal(f(9), g(9), `t[${i}](9)`);
  }
  assert.equal(ours.t.get(5), null);
  assert.deepEqual([...new Uint8Array(ours.m.buffer, 0, 5)], [...new Uint8Array(theirs.m.buffer, 0, 5)]);
  ours.g2.value = 8;
  assert.deepEqual([ours.g0.value, ours.g1.value, ours.g2.value], [7, 7, 8]);
});

test('the first of identical invalid element segments is the one reported', () => {
  // Three identical active segments naming function 5 of a module with one function.
  const segment = [0x00, 0x41, 0x00, 0x0b, 0x01, 0x05];
  const bytes = new Uint8Array([
    ...header,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [1, 0]),
    ...section(4, [1, 0x70, 0x00, 0x01]),
    ...section(9, [3, ...segment, ...segment, ...segment]),
    ...section(10, [1, 2, 0, 0x0b]),
  ]);
  const firstSegmentAt = bytes.indexOf(9, 8) + 3;
  assert.deepEqual([...bytes.subarray(firstSegmentAt, firstSegmentAt + segment.length)], segment);
  const error = compileError(bytes);
  assert.match(error.message, /function/);
  const offset = Number(/byte offset (\d+)/.exec(error.message)?.[1]);
  assert.ok(offset >= firstSegmentAt && offset < firstSegmentAt + segment.length, `${error.message} (first segment at ${firstSegmentAt})`);
  assert.equal(validate(bytes), false);
});

function moduleWithLocals(params: number, locals: number): Uint8Array {
  const type = [0x60, ...uleb(params), ...new Array(params).fill(0x7f), 0];
  const body = [1, ...uleb(locals), 0x7f, 0x0b];
  return new Uint8Array([
    ...header,
    ...section(1, [1, ...type]),
    ...section(3, [1, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

test('the locals limit counts parameters, as the JS API does', () => {
  const params = 100;
  const atLimit = moduleWithLocals(params, MAX_LOCALS - params);
  const overLimit = moduleWithLocals(params, MAX_LOCALS - params + 1);
  assert.equal(validate(atLimit), nativeWasm.validate(atLimit));
  assert.equal(validate(atLimit), true);
  assert.equal(nativeWasm.validate(overLimit), false);
  assert.equal(validate(overLimit), false);
  assert.match(compileError(overLimit).message, /too many locals .*parameters included/);
});

test('a module over the size limit is a CompileError, not an attempt to decode it', () => {
  // A view claiming MAX_MODULE_BYTES + 1 bytes without allocating them: only the length is read.
  const huge = new Proxy(new Uint8Array(8), {
    get: (target, key) => (key === 'length' || key === 'byteLength' ? MAX_MODULE_BYTES + 1 : Reflect.get(target, key)),
  });
  assert.throws(() => decodeModule(huge as Uint8Array), (e: Error) => e instanceof CompileError &&
    /module too large: 1073741825 bytes, over the limit of 1073741824 .*byte offset 0/.test(e.message));
});
