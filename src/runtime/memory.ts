// Linear memory: zero-initialised bytes viewed through a DataView and a Uint8Array of exactly the
// allocated size, so DataView range errors are the bounds check. A memory that grows gets spare
// capacity (at least GROWTH_RESERVE, then doubling, up to its maximum): a fresh ArrayBuffer is
// zero pages the OS maps on first touch, so reserving costs address space, not resident memory,
// and growth copies O(log n) times instead of once per memory.grow. The views are replaced and
// every user is told. (Resizable ArrayBuffers would avoid copies, but V8's DataView on them is
// ~17× slower in Node 20.) A shared memory (threads proposal) works the same over
// SharedArrayBuffers: growable ones measured 11-45× slower through a DataView here.
//
// As the JS API requires, every successful grow (from Wasm or `Memory.prototype.grow`, also by
// 0 pages, as V8 does) gives the memory a new ArrayBuffer and detaches the old one: its
// byteLength becomes 0, which is how toolchain glue (wasm-bindgen) knows to refresh its views.
// More generally, whenever the backing store is replaced, the old one is detached, so no view
// can go on writing into a dead copy. A shared memory cannot be detached (its old
// SharedArrayBuffer keeps the old contents: V8 shares them, heapbase cannot without growable
// SharedArrayBuffers).
import type { MemoryType } from '../binary/module.js';

/** How memory.grow behaves: 'spec' grows up to the maximum; 'fixed' never grows. */
export type GrowPolicy = 'spec' | 'fixed';

/** Spec limit: 2^16 pages of 64 KiB, or 2^32 one-byte pages. */
const MAX_BYTES = 2 ** 32;

/** Capacity reserved at the first growth. */
const GROWTH_RESERVE = 64 * 2 ** 20;

export class LinearMemory {
  /** The backing store: the allocated bytes, then capacity reserved for growth (see exactBuffer). */
  buffer: ArrayBuffer | SharedArrayBuffer;
  /** Views of exactly the allocated bytes. */
  dv: DataView;
  bytes: Uint8Array;
  private size: number;
  readonly pageSize: number;
  /** Maximum size in pages, from the memory type (or the spec's limit). */
  readonly maxPages: number;
  growPolicy: GrowPolicy = 'spec';
  /** heapbase's maxMemoryBytes option: growth past it fails like growth past the maximum. */
  byteBudget = Infinity;
  /** Size in pages as memory.size reports it; the bytes that exist may be fewer (see byteLimit). */
  private pageCount: number;
  /** Called after every growth: one listener, the usual case, or an array of them. */
  private listeners: (() => void) | (() => void)[] | null = null;
  /** Whether `exactBuffer` handed out the buffer since the last grow (the host is using it). */
  private exposed = false;

  /**
   * `byteLength` defaults to the initial pages' bytes; fewer makes a trimmed memory. With
   * `byteLimit`, page arithmetic is the module's (memory.size, memory.grow) but only the first
   * `byteLimit` bytes ever exist: every access past them traps, however many pages there are.
   */
  constructor(readonly type: MemoryType, byteLength = type.min * 2 ** type.pageSizeLog2, readonly byteLimit = Infinity) {
    this.pageSize = 2 ** type.pageSizeLog2;
    this.maxPages = Math.min(type.max ?? Infinity, MAX_BYTES / this.pageSize);
    this.pageCount = byteLimit === Infinity ? Math.floor(byteLength / this.pageSize) : type.min;
    byteLength = Math.min(byteLength, byteLimit);
    this.size = byteLength;
    this.buffer = this.allocate(byteLength);
    this.dv = new DataView(this.buffer);
    this.bytes = new Uint8Array(this.buffer);
  }

  /** The allocated size in bytes. */
  get byteLength(): number {
    return this.size;
  }

  /** Bytes reserved, allocated and for growth. */
  get capacity(): number {
    return this.buffer.byteLength;
  }

  /** Current size in pages (a trimmed memory reports the pages it covers, rounded down; one with a byteLimit, its pages). */
  pages(): number {
    return this.pageCount;
  }

  /** An ArrayBuffer of exactly the allocated size (the JS API's `Memory.buffer`): drops spare capacity. */
  exactBuffer(): ArrayBuffer | SharedArrayBuffer {
    if (this.buffer.byteLength !== this.size) this.moveTo(this.allocate(this.size), this.size);
    this.exposed = true;
    return this.buffer;
  }

  /** Zeroed bytes of the memory's kind: a SharedArrayBuffer for a shared memory. */
  private allocate(byteLength: number): ArrayBuffer | SharedArrayBuffer {
    return this.type.shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength);
  }

  private moveTo(next: ArrayBuffer | SharedArrayBuffer, size: number): void {
    const old = this.buffer;
    if (next !== old) new Uint8Array(next).set(this.bytes);
    this.use(next, size);
    if (next !== old) detach(old);
  }

  private use(buffer: ArrayBuffer | SharedArrayBuffer, size: number): void {
    this.buffer = buffer;
    this.size = size;
    this.dv = new DataView(buffer, 0, size);
    this.bytes = new Uint8Array(buffer, 0, size);
    const listeners = this.listeners;
    if (typeof listeners === 'function') listeners();
    else if (listeners !== null) for (const listener of listeners) listener();
  }

  /** The same bytes in a new ArrayBuffer object, the old one detached (a grow that adds nothing). */
  private refresh(): void {
    if (this.buffer instanceof ArrayBuffer) this.use(structuredClone(this.buffer, { transfer: [this.buffer] }), this.size);
  }

  /** Calls `listener` after every growth, so compiled code can reload its views. */
  onGrow(listener: () => void): void {
    const listeners = this.listeners;
    this.listeners = listeners === null ? listener : typeof listeners === 'function' ? [listeners, listener] : [...listeners, listener];
  }

  /** memory.grow: the old size in pages, or -1 when the memory cannot grow by `delta` pages. */
  grow(delta: number): number {
    const old = this.pages();
    if (this.growPolicy === 'fixed') return old;
    if (old + delta > this.maxPages) return -1;
    const newLength = Math.min((old + delta) * this.pageSize, this.byteLimit);
    if (newLength > this.byteBudget) return -1;
    const exposed = this.exposed;
    this.exposed = false;
    if (delta === 0 || newLength === this.size) {
      this.pageCount = old + delta;
      this.refresh();
      return old;
    }
    if (newLength <= this.buffer.byteLength) {
      // only a buffer never handed out has spare capacity (exactBuffer drops it)
      this.pageCount = old + delta;
      this.moveTo(this.buffer, newLength);
      return old;
    }
    const limit = Math.min(this.maxPages * this.pageSize, this.byteBudget, this.byteLimit);
    // A host that read Memory.buffer will read it again: reserving would mean a second copy then.
    const reserve = exposed ? newLength : Math.min(Math.max(2 * this.size, GROWTH_RESERVE), limit);
    let next: ArrayBuffer | SharedArrayBuffer;
    try {
      next = this.allocate(Math.max(newLength, reserve));
    } catch {
      try {
        next = this.allocate(newLength);
      } catch {
        return -1;
      }
    }
    this.pageCount = old + delta;
    this.moveTo(next, newLength);
    return old;
  }
}

/** Detaches an ArrayBuffer (byteLength 0, views empty): structuredClone's transfer moves its store. */
function detach(buffer: ArrayBuffer | SharedArrayBuffer): void {
  if (buffer instanceof ArrayBuffer) structuredClone(buffer, { transfer: [buffer] });
}
