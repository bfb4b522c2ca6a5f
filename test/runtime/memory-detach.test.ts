// Memory.buffer across memory.grow, as the JS API says and V8 does: a successful grow (from Wasm
// or from Memory.prototype.grow, by 0 pages too) detaches the old ArrayBuffer, and Memory.buffer
// is the same object until the next grow. wasm-bindgen's glue depends on it: it caches a view and
// makes a new one only when the old one's byteLength is 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { WebAssembly as heapbase } from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';

const wabt = await wabtInit();
const bytes = wabt.parseWat('grow.wat', `(module
  (memory (export "memory") 1 8)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; sums the bytes [p, p + n)
  (func (export "sum") (param $p i32) (param $n i32) (result i32) (local $s i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $s)))`).toBinary({}).buffer;

interface Exports { memory: { buffer: ArrayBuffer; grow(n: number): number }; grow(n: number): number; sum(p: number, n: number): number }
type Engine = { name: string; instance(): Exports };
const engines: Engine[] = [
  { name: 'heapbase', instance: () => new heapbase.Instance(new heapbase.Module(bytes)).exports as unknown as Exports },
  { name: 'V8', instance: () => new nativeWasm.Instance(new nativeWasm.Module(bytes)).exports as unknown as Exports },
];

/** What happens to a buffer read before each kind of grow, as one comparable record. */
function growScenario(e: Exports): unknown[] {
  const seen: unknown[] = [];
  const step = (label: string, grow: () => number): void => {
    const before = e.memory.buffer;
    const same = before === e.memory.buffer;
    const result = grow();
    const after = e.memory.buffer;
    seen.push({ label, result, same, oldLength: before.byteLength, detached: before.byteLength === 0, newLength: after.byteLength, replaced: after !== before, stable: after === e.memory.buffer });
  };
  step('Memory.prototype.grow(1)', () => e.memory.grow(1));
  step('memory.grow 1 from Wasm', () => e.grow(1));
  step('Memory.prototype.grow(0)', () => e.memory.grow(0));
  step('memory.grow 0 from Wasm', () => e.grow(0));
  step('memory.grow past the maximum from Wasm', () => e.grow(100));
  return seen;
}

test('a grow detaches the old buffer and Memory.buffer is stable between grows, as on V8', () => {
  const [ours, theirs] = engines.map((engine) => growScenario(engine.instance()));
  assert.deepEqual(ours, theirs);
  assert.deepEqual((ours[0] as { detached: boolean }).detached, true);
});

test('a grow by JS past the maximum throws and leaves the buffer attached', () => {
  const e = engines[0].instance();
  const before = e.memory.buffer;
  assert.throws(() => e.memory.grow(100), RangeError);
  assert.equal(before.byteLength, 65536);
  assert.equal(e.memory.buffer, before);
});

/** wasm-bindgen's pattern: one cached view, refreshed only when detached, written before calls. */
function bindgenScenario(e: Exports): number[] {
  let cached: Uint8Array | null = null;
  const view = (): Uint8Array => {
    if (cached === null || cached.byteLength === 0) cached = new Uint8Array(e.memory.buffer);
    return cached;
  };
  const sums: number[] = [];
  for (let round = 0; round < 4; round++) {
    const at = 65536 * round + 100;
    if (at + 64 > view().length) e.grow(1); // the module grows while the host holds the view
    view().fill(round + 1, at, at + 64);
    sums.push(e.sum(at, 64));
  }
  return sums;
}

test('glue that refreshes its cached view on byteLength 0 writes into live memory', () => {
  const [ours, theirs] = engines.map((engine) => bindgenScenario(engine.instance()));
  assert.deepEqual(ours, theirs);
  assert.deepEqual(ours, [64, 128, 192, 256]);
});

test('memory grown from Wasm before the host first reads the buffer keeps its contents', () => {
  const e = engines[0].instance();
  for (let i = 0; i < 3; i++) e.grow(1);
  const bytes = new Uint8Array(e.memory.buffer);
  assert.equal(bytes.length, 4 * 65536);
  bytes[4 * 65536 - 1] = 7;
  assert.equal(e.sum(4 * 65536 - 1, 1), 7);
  e.grow(1);
  assert.equal(bytes.byteLength, 0);
  assert.equal(new Uint8Array(e.memory.buffer)[4 * 65536 - 1], 7);
});
