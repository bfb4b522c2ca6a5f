// The layout analysis (src/layout), its text and SVG rendering, and `heapbase inspect`, checked
// on the C fixtures in test/fixtures/memory (built by its build.sh with clang-19 and wasm-ld-19,
// committed, so the figures are stable) and on small hand-written modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { decodeModule } from '../../src/binary/decode.js';
import { CompileError } from '../../src/runtime/errors.js';
import { analyzeLayout, inspect, renderSvg, renderText, type LayoutReport, type Region } from '../../src/layout/index.js';
import { groupDigits } from '../../src/layout/analyze.js';
import { validateModule } from '../../src/validate/index.js';

const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/memory/', import.meta.url));
const fixture = (name: string): Uint8Array => readFileSync(join(fixtureDir, name));
const report = (name: string): LayoutReport => inspect(fixture(name));
const wabt = await wabtInit();
const wat = (text: string): Uint8Array =>
  wabt.parseWat('t.wat', text).toBinary({ write_debug_names: true }).buffer;

/** The value of an exported i32.const global, read from the module itself. */
function exportedConst(bytes: Uint8Array, name: string): number {
  const ir = decodeModule(bytes);
  const e = ir.exports.find((x) => x.kind === 'global' && x.name === name);
  assert.ok(e, `no export ${name}`);
  const init = ir.globalInits[e.index - ir.importedGlobalCount];
  assert.equal(init[0].op.name, 'i32.const');
  return init[0].a >>> 0;
}

const r = (name: Region['name'], start: number, end: number): Region =>
  ({ name, start, end, grows: name === 'stack' ? 'down' : name === 'heap' ? 'up' : null });

/** Regions are sorted, contiguous, start at 0 and end at the 'auto' allocation. */
function assertCovers(rep: LayoutReport): void {
  if (rep.memory === null) { assert.deepEqual(rep.regions, []); return; }
  let at = 0;
  for (const reg of rep.regions) {
    assert.equal(reg.start, at, `region ${reg.name} starts at ${reg.start}, expected ${at}`);
    assert.ok(reg.end >= reg.start);
    at = reg.end;
  }
  assert.equal(at, rep.allocatedBytes.auto);
}

const fixtures = [
  'static_data.wasm', 'static_data_initial_memory.wasm', 'static_data_small_stack.wasm', 'static_data_trimmed.wasm',
  'malloc.wasm', 'recursion.wasm', 'recursion_stack_first.wasm', 'stack_use.wasm', 'heap_write.wasm',
];

test('every fixture: regions cover [0, allocated) in order', () => {
  for (const f of fixtures) {
    const rep = report(f);
    assertCovers(rep);
    assert.equal(rep.moduleName, f, 'wasm-ld names the module after its output file');
    assert.equal(rep.memory?.imported, false);
  }
});

test('static_data.wasm: default 64 KiB stack + data = 2 pages, not trimmed', () => {
  const rep = report('static_data.wasm');
  assert.deepEqual(rep.memory, { imported: false, initialPages: 2, maximumPages: null, pageSize: 65536 });
  assert.deepEqual(rep.allocatedBytes, { auto: 131072, pages: 131072 });
  assert.equal(rep.heapBase, null);
  assert.equal(rep.requiredBytes, null);
  assert.equal(rep.trimmed, false);
  assert.equal(rep.reason, 'not trimmed: __heap_base is not exported (link with -Wl,--export=__heap_base)');
  assert.deepEqual(rep.stackPointer, { globalIndex: 0, name: '__stack_pointer', initial: 65536 });
  assert.equal(rep.stackFirst, true);
  assert.deepEqual(rep.stack, { start: 0, end: 65536 });
  assert.equal(rep.globalBase, 65536);
  assert.equal(rep.dataEnd, 65636); // the 100-byte array is the only data
  assert.deepEqual(rep.regions, [
    r('stack', 0, 65536), r('static data', 65536, 65636), r('unused', 65636, 65648), r('heap', 65648, 131072),
  ]);
  assert.deepEqual(rep.blockers, []);
  assert.ok(rep.suggestions.some((s) => s.startsWith('-Wl,--export=__heap_base')), rep.suggestions.join('\n'));
  assert.ok(rep.suggestions.some((s) => s.startsWith('-z stack-size=')), 'the 64 KiB default stack');
  assert.ok(!rep.suggestions.some((s) => s.includes('--stack-first')), 'already stack-first');
  assert.ok(!rep.suggestions.some((s) => s.includes('--initial-memory')), '2 pages is the minimum for 65,648 bytes');
  assert.ok(rep.notes.some((n) => n.includes('estimated')), 'the heap start is an estimate');
});

