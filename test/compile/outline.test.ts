// Very large functions are split into closures (src/compile/outline.ts), because V8 does not
// optimise a function of more than about 60 KB of bytecode. These functions are split at the
// default threshold and must behave as on V8: branches out of moved blocks and loops, br_table,
// returns (i64 and multi-value) from deep inside, and locals shared across the pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import wabtInit from 'wabt';
import { Instance, Module } from '../../src/index.js';
import { decodeModule } from '../../src/binary/decode.js';
import { generateFunctionSource, generateModuleSource } from '../../src/compile/module.js';
import { functionsThatMayGrowMemory } from '../../src/compile/memory-growth.js';
import { validateModule } from '../../src/validate/index.js';
import { splitLargeFunction, splitting } from '../../src/compile/outline.js';
import { nativeExports } from '../helpers/native-wasm.js';

const wabt = await wabtInit();

/** `count` statements that mix the locals, so every piece reads and writes shared state. */
function statements(count: number, salt: number): string {
  let s = '';
  for (let i = 0; i < count; i++) {
    const k = ((i + salt) * 2654435761) % 997 | 1;
    s += i % 3 === 0
      ? `(local.set $x (i32.add (i32.mul (local.get $x) (i32.const ${k})) (local.get $i)))\n`
      : i % 3 === 1
        ? `(local.set $y (i64.xor (i64.mul (local.get $y) (i64.const ${k}00000007)) (i64.extend_i32_u (local.get $x))))\n`
        : `(local.set $x (i32.xor (local.get $x) (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const ${i % 63})))))\n`;
  }
  return s;
}

const wat = `(module
  (func (export "big") (param $n i32) (param $mode i32) (result i64)
    (local $i i32) (local $x i32) (local $y i64)
    (local.set $x (local.get $mode))
    (block $done
      (loop $outer
        ${statements(800, 1)}
        (block $skip
          (block $b2 (block $b1 (block $b0
            (br_table $b0 $b1 $b2 $skip (i32.and (local.get $x) (i32.const 3))))
            ${statements(300, 2)}
            (br $skip))
            ${statements(300, 3)}
            ;; leave the whole loop from deep inside a moved piece
            (br_if $done (i32.eq (local.get $mode) (i32.const 7))))
          ${statements(300, 4)}
          ;; return from deep inside
          (if (i32.eq (local.get $mode) (i32.const 9)) (then (return (i64.add (local.get $y) (i64.const 1))))))
        ${statements(800, 5)}
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (local.get $n)))))
    (i64.add (local.get $y) (i64.extend_i32_u (local.get $x))))
  (func (export "pair") (param $a i32) (result i32 i64)
    (local $i i32) (local $x i32) (local $y i64)
    (local.set $x (local.get $a))
    ${statements(1500, 6)}
    (if (i32.and (local.get $x) (i32.const 1)) (then (return (local.get $x) (local.get $y))))
    ${statements(1500, 7)}
    (local.get $x) (local.get $y)))`;
const bytes = wabt.parseWat('big.wat', wat, { multi_value: true }).toBinary({}).buffer;

