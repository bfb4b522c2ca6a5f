// compile() validates large modules on two threads (src/validate/parallel.ts): the facts must be
// the ones one thread finds, and an invalid or malformed module must fail as new Module does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, CompileError, Module } from '../../src/index.js';
import { decodeModule } from '../../src/binary/decode.js';
import { validateModule } from '../../src/validate/index.js';
import { validateInParallel, validatesInParallel } from '../../src/validate/parallel.js';

// the largest real module at hand: @swc/wasm's 18 MB (a dev dependency)
const swc = new Uint8Array(readFileSync(fileURLToPath(new URL('../../../node_modules/@swc/wasm/wasm_bg.wasm', import.meta.url))));

test('two threads find the facts one thread finds', async () => {
  const ir = decodeModule(swc, { deferCodeCheck: true });
  assert.ok(validatesInParallel(ir) || (await import('node:os')).availableParallelism() < 2);
  const parallel = await validateInParallel(swc, ir);
  assert.ok(parallel !== null);
  const sequential = validateModule(decodeModule(swc, { deferCodeCheck: true }));
  assert.deepEqual(parallel, sequential);
});

test('an invalid or malformed body in either half fails compile() with new Module\'s error', async () => {
  const ir = decodeModule(swc, { deferCodeCheck: true });
  const last = ir.bodies[ir.bodies.length - 1];
  const first = ir.bodies.find((b) => b.codeEnd - b.codeStart > 100)!;
  const cases: [string, (b: Uint8Array) => void][] = [
    // the body's last instruction is its `end`; an i32.add before it leaves the stack wrong or underflows
    ['invalid, last body (the worker\'s half)', (b) => { b[last.codeEnd - 1] = 0x6a; }],
    ['malformed, first large body (this thread\'s half)', (b) => { b[first.codeStart] = 0xff; }],
  ];
  for (const [what, damage] of cases) {
    const bytes = swc.slice();
    damage(bytes);
    let expected: CompileError | undefined;
    try { new Module(bytes); } catch (e) { expected = e as CompileError; }
    assert.ok(expected instanceof CompileError, `${what}: new Module rejects it`);
    await assert.rejects(compile(bytes), (e: unknown) => e instanceof CompileError && e.message === expected!.message, what);
  }
});
