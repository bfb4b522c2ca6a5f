// The byte-exact memory rules (DESIGN.md "Linear memory rules"), checked on C fixtures built
// with clang-19/wasm-ld-19 (test/fixtures/memory/build.sh) and on small hand-written modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { Instance, LinkError, Module, RuntimeError, type InstanceOptions } from '../../src/index.js';
import { trapKind } from '../helpers/traps.js';

const fixture = (name: string): Uint8Array => readFileSync(new URL(`../../../test/fixtures/memory/${name}`, import.meta.url));
const wabt = await wabtInit();
const wat = (text: string): Uint8Array => wabt.parseWat('t.wat', text).toBinary({}).buffer;

function instance(name: string, options?: InstanceOptions, imports: Record<string, Record<string, unknown>> = {}): Instance {
  return new Instance(new Module(fixture(name)), imports, options);
}


test('static data with the default 64 KiB stack: two pages', () => {
  const i = instance('static_data.wasm');
  assert.equal(i.memory!.size, 131072);
  assert.equal(i.memory!.bytes.length, 131072);
  assert.equal(i.layout.trimmed, false);
  assert.match(i.layout.reason, /__heap_base is not exported/);
});

test('--initial-memory=262144 allocates 262,144 bytes', () => {
  assert.equal(instance('static_data_initial_memory.wasm').memory!.size, 262144);
});

test('-z stack-size=512 without exporting __heap_base: one page', () => {
  assert.equal(instance('static_data_small_stack.wasm').memory!.size, 65536);
});

test('-z stack-size=512 with __heap_base exported: exactly __heap_base bytes', () => {
  const i = instance('static_data_trimmed.wasm');
  const heapBase = (i.exports.__heap_base as { value: number }).value;
  assert.equal(heapBase, 624);
  assert.equal(i.memory!.size, heapBase);
  assert.equal(i.layout.allocatedBytes, 624);
  assert.equal(i.layout.requiredBytes, 624);
  assert.equal(i.layout.trimmed, true);
  assert.equal(i.layout.stackFirst, true);
  assert.deepEqual(i.layout.stack, { start: 0, end: 512 });
  const names = i.layout.regions.map((r) => r.name);
  assert.ok(names.includes('stack') && names.includes('static data'), names.join(', '));
  assert.equal(i.layout.regions.at(-1)!.end, 624);
});

test("memory: 'pages' ignores __heap_base", () => {
  const i = instance('static_data_trimmed.wasm', { memory: 'pages' });
  assert.equal(i.memory!.size, 65536);
  assert.equal(i.layout.trimmed, false);
  assert.equal(i.layout.policy, 'pages');
});

test('a program using malloc is not trimmed, and the reason names sbrk', () => {
  const module = new Module(fixture('malloc.wasm'));
  const wasi = new Proxy({}, { get: () => () => 0 });
  const i = new Instance(module, { wasi_snapshot_preview1: wasi });
  assert.equal(i.layout.trimmed, false);
  assert.match(i.layout.reason, /memory\.grow in function `sbrk`/);
  assert.equal(i.memory!.size % 65536, 0);
});

test('deep recursion traps with stack overflow, with and without --stack-first', () => {
  for (const name of ['recursion_stack_first.wasm', 'recursion.wasm']) {
    const i = instance(name);
    assert.equal(trapKind(() => (i.exports.recurse as (n: number) => number)(1000)), 'stack overflow', name);
    // A shallow call still works: the guard only fires below the stack's lower bound.
    const j = instance(name);
    assert.equal(typeof (j.exports.recurse as (n: number) => number)(5), 'number');
  }
});

test('without the stack guard, a stack-first overflow leaves memory and traps out of bounds', () => {
  const i = instance('recursion_stack_first.wasm', { stackGuard: false });
  assert.equal(trapKind(() => (i.exports.recurse as (n: number) => number)(1000)), 'out of bounds memory access');
});

test('a write just past __heap_base in a trimmed memory traps', () => {
  const i = instance('heap_write.wasm');
  const heapBase = i.layout.heapBase!;
  assert.equal(i.memory!.size, heapBase);
  const write = i.exports.write_byte as (addr: number, v: number) => void;
  write(heapBase - 1, 7);
  assert.equal(i.memory!.readU8(heapBase - 1), 7);
  assert.equal(trapKind(() => write(heapBase, 7)), 'out of bounds memory access');
});

