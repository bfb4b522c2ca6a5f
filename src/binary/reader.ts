// Byte reader for the WebAssembly binary format: LEB128, floats as bits, UTF-8 names.
// Every failure is a CompileError carrying the offset where the bad item starts.
import { CompileError } from '../runtime/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  pos: number;
  constructor(readonly bytes: Uint8Array, start = 0, readonly end = bytes.length) {
    this.pos = start;
  }

  fail(reason: string, at = this.pos): never {
    throw new CompileError(reason, at);
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end');
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128 of at most 32 bits, as a number. */
  u32(): number {
    const start = this.pos;
    if (start < this.end) {
      const first = this.bytes[start];
      if (first < 0x80) { // one byte: most indices and immediates
        this.pos = start + 1;
        return first;
      }
    }
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('unexpected end', start);
      const byte = this.bytes[this.pos++];
      const remaining = 32 - shift;
      if (remaining < 7) {
        // Last allowed byte: no continuation, and the unused high bits must be zero.
        if (byte & 0x80) this.fail('integer representation too long', start);
        if (byte >> remaining) this.fail('integer too large', start);
      }
      result += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return result;
      shift += 7;
    }
  }

  /** Signed LEB128 of at most 32 bits, as an int32 number. */
  s32(): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('unexpected end', start);
      const byte = this.bytes[this.pos++];
      if (shift === 28) {
        if (byte & 0x80) this.fail('integer representation too long', start);
        const signAndUnused = byte >> 3;
        if (signAndUnused !== 0 && signAndUnused !== 0xf) this.fail('integer too large', start);
      }
      result |= (byte & 0x7f) << shift;
      shift += 7;
      if (!(byte & 0x80)) return shift < 32 && byte & 0x40 ? result | -1 << shift : result;
    }
  }

  /** The high word of the last s64Words or f64Words. */
  high = 0;

  /**
   * Signed LEB128 of at most 64 bits, as two int32 words (no BigInt: decoding stays cheap for
   * modules full of constants). The low word is returned, the high one left in `high`.
   */
  s64Words(): number {
    const start = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('unexpected end', start);
      const byte = this.bytes[this.pos++];
      const bits = byte & 0x7f;
      if (shift === 63) {
        if (byte & 0x80) this.fail('integer representation too long', start);
        // Bit 63 is the sign; the unused bits must all equal it.
        if (bits !== 0 && bits !== 0x7f) this.fail('integer too large', start);
      }
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi = bits >>> 4;
      } else hi |= bits << (shift - 32);
      shift += 7;
      if (!(byte & 0x80)) {
        if (shift < 64 && byte & 0x40) {
          // Sign extension from bit `shift` up.
          if (shift < 32) {
            lo |= -1 << shift;
            hi = -1;
          } else hi |= -1 << (shift - 32);
        }
        this.high = hi | 0;
        return lo | 0;
      }
    }
  }

  /** Signed LEB128 of at most 33 bits (block types), as a number. */
  s33(): number {
    const start = this.pos;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) this.fail('unexpected end', start);
      const byte = this.bytes[this.pos++];
      if (shift === 28) {
        if (byte & 0x80) this.fail('integer representation too long', start);
        // Bit 32 is the sign; the unused bits above it (the byte's bits 5 and 6) must equal it.
        const signAndUnused = byte >> 4;
        if (signAndUnused !== 0 && signAndUnused !== 0x7) this.fail('integer too large', start);
      }
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return byte & 0x40 ? result - 2 ** shift : result;
    }
  }

  /** Raw little-endian 32 bits of an f32 (kept as bits so NaN payloads survive). */
  f32Bits(): number {
    return this.int32At(this.take(4)) >>> 0;
  }

  /** Raw little-endian 64 bits of an f64: the low word returned, the high one left in `high`. */
  f64Words(): number {
    const p = this.take(8);
    this.high = this.int32At(p + 4);
    return this.int32At(p);
  }

  /** The little-endian 32 bits at byte `p`, as an int32. */
  private int32At(p: number): number {
    const b = this.bytes;
    return b[p] | b[p + 1] << 8 | b[p + 2] << 16 | b[p + 3] << 24;
  }

  /** Advances over n bytes and returns where they start. */
  take(n: number): number {
    const start = this.pos;
    if (n > this.end - this.pos) this.fail('unexpected end', start);
    this.pos += n;
    return start;
  }

  bytesOf(n: number): Uint8Array {
    const p = this.take(n);
    return this.bytes.subarray(p, p + n);
  }

  name(): string {
    const start = this.pos;
    const len = this.u32();
    const raw = this.bytesOf(len);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail('malformed UTF-8 encoding', start);
    }
  }
}
