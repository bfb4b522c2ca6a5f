// The reader's 64-bit LEB128 decoding into two int32 words, against a BigInt reference, on
// values of every bit length, both signs, and padded (non-minimal) encodings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/binary/reader.js';
import { CompileError } from '../../src/runtime/errors.js';

function encodeSigned(v: bigint, padTo = 0): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && !(byte & 0x40)) || (v === -1n && byte & 0x40);
    if (done && out.length + 1 >= padTo) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function words(bytes: number[]): bigint {
  const r = new Reader(new Uint8Array(bytes));
  const lo = r.s64Words();
  assert.equal(r.pos, bytes.length);
  return (BigInt(r.high) << 32n) | BigInt(lo >>> 0);
}

test('s64Words decodes every bit length, both signs, minimal and padded', () => {
  const values: bigint[] = [0n, -1n, 0x7fffffffffffffffn, -0x8000000000000000n];
  for (let bits = 0; bits < 64; bits++) {
    const p = 1n << BigInt(bits);
    values.push(p, -p, p - 1n, -p + 1n, BigInt.asIntN(64, p * 0x9e3779b97f4a7c15n));
  }
  for (const v of values.map((x) => BigInt.asIntN(64, x))) {
    assert.equal(words(encodeSigned(v)), v, `minimal ${v}`);
    assert.equal(words(encodeSigned(v, 10)), v, `padded ${v}`);
  }
});

test('s64Words rejects too-long and too-large encodings', () => {
  const eleven = [...Array(10).fill(0x80), 0x00];
  assert.throws(() => words(eleven), CompileError);
  // tenth byte: bit 63 and unused bits disagree
  assert.throws(() => words([...Array(9).fill(0x80), 0x02]), /integer too large/);
  assert.throws(() => words([...Array(9).fill(0xff), 0x7e]), /integer too large/);
  assert.throws(() => words([...Array(9).fill(0x80), 0x80]), /integer representation too long/);
  assert.throws(() => words([0x80, 0x80]), /unexpected end/);
});

test('f64Words returns the raw little-endian words', () => {
  const r = new Reader(new Uint8Array([1, 2, 3, 4, 0xf5, 0xf6, 0xf7, 0xff]));
  assert.equal(r.f64Words(), 0x04030201);
  assert.equal(r.high, 0xfff7f6f5 | 0);
});
