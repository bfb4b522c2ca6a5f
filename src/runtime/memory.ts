// Linear memory: one zero-initialised ArrayBuffer of exactly the allocated size, so DataView
// range errors are the bounds check. Growth replaces the buffer and tells every user.
import type { MemoryType } from '../binary/module.js';

/** How memory.grow behaves: 'spec' grows up to the maximum; 'fixed' never grows. */
export type GrowPolicy = 'spec' | 'fixed';

/** Spec limit: 2^16 pages of 64 KiB, or 2^32 one-byte pages. */
const MAX_BYTES = 2 ** 32;

export class LinearMemory {
  buffer: ArrayBuffer;
  dv: DataView;
  bytes: Uint8Array;
  readonly pageSize: number;
  /** Maximum size in pages, from the memory type (or the spec's limit). */
  readonly maxPages: number;
  growPolicy: GrowPolicy = 'spec';
  /** heapbase's maxMemoryBytes option: growth past it fails like growth past the maximum. */
  byteBudget = Infinity;
  private readonly listeners: (() => void)[] = [];

  constructor(readonly type: MemoryType, byteLength = type.min * 2 ** type.pageSizeLog2) {
    this.pageSize = 2 ** type.pageSizeLog2;
    this.maxPages = Math.min(type.max ?? Infinity, MAX_BYTES / this.pageSize);
    this.buffer = new ArrayBuffer(byteLength);
    this.dv = new DataView(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** Current size in pages (a trimmed memory reports the pages it partly covers, rounded down). */
  pages(): number {
    return Math.floor(this.buffer.byteLength / this.pageSize);
  }

  /** Calls `listener` after every growth, so compiled code can reload its views. */
  onGrow(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** memory.grow: the old size in pages, or -1 when the memory cannot grow by `delta` pages. */
  grow(delta: number): number {
    const old = this.pages();
    if (this.growPolicy === 'fixed') return old;
    if (delta === 0) return old;
    if (old + delta > this.maxPages) return -1;
    const newLength = (old + delta) * this.pageSize;
    if (newLength > this.byteBudget) return -1;
    let next: ArrayBuffer;
    try {
      next = new ArrayBuffer(newLength);
    } catch {
      return -1;
    }
    new Uint8Array(next).set(this.bytes);
    this.buffer = next;
    this.dv = new DataView(next);
    this.bytes = new Uint8Array(next);
    for (const listener of this.listeners) listener();
    return old;
  }
}
