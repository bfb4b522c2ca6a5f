// Rust's output (test/fixtures/rust, built by its build.sh with Debian's rustc for
// wasm32-unknown-unknown): stack first with rustc's 1 MiB stack, __data_end and __heap_base
// exported. Stripped of names, the layout must come out the same from the code; the memory
// profile's stack size must fit a module relinked smaller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Instance, Module, RuntimeError, inspect, type LayoutReport } from '../../src/index.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/rust/', import.meta.url));
const fixture = (name: string): Uint8Array => readFileSync(join(dir, name));

interface NativeWasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const native = (globalThis as unknown as { WebAssembly: NativeWasm }).WebAssembly;

test('Rust, stripped: the stack pointer from the code, and the same layout as the named module', () => {
  const named = inspect(fixture('frames.wasm'));
  const stripped = inspect(fixture('frames.stripped.wasm'));
  assert.equal(named.stackPointer?.name, '__stack_pointer');
  assert.equal(stripped.stackPointer?.name, null);
  assert.match(stripped.evidence.stackPointer ?? '', /from the prologue/);
  const same = (r: LayoutReport): unknown => ({
    ...r, moduleName: null, evidence: { ...r.evidence, stackPointer: null }, stackPointer: r.stackPointer && { ...r.stackPointer, name: null },
  });
  assert.deepEqual(same(stripped), same(named));
  // rustc's layout: the stack first, 1 MiB, then the data, trimmed to __heap_base
  assert.equal(named.stackFirst, true);
  assert.deepEqual(named.stack, { start: 0, end: 1_048_576 });
  assert.equal(named.trimmed, true);
  assert.equal(named.allocatedBytes.auto, named.heapBase);
});

test('Rust: the profile suggests a stack that a module relinked with it runs in, trimmed, with the same results', () => {
  const instance = new Instance(new Module(fixture('frames.stripped.wasm')), {}, { memoryProfile: true });
  const depth = instance.exports.depth as (n: number) => number;
  const expected = (new native.Instance(new native.Module(fixture('frames.wasm'))).exports.depth as (n: number) => number)(20);
  assert.equal(depth(20), expected);
  const profile = instance.memoryProfile();
  assert.ok(profile.stackPeak! > 20 * 256 && profile.stackPeak! < 8192, `stack peak ${profile.stackPeak}`);
  const [stackOption] = profile.linkOptions;
  assert.equal(stackOption, `-z stack-size=${Math.ceil(profile.stackPeak! / 16) * 16}`);
  // trimmed already: no initial/max memory to suggest; relinked, the stack gives back the rest
  assert.equal(profile.linkOptions.length, 1);
  assert.equal(profile.neededBytes, instance.layout.heapBase! - 1_048_576 + Math.ceil(profile.stackPeak! / 16) * 16);

  // frames_small.wasm is linked with -zstack-size=8192: trimmed to its __heap_base, same result
  const small = new Instance(new Module(fixture('frames_small.wasm')), {});
  assert.equal(small.memory!.size, small.layout.heapBase);
  assert.ok(small.memory!.size < 8192 + 200);
  assert.equal((small.exports.depth as (n: number) => number)(20), expected);
  // and a recursion deeper than its stack leaves memory below address 0 and traps
  assert.throws(() => (small.exports.depth as (n: number) => number)(100), (e: unknown) => e instanceof RuntimeError && /stack overflow|out of bounds/.test((e as Error).message));
});
