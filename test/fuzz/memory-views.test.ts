// Host-side views kept across memory.grow, as wasm-bindgen glue keeps them (issue 13 bug 1): a
// view is refreshed only when its buffer is detached (byteLength 0), then written through; both
// engines' memories must agree afterwards. Found issue 13's bug 1 before the fix (heapbase read
// 0, 0 where V8 had 0xaa, 0xbb). Not yet part of differential.ts's random modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hb from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { concat, HEADER, section } from './wasm-bytes.js';

// (memory (export "m") 1 4) (func (export "grow") (result i32) i32.const 1 memory.grow)
const bytes = concat([HEADER, section(1, [1, 0x60, 0, 1, 0x7f]), section(3, [1, 0]), section(5, [1, 1, 1, 4]),
  section(7, [2, 1, 0x6d, 2, 0, 4, 0x67, 0x72, 0x6f, 0x77, 0, 0]), section(10, [1, 6, 0, 0x41, 1, 0x40, 0, 0x0b])]);

function glueRun(instance: { exports: Record<string, unknown> }): { sameBufferWithoutGrow: boolean; bytes: number[] } {
  const memory = instance.exports.m as { buffer: ArrayBuffer; grow(n: number): number };
  const grow = instance.exports.grow as () => number;
  let view = new Uint8Array(memory.buffer);
  const sameBufferWithoutGrow = memory.buffer === memory.buffer;
  const refresh = (): void => { if (view.byteLength === 0) view = new Uint8Array(memory.buffer); };
  grow(); refresh(); view[10] = 0xaa;
  memory.grow(1); refresh(); view[11] = 0xbb;
  const now = new Uint8Array(memory.buffer);
  return { sameBufferWithoutGrow, bytes: [now[10], now[11], now.length] };
}

test('memory views: stale views across memory.grow write where V8 writes', () => {
  const v8 = glueRun(new nativeWasm.Instance(new nativeWasm.Module(bytes)));
  const heap = glueRun(new hb.Instance(new hb.Module(bytes)) as unknown as { exports: Record<string, unknown> });
  assert.deepEqual(heap, v8);
});
