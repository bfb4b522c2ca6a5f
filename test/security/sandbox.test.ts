// The sandbox: nothing in a module's bytes can become JavaScript, and guest code reaches nothing
// but its imports.
// - Names (exports, imports' module and field names, the name section's module, function, local
//   and global names) full of JS syntax, line terminators and special property names must not
//   run, must export and import exactly as V8 does, and must not break stack traces or layouts.
// - Generated code (modules and boundary wrappers) is re-evaluated inside a `with (proxy)` scope
//   that records every free identifier it resolves: only an allow-list of harmless globals.
// - While exports run, sensitive globals (process, require, eval, ...) are watched: untouched.
// - Imports are read exactly as V8 reads them (same property reads, in order, through a Proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hb from '../../src/index.js';
import { nativeWasm } from '../helpers/native-wasm.js';
import { runDifferential } from '../fuzz/differential.js';
import { generateModule } from '../fuzz/generator.js';
import { mixSeed } from '../fuzz/prng.js';
import { concat, encodeName, HEADER, parseModule, section, uleb } from '../fuzz/wasm-bytes.js';

declare global {
  // eslint-disable-next-line no-var
  var pwned: unknown;
}

/** Strings that would do something if they ever reached JavaScript source (or a template). */
const HOSTILE: string[] = [
  "'", '"', '`', '\\', '*/', '/*', '//', '<!--', '-->', '</script>', '<script>globalThis.pwned = "html"</script>',
  '\u2028', '\u2029', '\n', '\r\n', '\0', '\x1b[2J',
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'length', 'name',
  '${globalThis.pwned = "template"}', '$0', '$1h', '$A', '$lo', '$&', "$'", '$`',
  '"]; globalThis.pwned = "dq"; //', "']; globalThis.pwned = 'sq'; //", '`; globalThis.pwned = "bt"; `',
  '*/ globalThis.pwned = "comment"; /*', '\n globalThis.pwned = "newline";\n', '\u2028globalThis.pwned = "ls";\u2028',
  '}); globalThis.pwned = "brace"; ({', '\\"; globalThis.pwned = "backslash"; //', ') { globalThis.pwned = "paren"; } function x(',
  '-->\nglobalThis.pwned = "html-comment"', 'x\u2029globalThis.pwned="ps"',
  'f0', 'f1', 'env', 'rt', 'mem0', 'memView', 'dv', 'T0', 'g0', 'G', 'HI', 'trap', 'E', 'D', 'fuel', 'undefined', 'null', 'eval', 'arguments', 'this',
  '', ' ', '🦀 wasm', '\uFEFF', 'a'.repeat(100_000),
];

