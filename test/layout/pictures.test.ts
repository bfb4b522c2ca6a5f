// The pictures of a run: renderSvg with a memory profile (the stack peak, the heap high-water
// mark and the end marker drawn over the regions of the memory at the end of the run) and
// renderHtml (one standalone page: the SVG, the text report, the profile's figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';
import { Instance, Module, renderProfileText, type MemoryProfile } from '../../src/index.js';
import { inspect, renderSvg, renderText } from '../../src/layout/index.js';
import { escapeXml } from '../../src/layout/render-svg.js';
import { renderHtml } from '../../src/layout/render-html.js';
import { WASI } from '../../src/wasi/index.js';

const profileDir = fileURLToPath(new URL('../../../test/fixtures/profile/', import.meta.url));
const layoutDir = fileURLToPath(new URL('../../../test/fixtures/memory/', import.meta.url));
const wabt = await wabtInit();
const wat = (text: string): Uint8Array =>
  wabt.parseWat('t.wat', text).toBinary({ write_debug_names: true }).buffer;

/** Runs a WASI fixture with the memory profile, its output thrown away. */
function runProfiled(name: string): { instance: Instance; bytes: Uint8Array } {
  const bytes = readFileSync(join(profileDir, name));
  const tmp = mkdtempSync(join(tmpdir(), 'hb-pictures-'));
  const out = openSync(join(tmp, 'out'), 'w+');
  try {
    const wasi = new WASI({ args: [name], stdout: out, returnOnExit: true });
    const instance = new Instance(new Module(bytes), wasi.getImportObject(), { memoryProfile: true });
    assert.equal(wasi.start(instance), 0);
    return { instance, bytes };
  } finally {
    closeSync(out);
    rmSync(tmp, { recursive: true, force: true });
  }
}

const VOID = new Set(['meta', 'link', 'br', 'hr', 'img', 'input']);

/** A small well-formedness check: tags closed in order, attributes quoted, no stray `<`, `>` or `&`. */
function assertWellFormed(doc: string, html = false): void {
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let text = doc;
  if (html) {
    assert.ok(text.startsWith('<!DOCTYPE html>\n'));
    text = text.slice('<!DOCTYPE html>'.length);
  }
  let last = 0;
  const checkText = (between: string, where: string): void => {
    assert.ok(!between.includes('<') && !between.includes('>'), `stray markup ${where}: ${between.slice(0, 80)}`);
    assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(between), `unescaped & ${where}: ${between.slice(0, 80)}`);
  };
  for (let m = tagRe.exec(text); m !== null; m = tagRe.exec(text)) {
    const between = text.slice(last, m.index);
    // CSS in <style> may hold '>' (selectors) but never '<'.
    if (stack[stack.length - 1] === 'style') assert.ok(!between.includes('<'));
    else checkText(between, `before ${m[0].slice(0, 40)}`);
    for (const attr of m[3].matchAll(/="([^"]*)"/g)) checkText(attr[1], 'in an attribute');
    last = m.index + m[0].length;
    if (m[4] === '/' || (html && VOID.has(m[2]))) continue;
    if (m[1] === '/') assert.equal(stack.pop(), m[2], `unbalanced </${m[2]}>`);
    else stack.push(m[2]);
  }
  assert.equal(text.slice(last).trim(), '');
  assert.deepEqual(stack, []);
}

interface Rect { region: string; start: number; end: number; y: number; height: number }
interface Mark { kind: string; address: number; y: number }

const attrs = (tag: string): Record<string, string> =>
  Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

function regionRects(svg: string): Rect[] {
  return [...svg.matchAll(/<rect [^>]*data-region="[^"]*"[^>]*>/g)].map((m) => {
    const a = attrs(m[0]);
    return { region: a['data-region'], start: Number(a['data-start']), end: Number(a['data-end']), y: Number(a.y), height: Number(a.height) };
  });
}

function markLines(svg: string): Mark[] {
  return [...svg.matchAll(/<line [^>]*data-mark="[^"]*"[^>]*>/g)].map((m) => {
    const a = attrs(m[0]);
    assert.equal(a.y1, a.y2, 'a mark is a horizontal line');
    return { kind: a['data-mark'], address: Number(a['data-address']), y: Number(a.y1) };
  });
}

/** Checks that the mark lies in the region holding its address, at its place in proportion (address 0 at the bottom). */
function assertAtAddress(rects: Rect[], mark: Mark, region: string): void {
  const r = rects.find((x) => x.start <= mark.address && mark.address <= x.end && x.end > x.start);
  assert.ok(r, `no region holds ${mark.kind} at ${mark.address}`);
  assert.equal(r.region, region, `${mark.kind} in the ${region}`);
  const expected = r.y + r.height - ((mark.address - r.start) / (r.end - r.start)) * r.height;
  assert.ok(Math.abs(mark.y - expected) <= 0.15, `${mark.kind} at y=${mark.y}, expected ${expected}`);
  assert.ok(mark.y >= r.y - 0.05 && mark.y <= r.y + r.height + 0.05);
}

