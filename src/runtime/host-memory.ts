// The host's view of an instance's linear memory: bytes, little-endian typed values and
// NUL-terminated strings, each access checked against the allocated size with a clear error.
import type { LinearMemory } from './memory.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

export class HostMemory {
  constructor(private readonly memory: LinearMemory) {}

  /** Exactly the allocated bytes; a new view after growth, so read it again after calls. */
  get bytes(): Uint8Array {
    return this.memory.bytes;
  }

  /** Allocated size in bytes. */
  get size(): number {
    return this.memory.byteLength;
  }

  private check(address: number, length: number, what: string): number {
    if (!Number.isInteger(address) || address < 0) throw new RangeError(`${what}: address ${address} is not a non-negative integer`);
    if (address + length > this.memory.byteLength) {
      throw new RangeError(`${what}: bytes [${address}, ${address + length}) are outside linear memory of ${this.memory.byteLength} bytes`);
    }
    return address;
  }

  readU8(a: number): number { return this.memory.dv.getUint8(this.check(a, 1, 'readU8')); }
  readI8(a: number): number { return this.memory.dv.getInt8(this.check(a, 1, 'readI8')); }
  readU16(a: number): number { return this.memory.dv.getUint16(this.check(a, 2, 'readU16'), true); }
  readI16(a: number): number { return this.memory.dv.getInt16(this.check(a, 2, 'readI16'), true); }
  readU32(a: number): number { return this.memory.dv.getUint32(this.check(a, 4, 'readU32'), true); }
  readI32(a: number): number { return this.memory.dv.getInt32(this.check(a, 4, 'readI32'), true); }
  readI64(a: number): bigint { return this.memory.dv.getBigInt64(this.check(a, 8, 'readI64'), true); }
  readU64(a: number): bigint { return this.memory.dv.getBigUint64(this.check(a, 8, 'readU64'), true); }
  readF32(a: number): number { return this.memory.dv.getFloat32(this.check(a, 4, 'readF32'), true); }
  readF64(a: number): number { return this.memory.dv.getFloat64(this.check(a, 8, 'readF64'), true); }

  writeU8(a: number, v: number): void { this.memory.dv.setUint8(this.check(a, 1, 'writeU8'), v); }
  writeU16(a: number, v: number): void { this.memory.dv.setUint16(this.check(a, 2, 'writeU16'), v, true); }
  writeI32(a: number, v: number): void { this.memory.dv.setInt32(this.check(a, 4, 'writeI32'), v, true); }
  writeU32(a: number, v: number): void { this.memory.dv.setUint32(this.check(a, 4, 'writeU32'), v, true); }
  writeI64(a: number, v: bigint): void { this.memory.dv.setBigInt64(this.check(a, 8, 'writeI64'), v, true); }
  writeF32(a: number, v: number): void { this.memory.dv.setFloat32(this.check(a, 4, 'writeF32'), v, true); }
  writeF64(a: number, v: number): void { this.memory.dv.setFloat64(this.check(a, 8, 'writeF64'), v, true); }

  /** A copy of `length` bytes at `address`. */
  readBytes(address: number, length: number): Uint8Array {
    this.check(address, length, 'readBytes');
    return this.memory.bytes.slice(address, address + length);
  }

  writeBytes(address: number, data: Uint8Array): void {
    this.check(address, data.length, 'writeBytes');
    this.memory.bytes.set(data, address);
  }

  /** The UTF-8 string at `address`, up to its NUL terminator (which must lie within memory). */
  readString(address: number, maxBytes = Infinity): string {
    this.check(address, 0, 'readString');
    const bytes = this.memory.bytes;
    const limit = Math.min(bytes.length, address + maxBytes);
    const end = bytes.indexOf(0, address);
    if (end < 0 || end > limit) {
      throw new RangeError(`readString: no NUL terminator between ${address} and ${limit}`);
    }
    return decoder.decode(bytes.subarray(address, end));
  }

  /** Writes `text` as UTF-8 plus a NUL terminator; returns the bytes written, terminator included. */
  writeString(address: number, text: string): number {
    const encoded = encoder.encode(text);
    this.check(address, encoded.length + 1, 'writeString');
    this.memory.bytes.set(encoded, address);
    this.memory.bytes[address + encoded.length] = 0;
    return encoded.length + 1;
  }
}
