// The layout of modules without names (src/layout/stack-pointer.ts): the stack pointer found
// from the code, the stack, the data end and the heap start inferred from its initial value.
// Checked on test/fixtures/layout (built by its build.sh with clang-19 and wasm-ld-19, each
// variant also stripped with wasm-strip): what heapbase infers from the stripped module must be
// what the unstripped twin's name section and exports say, and what wasm-ld's link map says
// (layout.json, read from -Wl,-Map by build.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { decodeModule } from '../../src/binary/decode.js';
import { inspect, renderText, type LayoutReport } from '../../src/layout/index.js';
import { SCAN_BUDGET, stackPointerFromCode } from '../../src/layout/stack-pointer.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/layout/', import.meta.url));
const fixture = (name: string): Uint8Array => readFileSync(join(dir, name));
const maps = JSON.parse(readFileSync(join(dir, 'layout.json'), 'utf8')) as Record<string, { sections: Record<string, [number, number]> }>;
const wabt = await wabtInit();
const wat = (text: string): Uint8Array => wabt.parseWat('t.wat', text).toBinary({}).buffer;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function exportedHeapBase(bytes: Uint8Array): number | null {
  const ir = decodeModule(bytes);
  const e = ir.exports.find((x) => x.kind === 'global' && x.name === '__heap_base');
  return e ? ir.globalInits[e.index - ir.importedGlobalCount][0].a >>> 0 : null;
}

const variants: { program: 'frames' | 'wasi'; first: boolean; hb: boolean; base: string }[] = [];
for (const program of ['frames', 'wasi'] as const) {
  for (const first of [true, false]) {
    for (const hb of [false, true]) variants.push({ program, first, hb, base: `${program}_${first ? 'sf' : 'df'}${hb ? '_hb' : ''}` });
  }
}