test('renderSvg with a run profile: dlmalloc.wasm, the stack peak and the heap high-water mark over the regions', () => {
  const { instance } = runProfiled('dlmalloc.wasm');
  const profile = instance.memoryProfile();
  const layout = instance.layout;
  const sp = layout.stackPointer!;
  assert.ok(profile.stackPeak !== null && profile.stackPeak > 0 && profile.heapStart !== null && profile.heapHighWater !== null);
  assert.ok(profile.allocatedBytes > layout.allocatedBytes, 'the fixture grows its memory');
  assert.ok(profile.endMarker !== null, 'dlmalloc leaves a marker at the end of its memory');

  const svg = renderSvg(layout, { profile });
  assertWellFormed(svg);
  const rects = regionRects(svg);
  // The regions cover the memory at the end of the run, without gaps: the heap reaches its end.
  assert.equal(rects[0].start, 0);
  for (let i = 1; i < rects.length; i++) assert.equal(rects[i].start, rects[i - 1].end);
  const heap = rects[rects.length - 1];
  assert.equal(heap.region, 'heap');
  assert.equal(heap.end, profile.allocatedBytes);
  // Drawn bottom up: each region sits right on top of the one below it.
  for (let i = 1; i < rects.length; i++) assert.ok(Math.abs(rects[i].y + rects[i].height - rects[i - 1].y) <= 0.15);

  const marks = markLines(svg);
  const byKind = (kind: string): Mark => {
    const m = marks.find((x) => x.kind === kind);
    assert.ok(m, `no ${kind} mark`);
    return m;
  };
  const stackPeak = byKind('stack-peak');
  assert.equal(stackPeak.address, sp.initial - profile.stackPeak);
  assertAtAddress(rects, stackPeak, 'stack');
  const stack = rects.find((r) => r.region === 'stack')!;
  assert.ok(stackPeak.y > stack.y, 'below the stack top (the stack pointer\'s initial value)');

  const highWater = byKind('heap-high-water');
  assert.equal(highWater.address, profile.heapStart + profile.heapHighWater);
  assertAtAddress(rects, highWater, 'heap');
  assert.ok(highWater.y < stackPeak.y, 'the heap lies above the stack');

  const marker = byKind('end-marker');
  assert.equal(marker.address, profile.endMarker.end);
  assertAtAddress(rects, marker, 'heap');
  assert.ok(marker.y < highWater.y, 'the marker is above the heap in use');

  const start = byKind('memory-at-start');
  assert.equal(start.address, layout.allocatedBytes);
  assert.ok(start.y < stackPeak.y && start.y > highWater.y);

  // Labels and the profile's figures beside the column.
  for (const needle of [
    `stack peak ${profile.stackPeak.toLocaleString('en-US')} bytes`,
    `heap high-water ${profile.heapHighWater.toLocaleString('en-US')} bytes`,
    '>This run<', '>needed as linked<', `${profile.grows.length} calls`,
    ...profile.linkOptions.map((o) => `>${escapeXml(o)}<`),
  ]) assert.ok(svg.includes(needle), `missing ${needle}`);
  assert.ok(profile.neededBytes !== null && svg.includes(profile.neededBytes.toLocaleString('en-US')));
  // The labels stay inside the picture.
  const height = Number(/<svg [^>]*height="(\d+)"/.exec(svg)![1]);
  for (const m of svg.matchAll(/<text x="[\d.]+" y="(-?[\d.]+)"/g)) assert.ok(Number(m[1]) > 0 && Number(m[1]) < height, `text at y=${m[1]}`);
});

test('renderSvg without a profile is unchanged: no run marks, no data attributes', () => {
  for (const f of ['malloc.wasm', 'static_data_trimmed.wasm', 'recursion.wasm']) {
    const rep = inspect(readFileSync(join(layoutDir, f)));
    const svg = renderSvg(rep);
    assert.equal(renderSvg(rep, { profile: undefined }), svg);
    assert.ok(!svg.includes('data-'), f);
  }
});

test('renderSvg with a profile: without a stack pointer there is no stack-peak mark', () => {
  const bytes = wat(`(module (memory 1) (global (export "__heap_base") i32 (i32.const 1024))
    (func (export "run") (drop (memory.grow (i32.const 1))) (i32.store (i32.const 70000) (i32.const 1))))`);
  const instance = new Instance(new Module(bytes), {}, { memoryProfile: true });
  (instance.exports.run as () => void)();
  const profile = instance.memoryProfile();
  assert.equal(profile.stackPeak, null);
  const svg = renderSvg(instance.layout, { profile });
  assertWellFormed(svg);
  const marks = markLines(svg);
  assert.deepEqual(marks.map((m) => m.kind).sort(), ['heap-high-water', 'memory-at-start']);
  const rects = regionRects(svg);
  assertAtAddress(rects, marks.find((m) => m.kind === 'heap-high-water')!, 'heap');
  assert.equal(marks.find((m) => m.kind === 'heap-high-water')!.address, 70004);
});