function ownObject(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const body = (locals: number[], code: number[]): number[] => {
  const b = [...locals, ...code, 0x0b];
  return [...uleb(b.length), ...b];
};

/**
 * A module whose every name is hostile: N function imports (module HOSTILE[k], field
 * HOSTILE[k+1], type [] -> [i32]); N functions `k` (param i32, one local): import k + param +
 * 1000 k, exported as HOSTILE[k]; a chain of N functions ending in `unreachable`, exported as
 * "trap"; function, local, global and module names from HOSTILE in the name section.
 */
function hostileModule(): Uint8Array {
  const n = HOSTILE.length;
  const imports = HOSTILE.flatMap((h, k) => [...encodeName(h), ...encodeName(HOSTILE[(k + 1) % n]), 0, 0]);
  // functions: n "adders" (type 1), n chain links (type 2), all after the n imports
  const adders = HOSTILE.map((_, k) => body([1, 1, 0x7f], [0x10, ...uleb(k), 0x20, 0, 0x6a, 0x41, ...sleb32(k * 1000), 0x6a, 0x22, 1]));
  const chain = HOSTILE.map((_, k) => body([0], k === n - 1 ? [0x00] : [0x10, ...uleb(2 * n + k + 1)]));
  const exportsSec = [...HOSTILE.map((h, k) => [...encodeName(h), 0, ...uleb(n + k)]), [...encodeName('trap (chain)'), 0, ...uleb(2 * n)]];
  const funcNames = Array.from({ length: 3 * n }, (_, i) => [...uleb(i), ...encodeName(HOSTILE[(i + 2) % n])]);
  const localNames = HOSTILE.map((_, k) => [...uleb(n + k), 2, 0, ...encodeName(HOSTILE[(k + 3) % n]), 1, ...encodeName(HOSTILE[(k + 4) % n])]);
  const sub = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const names = [
    ...encodeName('name'),
    ...sub(0, encodeName(HOSTILE[9])),
    ...sub(1, [...uleb(funcNames.length), ...funcNames.flat()]),
    ...sub(2, [...uleb(localNames.length), ...localNames.flat()]),
    ...sub(7, [1, 0, ...encodeName(HOSTILE[10])]),
  ];
  return concat([HEADER,
    section(1, [3, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 0, 0]),
    section(2, [...uleb(n), ...imports]),
    section(3, [...uleb(2 * n), ...new Array(n).fill(1), ...new Array(n).fill(2)]),
    section(6, [1, 0x7f, 1, 0x41, 42, 0x0b]),
    section(7, [...uleb(exportsSec.length), ...exportsSec.flat()]),
    section(10, [...uleb(2 * n), ...adders.flat(), ...chain.flat()]),
    section(0, names),
    section(0, [...encodeName(HOSTILE[11]), 1, 2, 3]),
  ]);
}

function sleb32(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** Memory, table, global and a memory.grow function, exported under hostile names. */
function hostileStorageModule(): Uint8Array {
  const names = ['__proto__', 'constructor', '</script><script>globalThis.pwned = "svg"</script>', '"><svg onload="globalThis.pwned=1">'];
  const sub = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  return concat([HEADER,
    section(1, [1, 0x60, 0, 1, 0x7f]),
    section(3, [1, 0]),
    section(4, [1, 0x70, 0, 2]),
    section(5, [1, 0, 1]),
    section(6, [1, 0x7f, 1, 0x41, 16, 0x0b]),
    section(7, [4, ...encodeName(names[0]), 2, 0, ...encodeName(names[1]), 1, 0, ...encodeName(names[2]), 3, 0, ...encodeName(names[3]), 0, 0]),
    section(10, [1, ...body([0], [0x41, 1, 0x40, 0])]),
    section(0, [...encodeName('name'), ...sub(0, encodeName(`\x1b[2J\x1b]0;title\x07\u009b2J${names[2]}\u2028`)), ...sub(1, [1, 0, ...encodeName(names[3])]), ...sub(7, [1, 0, ...encodeName(names[2])])]),
  ]);
}

function importsFor(nsValue: (module: string, field: string, k: number) => unknown): Record<string, Record<string, unknown>> {
  const n = HOSTILE.length;
  const byModule = new Map<string, [string, unknown][]>();
  HOSTILE.forEach((h, k) => {
    const field = HOSTILE[(k + 1) % n];
    const list = byModule.get(h) ?? [];
    list.push([field, nsValue(h, field, k)]);
    byModule.set(h, list);
  });
  return ownObject([...byModule].map(([m, fields]) => [m, ownObject(fields)])) as Record<string, Record<string, unknown>>;
}

// ---- free identifiers of generated code ----

/**
 * Globals generated code may resolve (today it uses Math, Infinity and undefined). Adding a
 * harmless built-in here is fine; anything reaching outside (globalThis, process, require,
 * eval, Function, import) is not.
 */
const ALLOWED_FREE_IDENTIFIERS = new Set(['Math', 'NaN', 'Infinity', 'undefined']);

test('generated code resolves no free identifiers but harmless built-ins', () => {
  const seen = new Map<string, number>();
  const scope = new Proxy(Object.create(null) as object, {
    has(_, key) {
      if (typeof key === 'string') seen.set(key, (seen.get(key) ?? 0) + 1);
      return false; // resolution continues to the global scope, unchanged
    },
  });
  const RealFunction = Function;
  let wrapped = 0;
  // Every `new Function(params..., body)` heapbase makes (module factories, boundary wrappers)
  // becomes the same function, evaluated inside `with (scope)`.
  const Instrumented = function (...args: string[]): unknown {
    const source = args.pop() ?? '';
    wrapped++;
    return new RealFunction('__scope__', `with (__scope__) { return function (${args.join(', ')}) {\n${source}\n}; }`)(scope);
  };
  (globalThis as { Function: unknown }).Function = Instrumented;
  try {
    const modules = [hostileModule(), hostileStorageModule(), ...Array.from({ length: 40 }, (_, i) => generateModule(mixSeed(77, i)).bytes)];
    for (const [i, bytes] of modules.entries()) {
      if (i < 2) {
        const m = new hb.Module(bytes);
        const inst = new hb.Instance(m, i === 0 ? importsFor((_, __, k) => () => k) : undefined);
        for (const f of Object.values(inst.exports)) if (typeof f === 'function') try { f(1); } catch { /* traps */ }
      } else {
        const r = runDifferential(bytes, i);
        assert.notEqual(r.status, 'diverged', JSON.stringify(r.divergence));
      }
    }
  } finally {
    (globalThis as { Function: unknown }).Function = RealFunction;
  }
  assert.ok(wrapped > 10, `only ${wrapped} functions were generated`);
  const unexpected = [...seen.keys()].filter((k) => !ALLOWED_FREE_IDENTIFIERS.has(k));
  assert.deepEqual(unexpected, [], `free identifiers resolved: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
});

// ---- hostile names ----

test('hostile names: nothing runs, exports and imports are exactly V8\'s', () => {
  globalThis.pwned = undefined;
  const bytes = hostileModule();
  assert.ok(nativeWasm.validate(bytes), 'V8 rejects the test module');
  assert.ok(hb.validate(bytes));
  const module = new hb.Module(bytes);
  const v8Module = new nativeWasm.Module(bytes);
  const native = nativeWasm as unknown as { Module: { imports(m: object): unknown; exports(m: object): unknown; customSections(m: object, n: string): ArrayBuffer[] } };
  assert.deepEqual(hb.Module.imports(module), native.Module.imports(v8Module));
  assert.deepEqual(hb.Module.exports(module), native.Module.exports(v8Module));
  assert.equal(hb.Module.customSections(module, HOSTILE[11]).length, 1);
  assert.deepEqual(new Uint8Array(hb.Module.customSections(module, HOSTILE[11])[0]), new Uint8Array([1, 2, 3]));

  const calls: string[] = [];
  const make = (who: string[]) => importsFor((m, f, k) => () => {
    who.push(`${m.length}/${f.length}/${k}`);
    return 7 * (k + 1);
  });
  const v8Calls: string[] = [];
  const ours = new hb.Instance(module, make(calls)).exports;
  const theirs = new nativeWasm.Instance(v8Module, make(v8Calls)).exports;
  assert.deepEqual(Object.keys(ours), Object.keys(theirs));
  assert.deepEqual(Object.keys(ours), [...HOSTILE, 'trap (chain)']);
  HOSTILE.forEach((h, k) => {
    const f = ours[h] as (x: number) => number;
    assert.equal(typeof f, 'function', `export ${JSON.stringify(h.slice(0, 40))}`);
    assert.equal(f(5), 7 * (k + 1) + 5 + 1000 * k, `export ${JSON.stringify(h.slice(0, 40))}`);
    assert.equal((theirs[h] as (x: number) => number)(5), 7 * (k + 1) + 5 + 1000 * k);
  });
  assert.deepEqual(calls, v8Calls, 'host calls');

  // The exports object: null prototype, frozen; `__proto__` is an own property that works.
  assert.equal(Object.getPrototypeOf(ours), null);
  assert.ok(Object.isFrozen(ours));
  const proto = Object.getOwnPropertyDescriptor(ours, '__proto__');
  assert.equal(typeof proto?.value, 'function');
  assert.equal((proto!.value as (x: number) => number)(1), (theirs.__proto__ as unknown as (x: number) => number)(1));
  assert.equal(typeof ours.constructor, 'function');
  assert.equal(globalThis.pwned, undefined);
});

test('hostile names: a trap\'s stack trace lists them without breaking', () => {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  try {
    const module = new hb.Module(hostileModule());
    const ex = new hb.Instance(module, importsFor(() => () => 0)).exports;
    let caught: unknown;
    try {
      (ex['trap (chain)'] as () => void)();
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof hb.RuntimeError, `threw ${String(caught)}`);
    assert.equal(caught.message, 'unreachable');
    assert.equal(caught.kind, 'unreachable');
    const stack = String(caught.stack);
    assert.ok(stack.startsWith('RuntimeError: unreachable'), stack.slice(0, 200));
    assert.ok((stack.match(/\(wasm function \d+\)/g) ?? []).length >= 20, 'wasm frames in the stack trace');
    // The innermost frame names the last link of the chain by its name-section name.
    const n = HOSTILE.length;
    const last = HOSTILE[(2 * n + n - 1 + 2) % n];
    assert.ok(stack.includes(`${last} (wasm function ${3 * n - 1})`), 'innermost frame');
    assert.equal(globalThis.pwned, undefined);
  } finally {
    Error.stackTraceLimit = saved;
  }
});

test('hostile names in memory, table and global exports, layout text and SVG', () => {
  const bytes = hostileStorageModule();
  const ours = new hb.Instance(new hb.Module(bytes)).exports;
  const theirs = new nativeWasm.Instance(new nativeWasm.Module(bytes)).exports;
  assert.deepEqual(Object.keys(ours), Object.keys(theirs));
  assert.ok(Object.getOwnPropertyDescriptor(ours, '__proto__')?.value instanceof hb.Memory);
  assert.ok(ours.constructor instanceof hb.Table);
  const g = Object.values(ours)[2] as hb.Global;
  assert.equal(g.value, 16);
  const grow = Object.values(ours)[3] as () => number;
  assert.equal(grow(), 1);
  const report = hb.inspect(bytes);
  const svg = hb.renderSvg(report);
  assert.ok(!/<script|onload=/i.test(svg), 'unescaped markup in the SVG');
  // Terminal output: the module name's escape sequences (C0 and C1 controls) are shown, not sent.
  const text = hb.renderText(report, { color: false });
  assert.ok(text.includes('Memory layout of'), text.slice(0, 100));
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text), `control characters in ${JSON.stringify(text.slice(0, 200))}`);
  assert.equal(globalThis.pwned, undefined);
});

// ---- reach ----

test('imports are read exactly as V8 reads them; extra properties are never touched', () => {
  const bytes = hostileModule();
  const record = (log: string[]): Record<string, Record<string, unknown>> => {
    const base = importsFor((_, __, k) => () => k);
    const wrap = (o: object, path: string): object => new Proxy(o, {
      get(t, key, r) {
        log.push(`get ${path}${String(key).slice(0, 30)}`);
        const v = Reflect.get(t, key, r);
        return typeof v === 'object' && v !== null ? wrap(v, `${path}${String(key).slice(0, 30)}.`) : v;
      },
      has(t, key) {
        log.push(`has ${path}${String(key).slice(0, 30)}`);
        return Reflect.has(t, key);
      },
      ownKeys(t) {
        log.push(`ownKeys ${path}`);
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, key) {
        log.push(`getOwnPropertyDescriptor ${path}${String(key).slice(0, 30)}`);
        return Reflect.getOwnPropertyDescriptor(t, key);
      },
    });
    // Extra namespaces and fields that must not be read.
    for (const ns of Object.values(base)) Object.defineProperty(ns, 'unused field', { get: () => { log.push('EXTRA FIELD'); return 1; }, enumerable: true });
    Object.defineProperty(base, 'extra', { get: () => { log.push('EXTRA'); return {}; }, enumerable: true });
    return wrap(base, '') as Record<string, Record<string, unknown>>;
  };
  const ours: string[] = [];
  const theirs: string[] = [];
  new hb.Instance(new hb.Module(bytes), record(ours));
  new nativeWasm.Instance(new nativeWasm.Module(bytes), record(theirs));
  assert.ok(!ours.includes('EXTRA') && !ours.includes('EXTRA FIELD'));
  assert.deepEqual(ours, theirs);
});

test('while exports run, sensitive globals are not touched', () => {
  const watched = ['process', 'require', 'module', 'exports', 'eval', 'fetch', 'setTimeout', 'setInterval', 'setImmediate',
    'queueMicrotask', 'WebAssembly', 'Buffer', 'global', 'globalThis', 'pwned', 'SharedArrayBuffer', 'WeakRef', 'Proxy', 'import'];
  const modules = [hostileModule(), hostileStorageModule(), ...Array.from({ length: 30 }, (_, i) => generateModule(mixSeed(99, i)).bytes)];
  // Compile and instantiate first (the runtime may use anything there); then watch the calls.
  const instances = modules.map((bytes, i) => {
    const m = new hb.Module(bytes);
    const imports = i === 0 ? importsFor((_, __, k) => () => k) : stubImports(bytes);
    try {
      const exports = new hb.Instance(m, imports).exports;
      return { exports, args: new Map(Object.keys(exports).map((k) => [k, argsFor(bytes, k)])) };
    } catch {
      return null; // e.g. an active segment out of bounds
    }
  });
  const touched: string[] = [];
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const G = globalThis as Record<string, unknown>; // (the identifier `globalThis` is watched too)
  const { defineProperty, getOwnPropertyDescriptor } = Object;
  for (const name of watched) {
    const d = getOwnPropertyDescriptor(G, name);
    if (d && !d.configurable) continue;
    saved.set(name, d);
    const value = d ? ('value' in d ? d.value : d.get?.call(G)) : undefined;
    defineProperty(G, name, { get: () => { touched.push(name); return value; }, set: () => { touched.push(`set ${name}`); }, configurable: true });
  }
  let calls = 0;
  try {
    for (const inst of instances) {
      if (!inst) continue;
      const ex = inst.exports;
      for (const [k, f] of Object.entries(ex)) {
        if (typeof f !== 'function' || k === 'hangLimitInitializer') continue;
        (ex.hangLimitInitializer as (() => void) | undefined)?.();
        try {
          f(...inst.args.get(k)!);
        } catch {
          // traps
        }
        calls++;
      }
    }
  } finally {
    for (const [name, d] of saved) {
      if (d) defineProperty(G, name, d);
      else delete G[name];
    }
  }
  assert.ok(calls > 100, `only ${calls} calls`);
  assert.deepEqual(touched, []);
});

/** Imports satisfying one of the generator's modules (functions, memory, table, globals). */
function stubImports(bytes: Uint8Array): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const imp of parseModule(bytes).imports) {
    const ns = (out[imp.module] ??= {});
    if (imp.kind === 'func') {
      const r = imp.type.results[0];
      ns[imp.name] = () => (r === undefined ? undefined : r === 'i64' ? 0n : r === 'externref' ? { extern: true } : r === 'funcref' ? null : 0);
    } else if (imp.kind === 'memory') ns[imp.name] = new hb.Memory({ initial: imp.limits.min, ...(imp.limits.max === undefined ? {} : { maximum: imp.limits.max }) });
    else if (imp.kind === 'table') {
      ns[imp.name] = new hb.Table({ element: imp.element === 'funcref' ? 'anyfunc' : 'externref', initial: imp.limits.min,
        ...(imp.limits.max === undefined ? {} : { maximum: imp.limits.max }) }, null);
    } else {
      const t = imp.global.type;
      const v = t === 'i64' ? 0n : t === 'funcref' || t === 'externref' ? null : 0;
      ns[imp.name] = imp.global.mutable ? new hb.Global({ value: t === 'funcref' ? 'anyfunc' : t, mutable: true }, v) : v;
    }
  }
  return out;
}

/** Arguments of the right types for an exported function. */
function argsFor(bytes: Uint8Array, exportName: string): unknown[] {
  const info = parseModule(bytes);
  const e = info.exports.find((x) => x.name === exportName);
  const type = e ? info.funcs[e.index] : undefined;
  return (type?.params ?? []).map((t, i) => (t === 'i64' ? BigInt(i + 1) : t === 'funcref' || t === 'externref' ? null : i + 1));
}

// A trap's stack trace (function names from the name section) and a LinkError (import names)
// reached stderr raw: ESC sequences in a name could recolour the terminal or set its title.
test('heapbase run prints names from a module without their control characters', () => {
  const evil = 'x\x1b[31mRED\x1b]0;title\x07\u009b2J';
  const sub = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
  const trapping = concat([HEADER, section(1, [1, 0x60, 0, 0]), section(3, [1, 0]), section(7, [1, ...encodeName('f'), 0, 0]),
    section(10, [1, ...body([0], [0x00])]), section(0, [...encodeName('name'), ...sub(1, [1, 0, ...encodeName(evil)])])]);
  const importing = concat([HEADER, section(1, [1, 0x60, 0, 0]), section(2, [1, ...encodeName(evil), ...encodeName(evil), 0, 0])]);
  const dir = mkdtempSync(join(tmpdir(), 'heapbase-sandbox-'));
  try {
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    for (const [name, bytes, args] of [['trap.wasm', trapping, ['--invoke', 'f']], ['link.wasm', importing, []]] as const) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const r = spawnSync(process.execPath, [cli, 'run', file, ...args], { encoding: 'utf8', timeout: 30_000 });
      assert.notEqual(r.status, 0);
      assert.ok(r.stderr.includes('RED'), `${name}: ${JSON.stringify(r.stderr)}`);
      assert.ok(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(r.stderr), `${name}: control characters in ${JSON.stringify(r.stderr)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