for (const v of variants) {
  test(`${v.base}: the stripped module's layout is the linker's`, () => {
    const namedBytes = fixture(`${v.base}.wasm`);
    const strippedBytes = fixture(`${v.base}.stripped.wasm`);
    assert.equal(decodeModule(strippedBytes).names.globals.size, 0, 'stripped: no global names');
    const named = inspect(namedBytes);
    const stripped = inspect(strippedBytes);

    // What the linker did: the map's sections, the name section's __stack_pointer, and (for the
    // _hb variants) the exported __heap_base.
    const sections = Object.values(maps[`${v.base}.wasm`].sections);
    const hasBss = '.bss' in maps[`${v.base}.wasm`].sections;
    const globalBase = Math.min(...sections.map(([s]) => s));
    const dataEnd = Math.max(...sections.map(([, e]) => e));
    const segmentsEnd = Math.max(...Object.entries(maps[`${v.base}.wasm`].sections).filter(([n]) => n !== '.bss').map(([, [, e]]) => e));
    assert.equal(named.stackPointer?.name, '__stack_pointer');
    assert.match(named.evidence.stackPointer ?? '', /name section/);
    const top = named.stackPointer!.initial;
    const stack = v.first ? { start: 0, end: top } : { start: alignUp(dataEnd, 16), end: top };
    const heapBase = v.first ? alignUp(dataEnd, 16) : top; // wasm-ld's __heap_base
    // that rule is wasm-ld's: its exported __heap_base says so
    const exported = exportedHeapBase(fixture(`${v.program}_${v.first ? 'sf' : 'df'}_hb.wasm`));
    assert.equal(exported, heapBase);
    assert.equal(v.first ? globalBase : stack.end - stack.start, 65536, 'wasm-ld\'s default stack size');

    // The stack pointer from the code alone.
    assert.deepEqual(stripped.stackPointer, { globalIndex: named.stackPointer!.globalIndex, name: null, initial: top });
    assert.match(stripped.evidence.stackPointer ?? '', /^global 0, from the prologue .* of \d+ functions?/);
    assert.equal(stripped.stackFirst, v.first);
    assert.equal(stripped.globalBase, globalBase);
    assert.equal(stripped.heapBase, v.hb ? heapBase : null);
    if (!hasBss) {
      assert.equal(stripped.dataEnd, dataEnd);
      assert.deepEqual(stripped.stack, stack);
      assert.equal(stripped.stackStartExact, !v.first ? false : true);
      assert.equal(stripped.heapStart, heapBase);
    } else {
      // .bss has no segment: the data end seen is the last segment's, a lower bound, and says so.
      assert.equal(stripped.dataEnd, segmentsEnd);
      assert.ok(segmentsEnd < dataEnd);
      assert.match(stripped.evidence.dataEnd ?? '', /may be higher/);
      assert.equal(stripped.stack?.end, stack.end);
      assert.ok(stripped.stack!.start <= stack.start, 'the stack\'s lower bound never above the real one');
      if (!v.first) assert.equal(stripped.stackStartExact, false);
      if (v.hb || !v.first) assert.equal(stripped.heapStart, heapBase);
      else {
        assert.ok(stripped.heapStart! <= heapBase);
        assert.equal(stripped.heapStartExact, false);
      }
    }
    if (!v.hb) {
      assert.match(stripped.evidence.heapStart ?? '', /^inferred: /);
      assert.ok(stripped.suggestions.some((s) => s.startsWith('-Wl,--export=__heap_base')));
    } else assert.equal(stripped.evidence.heapStart, '__heap_base, exported');

    // Stripping changes nothing else: the same regions, the same decision.
    // (names aside: the module's, the stack pointer's, and those of functions that block trimming,
    // of which wasi-libc's sbrk is recognised by its code, with a note saying so)
    const sbrkNote = /^function \d+ is wasi-libc's sbrk, recognised by its code/;
    const same = (r: LayoutReport): unknown => ({
      ...r, moduleName: null, evidence: { ...r.evidence, stackPointer: null },
      stackPointer: r.stackPointer && { ...r.stackPointer, name: null },
      blockers: r.blockers.map((b) => ({ ...b, funcName: null, recognisedAs: b.recognisedAs ?? (b.funcName === 'sbrk' ? 'sbrk' : null) })),
      reason: r.reason.replace(/function `[^`]*` \(index (\d+)\)/g, 'function $1').replace(/ \(sbrk, recognised by its code\)/g, ''),
      notes: r.notes.filter((n) => !sbrkNote.test(n)),
    });
    assert.deepEqual(same(stripped), same(named));
    assert.equal(stripped.notes.some((n) => sbrkNote.test(n)), named.blockers.some((b) => b.funcName === 'sbrk' && b.op === 'memory.grow'));
    const text = renderText(stripped);
    assert.ok(text.includes('evidence:') && text.includes('stack pointer: global 0, from the prologue'), text);
    assert.ok(!text.includes('none found'), text);
  });
}

test('trimming still needs an exported __heap_base: inferred figures do not trim', () => {
  for (const name of ['frames_df.stripped.wasm', 'frames_sf.stripped.wasm']) {
    const rep = inspect(fixture(name));
    assert.equal(rep.trimmed, false, name);
    assert.equal(rep.requiredBytes, null, name);
    assert.equal(rep.allocatedBytes.auto, rep.allocatedBytes.pages, name);
    assert.match(rep.reason, /__heap_base is not exported/);
  }
  const hb = inspect(fixture('frames_sf_hb.stripped.wasm'));
  assert.equal(hb.trimmed, true);
  assert.equal(hb.requiredBytes, exportedHeapBase(fixture('frames_sf_hb.stripped.wasm')));
});

// Hand-written modules.

/** A function with clang's prologue and epilogue for global $sp and a frame of `n` bytes. */
const frameFunc = (n: number, sp = '$sp'): string => `(func (local i32)
    (global.set ${sp} (local.tee 0 (i32.sub (global.get ${sp}) (i32.const ${n}))))
    (i32.store (local.get 0) (i32.const 1))
    (global.set ${sp} (i32.add (local.get 0) (i32.const ${n}))))`;
const counterFunc = `(func (global.set $count (i32.add (global.get $count) (i32.const 1))))`;

test('a counter incremented in many functions is not the stack pointer; the real one next to it is', () => {
  const rep = inspect(wat(`(module (memory 1)
    (global $count (mut i32) (i32.const 4096))
    (global $sp (mut i32) (i32.const 8192))
    (data (i32.const 8192) "data")
    ${Array.from({ length: 40 }, () => counterFunc).join('\n')}
    ${frameFunc(16)} ${frameFunc(32)} ${frameFunc(48)})`));
  assert.deepEqual(rep.stackPointer, { globalIndex: 1, name: null, initial: 8192 });
  assert.match(rep.evidence.stackPointer ?? '', /^global 1, from the prologue .* of 3 functions, 3 with the matching epilogue$/);
  assert.equal(rep.stackFirst, true);
  assert.deepEqual(rep.stack, { start: 0, end: 8192 });
});

test('counters alone, even decremented through a local, give no stack pointer', () => {
  const rep = inspect(wat(`(module (memory 1)
    (global $count (mut i32) (i32.const 4096))
    (data (i32.const 0) "0123456789")
    ${Array.from({ length: 20 }, () => counterFunc).join('\n')}
    ${Array.from({ length: 20 }, () => '(func (result i32) (local i32) (global.set $count (local.tee 0 (i32.sub (global.get $count) (i32.const 1)))) (local.get 0))').join('\n')})`));
  assert.equal(rep.stackPointer, null);
  assert.equal(rep.stack, null);
  assert.equal(rep.evidence.stackPointer, undefined);
});

test('one function with prologue and epilogue is enough; one prologue alone is not', () => {
  const both = inspect(wat(`(module (memory 1) (global $sp (mut i32) (i32.const 2048)) (data (i32.const 4096) "x") ${frameFunc(64)})`));
  assert.equal(both.stackPointer?.globalIndex, 0);
  const prologueOnly = inspect(wat(`(module (memory 1) (global $sp (mut i32) (i32.const 2048)) (data (i32.const 4096) "x")
    (func (local i32) (global.set $sp (local.tee 0 (i32.sub (global.get $sp) (i32.const 64))))))`));
  assert.equal(prologueOnly.stackPointer, null);
});

test('the stack pointer global must start at a non-zero multiple of 16 within the memory', () => {
  for (const init of [0, 2050, 131072]) {
    const rep = inspect(wat(`(module (memory 1) (global $sp (mut i32) (i32.const ${init})) ${frameFunc(16)} ${frameFunc(32)})`));
    assert.equal(rep.stackPointer, null, String(init));
  }
});

test('aligned frames (i32.const -16; i32.and) and a frame size in a local count', () => {
  const masked = (size: string): string => `(func (param i32) (local i32)
    (global.set $sp (local.tee 1 (i32.and (i32.sub (global.get $sp) ${size}) (i32.const -16)))))`;
  const rep = inspect(wat(`(module (memory 1) (global $sp (mut i32) (i32.const 4096)) (data (i32.const 1024) "x")
    ${masked('(i32.const 40)')} ${masked('(local.get 0)')})`));
  assert.equal(rep.stackPointer?.globalIndex, 0);
  assert.match(rep.evidence.stackPointer ?? '', /of 2 functions/);
  assert.equal(rep.stackFirst, false);
  assert.deepEqual(rep.stack, { start: 1040, end: 4096 });
  assert.equal(rep.heapStart, 4096);
  assert.match(rep.evidence.heapStart ?? '', /^inferred: the stack pointer's initial value \(data-first layout/);
});

test('Emscripten\'s exported stack helpers name the stack pointer', () => {
  const rep = inspect(wat(`(module (memory 1)
    (global $other (mut i32) (i32.const 0))
    (global $sp (mut i32) (i32.const 5120))
    (data (i32.const 1024) "data")
    (func (export "_emscripten_stack_restore") (param i32) (global.set $sp (local.get 0)))
    (func (export "emscripten_stack_get_current") (result i32) (global.get $sp)))`));
  assert.deepEqual(rep.stackPointer, { globalIndex: 1, name: null, initial: 5120 });
  assert.match(rep.evidence.stackPointer ?? '', /Emscripten's _emscripten_stack_restore, emscripten_stack_get_current/);
});

test('the code wins over the convention (first mutable global ≤ __heap_base) when they disagree', () => {
  const rep = inspect(wat(`(module (memory 1)
    (global $count (mut i32) (i32.const 16))
    (global $sp (mut i32) (i32.const 4096))
    (global (export "__heap_base") i32 (i32.const 4112))
    (data (i32.const 4096) "data")
    ${counterFunc} ${frameFunc(16)} ${frameFunc(32)})`));
  assert.equal(rep.stackPointer?.globalIndex, 1);
});

test('padded LEB128 immediates (wasm-ld\'s relocatable encodings) are read', () => {
  // global.get 0 (5-byte LEB); i32.const 16; i32.sub; local.tee 0; global.set 0 (5-byte LEB), twice.
  const fn = [0x23, 0x80, 0x80, 0x80, 0x80, 0x00, 0x41, 0x10, 0x6b, 0x22, 0x00, 0x24, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b];
  const body = [1, 1, 0x7f, ...fn];
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    1, 4, 1, 0x60, 0, 0, // type () -> ()
    3, 3, 2, 0, 0, // two functions
    5, 3, 1, 0, 1, // memory 1
    6, 7, 1, 0x7f, 1, 0x41, 0x80, 0x20, 0x0b, // global (mut i32) (i32.const 4096)
    10, 1 + 2 * (body.length + 1), 2, body.length, ...body, body.length, ...body]);
  const rep = inspect(bytes);
  assert.deepEqual(rep.stackPointer, { globalIndex: 0, name: null, initial: 4096 });
});

test('the scan is bounded: a module with more code than the budget is scanned in part, and says so', () => {
  // One function with the prologue and epilogue, then functions of 64 KiB of nops each.
  const uleb = (n: number): number[] => { const out: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const section = (id: number, content: Uint8Array): Uint8Array => new Uint8Array([id, ...uleb(content.length), ...content]);
  const frame = [1, 1, 0x7f, 0x23, 0, 0x41, 0x10, 0x6b, 0x22, 0, 0x24, 0, 0x20, 0, 0x41, 0x10, 0x6a, 0x24, 0, 0x0b];
  const bigBody = new Uint8Array(65536 + 2); // no locals, nops, end
  bigBody.fill(0x01);
  bigBody[0] = 0;
  bigBody[bigBody.length - 1] = 0x0b;
  const count = Math.ceil(SCAN_BUDGET / 65536) + 8;
  const parts: number[][] = [[...uleb(count + 1)], [...uleb(frame.length), ...frame]];
  const bigHead = uleb(bigBody.length);
  let size = parts.reduce((a, p) => a + p.length, 0) + count * (bigHead.length + bigBody.length);
  const code = new Uint8Array(size);
  let at = 0;
  for (const p of parts) { code.set(p, at); at += p.length; }
  for (let i = 0; i < count; i++) { code.set(bigHead, at); at += bigHead.length; code.set(bigBody, at); at += bigBody.length; }
  size = at;
  const funcs = new Uint8Array([...uleb(count + 1), ...new Array<number>(count + 1).fill(0)]);
  const head = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const chunks = [head, section(1, new Uint8Array([1, 0x60, 0, 0])), section(3, funcs), section(5, new Uint8Array([1, 0, 1])),
    section(6, new Uint8Array([1, 0x7f, 1, 0x41, 0x80, 0x20, 0x0b])), section(10, code.subarray(0, size))];
  const bytes = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  const ir = decodeModule(bytes);
  const t = performance.now();
  const found = stackPointerFromCode(ir, 65536);
  const ms = performance.now() - t;
  assert.equal(found?.globalIndex, 0);
  assert.equal(found?.epilogueFunctions, 1);
  assert.equal(found?.truncated, true);
  assert.ok(found!.scannedFunctions < ir.bodies.length);
  assert.match(found!.evidence, /of the first [\d,]+ scanned \(of [\d,]+\)/);
  assert.ok(ms < 100, `${ms} ms`);
  const rep = inspect(bytes);
  assert.deepEqual(rep.stack, null, 'no data: where the stack is cannot be told');
  assert.equal(rep.stackPointer?.initial, 4096);
});

test('Emscripten\'s STACK_OVERFLOW_CHECK prologue (the new value checked before it is stored) counts', () => {
  const checked = `(func (local i32 i32)
    global.get $sp
    i32.const 32
    i32.sub
    local.tee 0
    local.tee 1
    global.get $end
    i32.lt_u
    if
      unreachable
    end
    local.get 1
    global.set $sp)`;
  const rep = inspect(wat(`(module (memory 1)
    (global $sp (mut i32) (i32.const 5120))
    (global $end (mut i32) (i32.const 0))
    (data (i32.const 1024) "data")
    ${checked} ${checked})`));
  assert.deepEqual(rep.stackPointer, { globalIndex: 0, name: null, initial: 5120 });
  assert.match(rep.evidence.stackPointer ?? '', /of 2 functions/);
  // a global.set of $sp from some other value does not complete the pattern
  const other = checked.replace('local.get 1\n    global.set $sp', 'i32.const 64\n    global.set $sp');
  assert.equal(inspect(wat(`(module (memory 1) (global $sp (mut i32) (i32.const 5120)) (global $end (mut i32) (i32.const 0))
    ${other} ${other})`)).stackPointer, null);
});

test('Emscripten\'s emscripten_stack_get_end (set by emscripten_stack_init) gives the exact lower bound', () => {
  const rep = inspect(wat(`(module (memory 2)
    (global $sp (mut i32) (i32.const 70000))
    (global $end (mut i32) (i32.const 0))
    (global $base (mut i32) (i32.const 0))
    (data (i32.const 1024) "data")
    (func (export "emscripten_stack_init")
      (global.set $base (i32.const 70000))
      (global.set $end (i32.and (i32.add (i32.const 4460) (i32.const 15)) (i32.const -16))))
    (func (export "emscripten_stack_get_base") (result i32) (global.get $base))
    (func (export "emscripten_stack_get_end") (result i32) (global.get $end))
    (func (export "_emscripten_stack_restore") (param i32) (global.set $sp (local.get 0))))`));
  assert.equal(rep.stackPointer?.globalIndex, 0);
  assert.equal(rep.stackFirst, false);
  assert.deepEqual(rep.stack, { start: 4464, end: 70000 });
  assert.equal(rep.stackStartExact, true);
  assert.match(rep.evidence.stack ?? '', /emscripten_stack_get_end/);
  assert.ok(!rep.notes.some((n) => n.includes('lower bound')), rep.notes.join('\n'));
  // Emscripten spells the stack size option its own way
  assert.ok(rep.suggestions.some((s) => s.startsWith('-sSTACK_SIZE=<bytes>: the stack is 65,536 bytes')), rep.suggestions.join('\n'));
  assert.ok(!rep.suggestions.some((s) => s.includes('-z stack-size')), rep.suggestions.join('\n'));
});
