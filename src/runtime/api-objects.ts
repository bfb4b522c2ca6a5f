// The JS API's Memory, Table and Global objects, as thin faces over the runtime's storage.
// Each storage object has at most one face, so exporting it twice gives the same object.
import type { GlobalType, RefType, ValType } from '../binary/module.js';
import { GlobalCell } from './global.js';
import { LinearMemory } from './memory.js';
import { TableInstance } from './table.js';
import { toJS, toWasm } from './func.js';

const faces = new WeakMap<object, object>();
// Storage that the next constructor call wraps (set by `of`), so the public constructors take
// only the JS API's arguments: a stray extra argument must not be mistaken for storage.
let adopted: LinearMemory | TableInstance | GlobalCell | undefined;
function takeAdopted<T>(): T | undefined {
  const s = adopted as T | undefined;
  adopted = undefined;
  return s;
}

/** The face of `storage`: the one it has, or a new one made by `make` around it. */
function faceOf<F>(storage: LinearMemory | TableInstance | GlobalCell, make: () => F): F {
  const face = faces.get(storage) as F | undefined;
  if (face) return face;
  adopted = storage;
  try {
    return make();
  } finally {
    adopted = undefined;
  }
}

function brandError(what: string): TypeError {
  return new TypeError(`${what} called on an object that is not one`);
}

/** WebIDL's `[EnforceRange] unsigned long`: ToNumber (a BigInt or Symbol is a TypeError), then a
 * TypeError for NaN, ±Infinity and anything outside [0, 2^32) after truncation. */
export function enforceU32(v: unknown, what: string): number {
  const n = +(v as number);
  if (!Number.isFinite(n)) throw new TypeError(`${what} must be a finite number, got ${String(n)}`);
  const t = Math.trunc(n);
  if (t < 0 || t > 0xffffffff) throw new TypeError(`${what} must be in [0, 2^32), got ${t}`);
  return t === 0 ? 0 : t;
}

function descriptorOf<T>(d: unknown, what: string): T {
  if ((typeof d !== 'object' || d === null) && typeof d !== 'function') throw new TypeError(`${what}: the descriptor must be an object`);
  return d as T;
}

function limitsOf(d: { initial?: unknown; minimum?: unknown; maximum?: unknown }, what: string, cap: number): { min: number; max: number | undefined } {
  const initial = d.initial;
  const minimum = d.minimum;
  const maximumValue = d.maximum;
  if (initial !== undefined && minimum !== undefined) throw new TypeError(`${what}: give either initial or minimum, not both`);
  if (initial === undefined && minimum === undefined) throw new TypeError(`${what}: the descriptor needs an initial size`);
  const min = enforceU32(initial ?? minimum, `${what}: initial`);
  const max = maximumValue === undefined ? undefined : enforceU32(maximumValue, `${what}: maximum`);
  if (max !== undefined && max < min) throw new RangeError(`${what}: maximum ${max} is below initial ${min}`);
  if (min > cap || (max !== undefined && max > cap)) throw new RangeError(`${what}: size above the limit of ${cap}`);
  return { min, max };
}

export interface MemoryDescriptor { initial?: number; minimum?: number; maximum?: number; shared?: boolean }

export class Memory {
  /** @internal */ readonly storage: LinearMemory;

  constructor(descriptor: MemoryDescriptor) {
    const storage = takeAdopted<LinearMemory>();
    if (storage) this.storage = storage;
    else {
      descriptor = descriptorOf<MemoryDescriptor>(descriptor, 'WebAssembly.Memory');
      const limits = limitsOf(descriptor, 'WebAssembly.Memory', 65536);
      // As the memory type requires (threads proposal), and as V8 does.
      if (descriptor.shared && limits.max === undefined) throw new TypeError('WebAssembly.Memory: a shared memory must have a maximum');
      this.storage = new LinearMemory({ ...limits, shared: Boolean(descriptor.shared), pageSizeLog2: 16 });
    }
    faces.set(this.storage, this);
  }

  static of(storage: LinearMemory): Memory {
    return faceOf(storage, () => new Memory({}));
  }

  /** A SharedArrayBuffer for a shared memory (frozen, as the JS API requires). */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    const buffer = memoryStorage(this, 'WebAssembly.Memory.prototype.buffer').exactBuffer();
    if (buffer instanceof SharedArrayBuffer && !Object.isFrozen(buffer)) Object.freeze(buffer);
    return buffer;
  }

  grow(delta: number): number {
    const storage = memoryStorage(this, 'WebAssembly.Memory.prototype.grow');
    const pages = enforceU32(delta, 'WebAssembly.Memory.grow: delta');
    const old = storage.grow(pages);
    if (old < 0) throw new RangeError('WebAssembly.Memory.grow: cannot grow beyond the maximum');
    return old;
  }
}

function memoryStorage(o: unknown, what: string): LinearMemory {
  if (o instanceof Memory && o.storage instanceof LinearMemory) return o.storage;
  throw brandError(what);
}

export interface TableDescriptor { element: string; initial?: number; minimum?: number; maximum?: number }

function refTypeOf(value: unknown): RefType {
  const element = String(value);
  if (element === 'anyfunc' || element === 'funcref') return 'funcref';
  if (element === 'externref') return 'externref';
  throw new TypeError(`WebAssembly.Table: unknown element type ${String(element)}`);
}

export class Table {
  /** @internal */ readonly storage: TableInstance;

