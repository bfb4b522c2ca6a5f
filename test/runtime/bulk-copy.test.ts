// memory.copy copies short ranges in JavaScript (head/tail words, or forward 8-byte words) and
// longer or backward-overlapping ones with copyWithin. Every length up to past the JavaScript
// limit, at every overlap in both directions, must give what copyWithin (memmove) gives, keep
// f64 NaN bit patterns, and trap out of bounds before writing anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory_copy } from '../../src/runtime/bulk.js';
import { LinearMemory } from '../../src/runtime/memory.js';

const SIZE = 512;

function filled(): LinearMemory {
  const mem = new LinearMemory({ min: SIZE, max: SIZE, shared: false, pageSizeLog2: 0 });
  for (let i = 0; i < SIZE; i++) mem.bytes[i] = (i * 131 + 7) & 0xff;
  return mem;
}

test('every length 0..80 at every overlap agrees with memmove', () => {
  let checked = 0;
  for (let n = 0; n <= 80; n++) {
    for (let shift = -90; shift <= 90; shift++) {
      const src = 200;
      const dest = src + shift;
      const mem = filled();
      const expected = Uint8Array.from(mem.bytes);
      expected.copyWithin(dest, src, src + n);
      memory_copy(mem, dest, src, n);
      assert.deepEqual(mem.bytes, expected, `n=${n} dest=${dest} src=${src}`);
      checked++;
    }
  }
  assert.equal(checked, 81 * 181);
});

test('NaN bit patterns survive the word copies', () => {
  const mem = filled();
  const nanWords = [0x7ff00001, 0x00000001, 0xfff7ffff, 0xfff7ffff, 0x7ff4dead, 0xdeadbeef, 0xffffffff, 0x7fffffff];
  for (let n = 8; n <= 64; n += 4) {
    for (let k = 0; k < 16; k++) mem.dv.setUint32(k * 4, nanWords[k % nanWords.length], true);
    memory_copy(mem, 100, 1, n); // unaligned source, so each word straddles two patterns
    assert.deepEqual(mem.bytes.subarray(100, 100 + n), mem.bytes.subarray(1, 1 + n), `n=${n}`);
  }
});

test('out-of-bounds copies trap and write nothing', () => {
  for (const [dest, src, n] of [[SIZE - 4, 0, 5], [0, SIZE - 4, 5], [SIZE - 60, 0, 64], [0, 0, SIZE + 1], [SIZE, 0, 1], [-1, 0, 1]]) {
    const mem = filled();
    const before = Uint8Array.from(mem.bytes);
    assert.throws(() => memory_copy(mem, dest, src, n), { name: 'RuntimeError', message: 'out of bounds memory access' });
    assert.deepEqual(mem.bytes, before);
  }
  // n = 0 at the end is allowed
  memory_copy(filled(), SIZE, SIZE, 0);
});
