// Focused tests of the validator: facts of valid modules, messages and offsets of invalid ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { bodyCode } from '../../src/binary/code.js';
import { decodeModule } from '../../src/binary/decode.js';
import { CompileError } from '../../src/runtime/errors.js';
import { validateModule, type ValidationFacts } from '../../src/validate/index.js';

const wabt = await wabtInit();
const features = { multi_value: true, bulk_memory: true, reference_types: true, sign_extension: true, sat_float_to_int: true, simd: true };

/** wat → bytes, without wabt's own validation (so invalid modules can be written as text). */
function wat(text: string): Uint8Array {
  const mod = wabt.parseWat('t.wat', text, features);
  mod.resolveNames();
  try {
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

function validate(bytes: Uint8Array): ValidationFacts {
  return validateModule(decodeModule(bytes));
}

function rejects(bytes: Uint8Array, message: RegExp, offset?: number): void {
  assert.throws(() => validate(bytes), (e: unknown) => {
    assert.ok(e instanceof CompileError, `expected CompileError, got ${String(e)}`);
    assert.match(e.message, message);
    if (offset !== undefined) assert.equal(e.offset, offset);
    return true;
  });
}

/** A module from raw section bytes: `sections` are [id, ...contents] with the size filled in. */
function binary(...sections: number[][]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const [id, ...content] of sections) out.push(id, content.length, ...content);
  return new Uint8Array(out);
}

test('facts: memory resize uses, written globals, max stack heights', () => {
  const facts = validate(wat(`(module
    (import "env" "f" (func))
    (memory 1)
    (global $a (mut i32) (i32.const 0))
    (global $b (mut i32) (i32.const 0))
    (global $c i32 (i32.const 0))
    (func (result i32) (i32.add (i32.const 1) (i32.mul (i32.const 2) (i32.const 3))))
    (func (drop (memory.size)) (drop (memory.grow (i32.const 1))) (global.set $b (i32.const 5)))
    (func (result i32) (global.get $c))
    (func (if (i32.const 0) (then (drop (memory.grow (i32.const 1)))))))`));
  assert.deepEqual(facts.maxStackHeights, [3, 1, 1, 1]);
  assert.deepEqual([...facts.writtenGlobals], [1]);
  assert.equal(facts.memoryResizeUses.length, 2);
  assert.equal(facts.memoryResizeUses[0].op, 'memory.size');
  assert.equal(facts.memoryResizeUses[0].funcIndex, 2);
  assert.equal(facts.memoryResizeUses[1].op, 'memory.grow');
  assert.equal(facts.memoryResizeUses[1].funcIndex, 4);
  assert.equal(typeof facts.memoryResizeUses[1].pos, 'number');
});

test('valid: multi-value blocks, br_table, unreachable code, references', () => {
  validate(wat(`(module
    (type $pair (func (param i32) (result i32 i64)))
    (table 2 funcref)
    (elem declare func $g)
    (func $g (param i32) (result i32 i64)
      (local.get 0)
      (block $b (type $pair) (i64.extend_i32_u (local.get 0)) (br $b)))
    (func (param i32) (result i32)
      (block $a (result i32)
        (block $b (result i32)
          (br_table $a $b $a (i32.const 7) (local.get 0)))))
    (func (result f32) (unreachable) (select) (drop) (f32.const 0))
    (func (result i32) (ref.is_null (ref.func $g)))
    (func (call_indirect (type $pair) (i32.const 0) (i32.const 1)) (drop) (drop)))`));
});

test('type mismatch names the function and the instruction offset', () => {
  const bytes = wat(`(module (func) (func (result i32) (f64.const 1)))`);
  const m = decodeModule(bytes);
  const end = bodyCode(m.bodies[1]).at(-1)!;
  rejects(bytes, /^type mismatch in function 1: expected i32, got f64/, end.pos);
});

test('index errors use the spec wording', () => {
  rejects(wat(`(module (func (local.get 3)))`), /^unknown local 3 in function 0/);
  rejects(wat(`(module (func (br 1)))`), /^unknown label in function 0/);
  rejects(wat(`(module (func (call 7)))`), /^unknown function 7/);
  rejects(wat(`(module (func (drop (global.get 0))))`), /^unknown global 0/);
  rejects(wat(`(module (func (drop (i32.load (i32.const 0)))))`), /^unknown memory 0/);
  rejects(wat(`(module (func (drop (table.size 0))))`), /^unknown table 0/);
  rejects(wat(`(module (func (elem.drop 2)))`), /^unknown elem segment 2/);
  rejects(wat(`(module (memory 1) (data "") (func (data.drop 1)))`), /^unknown data segment 1/);
});

test('module-level rules', () => {
  rejects(wat(`(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))`), /^global is immutable/);
  rejects(wat(`(module (func $f) (func (drop (ref.func $f))))`), /^undeclared function reference/);
  rejects(wat(`(module (func (export "x")) (func (export "x")))`), /^duplicate export name "x"/);
  rejects(wat(`(module (global i32 (i32.add (i32.const 0) (i32.const 1))))`), /^constant expression required/);
  rejects(wat(`(module (global (mut i32) (i32.const 0)) (global i32 (global.get 0)))`), /^unknown global 0/);
  rejects(wat(`(module (memory 2 1))`), /^size minimum must not be greater than maximum/);
  rejects(wat(`(module (memory 65537))`), /^memory size must be at most 65536 pages \(4GiB\)/);
  rejects(wat(`(module (func (param i32)) (start 0))`), /^start function/);
  rejects(wat(`(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))`), /^alignment must not be larger than natural/);
  rejects(wat(`(module (table 1 externref) (elem (i32.const 0) func 0) (func))`), /^type mismatch/);
  // Two memories: memory section with two entries.
  rejects(binary([5, 2, 0, 1, 0, 1]), /^multiple memories/);
  // A shared memory without a maximum (limits flag 2).
  rejects(binary([5, 1, 2, 1]), /^shared memory must have maximum/);
  validate(binary([5, 1, 3, 1, 2]));
});

test('custom page sizes: limits in pages of the memory\'s page size', () => {
  // Flag 8: a page-size exponent follows the limits.
  validate(binary([5, 1, 8, 0xff, 0xff, 0xff, 0xff, 0x0f, 0])); // 2^32 − 1 one-byte pages
  validate(binary([5, 1, 9, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0]));
  validate(binary([5, 1, 8, 0x80, 0x80, 0x04, 16])); // 65536 pages of 64 KiB
  rejects(binary([5, 1, 8, 0x81, 0x80, 0x04, 16]), /^memory size must be at most 65536 pages \(4GiB\)/);
  rejects(binary([5, 1, 9, 2, 1, 0]), /^size minimum must not be greater than maximum/);
});

test('else outside an if, and a second else, are rejected', () => {
  // type 0: [] -> []; one function; body: block else end end.
  const type = [1, 1, 0x60, 0, 0];
  const func = [3, 1, 0];
  rejects(binary(type, func, [10, 1, 6, 0, 0x02, 0x40, 0x05, 0x0b, 0x0b]), /^else without matching if in function 0/);
  // body: i32.const 0, if, else, else, end, end.
  rejects(binary(type, func, [10, 1, 9, 0, 0x41, 0, 0x04, 0x40, 0x05, 0x05, 0x0b, 0x0b]), /^else without matching if/);
  // The same bodies without the stray else are valid.
  validate(binary(type, func, [10, 1, 5, 0, 0x02, 0x40, 0x0b, 0x0b]));
});

test('if without else needs matching parameter and result types', () => {
  rejects(wat(`(module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 2)))))`), /^type mismatch/);
});

test('typed select needs exactly one type; untyped select rejects references', () => {
  rejects(wat(`(module (func (result externref) (select (ref.null extern) (ref.null extern) (i32.const 1))))`), /^type mismatch/);
  validate(wat(`(module (func (result externref) (select (result externref) (ref.null extern) (ref.null extern) (i32.const 1))))`));
  // select with a type vector of length 0 (wabt writes `(select (result))` as plain select).
  const body = [0, 0x41, 1, 0x41, 1, 0x41, 1, 0x1c, 0, 0x1a, 0x0b];
  rejects(binary([1, 1, 0x60, 0, 0], [3, 1, 0], [10, 1, body.length, ...body]), /^invalid result arity in function 0/);
});

test('v128 values validate like other value types, with SIMD immediates checked', () => {
  validateModule(decodeModule(wat(`(module (global v128 (v128.const i64x2 1 2))
    (func (param v128) (result v128) (local v128) (select (local.get 0) (local.get 1) (i32.const 1))))`)));
  rejects(wat(`(module (func (param v128) (result i32) (local.get 0)))`), /^type mismatch/);
  rejects(wat(`(module (func (param v128) (result v128) (i32x4.add (local.get 0) (i32.const 1))))`), /^type mismatch/);
  // the text format checks lane indices itself: patch the lane byte of `i32x4.extract_lane 3` (0xfd 0x1b 3) to 4
  const extract = wat(`(module (func (param v128) (result i32) (i32x4.extract_lane 3 (local.get 0))))`);
  const at = extract.findIndex((b, i) => b === 0xfd && extract[i + 1] === 0x1b && extract[i + 2] === 3);
  const badLane = extract.slice();
  badLane[at + 2] = 4;
  rejects(badLane, /^invalid lane index/);
  const load = wat(`(module (memory 1) (func (param i32) (result v128) (v128.load align=16 (local.get 0))))`);
  const alignAt = load.findIndex((b, i) => b === 0xfd && load[i + 1] === 0x00 && load[i + 2] === 4);
  const overAligned = load.slice();
  overAligned[alignAt + 2] = 5;
  rejects(overAligned, /^alignment must not be larger than natural/);
});

test('with the bodies decoded by the validator (as new Module does), malformed code still wins over invalid code', () => {
  // type () -> (); function 0: i32.add on an empty stack (invalid); function 1: opcode 0xff (malformed)
  const invalidThenMalformed = binary([1, 1, 0x60, 0, 0], [3, 2, 0, 0], [10, 2, 3, 0, 0x6a, 0x0b, 3, 0, 0xff, 0x0b]);
  // invalid export (unknown function 5) before the code section; function 0 has code after its end
  const invalidExportThenTrailingCode = binary([1, 1, 0x60, 0, 0], [3, 1, 0], [7, 1, 1, 0x66, 0, 5], [10, 1, 3, 0, 0x0b, 0x01]);
  // memory.init without a data count section: "unknown data segment" to the validator, malformed to the decoder
  const memoryInitWithoutDataCount = binary([1, 1, 0x60, 0, 0], [3, 1, 0], [5, 1, 0, 1], [10, 1, 12, 0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 0, 0, 0x0b], [11, 1, 1, 1, 0]);
  for (const [bytes, message] of [
    [invalidThenMalformed, /unknown opcode 0xff/],
    [invalidExportThenTrailingCode, /section size mismatch/],
    [memoryInitWithoutDataCount, /data count section required/],
  ] as const) {
    const checked = (): unknown => validateModule(decodeModule(bytes));
    const deferred = (): unknown => validateModule(decodeModule(bytes, { deferCodeCheck: true }));
    assert.throws(checked, message);
    assert.throws(deferred, (e: unknown) => e instanceof CompileError && message.test(e.message));
  }
  // and a valid module validates the same way with either decoding
  const valid = wat('(module (func (export "f") (param i32) (result i32) (block (block (br_table 0 1 (local.get 0)))) (i32.const 7)))');
  assert.deepEqual(validateModule(decodeModule(valid, { deferCodeCheck: true })), validateModule(decodeModule(valid)));
});

test('maxDepths count nesting as the generated JavaScript has it: a run of directly nested void blocks is one level', () => {
  const depthOf = (body: string): number => validate(wat(`(module (func ${body}))`)).maxDepths[0];
  assert.equal(depthOf('(block (block (block (block (nop)))))'), 2);
  assert.equal(depthOf('(loop (loop (loop (loop (nop)))))'), 5);
  assert.equal(depthOf('(block (nop) (block (nop) (block (nop))))'), 4);
  assert.equal(depthOf('(drop (block (result i32) (block (result i32) (i32.const 1))))'), 3);
});
