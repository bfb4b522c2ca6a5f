// The persistent code cache (src/compile/code-cache.ts): a second Module of the same bytes runs
// the cached code; corrupt, truncated and foreign entries are ignored and rewritten; the CLI and
// HEAPBASE_CACHE write entries when the process exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, Module } from '../../src/index.js';
import { codeCacheAt } from '../../src/compile/code-cache.js';
import { lazyCompilation } from '../../src/compile/module.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const program = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(root, 'bench/programs', `${name}.wasm`)));
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'heapbase-cache-'));
process.on('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let dirs = 0;
const cacheDir = (): string => path.join(tmpRoot, `c${dirs++}`);

const run = (module: Module, n: number): unknown => (new Instance(module).exports.run as (n: number) => unknown)(n);
const entryFile = (dir: string, bytes: Uint8Array): string =>
  path.join(dir, `${codeCacheAt(dir).keyOf(bytes, `lazy=${lazyCompilation.enabled}`)}.hbcache`);

/** The entry's parts, to change them in tests (the format is code-cache.ts's). */
function readEntry(file: string): { header: Record<string, unknown> & { lengths: number[] }; payload: Buffer } {
  const bytes = fs.readFileSync(file);
  const magicEnd = bytes.indexOf(0x0a) + 1;
  const headerEnd = bytes.indexOf(0x0a, magicEnd);
  return { header: JSON.parse(bytes.subarray(magicEnd, headerEnd).toString()), payload: bytes.subarray(headerEnd + 1) };
}

function writeEntry(file: string, header: Record<string, unknown>, payload: Buffer): void {
  const magic = fs.readFileSync(file).subarray(0, fs.readFileSync(file).indexOf(0x0a) + 1);
  fs.writeFileSync(file, Buffer.concat([magic, Buffer.from(`${JSON.stringify(header)}\n`), payload]));
}

test('a second Module of the same bytes uses the entry the first one left, which then holds what ran', () => {
  const dir = cacheDir();
  const cache = codeCacheAt(dir);
  const bytes = program('embedded');
  const expected = run(new Module(bytes), 40);

  const first = new Module(bytes, { cache: dir });
  assert.equal(cache.lastMiss, 'absent');
  assert.equal(run(first, 40), expected);
  cache.flush();
  const file = entryFile(dir, bytes);
  const afterFirst = readEntry(file);
  assert.equal(afterFirst.header.v8CacheAfterRun, false, 'functions compiled lazily were written into the source');
  assert.ok(afterFirst.header.lengths[2] > 0, 'with V8\'s cache of it');

  const second = new Module(bytes, { cache: dir });
  assert.equal(cache.lastMiss, null, 'found and checked');
  assert.equal(run(second, 40), expected);
  cache.flush();
  const afterSecond = readEntry(file);
  assert.equal(afterSecond.header.v8CacheAfterRun, true, 'V8\'s cache made after the run replaces it');

  const third = new Module(bytes, { cache: dir });
  assert.equal(run(third, 40), expected);
  const before = fs.readFileSync(file);
  cache.flush();
  assert.deepEqual(fs.readFileSync(file), before, 'a complete entry is not written again');
});

test('the cached code is what runs: an entry changed with matching hashes changes the result', () => {
  // The cache trusts an entry whose hashes check (its directory must be as private as
  // node_modules): this shows that a hit runs the cached source instead of generating code.
  const dir = cacheDir();
  const cache = codeCacheAt(dir);
  const bytes = program('calls');
  const expected = run(new Module(bytes, { cache: dir }), 3);
  cache.flush();
  const file = entryFile(dir, bytes);
  const { header, payload } = readEntry(file);
  const [factsLength, sourceLength] = header.lengths;
  const source = payload.subarray(factsLength, factsLength + sourceLength).toString();
  const runIndex = new Module(bytes).ir.exports.find((e) => e.name === 'run')!.index;
  const changed = source.replace(new RegExp(`^(function f${runIndex}\\(l0\\) \\{)$`, 'm'), '$1 return 12345;');
  assert.notEqual(changed, source);
  const forged = Buffer.concat([payload.subarray(0, factsLength), Buffer.from(changed)]);
  writeEntry(file, { ...header, lengths: [factsLength, Buffer.byteLength(changed), 0], sha256: createHash('sha256').update(forged).digest('hex') }, forged);
  const module = new Module(bytes, { cache: dir });
  assert.equal(cache.lastMiss, null);
  assert.notEqual(expected, 12345);
  assert.equal(run(module, 3), 12345);
});

test('corrupt, truncated and foreign entries are ignored, the module compiled anew and the entry rewritten', () => {
  const dir = cacheDir();
  const cache = codeCacheAt(dir);
  const bytes = program('sort');
  const other = program('calls');
  const expected = run(new Module(bytes), 1);
  run(new Module(bytes, { cache: dir }), 1);
  run(new Module(other, { cache: dir }), 1);
  cache.flush();
  const file = entryFile(dir, bytes);
  const good = fs.readFileSync(file);

  const damage: [string, (b: Buffer) => Buffer, 'corrupt' | 'stale'][] = [
    ['one payload byte flipped', (b) => { const c = Buffer.from(b); c[c.length - 10] ^= 0x40; return c; }, 'corrupt'],
    ['truncated', (b) => b.subarray(0, b.length - 100), 'corrupt'],
    ['the magic changed', (b) => { const c = Buffer.from(b); c[0] ^= 1; return c; }, 'corrupt'],
    ['empty', () => Buffer.alloc(0), 'corrupt'],
    ['another module\'s entry under this key', () => fs.readFileSync(entryFile(dir, other)), 'stale'],
  ];
  for (const [what, change, miss] of damage) {
    fs.writeFileSync(file, change(good));
    const module = new Module(bytes, { cache: dir });
    assert.equal(cache.lastMiss, miss, what);
    assert.equal(run(module, 1), expected, what);
    cache.flush();
    new Module(bytes, { cache: dir });
    assert.equal(cache.lastMiss, null, `${what}: rewritten at exit`);
  }
});

test('the cache changes nothing for invalid modules and bad options', () => {
  const dir = cacheDir();
  const invalid = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x6a]);
  assert.throws(() => new Module(invalid, { cache: dir }), { name: 'CompileError' });
  codeCacheAt(dir).flush();
  assert.equal(fs.existsSync(dir), false, 'nothing written');
  assert.throws(() => new Module(program('sort'), { cache: '' as string }), TypeError);
});

