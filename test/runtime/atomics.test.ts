// Atomics of the threads proposal with single-threaded semantics: a C program using <stdatomic.h>
// (test/fixtures/atomics, built by build.sh) gives the same results on heapbase and on Node's own
// WebAssembly, and unit tests pin down traps, wait/notify and shared memories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { CompileError, Instance, LinkError, Memory, Module, RuntimeError, type ImportObject } from '../../src/index.js';
import { allOps, type OpInfo } from '../../src/binary/opcodes.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { trapKind } from '../helpers/traps.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../../../test/fixtures/atomics/${name}`, import.meta.url));
const wabt = await wabtInit();
const wat = (text: string): Uint8Array => wabt.parseWat('t.wat', text, { threads: true }).toBinary({}).buffer;

type Exports = Record<string, (...args: unknown[]) => unknown>;

function heapbase(bytes: Uint8Array, imports: ImportObject = {}): { instance: Instance; exports: Exports } {
  const instance = new Instance(new Module(bytes), imports);
  return { instance, exports: instance.exports as Exports };
}

function native(bytes: Uint8Array, imports: object = {}): Exports {
  return new nativeWasm.Instance(new nativeWasm.Module(bytes), imports).exports as Exports;
}


/** Asserts that Node's WebAssembly traps too (V8 words its traps its own way). */
function nativeTraps(f: () => unknown): void {
  assert.throws(f, (e: unknown) => e instanceof nativeWasm.RuntimeError);
}

// ---- the C program ----

/** Calls in order; each result is compared between the engines. (Waits, shared memory only, below.) */
const program: readonly [string, ...unknown[]][] = [
  ['counters', 1000],
  ['counter64'],
  ['cas_max', 1000],
  ['cas_mix', 1000],
  ['spinlock', 100],
  ['ring_run', 10000],
  ['ring_stats'],
  ['notify', 0],
  ['notify', 5],
];

/** A shared memory's futex word is 0: wait32(1, …) is "not-equal", wait32(0, short timeout) "timed-out". */
const waits: readonly [string, ...unknown[]][] = [
  ['wait32', 1, 0n],
  ['wait32', 0, 0n],
  ['wait32', 0, 2_000_000n],
  ['wait64', 1n, 0n],
  ['wait64', 0n, 1_000_000n],
];

function run(exports: Exports, calls: readonly [string, ...unknown[]][]): unknown[] {
  return calls.map(([name, ...args]) => exports[name](...args));
}

/** The value of an exported `__heap_base` global (both engines' Global has `.value`). */
function heapBase(exports: Exports): number {
  return (exports.__heap_base as unknown as { value: number }).value;
}

/** Memory [0, end) of a native instance. */
function nativeBytes(exports: Exports, end: number): Uint8Array {
  return new Uint8Array((exports.memory as unknown as { buffer: ArrayBufferLike }).buffer, 0, end).slice();
}

test('C atomics, unshared memory: same results as Node, memory trimmed to __heap_base', () => {
  const bytes = fixture('atomics_unshared.wasm');
  const { instance, exports: hb } = heapbase(bytes);
  const v8 = native(bytes);
  const results = run(hb, program);
  assert.deepEqual(results, run(v8, program));
  console.log(`atomics_unshared: ${program.map(([n], i) => `${n}=${String(results[i])}`).join(' ')}`);
  assert.equal(instance.layout.trimmed, true);
  assert.equal(instance.memory!.size, heapBase(hb));
  assert.deepEqual(instance.memory!.readBytes(0, heapBase(hb)), nativeBytes(v8, heapBase(hb)));
  // wait needs a shared memory: both engines trap, even when the value differs.
  assert.equal(trapKind(() => hb.wait32(1, 0n)), 'expected shared memory');
  assert.equal(trapKind(() => hb.wait64(0n, 0n)), 'expected shared memory');
  nativeTraps(() => v8.wait32(1, 0n));
  nativeTraps(() => v8.wait64(0n, 0n));
});

test('C atomics, shared memory: same results as Node, a SharedArrayBuffer trimmed to __heap_base', () => {
  const bytes = fixture('atomics_shared.wasm');
  const { instance, exports: hb } = heapbase(bytes);
  const v8 = native(bytes);
  const calls = [...program, ...waits];
  const results = run(hb, calls);
  assert.deepEqual(results, run(v8, calls));
  assert.deepEqual(results.slice(program.length), [1, 2, 2, 1, 2]);
  console.log(`atomics_shared: ${calls.map(([n], i) => `${n}=${String(results[i])}`).join(' ')}`);
  assert.equal(instance.layout.trimmed, true);
  assert.equal(instance.memory!.size, heapBase(hb));
  const memory = hb.memory as unknown as Memory;
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  assert.equal(memory.buffer.byteLength, heapBase(hb));
  assert.deepEqual(new Uint8Array(memory.buffer).slice(), nativeBytes(v8, heapBase(hb)));
});

test('C atomics, imported shared memory: two instances on one memory, as on Node', () => {
  const bytes = fixture('atomics_shared_import.wasm');
  const hbMemory = new Memory({ initial: 1, maximum: 2, shared: true });
  const v8Memory = new nativeWasm.Memory({ initial: 1, maximum: 2, shared: true });
  const first = heapbase(bytes, { env: { memory: hbMemory } }).exports;
  const v8First = native(bytes, { env: { memory: v8Memory } });
  assert.deepEqual(run(first, program), run(v8First, program));
  // The second instance's start function finds the memory initialised (flag 2) and leaves it; its
  // counters continue from the first instance's state.
  const second = heapbase(bytes, { env: { memory: hbMemory } }).exports;
  const v8Second = native(bytes, { env: { memory: v8Memory } });
  assert.deepEqual([second.counter64(), ...run(second, program)], [v8Second.counter64(), ...run(v8Second, program)]);
  assert.deepEqual(run(second, waits), run(v8Second, waits));
  assert.deepEqual(new Uint8Array(hbMemory.buffer), new Uint8Array(v8Memory.buffer));
  // An unshared memory does not match a shared import (nor the other way round: spec tests).
  assert.throws(() => heapbase(bytes, { env: { memory: new Memory({ initial: 1, maximum: 2 }) } }), LinkError);
  assert.throws(() => native(bytes, { env: { memory: new nativeWasm.Memory({ initial: 1, maximum: 2 }) } }), nativeWasm.LinkError);
});

// ---- traps, for every atomic access in the opcode table ----

const atomicOps = allOps.filter((op): op is OpInfo & { mem: NonNullable<OpInfo['mem']> } => op.mem?.atomic === true);

/** A module exporting each atomic access as a function of its address (other operands 0). */
function allAtomicsModule(memory: string, extra = ''): Uint8Array {
  const funcs = atomicOps.map((op) => {
    const [, ...rest] = op.sig!.params;
    const result = op.sig!.results.length ? `(result ${op.sig!.results[0]})` : '';
    const operands = rest.map((t) => `(${t}.const 0)`).join(' ');
    return `(func (export "${op.name}") (param i32) ${result} (${op.name} (local.get 0) ${operands}))`;
  });
  return wat(`(module ${memory} ${extra} ${funcs.join('\n')})`);
}

/** Arguments after the address, for an export of `op` (i64 operands are BigInts). */
const restArgs = (op: OpInfo): unknown[] => op.sig!.params.slice(1).map((t) => (t === 'i64' ? 0n : 0));

test('every atomic access: in bounds and aligned works; misaligned traps "unaligned atomic"; past the end "out of bounds"', () => {
  assert.equal(atomicOps.length, 3 + 7 * 2 + 7 * 7);
  const bytes = allAtomicsModule('(memory 1 1 shared)');
  const hb = heapbase(bytes).exports;
  const v8 = native(bytes);
  for (const op of atomicOps) {
    const w = op.mem.width;
    const call = (e: Exports, a: number) => (): unknown => e[op.name](a, ...restArgs(op));
    assert.doesNotThrow(call(hb, 65536 - w), op.name);
    assert.equal(trapKind(call(hb, 65536)), 'out of bounds memory access', op.name);
    nativeTraps(call(v8, 65536));
    if (w > 1) {
      assert.equal(trapKind(call(hb, w / 2)), 'unaligned atomic', op.name);
      nativeTraps(call(v8, w / 2));
      // Both misaligned and out of bounds: the alignment check comes first (the proposal's
      // reference interpreter and its RMW prose); V8 reports the bounds instead.
      assert.equal(trapKind(call(hb, 65536 + w / 2)), 'unaligned atomic', op.name);
      assert.equal(trapKind(call(hb, -w / 2)), 'unaligned atomic', op.name);
    }
  }
});

test('atomic accesses in a memory trimmed to __heap_base trap past it', () => {
  const bytes = allAtomicsModule('(memory 1 1 shared)', '(global (export "__heap_base") i32 (i32.const 100))');
  const { instance, exports: hb } = heapbase(bytes);
  assert.equal(instance.memory!.size, 100);
  for (const op of atomicOps) {
    const w = op.mem.width;
    const call = (a: number) => (): unknown => hb[op.name](a, ...restArgs(op));
    const last = Math.floor((100 - w) / w) * w; // the last aligned access that fits: 99, 98, 96, 88
    assert.doesNotThrow(call(last), op.name);
    assert.equal(trapKind(call(last + w)), 'out of bounds memory access', op.name);
  }
});

test('the static offset counts towards alignment, and the effective address does not wrap', () => {
  const bytes = wat(`(module (memory 1 1 shared)
    (func (export "load") (param i32) (result i32) (i32.atomic.load offset=2 (local.get 0)))
    (func (export "far") (param i32) (result i64) (i64.atomic.load offset=8 (local.get 0))))`);
  const hb = heapbase(bytes).exports;
  const v8 = native(bytes);
  assert.equal(hb.load(2), v8.load(2));
  assert.equal(trapKind(() => hb.load(0)), 'unaligned atomic');
  nativeTraps(() => v8.load(0));
  // 0xfffffff8 + 8 = 2^32: aligned, beyond any memory.
  assert.equal(trapKind(() => hb.far(-8)), 'out of bounds memory access');
  nativeTraps(() => v8.far(-8));
});

// ---- wait and notify ----

const waitModule = (memory: string): Uint8Array => wat(`(module ${memory}
  (func (export "store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "notify") (param i32 i32) (result i32) (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "wait32") (param i32 i32 i64) (result i32) (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "wait64") (param i32 i64 i64) (result i32) (memory.atomic.wait64 (local.get 0) (local.get 1) (local.get 2))))`);

test('wait on a shared memory: 1 when the value differs, 2 after the timeout; notify wakes no one', () => {
  const hb = heapbase(waitModule('(memory 1 1 shared)')).exports;
  hb.store(0, 0xffffffffffffn);
  assert.equal(hb.wait32(0, 0, 0n), 1);
  assert.equal(hb.wait64(0, 0n, 0n), 1);
  assert.equal(hb.wait32(0, -1, 0n), 2);
  assert.equal(hb.wait64(0, 0xffffffffffffn, 0n), 2);
  // A finite timeout really passes (nothing can end the wait early).
  const start = performance.now();
  assert.equal(hb.wait32(0, -1, 20_000_000n), 2);
  assert.ok(performance.now() - start >= 15, `waited ${performance.now() - start} ms for 20 ms`);
  for (const count of [0, 1, 10, -1]) assert.equal(hb.notify(0, count), 0);
  // Addresses are checked like any atomic access.
  assert.equal(trapKind(() => hb.wait32(65536, 0, 0n)), 'out of bounds memory access');
  assert.equal(trapKind(() => hb.wait64(65536, 0n, 0n)), 'out of bounds memory access');
  assert.equal(trapKind(() => hb.notify(65536, 0)), 'out of bounds memory access');
  assert.equal(trapKind(() => hb.wait32(65531, 0, 0n)), 'unaligned atomic');
  assert.equal(trapKind(() => hb.wait64(65524, 0n, 0n)), 'unaligned atomic');
  assert.equal(trapKind(() => hb.notify(65531, 0)), 'unaligned atomic');
});

test('wait with an infinite timeout on an equal value traps "deadlock" instead of hanging', () => {
  const hb = heapbase(waitModule('(memory 1 1 shared)')).exports;
  assert.equal(trapKind(() => hb.wait32(8, 0, -1n)), 'deadlock');
  assert.equal(trapKind(() => hb.wait64(8, 0n, -5n)), 'deadlock');
  assert.throws(() => hb.wait32(8, 0, -1n), /deadlock: memory.atomic.wait32 with an infinite timeout/);
  // A differing value returns at once, whatever the timeout.
  assert.equal(hb.wait32(8, 1, -1n), 1);
});

test('wait on an unshared memory traps "expected shared memory"; notify still works', () => {
  const bytes = waitModule('(memory 1 1)');
  const hb = heapbase(bytes).exports;
  const v8 = native(bytes);
  hb.store(0, 0xffffffffffffn);
  assert.equal(trapKind(() => hb.wait32(0, 0, 0n)), 'expected shared memory');
  assert.equal(trapKind(() => hb.wait64(0, 0n, 0n)), 'expected shared memory');
  nativeTraps(() => v8.wait32(0, 0, 0n));
  assert.equal(hb.notify(0, 0), 0);
  assert.equal(hb.notify(0, 1), v8.notify(0, 1));
  assert.equal(trapKind(() => hb.notify(65536, 0)), 'out of bounds memory access');
  assert.equal(trapKind(() => hb.notify(65531, 0)), 'unaligned atomic');
  // Address checks come before the shared-memory check.
  assert.equal(trapKind(() => hb.wait32(65536, 0, 0n)), 'out of bounds memory access');
  assert.equal(trapKind(() => hb.wait32(2, 0, 0n)), 'unaligned atomic');
});

// ---- validation and decoding ----

test('atomic accesses must state exactly their natural alignment', () => {
  const load = (align: number): Uint8Array => wat(`(module (memory 1 1 shared) (func (drop (i64.atomic.load align=${align} (i32.const 0)))))`);
  assert.doesNotThrow(() => new Module(load(8)));
  for (const align of [1, 2, 4, 16]) {
    assert.throws(() => new Module(load(align)), (e: unknown) => e instanceof CompileError && /atomic alignment must be natural/.test(e.message));
  }
  // V8 (Node 20) only rejects an alignment above natural; below it the proposal's validation
  // (Overview "Alignment", reference interpreter since WebAssembly/threads#242) rejects it too.
  assert.equal(nativeWasm.validate(load(16)), false);
  assert.equal(nativeWasm.validate(load(4)), true);
  const notify = wat('(module (memory 1 1 shared) (func (drop (memory.atomic.notify align=2 (i32.const 0) (i32.const 0)))))');
  assert.throws(() => new Module(notify), /atomic alignment must be natural/);
});

test('atomic.fence needs no memory and does nothing; an unknown 0xfe opcode is malformed', () => {
  const hb = heapbase(wat('(module (func (export "fence") (result i32) (atomic.fence) (i32.const 7)))')).exports;
  assert.equal(hb.fence(), 7);
  // (func) with body: 0xfe 0x7f (no such atomic instruction), end.
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 6, 1, 4, 0, 0xfe, 0x7f, 0x0b]);
  assert.throws(() => new Module(bytes), /unknown opcode 0xfe 127/);
  assert.equal(nativeWasm.validate(bytes), false);
});

// ---- shared memories in the JS API ----

test('new Memory({ shared: true }) is backed by a SharedArrayBuffer, also after growth', () => {
  const memory = new Memory({ initial: 1, maximum: 3, shared: true });
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  assert.equal(memory.buffer.byteLength, 65536);
  new Uint8Array(memory.buffer)[65535] = 42;
  assert.equal(memory.grow(1), 1);
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  assert.equal(memory.buffer.byteLength, 131072);
  assert.equal(new Uint8Array(memory.buffer)[65535], 42);
  assert.throws(() => memory.grow(2), RangeError);
  // As on Node: a shared memory needs a maximum.
  assert.throws(() => new Memory({ initial: 1, shared: true }), TypeError);
  assert.throws(() => new nativeWasm.Memory({ initial: 1, shared: true }), TypeError);
  // An unshared one keeps an ArrayBuffer.
  assert.ok(!(new Memory({ initial: 1 }).buffer instanceof SharedArrayBuffer));
});

test('a module defining a shared memory exports it as a SharedArrayBuffer-backed Memory', () => {
  const hb = heapbase(wat('(module (memory (export "m") 1 2 shared) (func (export "grow") (result i32) (memory.grow (i32.const 1))))')).exports;
  const memory = hb.m as unknown as Memory;
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  assert.equal(hb.grow(), 1);
  assert.ok(memory.buffer instanceof SharedArrayBuffer);
  assert.equal(memory.buffer.byteLength, 131072);
  assert.equal(hb.grow(), -1);
});