test('static_data_initial_memory.wasm: --initial-memory=262144 allocates 262,144 bytes', () => {
  const rep = report('static_data_initial_memory.wasm');
  assert.equal(rep.memory?.initialPages, 4);
  assert.deepEqual(rep.allocatedBytes, { auto: 262144, pages: 262144 });
  assert.equal(rep.trimmed, false);
  assert.match(rep.reason, /__heap_base is not exported/);
  assert.deepEqual(rep.stack, { start: 0, end: 65536 });
  assert.deepEqual(rep.regions.at(-1), r('heap', 65648, 262144));
  assert.ok(rep.suggestions.some((s) => s.startsWith('-Wl,--initial-memory=131072')), rep.suggestions.join('\n'));
});

test('static_data_small_stack.wasm: -z stack-size=512 fits in one page', () => {
  const rep = report('static_data_small_stack.wasm');
  assert.deepEqual(rep.allocatedBytes, { auto: 65536, pages: 65536 });
  assert.equal(rep.trimmed, false);
  assert.deepEqual(rep.stackPointer, { globalIndex: 0, name: '__stack_pointer', initial: 512 });
  assert.deepEqual(rep.regions, [r('stack', 0, 512), r('static data', 512, 612), r('unused', 612, 624), r('heap', 624, 65536)]);
  assert.ok(rep.suggestions.some((s) => s.startsWith('-Wl,--export=__heap_base') && s.includes('624 bytes')), rep.suggestions.join('\n'));
  assert.ok(!rep.suggestions.some((s) => s.startsWith('-z stack-size')), 'a 512-byte stack is not worth shrinking');
});

test('static_data_trimmed.wasm: exactly __heap_base bytes (624 with clang 19)', () => {
  const bytes = fixture('static_data_trimmed.wasm');
  const heapBase = exportedConst(bytes, '__heap_base');
  assert.equal(heapBase, 624);
  const rep = inspect(bytes);
  assert.equal(rep.heapBase, heapBase);
  assert.equal(rep.requiredBytes, heapBase);
  assert.deepEqual(rep.allocatedBytes, { auto: heapBase, pages: 65536 });
  assert.equal(rep.trimmed, true);
  assert.equal(rep.reason, 'trimmed to __heap_base (624 bytes): no memory.size or memory.grow');
  assert.equal(rep.stackFirst, true);
  assert.deepEqual(rep.stack, { start: 0, end: 512 });
  assert.equal(rep.globalBase, 512);
  assert.equal(rep.dataEnd, 612);
  assert.deepEqual(rep.regions, [
    r('stack', 0, 512), r('static data', 512, 612), r('unused', 612, 624), r('heap', 624, 624),
  ]);
  assert.deepEqual(rep.suggestions, []);
  assert.deepEqual(rep.notes, []);
});

