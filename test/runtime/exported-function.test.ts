// Exported functions look like V8's: `toString()` shows no generated JavaScript, they are not
// constructors and have no `prototype`; `name` is the function index and `length` its arity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Instance, Module } from '../../src/index.js';
import { nativeExports } from '../helpers/native-wasm.js';

const wabt = await wabtInit();
const bytes = wabt.parseWat('exports.wat', `(module
  (func $skipped)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "wide") (param i64 f32 f64) (result i64) (local.get 0)))`).toBinary({}).buffer;

function shape(f: unknown): unknown {
  const fn = f as (...args: unknown[]) => unknown;
  let constructible = true;
  try { Reflect.construct(fn, []); } catch (e) { constructible = !(e instanceof TypeError); }
  return { text: String(fn), toString: fn.toString(), name: fn.name, length: fn.length, constructible, hasPrototype: 'prototype' in fn, proto: Object.getPrototypeOf(fn) === Function.prototype, keys: Object.keys(fn) };
}

test('exported functions have the shape of V8\'s', () => {
  const ours = new Instance(new Module(bytes)).exports;
  const theirs = nativeExports(bytes);
  for (const name of ['add', 'wide']) assert.deepEqual(shape(ours[name]), shape(theirs[name]), name);
  assert.equal(String(ours.add), 'function 1() { [native code] }');
  assert.doesNotMatch(String(ours.wide), /boundaryError|try/);
});
