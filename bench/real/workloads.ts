// Real programs for the benchmark: published npm packages (dev dependencies, the same ones
// test/compat/runner.ts checks), each driven through its own unchanged glue. A workload has two
// parts: `load` (import the glue, which compiles and instantiates its Wasm module, plus any setup
// the package needs once) and `run` (the CPU part, repeatable on the same loaded instance; it
// passes every output to `record`, and must give the same outputs every time it runs). Input data
// the workload makes in JS (`input`) is made before the clock starts.
import { createRequire } from 'node:module';
import { typescriptSource } from '../../test/helpers/typescript-source.js';

const require = createRequire(import.meta.url);

export type Record_ = (value: unknown) => void;

export interface RealWorkload {
  name: string;
  /** What the run part does, for the table (full size). */
  what: string;
  whatQuick: string;
  /** Input made in JS before timing starts, passed to load. */
  input?(quick: boolean): unknown;
  load(quick: boolean, input: any): Promise<unknown>;
  run(ctx: any, record: Record_, quick: boolean): void | Promise<void>;
}

/** Deterministic pseudo-random bytes in 'A'..'h' (as in the compat runner). */
export const bytes = (n: number, seed: number): Uint8Array => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = ((x >>> 16) % 40) + 65;
  }
  return out;
};

/** Deterministic English-like text: words from a small vocabulary with a skewed distribution. */
export const prose = (words: number, seed: number): string => {
  const vocab = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'and', 'a', 'heap', 'of', 'memory', "isn't", 'wasm', 'runs', 'in', 'node', 'with', 'bytes', 'Pages', 'GROW', 'table', 'global',
    'interpreter', 'compression', 'benchmark', 'séance', 'naïve', 'über', '3.14159', '2026', 'Δx', '—', '“quoted”', 'emoji🎉', 'tab\tsep', 'CamelCase', 'snake_case', 'x86-64'];
  let x = seed;
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const r = (x >>> 8) % 1000;
    parts.push(vocab[Math.floor(Math.sqrt((r * vocab.length * vocab.length) / 1000))]!, (x & 15) === 0 ? '.\n' : (x & 7) === 1 ? ', ' : ' ');
  }
  return parts.join('');
};