test('malloc.wasm: not trimmed, the reason names sbrk and its memory.grow', () => {
  const rep = report('malloc.wasm');
  assert.equal(rep.trimmed, false);
  assert.match(rep.reason, /^not trimmed: memory\.grow in function `sbrk` \(index \d+\) at byte 0x[0-9a-f]+/);
  const grow = rep.blockers.find((b) => b.op === 'memory.grow');
  assert.ok(grow);
  assert.equal(grow.funcName, 'sbrk');
  assert.ok(rep.reason.includes(`(index ${grow.funcIndex}) at byte 0x${grow.pos.toString(16)}`));
  // sbrk also calls memory.size, before its memory.grow.
  assert.ok(rep.blockers.some((b) => b.op === 'memory.size' && b.funcName === 'sbrk' && b.pos < grow.pos));
  const heapBase = exportedConst(fixture('malloc.wasm'), '__heap_base');
  assert.equal(rep.heapBase, heapBase);
  assert.equal(rep.requiredBytes, heapBase);
  const pages = rep.memory!.initialPages * 65536;
  assert.deepEqual(rep.allocatedBytes, { auto: pages, pages });
  // wasi-libc's data is all zero-initialised (no segment) and __data_end is not exported:
  // the stack top is known but not where the data ends and the stack begins.
  assert.equal(rep.stackPointer?.initial, heapBase);
  assert.equal(rep.stackFirst, null);
  assert.equal(rep.stack, null);
  assert.deepEqual(rep.regions, [r('unknown', 0, heapBase), r('heap', heapBase, pages)]);
  assert.ok(rep.suggestions.some((s) => s.startsWith('-Wl,--export=__data_end')), rep.suggestions.join('\n'));
});

test('recursion.wasm: stack above the data, trimmed', () => {
  const bytes = fixture('recursion.wasm');
  const rep = inspect(bytes);
  assert.equal(rep.heapBase, exportedConst(bytes, '__heap_base'));
  assert.equal(rep.heapBase, 5136);
  assert.equal(rep.trimmed, true);
  assert.equal(rep.stackFirst, false);
  assert.equal(rep.globalBase, 1024);
  assert.equal(rep.dataEnd, 1028);
  // wasm-ld: data at __global_base (1024), the 4 KiB stack at __data_end rounded up to 16.
  assert.deepEqual(rep.stack, { start: 1040, end: 5136 });
  assert.deepEqual(rep.regions, [
    r('unused', 0, 1024), r('static data', 1024, 1028), r('unused', 1028, 1040), r('stack', 1040, 5136), r('heap', 5136, 5136),
  ]);
  assert.ok(rep.suggestions.some((s) => s.startsWith('-Wl,--stack-first')), rep.suggestions.join('\n'));
});

test('recursion_stack_first.wasm, stack_use.wasm, heap_write.wasm: stack first, trimmed', () => {
  for (const [name, stackTop, heapBase] of [
    ['recursion_stack_first.wasm', 4096, 4112], ['stack_use.wasm', 4096, 4112], ['heap_write.wasm', 1024, 1040],
  ] as const) {
    const bytes = fixture(name);
    const rep = inspect(bytes);
    assert.equal(rep.heapBase, exportedConst(bytes, '__heap_base'), name);
    assert.equal(rep.heapBase, heapBase, name);
    assert.equal(rep.trimmed, true, name);
    assert.equal(rep.stackFirst, true, name);
    assert.deepEqual(rep.stack, { start: 0, end: stackTop }, name);
    assert.deepEqual(rep.regions, [
      r('stack', 0, stackTop), r('static data', stackTop, stackTop + 4), r('unused', stackTop + 4, heapBase), r('heap', heapBase, heapBase),
    ], name);
    assert.deepEqual(rep.allocatedBytes, { auto: heapBase, pages: 65536 }, name);
    assert.deepEqual(rep.suggestions, [], name);
  }
});

// Hand-written modules: the rules one at a time.

test('no memory: memory null and a reason saying so', () => {
  const rep = inspect(wat('(module (func (export "f")))'));
  assert.equal(rep.memory, null);
  assert.match(rep.reason, /no memory/);
  assert.equal(rep.trimmed, false);
  assert.deepEqual(rep.regions, []);
  assert.deepEqual(rep.allocatedBytes, { auto: 0, pages: 0 });
  assert.match(renderText(rep), /no memory/);
  assert.match(renderSvg(rep), /no memory/);
});

