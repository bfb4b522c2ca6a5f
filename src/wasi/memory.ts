// Checked access to the guest's linear memory. Every pointer the guest passes is an i32 taken as
// unsigned; any range that does not lie inside the current buffer is EFAULT. The buffer is
// fetched anew for every host call (growth replaces it).
import { EFAULT, EILSEQ, WasiErrno } from './errno.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export class GuestMemory {
  readonly dv: DataView;
  readonly u8: Uint8Array;
  readonly size: number;

  /** `size`: the memory's size, when the buffer is larger (capacity reserved for growth). */
  constructor(readonly buffer: ArrayBufferLike, size = buffer.byteLength) {
    this.dv = new DataView(buffer, 0, size);
    this.u8 = new Uint8Array(buffer, 0, size);
    this.size = size;
  }

  /** Throws EFAULT unless `[ptr, ptr + len)` lies inside the memory. Returns the pointer, unsigned. */
  check(ptr: number, len: number): number {
    const p = ptr >>> 0;
    if (len < 0 || p + len > this.size) throw new WasiErrno(EFAULT, `address range ${p}+${len} is outside the ${this.size}-byte memory`);
    return p;
  }

  u8At(ptr: number): number { return this.dv.getUint8(this.check(ptr, 1)); }
  u16(ptr: number): number { return this.dv.getUint16(this.check(ptr, 2), true); }
  u32(ptr: number): number { return this.dv.getUint32(this.check(ptr, 4), true); }
  u64(ptr: number): bigint { return this.dv.getBigUint64(this.check(ptr, 8), true); }

  setU8(ptr: number, v: number): void { this.dv.setUint8(this.check(ptr, 1), v); }
  setU16(ptr: number, v: number): void { this.dv.setUint16(this.check(ptr, 2), v, true); }
  setU32(ptr: number, v: number): void { this.dv.setUint32(this.check(ptr, 4), v >>> 0, true); }
  setU64(ptr: number, v: bigint): void { this.dv.setBigUint64(this.check(ptr, 8), BigInt.asUintN(64, v), true); }

  /** A view (not a copy) of guest bytes. */
  bytes(ptr: number, len: number): Uint8Array {
    const p = this.check(ptr, len >>> 0);
    return new Uint8Array(this.buffer, p, len >>> 0);
  }

  write(ptr: number, data: Uint8Array): void {
    this.u8.set(data, this.check(ptr, data.length));
  }

  fill(ptr: number, len: number, value = 0): void {
    const p = this.check(ptr, len);
    this.u8.fill(value, p, p + len);
  }

  /** A UTF-8 string from guest memory; invalid UTF-8 is EILSEQ. */
  string(ptr: number, len: number): string {
    const view = this.bytes(ptr, len);
    try {
      // Copy first: TextDecoder refuses views of a SharedArrayBuffer.
      return decoder.decode(view.slice());
    } catch {
      throw new WasiErrno(EILSEQ, 'path is not valid UTF-8');
    }
  }

  /** The iovec array at `ptr` (`count` entries of { buf u32, buf_len u32 }), as checked views. */
  iovecs(ptr: number, count: number): Uint8Array[] {
    const n = count >>> 0;
    this.check(ptr, n * 8);
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const base = (ptr >>> 0) + i * 8;
      out.push(this.bytes(this.u32(base), this.u32(base + 4)));
    }
    return out;
  }
}
