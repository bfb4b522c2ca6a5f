// Functions across the JS boundary: the internal calling convention, exported wrappers that
// convert JS values in and out, host-function wrappers, and turning JS errors into traps.
import type { FuncType, ValType } from '../binary/module.js';
import { RuntimeError } from './errors.js';
import { wasmStack } from './stack-trace.js';
import { HI, i64_from_bigint, i64_to_bigint } from './numeric.js';

/**
 * A function as compiled code calls it: arguments and results in the internal representation
 * (i32 number, i64 signed BigInt, f32/f64 number, references as is). More than one result comes
 * back as an array whose element 0 is null (see `multiResult`).
 */
export interface WasmFunction {
  (...args: unknown[]): unknown;
  /** Canonical signature id, equal for structurally equal function types. */
  sig: number;
  type: FuncType;
  /** Name for stack traces: the name section's, or the index. */
  wasmName?: string;
  exported?: ExportedFunction;
}

export interface ExportedFunction {
  (...args: unknown[]): unknown;
  readonly [internalFunction]: WasmFunction;
}

/** Key of the internal function behind an exported function. */
export const internalFunction = Symbol('heapbase.internalFunction');

const sigIds = new Map<string, number>();

export function typeKey(t: FuncType): string {
  return `${t.params.join(',')}:${t.results.join(',')}`;
}

export function signatureId(t: FuncType): number {
  const key = typeKey(t);
  let id = sigIds.get(key);
  if (id === undefined) {
    id = sigIds.size + 1;
    sigIds.set(key, id);
  }
  return id;
}

export function typeText(t: FuncType): string {
  return `[${t.params.join(' ')}] -> [${t.results.join(' ')}]`;
}

/** Marks an exception thrown by host code, so the boundary passes it on unchanged. */
export class HostException {
  constructor(readonly error: unknown) {}
}

const rewritten = new WeakSet<RuntimeError>();

/** Gives a trap the Wasm stack trace (once; a trap may cross several boundaries). */
function withWasmStack(trap: RuntimeError, jsStack: string | undefined): RuntimeError {
  if (rewritten.has(trap)) return trap;
  rewritten.add(trap);
  if (jsStack !== undefined) {
    const lines = jsStack.split('\n');
    // Keep the trap's own first line; the frames come from where the JS error was thrown.
    trap.stack = [`${trap.name}: ${trap.message}`, ...wasmStack(lines.slice(1).join('\n')).split('\n')].join('\n');
  }
  return trap;
}

/** The error a caller of Wasm sees for an exception that unwound out of compiled code. */
export function boundaryError(e: unknown): unknown {
  if (e instanceof HostException) return e.error;
  if (e instanceof RuntimeError) return withWasmStack(e, e.stack);
  if (e instanceof RangeError) {
    // Compiled code raises RangeError only from DataView bounds and V8's stack limit.
    const kind = /call stack/i.test(e.message) ? 'call stack exhausted' : 'out of bounds memory access';
    return withWasmStack(new RuntimeError(kind, kind), e.stack);
  }
  return e;
}

export function isExportedFunction(v: unknown): v is ExportedFunction {
  return typeof v === 'function' && internalFunction in v;
}

/** ToWebAssemblyValue of the JS API. */
export function toWasm(v: unknown, t: ValType): unknown {
  switch (t) {
    // unary + is ECMAScript's ToNumber: a BigInt or Symbol throws TypeError (Number() would convert a BigInt)
    case 'i32': return +(v as number) | 0;
    case 'i64': return BigInt.asIntN(64, toBigInt(v));
    case 'f32': return Math.fround(+(v as number));
    case 'f64': return +(v as number);
    case 'externref': return v;
    case 'funcref':
      if (v === null) return null;
      if (isExportedFunction(v)) return v[internalFunction];
      throw new TypeError('a funcref must be null or a function exported by WebAssembly');
    default:
      throw new TypeError(`values of type ${t} cannot cross the JS boundary`);
  }
}

/** ToBigInt of ECMAScript: objects through their primitive value; Numbers are a TypeError. */
function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  const p = (typeof v === 'object' && v !== null) || typeof v === 'function' ? toPrimitive(v as object) : v;
  if (typeof p === 'bigint' || typeof p === 'boolean' || typeof p === 'string') return BigInt(p);
  throw new TypeError(`cannot convert ${p === null ? 'null' : typeof p} to an i64 BigInt`);
}

function toPrimitive(o: object): unknown {
  const exotic = (o as { [Symbol.toPrimitive]?: (hint: string) => unknown })[Symbol.toPrimitive];
  if (exotic !== undefined) return exotic.call(o, 'number');
  for (const method of ['valueOf', 'toString'] as const) {
    const f = (o as Record<string, unknown>)[method];
    if (typeof f === 'function') {
      const r: unknown = f.call(o);
      if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return r;
    }
  }
  throw new TypeError('cannot convert object to a primitive value');
}