test('an imported memory is not trimmed', () => {
  const rep = inspect(wat(`(module (import "env" "memory" (memory 2))
    (global (export "__heap_base") i32 (i32.const 100)))`));
  assert.equal(rep.memory?.imported, true);
  assert.equal(rep.trimmed, false);
  assert.match(rep.reason, /^not trimmed: the memory is imported/);
  assert.deepEqual(rep.allocatedBytes, { auto: 131072, pages: 131072 });
  assert.ok(rep.suggestions.some((s) => s.includes('--import-memory')));
});

test('__heap_base must be an immutable i32 global with an i32.const initialiser', () => {
  const cases: [string, RegExp][] = [
    ['(global (export "__heap_base") (mut i32) (i32.const 100))', /__heap_base is a mutable global/],
    ['(global (export "__heap_base") i64 (i64.const 100))', /__heap_base is a global of type i64/],
    ['(func (export "__heap_base"))', /the export __heap_base is a function/],
    ['(import "env" "base" (global i32)) (global (export "__heap_base") i32 (global.get 0))', /__heap_base is not initialised by an i32\.const/],
  ];
  for (const [decl, reason] of cases) {
    const rep = inspect(wat(decl.startsWith('(import') ? `(module ${decl} (memory 1))` : `(module (memory 1) ${decl})`));
    assert.equal(rep.trimmed, false, decl);
    assert.match(rep.reason, reason, decl);
    assert.equal(rep.heapBase, null, decl);
    assert.equal(rep.allocatedBytes.auto, 65536, decl);
  }
  const imported = inspect(wat('(module (import "env" "hb" (global i32)) (memory 1) (export "__heap_base" (global 0)))'));
  assert.match(imported.reason, /__heap_base is an imported global/);
});

test('memory.size or memory.grow anywhere blocks trimming; names from the name section, else the index', () => {
  const named = inspect(wat(`(module $m (memory 1) (global (export "__heap_base") i32 (i32.const 64))
    (func $f (export "f"))
    (func $pages (result i32) (memory.size)))`));
  assert.equal(named.trimmed, false);
  assert.match(named.reason, /^not trimmed: memory\.size in function `pages` \(index 1\) at byte 0x[0-9a-f]+$/);
  assert.deepEqual(named.blockers.map((b) => [b.op, b.funcIndex, b.funcName]), [['memory.size', 1, 'pages']]);
  assert.deepEqual(named.allocatedBytes, { auto: 65536, pages: 65536 });

  const anonymous = wabt.parseWat('t.wat', `(module (memory 1) (global (export "__heap_base") i32 (i32.const 64))
    (func (export "f")) (func (drop (memory.grow (i32.const 1)))))`).toBinary({}).buffer;
  const rep = inspect(anonymous);
  assert.match(rep.reason, /^not trimmed: memory\.grow in function 1 at byte 0x[0-9a-f]+$/);
  assert.equal(rep.blockers[0].funcName, null);

  const several = inspect(wat(`(module (memory 1) (global (export "__heap_base") i32 (i32.const 64))
    (func $a (drop (memory.size)) (drop (memory.grow (i32.const 0))))
    (func $b (drop (memory.grow (i32.const 0)))))`));
  assert.match(several.reason, /^not trimmed: memory\.grow in function `a` \(index 0\)/);
  assert.match(several.reason, /memory\.size at byte 0x[0-9a-f]+ in the same function/);
  assert.match(several.reason, /also in function `b` \(index 1\)/);
  assert.deepEqual(several.blockers.map((b) => [b.op, b.funcName]), [['memory.size', 'a'], ['memory.grow', 'a'], ['memory.grow', 'b']]);
  assert.match(renderText(several), /memory\.grow in `b` \(index 1\)/);
});

test('trimmed hand-written module with a stack pointer found by convention (no names)', () => {
  // wasm-ld's shape without a name section: global 0 is the stack pointer (mutable, ≤ __heap_base).
  const bytes = wabt.parseWat('t.wat', `(module (memory 1)
    (global (mut i32) (i32.const 2048))
    (global (export "__heap_base") i32 (i32.const 3072))
    (global (export "__data_end") i32 (i32.const 3000))
    (data (i32.const 2048) "hello"))`).toBinary({}).buffer;
  const rep = inspect(bytes);
  assert.deepEqual(rep.stackPointer, { globalIndex: 0, name: null, initial: 2048 });
  assert.equal(rep.trimmed, true);
  assert.equal(rep.stackFirst, true);
  assert.equal(rep.dataEnd, 3000, '__data_end wins over the segment end');
  assert.deepEqual(rep.regions, [r('stack', 0, 2048), r('static data', 2048, 3000), r('unused', 3000, 3072), r('heap', 3072, 3072)]);
});