/** Compressor input: mostly text (prose, and a CSV-like table) with some incompressible runs. */
const compressible = (size: number, seed: number): Uint8Array => {
  const out = new Uint8Array(size);
  const text = Buffer.from(prose(Math.ceil(size / 9), seed));
  const noise = bytes(size, seed + 1);
  let o = 0;
  let row = 0;
  let t = 0;
  while (o < size) {
    const kind = row % 10;
    let chunk: Uint8Array;
    if (kind < 6) { chunk = text.subarray(t, t + 4096); t = (t + 4096) % Math.max(1, text.length - 4096); }
    else if (kind < 9) chunk = Buffer.from(Array.from({ length: 60 }, (_, i) => `${row},${(row * 7919 + i) % 100003},${Math.sin(row + i).toFixed(6)}\n`).join(''));
    else chunk = noise.subarray(o, o + 2048);
    const n = Math.min(chunk.length, size - o);
    out.set(chunk.subarray(0, n), o);
    o += n;
    row++;
  }
  return out;
};

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export const WORKLOADS: RealWorkload[] = [
  {
    name: 'wasmoon',
    what: 'Lua 5.4: fib(27), sort 100k strings, gsub/format',
    whatQuick: 'Lua 5.4: fib(22), sort 10k strings',
    async load() {
      const { LuaFactory } = require('wasmoon');
      return new LuaFactory().createEngine();
    },
    async run(lua, record, quick) {
      const [fibN, n] = quick ? [22, 10_000] : [27, 100_000];
      await lua.doString(`
        local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
        local t = {}
        for i = 1, ${n} do t[i] = string.format('%06d:%s', (i * 7919) % ${n}, string.rep('ab', i % 5)) end
        table.sort(t, function(a, b) return a > b end)
        local text = table.concat(t, ' ', 1, ${n / 4})
        local sum, count = 0, 0
        for w in text:gmatch('%d+') do sum = sum + tonumber(w); count = count + 1 end
        local replaced, reps = text:gsub('(%d)(%d):', '%2%1;')
        local upper = 0
        for i = 1, #replaced, 97 do upper = upper + replaced:byte(i) end
        local hist = {}
        for i = 1, ${n} do local k = t[i]:sub(-3); hist[k] = (hist[k] or 0) + 1 end
        local keys = {} for k in pairs(hist) do keys[#keys + 1] = k end
        table.sort(keys)
        local h = {} for _, k in ipairs(keys) do h[#h + 1] = k .. '=' .. hist[k] end
        result = { fib = fib(${fibN}), first = t[1], last = t[#t], mid = t[${n / 2}], count = count, sum = sum, reps = reps, upper = upper, hist = table.concat(h, ',') }`);
      const r = lua.global.get('result');
      record([r.fib, r.first, r.last, r.mid, r.count, r.sum, r.reps, r.upper, r.hist]);
    },
  },
  {
    name: 'quickjs-emscripten',
    what: 'QuickJS: fib(25), sort 30k objects, JSON, regexps',
    whatQuick: 'QuickJS: fib(18), sort 3k objects, JSON',
    async load() {
      const { getQuickJS } = require('quickjs-emscripten');
      return (await getQuickJS()).newContext();
    },
    run(vm, record, quick) {
      const [fibN, n] = quick ? [18, 3_000] : [25, 30_000];
      const result = vm.evalCode(`(() => {
        const fib = (n) => n < 2 ? n : fib(n - 1) + fib(n - 2);
        const rows = Array.from({ length: ${n} }, (_, i) => ({ id: i, key: 'k' + ((i * 7919) % ${n}), v: Math.sin(i), tags: [i % 3, i % 7] }));
        rows.sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id);
        const json = JSON.stringify(rows);
        const back = JSON.parse(json);
        let acc = 0; for (const r of back) acc = (acc * 31 + r.id + r.tags[1]) % 1000000007;
        const words = json.match(/k\\d+/g).length;
        const m = new Map(); for (const r of rows) m.set(r.key.slice(0, 3), (m.get(r.key.slice(0, 3)) || 0) + r.v);
        const sums = [...m.entries()].sort().map(([k, v]) => k + ':' + v.toFixed(9)).join(',');
        return JSON.stringify({ fib: fib(${fibN}), first: rows[0], last: rows[rows.length - 1], acc, words, sums, len: json.length });
      })()`);
      record(vm.dump(vm.unwrapResult(result)));
    },
  },
  {
    name: 'sql.js',
    what: 'SQLite: 20k-row insert, index, 4k indexed lookups, joins',
    whatQuick: 'SQLite: 2k-row insert, index, 400 lookups',
    async load() {
      const initSqlJs = require('sql.js');
      return initSqlJs();
    },
    run(SQL, record, quick) {
      const n = quick ? 2_000 : 20_000;
      const db = new SQL.Database();
      db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL, note TEXT)');
      db.run('CREATE TABLE g (grp INTEGER PRIMARY KEY, label TEXT)');
      const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?)');
      db.run('BEGIN');
      for (let i = 0; i < n; i++) insert.run([i, 'name' + ((i * 7919) % 5000), i % 97, Math.sin(i) * 1000, 'note ' + ((i * 31) % 1000).toString(36).repeat(1 + (i % 4))]);
      for (let g = 0; g < 97; g++) db.run('INSERT INTO g VALUES (?, ?)', [g, 'group-' + g]);
      db.run('COMMIT');
      insert.free();
      db.run('CREATE INDEX t_name ON t (name)');
      db.run('CREATE INDEX t_grp_v ON t (grp, v)');
      const lookup = db.prepare('SELECT count(*), sum(v), min(id) FROM t WHERE name = ?');
      let acc = 0;
      for (let i = 0; i < n / 5; i++) {
        lookup.bind(['name' + ((i * 104729) % 5000)]);
        lookup.step();
        const [c, s, m] = lookup.get();
        acc = (acc * 31 + (c as number) * 7 + Math.round((s as number) ?? 0) + ((m as number) ?? 0)) % 1_000_000_007;
        lookup.reset();
      }
      lookup.free();
      record(acc);
      record(db.exec('SELECT g.label, count(*), round(sum(t.v), 6), max(t.note) FROM t JOIN g USING (grp) GROUP BY g.label ORDER BY g.label'));
      record(db.exec('SELECT name, count(*) AS c FROM t GROUP BY name ORDER BY c DESC, name LIMIT 20'));
      record(db.exec('SELECT id, v FROM t WHERE grp = 13 AND v > 500 ORDER BY v LIMIT 50'));
      record(db.exec("UPDATE t SET v = v * 2 WHERE note LIKE '%a%'; SELECT total(v), count(*) FROM t WHERE note LIKE '%a%'"));
      record(db.export());
      db.close();
    },
  },
  {
    name: '@bokuweb/zstd-wasm',
    what: 'zstd: compress 8 MiB (level 6) and decompress',
    whatQuick: 'zstd: 1 MiB',
    input: (quick) => compressible(quick ? 1 << 20 : 8 << 20, 5),
    async load(_quick, data) {
      const zstd = require('@bokuweb/zstd-wasm');
      await zstd.init();
      return { zstd, data };
    },
    run({ zstd, data }, record) {
      const packed: Uint8Array = zstd.compress(data, 6);
      record(packed);
      record(equalBytes(zstd.decompress(packed), data));
    },
  },
  {
    name: 'brotli-wasm',
    what: 'brotli: compress 4 MiB (quality 6) and decompress',
    whatQuick: 'brotli: 512 KiB',
    input: (quick) => compressible(quick ? 512 << 10 : 4 << 20, 4),
    async load(_quick, data) {
      const brotli = await require('brotli-wasm');
      return { brotli, data };
    },
    run({ brotli, data }, record) {
      const packed: Uint8Array = brotli.compress(data, { quality: 6 });
      record(packed);
      record(equalBytes(brotli.decompress(packed), data));
    },
  },
  {
    name: 'hash-wasm',
    what: 'md5, sha1, sha256, sha512, sha3, blake2b, blake3, xxhash64, crc32 of 16 MiB',
    whatQuick: '9 hashes of 2 MiB',
    input: (quick) => bytes(quick ? 2 << 20 : 16 << 20, 1),
    async load(_quick, data) {
      const h = await import('hash-wasm');
      // create every hasher once (compiles and instantiates each module)
      await Promise.all([h.createMD5(), h.createSHA1(), h.createSHA256(), h.createSHA512(), h.createSHA3(), h.createBLAKE2b(), h.createBLAKE3(), h.createXXHash64(), h.createCRC32()]);
      return { h, data };
    },
    async run({ h, data }, record) {
      for (const f of ['md5', 'sha1', 'sha256', 'sha512', 'sha3', 'blake2b', 'blake3', 'xxhash64', 'crc32']) record(await h[f](data));
    },
  },
  {
    name: 'tiktoken',
    what: 'cl100k_base: encode + decode 1 MB of text',
    whatQuick: 'cl100k_base: 100 kB',
    input: (quick) => prose(quick ? 15_000 : 150_000, 3).slice(0, quick ? 100_000 : 1_000_000),
    async load(_quick, text) {
      const { get_encoding } = require('tiktoken');
      return { enc: get_encoding('cl100k_base'), text };
    },
    run({ enc, text }, record) {
      const tokens: Uint32Array = enc.encode(text);
      record(tokens);
      record(new TextDecoder().decode(enc.decode(tokens)) === text);
    },
  },
  {
    name: '@swc/wasm',
    what: 'swc (18 MB module): TS→ES5 + TS→ES2020 + minify, 3,000 lines',
    whatQuick: 'swc: 300 lines',
    async load() {
      return require('@swc/wasm');
    },
    run(swc, record, quick) {
      const source = typescriptSource(quick ? 20 : 200);
      const es5 = swc.transformSync(source, { jsc: { parser: { syntax: 'typescript' }, target: 'es5' }, module: { type: 'commonjs' } });
      record(es5.code);
      const es2020 = swc.transformSync(source, { jsc: { parser: { syntax: 'typescript' }, target: 'es2020' }, sourceMaps: true });
      record(es2020.code);
      record(es2020.map);
      const minified = swc.minifySync(es2020.code, { compress: true, mangle: true, module: true });
      record(minified.code);
    },
  },
];
