// Atomic memory instructions of the threads proposal, called from compiled code, with the
// semantics of a single thread: heapbase runs one agent, so every access is trivially atomic and
// sequentially consistent, and a plain DataView access on the (Shared)ArrayBuffer does.
//
// Trap order, as the proposal's reference interpreter and its prose for read-modify-write give
// it: a misaligned effective address traps `unaligned atomic` before the bounds check (which is
// the DataView's RangeError, turned into `out of bounds memory access` at the JS boundary); wait
// then traps `expected shared memory` on an unshared memory, even when it would not block.
//
// `a` is the effective address (base + offset, up to 2^33 - 2): `a & mask` reads its low bits
// correctly, and a DataView access at `a` past the end throws.
import { RuntimeError, trap } from './errors.js';
import { HI } from './numeric.js';

/** The modify step of a read-modify-write instruction. */
export type RmwOp = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'xchg';

/** The effective address, after trapping if it is not a multiple of the access width (mask + 1). */
function aligned(a: number, mask: number): number {
  if ((a & mask) !== 0) trap('unaligned atomic');
  return a;
}

/** The new value from the old one; the caller's DataView setter wraps it to the access width. */
function modify(op: RmwOp, old: number, v: number): number {
  switch (op) {
    case 'add': return old + v;
    case 'sub': return old - v;
    case 'and': return old & v;
    case 'or': return old | v;
    case 'xor': return old ^ v;
    case 'xchg': return v;
  }
}

// Loads: narrow ones zero-extend (the proposal has no signed atomic loads); i64 results return
// the low word and leave the high word in HI[0].

export function atomic_load8(dv: DataView, a: number): number {
  return dv.getUint8(a);
}
export function atomic_load16(dv: DataView, a: number): number {
  return dv.getUint16(aligned(a, 1), true);
}
export function atomic_load32(dv: DataView, a: number): number {
  return dv.getInt32(aligned(a, 3), true);
}
export function atomic_load64(dv: DataView, a: number): number {
  aligned(a, 7);
  HI[0] = dv.getInt32(a + 4, true);
  return dv.getInt32(a, true);
}

// Stores: the DataView setters wrap the value to the access width.

export function atomic_store8(dv: DataView, a: number, v: number): void {
  dv.setUint8(a, v);
}
export function atomic_store16(dv: DataView, a: number, v: number): void {
  dv.setUint16(aligned(a, 1), v, true);
}
export function atomic_store32(dv: DataView, a: number, v: number): void {
  dv.setInt32(aligned(a, 3), v, true);
}
export function atomic_store64(dv: DataView, a: number, lo: number, hi: number): void {
  aligned(a, 7);
  // The high word first: out of bounds, it throws before anything is written.
  dv.setInt32(a + 4, hi, true);
  dv.setInt32(a, lo, true);
}

// Read-modify-write: return the old value, zero-extended (narrow widths) or as an int32 word.

export function atomic_rmw8(dv: DataView, a: number, v: number, op: RmwOp): number {
  const old = dv.getUint8(a);
  dv.setUint8(a, modify(op, old, v));
  return old;
}
export function atomic_rmw16(dv: DataView, a: number, v: number, op: RmwOp): number {
  const old = dv.getUint16(aligned(a, 1), true);
  dv.setUint16(a, modify(op, old, v), true);
  return old;
}
export function atomic_rmw32(dv: DataView, a: number, v: number, op: RmwOp): number {
  const old = dv.getInt32(aligned(a, 3), true);
  dv.setInt32(a, modify(op, old, v), true);
  return old;
}
export function atomic_rmw64(dv: DataView, a: number, lo: number, hi: number, op: RmwOp): number {
  aligned(a, 7);
  // Both words are read (and so bounds-checked) before either is written.
  const oldHi = dv.getInt32(a + 4, true);
  const oldLo = dv.getInt32(a, true);
  let newLo: number;
  let newHi: number;
  switch (op) {
    case 'add':
      newLo = (oldLo + lo) | 0;
      newHi = oldHi + hi + +((newLo >>> 0) < (oldLo >>> 0)); // carry out of the low word
      break;
    case 'sub':
      newLo = (oldLo - lo) | 0;
      newHi = oldHi - hi - +((oldLo >>> 0) < (lo >>> 0)); // borrow into the low word
      break;
    default:
      newLo = modify(op, oldLo, lo);
      newHi = modify(op, oldHi, hi);
  }
  dv.setInt32(a + 4, newHi, true);
  dv.setInt32(a, newLo, true);
  HI[0] = oldHi;
  return oldLo;
}