test('the large functions are split at the default threshold', () => {
  assert.equal(splitting.maxFunctionChars, 60_000);
  const ir = decodeModule(bytes);
  const source = generateModuleSource(ir, validateModule(ir), { stackPointerGlobal: null });
  // Neither calls anything, so neither can be re-entered: their variables and pieces live in a
  // scope made once per instance, and the function itself starts by resetting them.
  for (const f of ['f0', 'f1']) {
    const body = source.slice(source.indexOf(`var ${f} = `));
    assert.match(body, /^var f\d+ = \(\(\) => \{\nlet [^\n]*\nfunction o0\(/, `${f} starts with its closures`);
    assert.match(body, /\nreturn function f\d+\(a0[^)]*\) \{\nl0 = a0;\n/, `${f} sets its parameters on entry`);
  }
});

test('split functions agree with V8 on branches, br_table and returns out of moved pieces', () => {
  const ours = new Instance(new Module(bytes)).exports;
  const theirs = nativeExports(bytes);
  for (const mode of [0, 1, 2, 3, 5, 7, 9, 12345]) {
    for (const n of [1, 3, 10]) {
      assert.equal((ours.big as (n: number, m: number) => bigint)(n, mode), (theirs.big as (n: number, m: number) => bigint)(n, mode), `big(${n}, ${mode})`);
    }
  }
  for (const a of [0, 1, 2, 77, -5, 0x7fffffff]) {
    assert.deepEqual((ours.pair as (a: number) => unknown)(a), (theirs.pair as (a: number) => unknown)(a), `pair(${a})`);
  }
});

/**
 * An interpreter's shape: a loop around a br_table dispatch of `cases` cases, every tenth large,
 * the others small. Under 64 cases the blocks stay nested, from 64 on they become a block chain
 * (function.ts): both must keep the loop and the dispatch together.
 */
function interpreterWat(cases: number): string {
  const open = Array.from({ length: cases }, (_, k) => `(block $c${k}`).reverse().join(' ');
  const targets = Array.from({ length: cases }, (_, k) => `$c${k}`).join(' ');
  let bodies = '';
  for (let k = 0; k < cases; k++) {
    bodies += k % 10 === 1 ? statements(Math.ceil(1100 / Math.ceil(cases / 10)), k)
      : k === 2 ? '(br_if $exit (i32.eq (local.get $x) (i32.const 12345)))'
        : `(local.set $x (i32.add (i32.mul (local.get $x) (i32.const ${777 + k})) (i32.const 1)))`;
    bodies += `(br $next))\n`;
  }
  return `(module
  (func (export "interp") (param $n i32) (param $mode i32) (result i64)
    (local $i i32) (local $x i32) (local $y i64) (local $pc i32)
    (local.set $x (local.get $mode))
    (loop $next
      (block $exit
        ${open}
          (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $pc (i32.rem_u (i32.add (local.get $pc) (i32.and (local.get $x) (i32.const 7))) (i32.const ${cases})))
          (br_table ${targets} $exit (local.get $pc)))
        ${bodies})
    (i64.add (local.get $y) (i64.extend_i32_u (local.get $x)))))`;
}

for (const cases of [7, 70]) {
  test(`an interpreter loop (${cases} cases) keeps its loop and dispatch in one function and moves large cases out`, () => {
    const interpBytes = wabt.parseWat('interp.wat', interpreterWat(cases)).toBinary({}).buffer;
    const ir = decodeModule(interpBytes);
    const source = generateModuleSource(ir, validateModule(ir), { stackPointerGlobal: null });
    const pieces = source.split(/\n(?=function o\d+\(|return function f0\()/);
    // the dispatch: the br_table's index is the only `i32_rem_u`
    const dispatch = pieces.filter((piece) => piece.includes('i32_rem_u('));
    assert.equal(dispatch.length, 1, `one function holds the dispatch:\n${source.slice(0, 3000)}`);
    assert.match(dispatch[0], /\nL\d+: for \(;;\) \{\n/, 'and the loop around it');
    if (cases >= 64) assert.match(dispatch[0], /\nD\d+: for \(;;\) \{ switch \(j\d+_\) \{\n/, 'and the chain');
    assert.match(dispatch[0], /\n(switch \(\(?(k_ = )?)?o\d+\(/, 'a case body moved into a closure');
    assert.match(dispatch[0], /Math\.imul\(l\d+_, 777\)/, 'a small case body stayed');
    const ours = new Instance(new Module(interpBytes)).exports.interp as (n: number, m: number) => bigint;
    const theirs = nativeExports(new Uint8Array(interpBytes)).interp as (n: number, m: number) => bigint;
    for (const mode of [0, 1, 2, 3, 5, 7, 12345]) {
      for (const n of [0, 1, 4, 50]) assert.equal(ours(n, mode), theirs(n, mode), `interp(${n}, ${mode})`);
    }
  });
}

test('splitting rewrites exits by what they leave', () => {
  const body = [
    'L0: for (;;) {',
    'L1: {',
    'x = 1;',
    'if (x) {',
    'break L1;',
    '}',
    'if (y) {',
    'continue L0;',
    '}',
    'if (z) {',
    'return (HI[0] = a, b);',
    '}',
    '}',
    'x = x + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16;',
    'break L0;',
    '}',
    'return;',
  ];
  const split = splitLargeFunction(body, ['x', 'y', 'z', 'a', 'b'], 100);
  const withL1 = split.closures.find((c) => /^L1: \{$/m.test(c));
  assert.ok(withL1, 'the block L1 moved into a closure');
  // Its own break stays; the loop it is in and the function are left by codes.
  assert.match(withL1, /break L1;/);
  assert.doesNotMatch(withL1, /continue L0;/);
  // It takes copies of the variables it uses and copies back those it assigns before leaving.
  assert.match(withL1, /^function o\d+\(x_, y_, z_, a_, b_\) \{$/m);
  // Its exits leave through one place, which copies back what it assigns.
  assert.match(withL1, /\{ exit_ = \d+; break X; \}/);
  assert.doesNotMatch(withL1, /return \d+;/);
  assert.doesNotMatch(withL1, /y = y_/);
  assert.match(withL1, /R = \(HI\[0\] = a_, b_\);/);
  assert.match(withL1, /^\}\nx = x_;\nreturn exit_;\n\}$/m);
  assert.ok(split.usesResult);
  const all = [...split.closures, ...split.body].join('\n');
  // The caller passes its copies and reloads the one the closure assigns.
  assert.match(all, /switch \(\(k_ = o\d+\(x_, y_, z_, a_, b_\), x_ = x, k_\)\) \{\ncase \d+: continue L0;/);
  assert.match(split.body.join('\n'), /case \d+: return R;/);
});

test('a trap inside a moved piece reports the Wasm function, not the piece', () => {
  const trapWat = `(module (func $inner (param $n i32) (result i32) (local $x i32)
    (block $a (block $b
      ${statements(12, 8)}
      (if (i32.eq (local.get $n) (i32.const 5)) (then unreachable))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 11)) (local.get $n)))))
    (local.get $x))
    (func (export "outer") (param i32) (result i32) (call $inner (local.get 0))))`.replace('(local $x i32)', '(local $i i32) (local $x i32) (local $y i64)');
  const trapBytes = wabt.parseWat('trap.wat', trapWat).toBinary({ write_debug_names: true }).buffer;
  const saved = splitting.maxFunctionChars;
  splitting.maxFunctionChars = 200;
  try {
    const module = new Module(trapBytes);
    // $inner is compiled on its first call: its own source holds the pieces.
    const innerSource = generateFunctionSource(module.ir, module.facts, { stackPointerGlobal: null }, 0, functionsThatMayGrowMemory(module.ir, module.facts));
    assert.match(innerSource, /function o0\(/, 'split');
    const outer = new Instance(module).exports.outer as (n: number) => number;
    const expected = (nativeExports(new Uint8Array(trapBytes)).outer as (n: number) => number)(3);
    assert.equal(outer(3), expected);
    assert.equal(outer(3), expected);
    assert.throws(() => outer(5), (e: Error) => {
      assert.equal(e.message, 'unreachable');
      const frames = e.stack!.split('\n').slice(1, 3).map((l) => l.trim());
      assert.deepEqual(frames, ['at inner (wasm function 0)', 'at $1 (wasm function 1)']);
      return true;
    });
    // $inner keeps its variables in the instance: a call after the trap starts afresh.
    assert.equal(outer(3), expected, 'after a trap');
  } finally {
    splitting.maxFunctionChars = saved;
  }
});

test('a split function that is re-entered keeps each call\'s variables apart', () => {
  // $rec calls itself; $host calls an import, through which the host may call an export that
  // calls $host again; $plain calls neither.
  const body = (extra: string): string => `(local $i i32) (local $x i32) (local $y i64)
    (local.set $x (local.get 0))
    ${statements(10, 9)}
    ${extra}
    (local.get $x)`;
  const reentryWat = `(module
    (import "env" "cb" (func $cb (param i32) (result i32)))
    (func $rec (param i32) (result i32) ${body('(if (i32.gt_s (local.get 0) (i32.const 0)) (then (local.set $x (i32.add (local.get $x) (call $rec (i32.sub (local.get 0) (i32.const 1)))))))')})
    (func $host (export "host") (param i32) (result i32) ${body('(local.set $x (i32.xor (local.get $x) (call $cb (local.get 0))))')})
    (func $plain (param i32) (result i32) ${body('')})
    (func (export "run") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (call $plain (local.get 0)))))`;
  const reentryBytes = new Uint8Array(wabt.parseWat('reentry.wat', reentryWat).toBinary({}).buffer);
  const saved = splitting.maxFunctionChars;
  splitting.maxFunctionChars = 200;
  try {
    const ir = decodeModule(reentryBytes);
    const source = generateModuleSource(ir, validateModule(ir), { stackPointerGlobal: null });
    // All three keep their variables in the instance: each activation works on its own copies.
    for (const f of ['f1', 'f2', 'f3']) assert.match(source, new RegExp(`^var ${f} = \\(\\(\\) => \\{`, 'm'), `${f}: once per instance`);
    // The host callback re-enters $host through its export, two levels deep.
    let depth = 0;
    const run = (imports: (exports: () => Record<string, unknown>) => object, engine: 'ours' | 'v8'): number[] => {
      let exports: Record<string, unknown> = {};
      const instance = engine === 'ours'
        ? new Instance(new Module(reentryBytes), imports(() => exports) as never).exports
        : nativeExports(reentryBytes, imports(() => exports));
      exports = instance;
      return [0, 1, 4, 7].flatMap((n) => [(instance.run as (n: number) => number)(n), (instance.host as (n: number) => number)(n)]);
    };
    const imports = (exports: () => Record<string, unknown>): object => ({
      env: { cb: (n: number): number => (depth++ < 2 ? (exports().host as (n: number) => number)(n + 1) : 0) },
    });
    depth = 0;
    const ours = run(imports, 'ours');
    depth = 0;
    assert.deepEqual(ours, run(imports, 'v8'));
  } finally {
    splitting.maxFunctionChars = saved;
  }
});

test('a switch of 20 cases in a function large enough to be split is a chain, its arms moved, results like V8\'s', () => {
  // 20 directly nested blocks, the br_table innermost; code after each block's end (the case arms)
  const cases = 20;
  let body = '(local.get $x)';
  let blocks = `(br_table ${Array.from({ length: cases }, (_, i) => `$c${i}`).join(' ')} $c0 (local.get $n))`;
  for (let i = 0; i < cases; i++) {
    blocks = `(block $c${i} ${blocks})\n${statements(30, i)}(local.set $x (i32.add (local.get $x) (i32.const ${i + 1})))\n(br $done)`;
  }
  body = `(block $done ${blocks}) ${body}`;
  const source = `(module (func (export "dispatch") (param $n i32) (result i32) (local $i i32) (local $x i32) (local $y i64) ${body}))`;
  const bytes = wabt.parseWat('switch.wat', source).toBinary({}).buffer;
  const saved = splitting.maxFunctionChars;
  splitting.maxFunctionChars = 4_000;
  try {
    const module = new Module(bytes);
    const js = generateModuleSource(module.ir, module.facts, { stackPointerGlobal: null });
    assert.match(js, /^J\d+: \{$/m, 'emitted as a chain');
    assert.match(js, /^case \d+: C\d+_\d+: \{$/m, 'with case arms');
    assert.match(js, /function o\d+\(/, 'split');
    const mine = new Instance(module).exports.dispatch as (n: number) => number;
    const native = nativeExports(new Uint8Array(bytes)).dispatch as (n: number) => number;
    for (let n = -1; n <= cases + 2; n++) assert.equal(mine(n), native(n), `n = ${n}`);
  } finally {
    splitting.maxFunctionChars = saved;
  }
});
