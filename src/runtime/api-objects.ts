// The JS API's Memory, Table and Global objects, as thin faces over the runtime's storage.
// Each storage object has at most one face, so exporting it twice gives the same object.
import type { GlobalType, RefType, ValType } from '../binary/module.js';
import { GlobalCell } from './global.js';
import { LinearMemory } from './memory.js';
import { TableInstance } from './table.js';
import { toJS, toWasm } from './func.js';

const faces = new WeakMap<object, object>();

function limitsOf(d: { initial?: unknown; minimum?: unknown; maximum?: unknown }, what: string, cap: number): { min: number; max: number | undefined } {
  const initial = d.initial ?? d.minimum;
  const toIndex = (v: unknown, name: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new TypeError(`${what}: ${name} must be an integer in [0, 2^32)`);
    return n;
  };
  const min = toIndex(initial, 'initial');
  const max = d.maximum === undefined ? undefined : toIndex(d.maximum, 'maximum');
  if (max !== undefined && max < min) throw new RangeError(`${what}: maximum ${max} is below initial ${min}`);
  if (min > cap || (max !== undefined && max > cap)) throw new RangeError(`${what}: size above the limit of ${cap}`);
  return { min, max };
}

export interface MemoryDescriptor { initial?: number; minimum?: number; maximum?: number; shared?: boolean }

export class Memory {
  /** @internal */ readonly storage: LinearMemory;

  constructor(descriptor: MemoryDescriptor, storage?: LinearMemory) {
    if (storage) this.storage = storage;
    else {
      const limits = limitsOf(descriptor, 'WebAssembly.Memory', 65536);
      // As the memory type requires (threads proposal), and as V8 does.
      if (descriptor.shared && limits.max === undefined) throw new TypeError('WebAssembly.Memory: a shared memory must have a maximum');
      this.storage = new LinearMemory({ ...limits, shared: Boolean(descriptor.shared), pageSizeLog2: 16 });
    }
    faces.set(this.storage, this);
  }

  static of(storage: LinearMemory): Memory {
    return (faces.get(storage) as Memory | undefined) ?? new Memory({}, storage);
  }

  /** A SharedArrayBuffer for a shared memory. */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.storage.exactBuffer();
  }

  grow(delta: number): number {
    const pages = Number(delta);
    if (!Number.isInteger(pages) || pages < 0) throw new TypeError('WebAssembly.Memory.grow: delta must be a non-negative integer');
    const old = this.storage.grow(pages);
    if (old < 0) throw new RangeError('WebAssembly.Memory.grow: cannot grow beyond the maximum');
    return old;
  }
}

export interface TableDescriptor { element: string; initial?: number; minimum?: number; maximum?: number }

function refTypeOf(element: string): RefType {
  if (element === 'anyfunc' || element === 'funcref') return 'funcref';
  if (element === 'externref') return 'externref';
  throw new TypeError(`WebAssembly.Table: unknown element type ${String(element)}`);
}

export class Table {
  /** @internal */ readonly storage: TableInstance;

  constructor(descriptor: TableDescriptor, value?: unknown, storage?: TableInstance) {
    if (storage) this.storage = storage;
    else {
      const element = refTypeOf(descriptor.element);
      const limits = limitsOf(descriptor, 'WebAssembly.Table', 10_000_000);
      const init = value === undefined ? (element === 'externref' ? undefined : null) : toWasm(value, element);
      this.storage = new TableInstance({ element, ...limits }, arguments.length < 2 ? null : init);
    }
    faces.set(this.storage, this);
  }

  static of(storage: TableInstance): Table {
    return (faces.get(storage) as Table | undefined) ?? new Table({ element: storage.type.element }, undefined, storage);
  }

  get length(): number {
    return this.storage.elements.length;
  }

  private index(i: unknown): number {
    const n = Number(i);
    if (!Number.isInteger(n) || n < 0 || n >= this.storage.elements.length) throw new RangeError(`WebAssembly.Table: index ${String(i)} out of range`);
    return n;
  }

  get(i: number): unknown {
    return toJS(this.storage.elements[this.index(i)], this.storage.type.element);
  }

  set(i: number, value?: unknown): void {
    const element = this.storage.type.element;
    const v = arguments.length < 2 && element === 'funcref' ? null : toWasm(value, element);
    this.storage.elements[this.index(i)] = v;
  }

  grow(delta: number, value?: unknown): number {
    const element = this.storage.type.element;
    const init = arguments.length < 2 ? null : toWasm(value, element);
    const old = this.storage.grow(Number(delta), init);
    if (old < 0) throw new RangeError('WebAssembly.Table.grow: cannot grow beyond the maximum');
    return old;
  }
}

export interface GlobalDescriptor { value: string; mutable?: boolean }

function valTypeOf(name: string): ValType {
  if (name === 'anyfunc') return 'funcref';
  if (['i32', 'i64', 'f32', 'f64', 'funcref', 'externref'].includes(name)) return name as ValType;
  throw new TypeError(`WebAssembly.Global: unknown value type ${String(name)}`);
}

export class Global {
  /** @internal */ readonly storage: GlobalCell;

  constructor(descriptor: GlobalDescriptor, value?: unknown, storage?: GlobalCell) {
    if (storage) this.storage = storage;
    else {
      const type: GlobalType = { type: valTypeOf(descriptor.value), mutable: Boolean(descriptor.mutable) };
      const initial = value === undefined ? defaultValue(type.type) : toWasm(value, type.type);
      this.storage = new GlobalCell(type, initial);
    }
    faces.set(this.storage, this);
  }

  static of(storage: GlobalCell): Global {
    return (faces.get(storage) as Global | undefined) ?? new Global({ value: storage.type.type }, undefined, storage);
  }

  get value(): unknown {
    return toJS(this.storage.value, this.storage.type.type);
  }

  set value(v: unknown) {
    if (!this.storage.type.mutable) throw new TypeError('WebAssembly.Global: cannot set an immutable global');
    this.storage.value = toWasm(v, this.storage.type.type);
  }

  valueOf(): unknown {
    return this.value;
  }
}

function defaultValue(t: ValType): unknown {
  switch (t) {
    case 'i64': return 0n;
    case 'externref': return undefined;
    case 'funcref': return null;
    default: return 0;
  }
}
