// Child process: runs one package's real glue under one engine, prints a JSON digest of all outputs.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { WebAssembly as Heapbase } from '../../src/index.js';

const [packageName, engine] = process.argv.slice(2);
const require = createRequire(import.meta.url);
let moduleConstructed = 0;
if (engine === 'heapbase') {
  const CountingModule = new Proxy(Heapbase.Module, { construct(target, args, newTarget) { moduleConstructed++; return Reflect.construct(target, args, newTarget); } });
  const counted = (f: (...a: any[]) => any) => (...a: any[]) => { moduleConstructed++; return f(...a); };
  // the namespace's interface objects are not enumerable (WebIDL): copy every own property
  const namespace = Object.defineProperties({}, Object.getOwnPropertyDescriptors(Heapbase));
  Object.assign(namespace, { Module: CountingModule, instantiate: counted(Heapbase.instantiate), compile: counted(Heapbase.compile) });
  (globalThis as any).WebAssembly = namespace;
}
const load = (name: string): Promise<any> => import(name);
const digest = createHash('sha256');
const readable: unknown[] = [];
const record = (value: unknown, show = false) => { const text = typeof value === 'string' ? value : JSON.stringify(value, (_k, v) => typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v); digest.update(text); if (show) readable.push(text.slice(0, 60)); };
const bytes = (n: number, seed: number) => { const out = new Uint8Array(n); let x = seed; for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = (x >>> 16) % 40 + 65; } return out; };

const workloads: Record<string, () => Promise<void>> = {
  async 'hash-wasm'() {
    const h = await load('hash-wasm'); const data = bytes(1 << 20, 1);
    for (const f of ['md5', 'sha1', 'sha256', 'sha512', 'sha3', 'blake2b', 'blake3', 'xxhash64', 'crc32']) record(await h[f](data), f === 'sha256');
  },
  async 'sql.js'() {
    const initSqlJs = require('sql.js'); const SQL = await initSqlJs(); const db = new SQL.Database();
    db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v REAL)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
    db.run('BEGIN'); for (let i = 0; i < 5000; i++) insert.run([i, 'name' + (i * 7919 % 1000), Math.sin(i)]); db.run('COMMIT'); insert.free();
    record(db.exec('SELECT name, count(*), sum(v) FROM t GROUP BY name ORDER BY name LIMIT 50'));
    record(db.exec('SELECT count(*), max(v) FROM t')[0].values, true); record(db.export());
  },
  async 'tiktoken'() {
    const { get_encoding } = require('tiktoken'); const enc = get_encoding('cl100k_base');
    const text = Buffer.from(bytes(200000, 3)).toString('latin1').replace(/[A-E]/g, ' ');
    const tokens = enc.encode(text); record(Array.from(tokens)); record(tokens.length, true); record(new TextDecoder().decode(enc.decode(tokens)) === text, true); enc.free();
  },
  async 'brotli-wasm'() {
    const brotli = await require('brotli-wasm'); const data = bytes(1 << 20, 4);
    const packed = brotli.compress(data, { quality: 5 }); record(packed); record(packed.length, true); record(Buffer.from(brotli.decompress(packed)).equals(Buffer.from(data)), true);
  },
  async 'wasmoon'() {
    const { LuaFactory } = require('wasmoon'); const lua = await new LuaFactory().createEngine();
    // a Lua program: recursion, tables that grow the heap, strings, sorting with a Lua comparator
    await lua.doString(`
      local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
      local t = {} for i = 1, 20000 do t[i] = string.format('%05d:%s', (i * 7919) % 20000, string.rep('x', i % 7)) end
      table.sort(t, function(a, b) return a > b end)
      local words = {} for w in table.concat(t, ' ', 1, 2000):gmatch('%d+') do words[#words + 1] = tonumber(w) end
      result = { fib = fib(22), first = t[1], last = t[#t], count = #words, sum = 0 }
      for _, w in ipairs(words) do result.sum = result.sum + w end`);
    const r = lua.global.get('result'); record([r.fib, r.first, r.last, r.count, r.sum], true); lua.global.close();
  },
  async 'quickjs-emscripten'() {
    const { getQuickJS } = require('quickjs-emscripten'); const vm = (await getQuickJS()).newContext();
    // a JavaScript engine running a program: closures, arrays, JSON, regular expressions
    const result = vm.evalCode(`
      const fib = (n) => n < 2 ? n : fib(n - 1) + fib(n - 2);
      const rows = Array.from({ length: 5000 }, (_, i) => ({ id: i, key: 'k' + ((i * 7919) % 5000), v: Math.sin(i) }));
      rows.sort((a, b) => a.key < b.key ? -1 : 1);
      JSON.stringify({ fib: fib(20), first: rows[0], words: JSON.stringify(rows).match(/k\\d+/g).length });`);
    record(vm.dump(vm.unwrapResult(result)), true); vm.dispose();
  },
  async '@bokuweb/zstd-wasm'() {
    const zstd = require('@bokuweb/zstd-wasm'); await zstd.init(); const data = bytes(1 << 20, 5);
    const packed = zstd.compress(data, 10); record(packed); record(packed.length, true);
    record(Buffer.from(zstd.decompress(packed)).equals(Buffer.from(data)), true);
  },
};

const started = performance.now();
try {
  await workloads[packageName]!();
  console.log(JSON.stringify({ ok: true, digest: digest.digest('hex'), readable, moduleConstructed, ms: performance.now() - started }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: String((error as Error)?.stack ?? error).slice(0, 400), moduleConstructed, ms: performance.now() - started }));
}