test('__data_end and __global_base from the name section, stack above the data', () => {
  const rep = inspect(wat(`(module (memory 1)
    (global $__stack_pointer (mut i32) (i32.const 5120))
    (global $__global_base i32 (i32.const 1024))
    (global $__data_end i32 (i32.const 1500))
    (global (export "__heap_base") i32 (i32.const 5120)))`));
  assert.equal(rep.stackPointer?.name, '__stack_pointer');
  assert.equal(rep.globalBase, 1024);
  assert.equal(rep.dataEnd, 1500);
  assert.equal(rep.stackFirst, false);
  assert.deepEqual(rep.stack, { start: 1504, end: 5120 });
  assert.deepEqual(rep.regions, [
    r('unused', 0, 1024), r('static data', 1024, 1500), r('unused', 1500, 1504), r('stack', 1504, 5120), r('heap', 5120, 5120),
  ]);
  assert.ok(!rep.notes.some((n) => n.includes('lower bound')), 'the bound is exact with __data_end');
});

test('custom page sizes: one-byte pages', () => {
  // (memory 1000 (pagesize 1)): limits flag 0x08 carries the page size log2 (0).
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 1, 0x08, 0xe8, 0x07, 0]);
  const rep = inspect(bytes);
  assert.deepEqual(rep.memory, { imported: false, initialPages: 1000, maximumPages: null, pageSize: 1 });
  assert.deepEqual(rep.allocatedBytes, { auto: 1000, pages: 1000 });
});

test('a data segment past __heap_base is noted', () => {
  const rep = inspect(wat(`(module (memory 1) (global (export "__heap_base") i32 (i32.const 16))
    (data (i32.const 32) "x"))`));
  assert.equal(rep.trimmed, true);
  assert.ok(rep.notes.some((n) => n.includes('data segment 0') && n.includes('fails')), rep.notes.join('\n'));
});

test('malformed bytes: inspect throws CompileError with the offset', () => {
  assert.throws(() => inspect(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1])), (e: unknown) =>
    e instanceof CompileError && /at byte offset \d+/.test(e.message));
});

// Rendering.

test('renderText: table, figures, decision and a bar drawn to scale', () => {
  const rep = report('static_data_trimmed.wasm');
  const text = renderText(rep);
  assert.ok(!text.includes('\x1b['), 'no colour unless asked');
  for (const needle of ['static_data_trimmed.wasm', 'stack', 'static data', 'unused', 'heap', '__heap_base', '624 (exported)',
    '__data_end', '612', 'stack first    yes', "624 bytes under 'auto'", "65,536 bytes (64 KiB) under 'pages'",
    'trimmed to __heap_base (624 bytes): no memory.size or memory.grow', 'grows down', 'grows up']) {
    assert.ok(text.includes(needle), `missing ${JSON.stringify(needle)} in\n${text}`);
  }
  // The bar: 60 columns; the stack is 512/624 of it, the data and the padding at least one each.
  const bar = text.split('\n').find((l) => l.startsWith('  0 '))!;
  const cells = [...bar.slice(4, bar.lastIndexOf(' '))];
  assert.equal(cells.length, 60);
  assert.equal(cells.filter((c) => c === '▓').length, Math.round((512 / 624) * 60));
  assert.ok(cells.includes('█') && cells.includes('·'));
  assert.ok(bar.endsWith(' 624'));
  // Width option, and colour.
  const narrow = renderText(rep, { width: 20 }).split('\n').find((l) => l.startsWith('  0 '))!;
  assert.equal([...narrow.slice(4, narrow.lastIndexOf(' '))].length, 20);
  assert.ok(renderText(rep, { color: true }).includes('\x1b[35m'));
});