test('heapbase run --cache and HEAPBASE_CACHE write the entry when the process exits; the next run gives the same output', () => {
  const cli = path.join(root, 'dist/src/cli/main.js');
  const dir = cacheDir();
  const wasm = path.join(root, 'bench/programs/wasi_prog.wasm');
  const runs = [0, 1].map(() => spawnSync(process.execPath, [cli, 'run', '--cache', dir, wasm, '2000'], { encoding: 'utf8' }));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  assert.equal(runs[1].stdout, runs[0].stdout);
  assert.ok(runs[0].stdout.length > 0);
  assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.hbcache')).length, 1);

  const envDir = cacheDir();
  const script = `import(${JSON.stringify(path.join(root, 'dist/src/index.js'))}).then((h) => {
    const m = new h.Module(require('fs').readFileSync(${JSON.stringify(path.join(root, 'bench/programs/calls.wasm'))}));
    console.log(new h.Instance(m).exports.run(3));
  })`;
  const viaEnv = [0, 1].map(() => spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, HEAPBASE_CACHE: envDir } }));
  for (const r of viaEnv) assert.equal(r.status, 0, r.stderr);
  assert.equal(viaEnv[1].stdout, viaEnv[0].stdout);
  assert.equal(fs.readdirSync(envDir).filter((f) => f.endsWith('.hbcache')).length, 1);
});