  constructor(descriptor: TableDescriptor, value?: unknown) {
    const storage = takeAdopted<TableInstance>();
    if (storage) this.storage = storage;
    else {
      descriptor = descriptorOf<TableDescriptor>(descriptor, 'WebAssembly.Table');
      const element = refTypeOf(descriptor.element);
      const limits = limitsOf(descriptor, 'WebAssembly.Table', 10_000_000);
      // DefaultValue(externref) is undefined, given or left out (JS API, Table constructor).
      const init = value === undefined ? (element === 'externref' ? undefined : null) : toWasm(value, element);
      this.storage = new TableInstance({ element, ...limits }, init);
    }
    faces.set(this.storage, this);
  }

  static of(storage: TableInstance): Table {
    return faceOf(storage, () => new Table({ element: storage.type.element }));
  }

  get length(): number {
    return tableStorage(this, 'WebAssembly.Table.prototype.length').elements.length;
  }

  get(i: number): unknown {
    const storage = tableStorage(this, 'WebAssembly.Table.prototype.get');
    const index = tableIndex(storage, i, 'WebAssembly.Table.get');
    return toJS(storage.elements[index], storage.type.element);
  }

  set(i: number, value?: unknown): void {
    const storage = tableStorage(this, 'WebAssembly.Table.prototype.set');
    const index = tableIndex(storage, i, 'WebAssembly.Table.set');
    const element = storage.type.element;
    storage.elements[index] = arguments.length < 2 ? defaultValue(element) : toWasm(value, element);
  }

  grow(delta: number, value?: unknown): number {
    const storage = tableStorage(this, 'WebAssembly.Table.prototype.grow');
    const count = enforceU32(delta, 'WebAssembly.Table.grow: delta');
    const element = storage.type.element;
    const init = arguments.length < 2 ? defaultValue(element) : toWasm(value, element);
    const old = storage.grow(count, init);
    if (old < 0) throw new RangeError('WebAssembly.Table.grow: cannot grow beyond the maximum');
    return old;
  }
}

function tableStorage(o: unknown, what: string): TableInstance {
  if (o instanceof Table && o.storage instanceof TableInstance) return o.storage;
  throw brandError(what);
}

function tableIndex(storage: TableInstance, i: unknown, what: string): number {
  const index = enforceU32(i, `${what}: index`);
  if (index >= storage.elements.length) throw new RangeError(`${what}: index ${index} is out of range for a table of ${storage.elements.length} elements`);
  return index;
}

export interface GlobalDescriptor { value: string; mutable?: boolean }

function valTypeOf(value: unknown): ValType {
  const name = String(value);
  if (name === 'anyfunc') return 'funcref';
  if (['i32', 'i64', 'f32', 'f64', 'funcref', 'externref'].includes(name)) return name as ValType;
  throw new TypeError(`WebAssembly.Global: unknown value type ${String(name)}`);
}

export class Global {
  /** @internal */ readonly storage: GlobalCell;

  constructor(descriptor: GlobalDescriptor, value?: unknown) {
    const storage = takeAdopted<GlobalCell>();
    if (storage) this.storage = storage;
    else {
      descriptor = descriptorOf<GlobalDescriptor>(descriptor, 'WebAssembly.Global');
      const mutable = Boolean(descriptor.mutable);
      const type: GlobalType = { type: valTypeOf(descriptor.value), mutable };
      const initial = value === undefined ? defaultValue(type.type) : toWasm(value, type.type);
      this.storage = new GlobalCell(type, initial);
    }
    faces.set(this.storage, this);
  }

  static of(storage: GlobalCell): Global {
    return faceOf(storage, () => new Global({ value: storage.type.type }));
  }

  get value(): unknown {
    const storage = globalStorage(this, 'WebAssembly.Global.prototype.value');
    return toJS(storage.value, storage.type.type);
  }

  set value(v: unknown) {
    const storage = globalStorage(this, 'WebAssembly.Global.prototype.value');
    if (!storage.type.mutable) throw new TypeError('WebAssembly.Global: cannot set an immutable global');
    storage.value = toWasm(v, storage.type.type);
  }

  valueOf(): unknown {
    const storage = globalStorage(this, 'WebAssembly.Global.prototype.valueOf');
    return toJS(storage.value, storage.type.type);
  }
}

function globalStorage(o: unknown, what: string): GlobalCell {
  if (o instanceof Global && o.storage instanceof GlobalCell) return o.storage;
  throw brandError(what);
}

/** Shapes a class as a WebIDL interface: enumerable operations and attributes, the constructor's
 * and operations' `length`s (required arguments only) and `Symbol.toStringTag`. */
export function webIdlInterface(cls: Function, tag: string, lengths: Record<string, number>): void {
  for (const target of [cls.prototype as object, cls]) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (key === 'constructor' || key === 'of' || (target === cls && ['prototype', 'length', 'name'].includes(key))) continue;
      const d = Object.getOwnPropertyDescriptor(target, key)!;
      if (key in lengths && typeof d.value === 'function') Object.defineProperty(d.value, 'length', { value: lengths[key] });
      Object.defineProperty(target, key, { ...d, enumerable: true });
    }
  }
  Object.defineProperty(cls, 'length', { value: 1 });
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}

webIdlInterface(Memory, 'WebAssembly.Memory', { grow: 1 });
webIdlInterface(Table, 'WebAssembly.Table', { get: 1, set: 1, grow: 1 });
webIdlInterface(Global, 'WebAssembly.Global', { valueOf: 0 });

function defaultValue(t: ValType): unknown {
  switch (t) {
    case 'i64': return 0n;
    case 'externref': return undefined;
    case 'funcref': return null;
    default: return 0;
  }
}
