// An Engine over Node's own WebAssembly (V8), to develop and self-check the spec runner.
//
// The JS API does not reveal an export's Wasm type without V8's type-reflection flag, so the
// adapter reads the type, import, function, global and export sections of each module itself
// and remembers the type of every exported function and global it hands out.
//
// Known differences from an exact engine: f32 values cross the JS boundary as doubles, so
// signalling-NaN bits of f32 arguments/results are lost; V8 words its traps differently (run
// with strictTrapMessages false); V8 reports stack overflow as a JS RangeError, which the
// adapter turns into a RuntimeError "call stack exhausted".

import type { Engine } from './runner.js';

import { nativeWasm as WA } from '../helpers/native-wasm.js';

type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'funcref' | 'externref';

interface FuncType {
  params: ValType[];
  results: ValType[];
}

type ExportType = { kind: 'func'; type: FuncType } | { kind: 'global'; type: ValType } | { kind: 'other' };

const VALTYPES: Record<number, ValType> = {
  0x7f: 'i32',
  0x7e: 'i64',
  0x7d: 'f32',
  0x7c: 'f64',
  0x7b: 'v128',
  0x70: 'funcref',
  0x6f: 'externref',
};

// Keep a leading U+FEFF: names.wast exports a function named just that.
const NAME_DECODER = new TextDecoder('utf-8', { ignoreBOM: true });

/** Just enough of a binary reader to find the types of a (valid) module's exports. */
class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('native adapter: unexpected end of module');
    return this.bytes[this.pos++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }

  skipLeb(): void {
    while (this.byte() & 0x80);
  }

  name(): string {
    const n = this.u32();
    const s = NAME_DECODER.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  valtype(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (t === undefined) throw new Error(`native adapter: unknown value type 0x${b.toString(16)}`);
    return t;
  }

  limits(): void {
    const flags = this.byte();
    this.skipLeb();
    if (flags & 1) this.skipLeb();
  }

  /** Skips a constant expression up to and including its `end`. */
  constExpr(): void {
    for (;;) {
      const op = this.byte();
      switch (op) {
        case 0x0b:
          return;
        case 0x41: // i32.const
        case 0x42: // i64.const
        case 0x23: // global.get
        case 0xd2: // ref.func
          this.skipLeb();
          break;
        case 0x43:
          this.pos += 4;
          break;
        case 0x44:
          this.pos += 8;
          break;
        case 0xd0: // ref.null t
          this.pos += 1;
          break;
        case 0x6a: // extended-const i32.add/sub/mul, i64.add/sub/mul
        case 0x6b:
        case 0x6c:
        case 0x7c:
        case 0x7d:
        case 0x7e:
          break;
        case 0xfd: {
          const sub = this.u32();
          if (sub !== 12) throw new Error(`native adapter: unexpected 0xfd ${sub} in constant expression`);
          this.pos += 16; // v128.const
          break;
        }
        default:
          throw new Error(`native adapter: unexpected opcode 0x${op.toString(16)} in constant expression`);
      }
    }
  }
}

function exportTypes(bytes: Uint8Array): Map<string, ExportType> {
  const r = new Reader(bytes);
  r.pos = 8; // magic and version
  const types: FuncType[] = [];
  const funcs: FuncType[] = [];
  const globals: ValType[] = [];
  const exports = new Map<string, ExportType>();
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    switch (id) {
      case 1: // type
        for (let n = r.u32(); n > 0; n--) {
          if (r.byte() !== 0x60) throw new Error('native adapter: unsupported type form');
          const params = Array.from({ length: r.u32() }, () => r.valtype());
          const results = Array.from({ length: r.u32() }, () => r.valtype());
          types.push({ params, results });
        }
        break;
      case 2: // import
        for (let n = r.u32(); n > 0; n--) {
          r.name();
          r.name();
          const kind = r.byte();
          if (kind === 0) funcs.push(types[r.u32()]);
          else if (kind === 1) {
            r.byte();
            r.limits();
          } else if (kind === 2) r.limits();
          else if (kind === 3) {
            globals.push(r.valtype());
            r.byte();
          } else if (kind === 4) {
            r.byte();
            r.u32();
          } else throw new Error(`native adapter: unknown import kind ${kind}`);
        }
        break;
      case 3: // function
        for (let n = r.u32(); n > 0; n--) funcs.push(types[r.u32()]);
        break;
      case 6: // global
        for (let n = r.u32(); n > 0; n--) {
          globals.push(r.valtype());
          r.byte();
          r.constExpr();
        }
        break;
      case 7: // export
        for (let n = r.u32(); n > 0; n--) {
          const name = r.name();
          const kind = r.byte();
          const index = r.u32();
          if (kind === 0) exports.set(name, { kind: 'func', type: funcs[index] });
          else if (kind === 3) exports.set(name, { kind: 'global', type: globals[index] });
          else exports.set(name, { kind: 'other' });
        }
        return exports; // nothing after the export section matters here
    }
    r.pos = end;
  }
  return exports;
}