// Compare-exchange: `expected` is wrapped to the access width before the comparison.

export function atomic_cmpxchg8(dv: DataView, a: number, expected: number, replacement: number): number {
  const old = dv.getUint8(a);
  if (old === (expected & 0xff)) dv.setUint8(a, replacement);
  return old;
}
export function atomic_cmpxchg16(dv: DataView, a: number, expected: number, replacement: number): number {
  const old = dv.getUint16(aligned(a, 1), true);
  if (old === (expected & 0xffff)) dv.setUint16(a, replacement, true);
  return old;
}
export function atomic_cmpxchg32(dv: DataView, a: number, expected: number, replacement: number): number {
  const old = dv.getInt32(aligned(a, 3), true);
  if (old === (expected | 0)) dv.setInt32(a, replacement, true);
  return old;
}
export function atomic_cmpxchg64(
  dv: DataView, a: number, expectedLo: number, expectedHi: number, replacementLo: number, replacementHi: number,
): number {
  aligned(a, 7);
  const oldHi = dv.getInt32(a + 4, true);
  const oldLo = dv.getInt32(a, true);
  if (oldLo === (expectedLo | 0) && oldHi === (expectedHi | 0)) {
    dv.setInt32(a + 4, replacementHi, true);
    dv.setInt32(a, replacementLo, true);
  }
  HI[0] = oldHi;
  return oldLo;
}

// Wait and notify. With one agent nothing else can change memory or notify, so a wait on an
// equal value can only time out: it sleeps for the timeout and returns 2 ("timed-out"). With an
// infinite timeout (negative) it could never return, so it traps instead of hanging the host.

/** Wait results, as the proposal numbers them. */
const NOT_EQUAL = 1;
const TIMED_OUT = 2;

/** A cell no other code can see: Atomics.wait on it is a sleep no one can cut short. */
let sleepCell: Int32Array | undefined;

function requireShared(dv: DataView): void {
  if (!(dv.buffer instanceof SharedArrayBuffer)) trap('expected shared memory');
}

/** Suspends for the timeout (an i64 of nanoseconds as two words) and reports "timed-out". */
function sleep(name: string, timeoutLo: number, timeoutHi: number): number {
  if (timeoutHi < 0) {
    throw new RuntimeError(
      `deadlock: ${name} with an infinite timeout on a value no other thread can change or notify (heapbase runs a single thread)`,
      'deadlock',
    );
  }
  const nanoseconds = timeoutHi * 2 ** 32 + (timeoutLo >>> 0);
  if (nanoseconds > 0) {
    sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleepCell, 0, 0, nanoseconds / 1e6);
  }
  return TIMED_OUT;
}

export function memory_atomic_wait32(dv: DataView, a: number, expected: number, timeoutLo: number, timeoutHi: number): number {
  const value = dv.getInt32(aligned(a, 3), true);
  requireShared(dv);
  if (value !== (expected | 0)) return NOT_EQUAL;
  return sleep('memory.atomic.wait32', timeoutLo, timeoutHi);
}

export function memory_atomic_wait64(
  dv: DataView, a: number, expectedLo: number, expectedHi: number, timeoutLo: number, timeoutHi: number,
): number {
  aligned(a, 7);
  const hi = dv.getInt32(a + 4, true);
  const lo = dv.getInt32(a, true);
  requireShared(dv);
  if (lo !== (expectedLo | 0) || hi !== (expectedHi | 0)) return NOT_EQUAL;
  return sleep('memory.atomic.wait64', timeoutLo, timeoutHi);
}

/** No agent is ever waiting, so notify wakes none; it still checks the address. */
export function memory_atomic_notify(dv: DataView, a: number, _count: number): number {
  dv.getInt32(aligned(a, 3), true);
  return 0;
}