/** A module whose names are markup, that grows its memory and writes to it. */
function hostile(): { instance: Instance; bytes: Uint8Array; profile: MemoryProfile } {
  const bytes = wat(`(module $<script>&x</script> (memory 1)
    (global $__stack_pointer (mut i32) (i32.const 4096))
    (global (export "__heap_base") i32 (i32.const 4096))
    (func $<img&src=x> (export "run")
      (global.set $__stack_pointer (i32.sub (global.get $__stack_pointer) (i32.const 64)))
      (i32.store (global.get $__stack_pointer) (i32.const 1))
      (drop (memory.grow (i32.const 1)))
      (i32.store (i32.const 70000) (i32.const 1))
      (global.set $__stack_pointer (i32.add (global.get $__stack_pointer) (i32.const 64)))))`);
  const instance = new Instance(new Module(bytes), {}, { memoryProfile: true });
  (instance.exports.run as () => void)();
  return { instance, bytes, profile: instance.memoryProfile() };
}

test('renderSvg and renderHtml escape names from the module', () => {
  const { instance, bytes, profile } = hostile();
  assert.equal(instance.layout.moduleName, '<script>&x</script>');
  assert.equal(profile.grows[0].funcName, '<img&src=x>');
  const svg = renderSvg(instance.layout, { profile });
  assertWellFormed(svg);
  assert.ok(!svg.includes('<script') && svg.includes('&lt;script&gt;&amp;x&lt;/script&gt;'));
  const marks = markLines(svg);
  assert.deepEqual(marks.find((m) => m.kind === 'stack-peak')?.address, 4096 - 64);
  // Without data segments, static data and stack are one 'unknown' region below the stack pointer.
  assertAtAddress(regionRects(svg), marks.find((m) => m.kind === 'stack-peak')!, 'unknown');
  const profileText = renderProfileText(profile);
  assert.ok(profileText.includes('<img&src=x>'));
  const html = renderHtml({ report: instance.layout, text: renderText(inspect(bytes)), profile, profileText });
  assertWellFormed(html, true);
  assert.ok(!html.includes('<script') && !html.includes('<img'));
  assert.ok(html.includes('<title>Memory profile of &lt;script&gt;&amp;x&lt;/script&gt;</title>'));
  assert.ok(html.includes('&lt;img&amp;src=x&gt; (function 0)'), 'the grow table names the function, escaped');
});

test('renderHtml: one standalone page with the SVG inline, the text report and the profile', () => {
  const { instance, bytes } = runProfiled('dlmalloc.wasm');
  const profile = instance.memoryProfile();
  const profileText = renderProfileText(profile);
  const text = renderText(inspect(bytes), { color: true });
  assert.ok(text.includes('\x1b['), 'the text is coloured');
  const html = renderHtml({ report: instance.layout, text, profile, profileText });
  assertWellFormed(html, true);
  assert.ok(html.includes('<title>Memory profile of dlmalloc.wasm</title>'));
  assert.ok(html.includes(renderSvg(instance.layout, { profile }).trimEnd()), 'the SVG inline');
  assert.ok(!html.includes('\x1b'), 'no colour escapes');
  assert.ok(html.includes(escapeXml(renderText(inspect(bytes), { color: false }).trimEnd())), 'the text report, escaped');
  assert.ok(html.includes(escapeXml(profileText.trimEnd())), 'the profile text, escaped');
  assert.ok(html.includes('&apos;auto&apos;'));
  assert.ok(!/<script|<link|\s(src|href)=/i.test(html), 'no scripts, no external resources');
  const rows = Object.fromEntries([...html.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>(.*?)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]));
  assert.equal(rows['memory.grow calls'], String(profile.grows.length));
  assert.match(rows['needed as linked'], new RegExp(`^${profile.neededAsLinked.toLocaleString('en-US')} bytes`));
  assert.equal(rows['link options'], profile.linkOptions.map((o) => `<code>${o}</code>`).join(' '));
  assert.equal((html.match(/<tr><td class="n">/g) ?? []).length, profile.grows.length, 'one row per memory.grow');

  // For a layout alone: no profile sections.
  const rep = inspect(bytes);
  const page = renderHtml({ report: rep, text: renderText(rep) });
  assertWellFormed(page, true);
  assert.ok(page.includes('<title>Memory layout of dlmalloc.wasm</title>') && page.includes(renderSvg(rep).trimEnd()));
  assert.ok(!page.includes('This run') && !page.includes('data-mark'));
});