// Bit conversions through one shared buffer.
const buf = new ArrayBuffer(8);
const f32 = new Float32Array(buf);
const u32 = new Uint32Array(buf);
const f64 = new Float64Array(buf);
const u64 = new BigUint64Array(buf);

function toJs(t: ValType, bits: unknown): unknown {
  switch (t) {
    case 'i32':
      return Number(bits) | 0;
    case 'i64':
      return BigInt.asIntN(64, bits as bigint);
    case 'f32':
      u32[0] = bits as number;
      return f32[0];
    case 'f64':
      u64[0] = BigInt.asUintN(64, bits as bigint);
      return f64[0];
    default:
      return bits;
  }
}

function fromJs(t: ValType, v: unknown): unknown {
  switch (t) {
    case 'i32':
      return (v as number) | 0;
    case 'i64':
      return BigInt.asIntN(64, v as bigint);
    case 'f32':
      f32[0] = v as number;
      return u32[0];
    case 'f64':
      f64[0] = v as number;
      return u64[0];
    default:
      return v;
  }
}

class NativeModule {
  readonly native: object;
  readonly exports: Map<string, ExportType>;
  constructor(bytes: Uint8Array) {
    this.native = new WA.Module(bytes);
    this.exports = exportTypes(bytes);
  }
}

/** Types of the functions and globals handed out by instances, for the bit conversions. */
const funcTypes = new WeakMap<object, FuncType>();
const globalTypes = new WeakMap<object, ValType>();

class NativeInstance {
  readonly exports: Record<string, unknown>;
  constructor(module: object, imports: object) {
    if (!(module instanceof NativeModule)) throw new TypeError('native adapter: not a NativeModule');
    let instance: { exports: Record<string, unknown> };
    try {
      instance = new WA.Instance(module.native, imports);
    } catch (e) {
      // The JS API throws TypeError for a missing import module; the spec calls that unlinkable.
      if (e instanceof TypeError && /module is not an object or function/.test(e.message)) {
        throw new WA.LinkError(e.message);
      }
      throw e;
    }
    for (const [name, t] of module.exports) {
      const value = instance.exports[name];
      if (typeof value !== 'object' && typeof value !== 'function') continue;
      if (value === null) continue;
      if (t.kind === 'func') funcTypes.set(value, t.type);
      else if (t.kind === 'global') globalTypes.set(value, t.type);
    }
    this.exports = instance.exports;
  }
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

export const nativeEngine: Engine = {
  Module: NativeModule,
  Instance: NativeInstance,
  Memory: WA.Memory,
  Table: WA.Table,
  Global: WA.Global,
  CompileError: WA.CompileError,
  LinkError: WA.LinkError,
  RuntimeError: WA.RuntimeError,

  invokeWithBits(fn: unknown, args: unknown[]): unknown[] {
    if (typeof fn !== 'function') throw new TypeError('native adapter: not a function');
    const type = funcTypes.get(fn);
    if (type === undefined) throw new TypeError('native adapter: not an exported Wasm function');
    if (args.length !== type.params.length) {
      throw new TypeError(`native adapter: ${args.length} arguments for ${type.params.length} parameters`);
    }
    let r: unknown;
    try {
      r = (fn as (...a: unknown[]) => unknown)(...args.map((a, i) => toJs(type.params[i], a)));
    } catch (e) {
      if (isStackOverflow(e)) throw new WA.RuntimeError('call stack exhausted');
      throw e;
    }
    if (type.results.length === 0) return [];
    if (type.results.length === 1) return [fromJs(type.results[0], r)];
    // Multiple results come back as an array.
    return Array.from(r as ArrayLike<unknown>, (v, i) => fromJs(type.results[i], v));
  },

  globalBits(global: unknown): unknown {
    if (typeof global !== 'object' || global === null) throw new TypeError('native adapter: not a Global');
    const type = globalTypes.get(global);
    if (type === undefined) throw new TypeError('native adapter: not an exported Wasm global');
    return fromJs(type, (global as { value: unknown }).value);
  },
};