test('stackPeak reports the stack a known program uses', () => {
  const i = instance('stack_use.wasm');
  assert.equal(i.stats.stackPeak, 0);
  (i.exports.run as (seed: number) => number)(1);
  // fill() has a 256-byte array and nothing else on the linear-memory stack.
  assert.equal(i.stats.stackPeak, 256);
  // Recursion: every level adds the same frame (at least its 128-byte buffer), so the peak
  // grows linearly with the depth.
  const peakAt = (depth: number): number => {
    const deep = instance('recursion_stack_first.wasm');
    (deep.exports.recurse as (n: number) => number)(depth);
    return deep.stats.stackPeak;
  };
  const frame = peakAt(2) - peakAt(1);
  assert.ok(frame >= 128, `frame ${frame}`);
  assert.equal(peakAt(20) - peakAt(10), 10 * frame);
});

const growModule = wat(`(module (memory (export "memory") 1 3)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))`);

test("grow: 'fixed' returns the current size and never grows", () => {
  const i = new Instance(new Module(growModule), {}, { grow: 'fixed' });
  const grow = i.exports.grow as (n: number) => number;
  assert.equal(grow(1), 1);
  assert.equal((i.exports.size as () => number)(), 1);
  assert.equal(i.memory!.size, 65536);
});

test("grow: 'spec' grows to the maximum, then returns -1", () => {
  const i = new Instance(new Module(growModule), {});
  const grow = i.exports.grow as (n: number) => number;
  assert.equal(grow(2), 1);
  assert.equal(grow(1), -1);
  assert.equal(i.memory!.size, 3 * 65536);
  assert.equal(i.memory!.bytes.length, 3 * 65536);
});

test('maxMemoryBytes: allocation over budget fails with both figures; growth stops at it', () => {
  assert.throws(() => instance('static_data.wasm', { maxMemoryBytes: 65536 }),
    (e: unknown) => e instanceof LinkError && /131072/.test(e.message) && /65536/.test(e.message));
  const trimmed = instance('static_data_trimmed.wasm', { maxMemoryBytes: 624 });
  assert.equal(trimmed.memory!.size, 624);
  const i = new Instance(new Module(growModule), {}, { maxMemoryBytes: 2 * 65536 });
  assert.equal((i.exports.grow as (n: number) => number)(1), 1);
  assert.equal((i.exports.grow as (n: number) => number)(1), -1);
});

test('a data segment that does not fit the trimmed memory fails instantiation, naming it', () => {
  const bytes = wat(`(module (memory 1) (global (export "__heap_base") i32 (i32.const 64))
    (data (i32.const 8) "ok") (data (i32.const 100) "too far"))`);
  assert.throws(() => new Instance(new Module(bytes), {}), (e: unknown) =>
    e instanceof RuntimeError && e.kind === 'out of bounds memory access' &&
    e.message.includes('data segment 1 [100, 107)') && e.message.includes('64 bytes'));
  assert.equal(new Instance(new Module(bytes), {}, { memory: 'pages' }).memory!.size, 65536);
});

test('host access: typed values, strings, clear errors out of range', () => {
  const i = instance('heap_write.wasm');
  const mem = i.memory!;
  mem.writeI32(16, -2);
  assert.equal(mem.readI32(16), -2);
  assert.equal(mem.readU32(16), 0xfffffffe);
  mem.writeI64(24, -3n);
  assert.equal(mem.readI64(24), -3n);
  mem.writeF64(32, 1.5);
  assert.equal(mem.readF64(32), 1.5);
  assert.equal(mem.writeString(40, 'héllo'), 7);
  assert.equal(mem.readString(40), 'héllo');
  assert.deepEqual([...mem.readBytes(40, 3)], [0x68, 0xc3, 0xa9]);
  assert.throws(() => mem.readI32(mem.size - 2), /outside linear memory of 1040 bytes/);
  assert.throws(() => mem.writeString(mem.size - 2, 'abc'), RangeError);
  mem.writeU8(mem.size - 1, 65);
  assert.throws(() => mem.readString(mem.size - 1), /no NUL terminator/);
});

test('growth keeps contents, zeroes new pages, and Memory.buffer stays exactly the memory size', () => {
  const i = new Instance(new Module(growModule), {});
  const memory = i.exports.memory as { buffer: ArrayBuffer };
  new Uint8Array(memory.buffer)[65535] = 42;
  assert.equal((i.exports.grow as (n: number) => number)(1), 1);
  assert.equal(memory.buffer.byteLength, 2 * 65536);
  assert.equal(i.memory!.bytes.length, 2 * 65536);
  assert.equal(new Uint8Array(memory.buffer)[65535], 42);
  assert.ok(new Uint8Array(memory.buffer, 65536).every((b) => b === 0));
  assert.equal((i.exports.grow as (n: number) => number)(1), 2);
  assert.equal(memory.buffer.byteLength, 3 * 65536);
  assert.equal(i.memory!.readU8(65535), 42);
});