/** ToJSValue of the JS API. */
export function toJS(v: unknown, t: ValType): unknown {
  if (t === 'funcref') return v === null ? null : exportFunction(v as WasmFunction);
  if (t === 'v128') throw new TypeError('values of type v128 cannot cross the JS boundary');
  return v;
}

/**
 * Argument and result conversion code per value type. Wrappers are generated per signature
 * with one named parameter per argument: no arrays, which V8 would store as unboxed doubles
 * (canonicalising NaN payloads), and no allocation per call. Compiled code passes an i64 as
 * two int32 words (low, high) and returns one as the low word with the high word in HI[0].
 */
function toWasmCode(t: ValType, v: string): string {
  switch (t) {
    case 'i32': return `${v} | 0`;
    case 'f32': return `Math.fround(${v})`;
    case 'f64': return `+${v}`;
    default: return `toWasm(${v}, '${t}')`;
  }
}

function toJSCode(t: ValType, v: string): string {
  return t === 'funcref' ? `toJS(${v}, 'funcref')` : v;
}

/** JS expressions for the values of `types` held in the flattened internal array `r` (from index 1). */
function unpackResults(types: readonly ValType[], r: string): string[] {
  let k = 1;
  return types.map((t) => (t === 'i64' ? `i64_to_bigint(${r}[${k++}], ${r}[${k++}])` : toJSCode(t, `${r}[${k++}]`)));
}

