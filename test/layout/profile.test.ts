// The run-time memory profile (option memoryProfile, layout/profile.ts) and byte-exact memories
// (option memory: <bytes>). The C programs in test/fixtures/profile print their own heap peak:
// allocs.c from its own allocator, dlmalloc.c from the blocks wasi-libc's malloc gave it. The
// profile must find the same figure, and the link options it suggests (build.sh linked
// P_relinked.wasm with them) must make the program run, with the same output, in exactly the
// trimmed size it predicts, and trap in one byte less.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI as NodeWASI } from 'node:wasi';
import wabtInit from 'wabt';
import { Instance, Module, RuntimeError, inspect, type InstanceOptions } from '../../src/index.js';
import { decodeModule } from '../../src/binary/decode.js';
import { generateModuleSource } from '../../src/compile/module.js';
import { validateModule } from '../../src/validate/index.js';
import { WASI } from '../../src/wasi/index.js';

interface NativeWasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const native = (globalThis as unknown as { WebAssembly: NativeWasm }).WebAssembly;

const dir = fileURLToPath(new URL('../../../test/fixtures/profile/', import.meta.url));
const fixture = (name: string): Uint8Array => readFileSync(join(dir, name));
const wabt = await wabtInit();
const wat = (text: string): Uint8Array => {
  const parsed = wabt.parseWat('t.wat', text, { bulk_memory: true });
  try {
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
};

interface Run { stdout: string; instance: Instance; error: unknown }

/** Runs a WASI fixture under heapbase with stdout captured. */
function runWasi(name: string, options: InstanceOptions): Run {
  const tmp = mkdtempSync(join(tmpdir(), 'hb-profile-'));
  const out = openSync(join(tmp, 'out'), 'w+');
  try {
    const wasi = new WASI({ args: [name], stdout: out, returnOnExit: true });
    const instance = new Instance(new Module(fixture(name)), wasi.getImportObject(), options);
    let error: unknown = null;
    try {
      wasi.start(instance);
    } catch (e) {
      error = e;
    }
    return { stdout: readFileSync(join(tmp, 'out'), 'utf8'), instance, error };
  } finally {
    closeSync(out);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The reference output: Node's own WebAssembly and node:wasi, once per fixture. The file stays
 * open: node:wasi (uvwasi) closes the descriptors it was given when it is collected, and closing
 * one here first lets that second close hit a descriptor reused since.
 */
const runNode = (() => {
  const outputs = new Map<string, string>();
  return (name: string): string => {
    let output = outputs.get(name);
    if (output === undefined) {
      const file = join(mkdtempSync(join(tmpdir(), 'hb-profile-node-')), 'out');
      const wasi = new NodeWASI({ version: 'preview1', args: [name], stdout: openSync(file, 'w+'), returnOnExit: true });
      const instance = new native.Instance(new native.Module(fixture(name)), wasi.getImportObject());
      wasi.start(instance as never);
      outputs.set(name, output = readFileSync(file, 'utf8'));
    }
    return output;
  };
})();

const reportedPeak = (stdout: string): number => Number(/(\d+) bytes above __heap_base/.exec(stdout)![1]);

/** Per program: how many bytes the allocator's bookkeeping may add above the program's own peak. */
const programs = [
  { name: 'allocs', bookkeeping: 0 },
  // dlmalloc writes the next chunk's header (8 bytes, after padding to 8) above the last block
  { name: 'dlmalloc', bookkeeping: 16 },
];

for (const { name, bookkeeping } of programs) {
  for (const file of [`${name}.wasm`, `${name}.stripped.wasm`]) {
    test(`memory profile of ${file}: the heap high-water mark is the program's own peak`, () => {
      const run = runWasi(file, { memoryProfile: true });
      assert.equal(run.error, null);
      assert.equal(run.stdout, runNode(`${name}.wasm`));
      const peak = reportedPeak(run.stdout);
      assert.ok(peak > 600_000, `the program allocates ${peak} bytes`);
      const profile = run.instance.memoryProfile();
      assert.equal(run.instance.stats.heapHighWater, profile.heapHighWater);
      const extra = profile.heapHighWater! - peak;
      assert.ok(extra >= 0 && extra <= bookkeeping, `profile ${profile.heapHighWater}, program ${peak}`);
      // every page the allocator added is logged, from the one function that grows the memory
      assert.ok(profile.grows.length >= 8);
      assert.equal(new Set(profile.grows.map((g) => g.funcIndex)).size, 1);
      assert.deepEqual(profile.grows.map((g) => g.result), profile.grows.map((_, i) => 2 + i));
      assert.equal(profile.pages, 2 + profile.grows.length);
      assert.ok(profile.stackPeak! > 0 && profile.stackPeak! < 8192);
      if (name === 'dlmalloc') {
        // dlmalloc's marker at the end of its memory, far above the heap in use
        assert.deepEqual(profile.endMarker, { end: profile.allocatedBytes - 48, bytesBeforeMemoryEnd: 48 });
        assert.equal(profile.highestWrite, profile.allocatedBytes - 48);
      } else {
        assert.equal(profile.endMarker, null);
        assert.equal(profile.highestWrite, profile.heapStart! + peak);
      }
    });
  }

  test(`the suggested link options make ${name}.c run trimmed to the predicted size, with the same output`, () => {
    const profile = runWasi(`${name}.wasm`, { memoryProfile: true }).instance.memoryProfile();
    // build.sh linked the relinked module with what the profile suggests: still the same options
    assert.equal(profile.linkOptions.join(' '), readFileSync(join(dir, `${name}_relinked.options`), 'utf8').trim());
    const predicted = profile.neededBytes!;
    assert.ok(predicted < profile.neededAsLinked && profile.neededAsLinked <= profile.allocatedBytes);

    const relinked = `${name}_relinked.wasm`;
    const trimmed = runWasi(relinked, { memory: predicted, memoryProfile: true });
    assert.equal(trimmed.error, null);
    assert.equal(trimmed.stdout, runNode(`${name}.wasm`));
    assert.equal(trimmed.instance.memory!.size, predicted);
    assert.equal(trimmed.instance.layout.trimmed, true);
    // it used every byte: the highest write is the memory's last byte, and one byte less traps
    assert.equal(trimmed.instance.memoryProfile().highestWrite, predicted);
    const short = runWasi(relinked, { memory: predicted - 1 });
    assert.ok(short.error instanceof RuntimeError);
    assert.match((short.error as Error).message, /out of bounds memory access/);

    // and the original module runs in exactly what it needed as linked
    const asLinked = runWasi(`${name}.wasm`, { memory: profile.neededAsLinked });
    assert.equal(asLinked.error, null);
    assert.equal(asLinked.stdout, trimmed.stdout);
  });
}

test('without the option, instances run the usual code: no profile, and the generated source is unchanged', () => {
  const bytes = fixture('allocs.wasm');
  const ir = decodeModule(bytes);
  const facts = validateModule(ir);
  const usual = generateModuleSource(ir, facts, { stackPointerGlobal: 0 });
  assert.equal(generateModuleSource(ir, facts, { stackPointerGlobal: 0, memoryProfile: false }), usual);
  assert.doesNotMatch(usual, /heapTop|profiledGrow|\bpa = /);
  const profiled = generateModuleSource(ir, facts, { stackPointerGlobal: 0, memoryProfile: true });
  assert.match(profiled, /heapTop/);
  assert.match(profiled, /profiledGrow/);

  const instance = new Instance(new Module(bytes), new WASI({ returnOnExit: true }).getImportObject());
  assert.equal(instance.stats.heapHighWater, null);
  assert.throws(() => instance.memoryProfile(), TypeError);
});

const writes = wat(`(module (memory 1)
  (func (export "store") (param i32 i32) (i32.store offset=2 (local.get 0) (local.get 1)))
  (func (export "store64") (param i32) (i64.store (local.get 0) (i64.const -1)))
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 7) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);

test('the highest write: stores and bulk writes raise it to the end of what they wrote; loads, empty and trapping writes do not', () => {
  const instance = new Instance(new Module(writes), {}, { memoryProfile: true });
  const e = instance.exports as Record<string, (...args: number[]) => number>;
  const highest = (): number => instance.memoryProfile().highestWrite;
  assert.equal(highest(), 0);
  e.store(100, 1);
  assert.equal(highest(), 106);
  e.store(10, 1);
  assert.equal(highest(), 106);
  e.load(60_000);
  assert.equal(highest(), 106);
  e.store64(200);
  assert.equal(highest(), 208);
  e.fill(300, 50);
  assert.equal(highest(), 350);
  e.fill(40_000, 0);
  assert.equal(highest(), 350);
  e.copy(1000, 0, 24);
  assert.equal(highest(), 1024);
  assert.throws(() => e.store(65_534, 1), RuntimeError);
  assert.throws(() => e.fill(65_000, 1000), RuntimeError);
  assert.equal(highest(), 1024);
  // a module without a known heap start: no high-water mark, the highest write still
  assert.equal(instance.stats.heapHighWater, null);
  assert.equal(instance.memoryProfile().neededAsLinked, 1024);
});

test('memory.grow is logged with the function, the pages asked for and the result', () => {
  const instance = new Instance(new Module(writes), {}, { memoryProfile: true, maxMemoryBytes: 3 * 65536 });
  const grow = instance.exports.grow as (n: number) => number;
  assert.equal(grow(1), 1);
  assert.equal(grow(5), -1);
  assert.equal(grow(0), 2);
  const { grows } = instance.memoryProfile();
  assert.deepEqual(grows.map(({ funcIndex, delta, result }) => ({ funcIndex, delta, result })), [
    { funcIndex: 5, delta: 1, result: 1 }, { funcIndex: 5, delta: 5, result: -1 }, { funcIndex: 5, delta: 0, result: 2 },
  ]);
  assert.ok(grows.every((g, i) => g.atMs >= 0 && (i === 0 || g.atMs >= grows[i - 1].atMs)));
});

test('memory: <bytes> allocates exactly that many bytes and keeps the page arithmetic', () => {
  const module = new Module(wat(`(module (memory 2 4)
    (func (export "size") (result i32) (memory.size))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "store8") (param i32) (i32.store8 (local.get 0) (i32.const 9))))`));
  const instance = new Instance(module, {}, { memory: 70_000 });
  const e = instance.exports as Record<string, (...args: number[]) => number>;
  assert.equal(instance.memory!.size, 70_000);
  assert.equal(instance.layout.allocatedBytes, 70_000);
  assert.equal(instance.layout.policy, 'exact');
  assert.equal(e.size(), 2);
  e.store8(69_999);
  assert.equal(e.load8(69_999), 9);
  assert.throws(() => e.load8(70_000), /out of bounds memory access/);
  // growing adds pages, not bytes: the limit stays
  assert.equal(e.grow(1), 2);
  assert.equal(e.size(), 3);
  assert.throws(() => e.store8(70_000), /out of bounds memory access/);
  assert.equal(e.grow(2), -1); // past the maximum of 4 pages
  // more bytes than the initial pages have: the initial pages' bytes, until it grows
  const big = new Instance(module, {}, { memory: 200_000 });
  assert.equal(big.memory!.size, 131_072);
  assert.equal((big.exports.grow as (n: number) => number)(1), 2);
  assert.equal(big.memory!.size, 196_608);
  assert.equal((big.exports.grow as (n: number) => number)(1), 3);
  assert.equal(big.memory!.size, 200_000);
  assert.throws(() => new Instance(module, {}, { memory: -1 }), TypeError);
  assert.throws(() => new Instance(module, {}, { memory: 1.5 }), TypeError);
});

test("wasi-libc's sbrk is recognised by its code in a stripped module, and an allocator of another shape is not", () => {
  const growers = (file: string): { funcName: string | null; recognisedAs: string | null }[] =>
    inspect(fixture(file)).blockers.filter((b) => b.op === 'memory.grow').map(({ funcName, recognisedAs }) => ({ funcName, recognisedAs }));
  assert.deepEqual(growers('dlmalloc.wasm'), [{ funcName: 'sbrk', recognisedAs: null }]);
  assert.deepEqual(growers('dlmalloc.stripped.wasm'), [{ funcName: null, recognisedAs: 'sbrk' }]);
  assert.deepEqual(growers('allocs.stripped.wasm'), [{ funcName: null, recognisedAs: null }]);
  const profile = runWasi('dlmalloc.stripped.wasm', { memoryProfile: true }).instance.memoryProfile();
  assert.ok(profile.grows.length > 0 && profile.grows.every((g) => g.funcName === null && g.recognisedAs === 'sbrk'));
});