test('renderText: untrimmed modules show the reason, suggestions and unknowns', () => {
  const text = renderText(report('static_data.wasm'));
  assert.ok(text.includes('not trimmed: __heap_base is not exported'));
  assert.ok(text.includes('suggestions:') && text.includes('-Wl,--export=__heap_base'));
  assert.ok(text.includes('required       unknown'));
  assert.ok(text.includes("131,072 bytes (128 KiB) under 'auto'"));
  const malloc = renderText(report('malloc.wasm'));
  assert.match(malloc, /not trimmed: memory\.grow in function `sbrk`/);
  assert.ok(malloc.includes('stack first    unknown'));
  // A region of 100 bytes in 256 KiB still gets a column of the bar.
  const big = renderText(report('static_data_initial_memory.wasm')).split('\n').find((l) => l.startsWith('  0 '))!;
  assert.equal([...big].filter((c) => c === '█').length, 1);
});

/** A small well-formedness check: every tag closed in order, attributes quoted, no stray `<` or `&`. */
function assertWellFormedXml(svg: string): void {
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tagRe.exec(svg); m !== null; m = tagRe.exec(svg)) {
    const between = svg.slice(last, m.index);
    assert.ok(!between.includes('<') && !between.includes('>'), `stray markup before ${m[0]}: ${between.slice(0, 80)}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(between), `unescaped & in ${between.slice(0, 80)}`);
    for (const attr of m[3].matchAll(/="([^"]*)"/g)) assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(attr[1]), `unescaped & in attribute ${attr[1]}`);
    last = m.index + m[0].length;
    if (m[4] === '/') continue;
    if (m[1] === '/') assert.equal(stack.pop(), m[2], `unbalanced </${m[2]}>`);
    else stack.push(m[2]);
  }
  assert.equal(svg.slice(last).trim(), '');
  assert.deepEqual(stack, []);
}

test('renderSvg: a standalone, well-formed diagram with the regions and __heap_base', () => {
  for (const f of fixtures) {
    const svg = renderSvg(report(f));
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), f);
    assert.match(svg, /viewBox="0 0 \d+ \d+"/);
    assert.ok(!/(href|src)="(?!#)/.test(svg), 'no external resources');
    assertWellFormedXml(svg);
    assert.ok(svg.includes(escapeForTest(f)), 'the module name in the title');
  }
  const svg = renderSvg(report('static_data_trimmed.wasm'));
  for (const needle of ['>stack<', '>static data<', 'unused', '__heap_base = 624', '__stack_pointer = 512', 'the stack grows down', 'heap would grow up']) {
    assert.ok(svg.includes(needle), `missing ${needle}`);
  }
  const malloc = renderSvg(report('malloc.wasm'));
  assert.ok(malloc.includes('>heap<') && malloc.includes('the heap grows up') && malloc.includes('sbrk'));
  assert.ok(renderSvg(report('static_data.wasm'), { title: 'A & B' }).includes('<title>A &amp; B</title>'));
});

function escapeForTest(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

test('renderSvg and renderText escape names from the module', () => {
  const rep = inspect(wat(`(module $evil<svg>&'x' (memory 1) (global (export "__heap_base") i32 (i32.const 64))
    (func $sbrk</text><script> (drop (memory.grow (i32.const 1)))))`));
  assert.equal(rep.moduleName, "evil<svg>&'x'");
  assert.match(rep.reason, /`sbrk<\/text><script>`/);
  const svg = renderSvg(rep);
  assertWellFormedXml(svg);
  assert.ok(!svg.includes('<script>') && !svg.includes('evil<svg>'));
  assert.ok(svg.includes('evil&lt;svg&gt;&amp;&apos;x&apos;'));
  assert.ok(svg.includes('sbrk&lt;/text&gt;&lt;script&gt;'));
});

test('renderText keeps control characters from module names off the terminal', () => {
  const ir = decodeModule(wat(`(module (memory 1) (global (export "__heap_base") i32 (i32.const 64))
    (func $f (drop (memory.grow (i32.const 1)))))`));
  ir.names.module = 'mod\x1b[2J';
  ir.names.functions.set(0, 'grow\x1b]0;pwned\x07');
  const text = renderText(analyzeLayout(ir, validateModule(ir)));
  assert.ok(!text.includes('\x1b') && !text.includes('\x07'), JSON.stringify(text));
  assert.ok(text.includes('mod\\x1b[2J') && text.includes('grow\\x1b]0;pwned\\x07'));
  const svg = renderSvg(analyzeLayout(ir, validateModule(ir)));
  assert.ok(!svg.includes('\x1b') && svg.includes('mod\ufffd[2J'), 'XML 1.0 allows no control characters');
});

// The command line.

const inspectJs = fileURLToPath(new URL('../../src/cli/inspect.js', import.meta.url));
const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function runInspect(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const script = `import { inspectCommand } from ${JSON.stringify(new URL(`file://${inspectJs}`).href)};
process.exitCode = await inspectCommand(process.argv.slice(1));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

test('heapbase inspect: the table, --json, --svg, --help, errors', () => {
  const file = join(fixtureDir, 'static_data_trimmed.wasm');
  const text = runInspect(file);
  assert.equal(text.status, 0, text.stderr);
  assert.ok(text.stdout.includes('trimmed to __heap_base (624 bytes)'));
  assert.ok(text.stdout.includes('static data'));
  assert.ok(!text.stdout.includes('\x1b['), 'no colour when stdout is not a terminal');
  assert.ok(runInspect(file, '--color').stdout.includes('\x1b['));

  const json = runInspect(file, '--json');
  assert.equal(json.status, 0);
  const parsed = JSON.parse(json.stdout) as LayoutReport;
  assert.deepEqual(parsed, JSON.parse(JSON.stringify(report('static_data_trimmed.wasm'))));
  assert.equal(parsed.requiredBytes, 624);

  const dir = mkdtempSync(join(tmpdir(), 'heapbase-inspect-'));
  const svgFile = join(dir, 'layout.svg');
  const svg = runInspect(file, '--svg', svgFile);
  assert.equal(svg.status, 0);
  assert.ok(svg.stdout.includes(`SVG written to ${svgFile}`));
  assert.ok(readFileSync(svgFile, 'utf8').startsWith('<svg'));
  const both = runInspect(file, '--json', `--svg=${svgFile}`);
  JSON.parse(both.stdout);
  assert.ok(both.stderr.includes('SVG written to'));

  const help = runInspect('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: heapbase inspect/);

  const bad = join(dir, 'bad.wasm');
  writeFileSync(bad, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1]));
  const err = runInspect(bad);
  assert.equal(err.status, 1);
  assert.equal(err.stdout, '');
  assert.match(err.stderr, /^CompileError: .* \(at byte offset \d+\)\n$/);

  assert.equal(runInspect().status, 2);
  assert.equal(runInspect(file, '--bogus').status, 2);
  assert.equal(runInspect(join(dir, 'missing.wasm')).status, 1);
});

test('heapbase inspect through the main command', { skip: !existsSync(mainJs) || !readFileSync(mainJs, 'utf8').includes('inspectCommand') ? 'inspect is not wired into src/cli/main.ts yet' : false }, () => {
  const res = spawnSync(process.execPath, [mainJs, 'inspect', join(fixtureDir, 'malloc.wasm'), '--json'], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.match((JSON.parse(res.stdout) as LayoutReport).reason, /memory\.grow in function `sbrk`/);
});

test('groupDigits writes integers as toLocaleString("en-US") does, without ICU', () => {
  const values = [0, 7, 999, 1000, 65_535, 65_536, 999_999, 1_000_000, 4_294_967_295, 2 ** 53 - 1, -1, -1000, -65_536];
  for (let k = 1; k < 16; k++) values.push(10 ** k, 10 ** k - 1, 3 * 10 ** k + 17);
  for (const n of values) assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
});