type ExportWrapperFactory = (fn: WasmFunction, name: string) => (...args: unknown[]) => unknown;
type HostWrapperFactory = (host: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown;
const exportWrapperFactories = new Map<string, ExportWrapperFactory>();
const hostWrapperFactories = new Map<string, HostWrapperFactory>();

const boundaryHelpers = { toWasm, toJS, boundaryError, HostException, hostResults, i64_from_bigint, i64_to_bigint, HI };

function buildFactory<F>(source: string, extra: Record<string, unknown> = {}): F {
  const scope = { ...boundaryHelpers, ...extra };
  return new Function(...Object.keys(scope), source)(...Object.values(scope)) as F;
}

function exportWrapperFactory(t: FuncType): ExportWrapperFactory {
  const key = typeKey(t);
  let factory = exportWrapperFactories.get(key);
  if (factory) return factory;
  const names = t.params.map((_, i) => `a${i}`);
  if (hasV128(t)) {
    // The JS API: calling it is a TypeError, before any argument is converted.
    factory = buildFactory<ExportWrapperFactory>(`return function (fn, name) { const f = { [name](${names.join(', ')}) {
    throw new TypeError('a function with a v128 parameter or result cannot be called from JavaScript');
  } }[name]; nativeSource(f); return f; };`, { nativeSource });
    exportWrapperFactories.set(key, factory);
    return factory;
  }
  // Converted in order into locals, so the first bad argument is the one reported (as in V8).
  const prelude: string[] = [];
  const args = t.params.flatMap((p, i) => {
    if (p !== 'i64') {
      prelude.push(`const p${i} = ${toWasmCode(p, names[i])};`);
      return [`p${i}`];
    }
    prelude.push(`const p${i} = i64_from_bigint(toWasm(a${i}, 'i64')), q${i} = HI[0];`);
    return [`p${i}`, `q${i}`];
  });
  const result = t.results.length === 0 ? 'undefined'
    : t.results.length > 1 ? `[${unpackResults(t.results, 'r').join(', ')}]`
    : t.results[0] === 'i64' ? 'i64_to_bigint(r, HI[0])'
    : toJSCode(t.results[0], 'r');
  // A computed method key names the function at creation (cheaper than defineProperty); a
  // method is not a constructor and has no prototype, like V8's exported functions. Its source
  // is not shown: toString gives V8's `function N() { [native code] }`.
  factory = buildFactory<ExportWrapperFactory>(`return function (fn, name) { const f = { [name](${names.join(', ')}) {
    ${prelude.join('\n    ')}
    let r;
    try { r = fn(${args.join(', ')}); } catch (e) { throw boundaryError(e); }
    return ${result};
  } }[name]; nativeSource(f); return f; };`, { nativeSource });
  exportWrapperFactories.set(key, factory);
  return factory;
}

/** V8's toString text for an exported function, made from its name when asked (one function for all: no closure per export). */
function toString(this: unknown): string {
  const name = typeof this === 'function' ? this.name : '';
  return `function ${name}() { [native code] }`;
}

/** Gives an exported function V8's toString text instead of its generated JavaScript. */
function nativeSource(f: Function): void {
  Object.defineProperty(f, 'toString', { value: toString, writable: true, configurable: true });
}

function hostWrapperFactory(t: FuncType): HostWrapperFactory {
  const key = typeKey(t);
  let factory = hostWrapperFactories.get(key);
  if (factory) return factory;
  if (hasV128(t)) {
    // The JS API: a call from Wasm is a TypeError, thrown into the caller like the host's own errors.
    factory = () => () => { throw new HostException(new TypeError('a host function with a v128 parameter or result cannot be called')); };
    hostWrapperFactories.set(key, factory);
    return factory;
  }
  const params = t.params.flatMap((p, i) => (p === 'i64' ? [`a${i}l`, `a${i}h`] : [`a${i}`]));
  const jsArgs = t.params.map((p, i) => (p === 'i64' ? `i64_to_bigint(a${i}l, a${i}h)` : toJSCode(p, `a${i}`)));
  const result = t.results.length === 0 ? 'undefined'
    : t.results.length > 1 ? 'hostResults(r, types)'
    : t.results[0] === 'i64' ? "i64_from_bigint(toWasm(r, 'i64'))"
    : toWasmCode(t.results[0], 'r');
  factory = buildFactory<HostWrapperFactory>(`return function (host) { return function (${params.join(', ')}) {
    let r;
    try { r = host(${jsArgs.join(', ')}); } catch (e) { throw e instanceof HostException ? e : new HostException(e); }
    return ${result};
  }; };`, { types: t.results });
  hostWrapperFactories.set(key, factory);
  return factory;
}

function hasV128(t: FuncType): boolean {
  return t.params.includes('v128') || t.results.includes('v128');
}

/** Converts a host function's iterable of results to the internal multi-value form. */
function hostResults(r: unknown, types: readonly ValType[]): unknown[] {
  if (r === null || typeof r !== 'object' || !(Symbol.iterator in r)) {
    throw new TypeError('a host function with several results must return an iterable');
  }
  const values = [...(r as Iterable<unknown>)];
  if (values.length !== types.length) throw new TypeError(`host function returned ${values.length} values, expected ${types.length}`);
  const flat: unknown[] = [];
  values.forEach((v, i) => {
    const w = toWasm(v, types[i]);
    if (types[i] === 'i64') flat.push(i64_from_bigint(w as bigint), HI[0]);
    else flat.push(w);
  });
  return multiResult(flat);
}

/** The exported (JS-callable) face of an internal function; one per function, so identity holds. */
export function exportFunction(fn: WasmFunction): ExportedFunction {
  if (fn.exported) return fn.exported;
  const exported = exportWrapperFactory(fn.type)(fn, fn.wasmName ?? '') as ExportedFunction;
  Object.defineProperty(exported, internalFunction, { value: fn });
  fn.exported = exported;
  return exported;
}

/** Packs several results the way compiled code returns them. */
export function multiResult(values: unknown[]): unknown[] {
  // Element 0 is null so V8 never stores the array as unboxed doubles, which would
  // canonicalise NaN payloads.
  return [null, ...values];
}

/** Key of the Wasm signature a host function declares (see `hostFunction`). */
export const declaredSignature = Symbol('heapbase.declaredSignature');

export interface HostFunctionType {
  params?: readonly ValType[];
  results?: readonly ValType[];
}

export type TypedHostFunction<F> = F & { readonly [declaredSignature]: FuncType };

const hostValTypes: readonly string[] = ['i32', 'i64', 'f32', 'f64', 'funcref', 'externref'];

/**
 * Declares the Wasm signature of a host function, so that linking it to an import of another
 * type fails with a LinkError naming the import and both signatures, instead of converting
 * values silently at call time. Returns `fn` itself, marked.
 */
export function hostFunction<F extends (...args: never[]) => unknown>(signature: HostFunctionType, fn: F): TypedHostFunction<F> {
  const type: FuncType = { params: [...(signature.params ?? [])], results: [...(signature.results ?? [])] };
  for (const t of [...type.params, ...type.results]) {
    if (!hostValTypes.includes(t)) throw new TypeError(`hostFunction: unknown value type ${String(t)}`);
  }
  if (typeof fn !== 'function') throw new TypeError('hostFunction: the second argument must be a function');
  Object.defineProperty(fn, declaredSignature, { value: type });
  return fn as TypedHostFunction<F>;
}

/** Wraps a JS function so compiled code can call it with internal values. */
export function importHostFunction(host: (...args: unknown[]) => unknown, type: FuncType): WasmFunction {
  if (isExportedFunction(host)) return host[internalFunction];
  const fn = hostWrapperFactory(type)(host) as WasmFunction;
  fn.sig = signatureId(type);
  fn.type = type;
  fn.wasmName = host.name;
  return fn;
}
