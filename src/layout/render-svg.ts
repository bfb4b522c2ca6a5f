// A layout report as a standalone SVG diagram: the memory as a vertical column, address 0 at the
// bottom, each region coloured and labelled; arrows for the stack growing down and the heap
// growing up; __heap_base and the stack pointer marked; the key figures and the sizing decision
// beside it. No external resources; every text from the module is escaped.
//
// With a run's memory profile (`heapbase run --memory-profile --svg`), the column is the memory
// as it was at the end of the run (the heap reaching up to what memory.grow added), with lines
// for the stack peak, the heap high-water mark and an allocator's end marker, and the profile's
// figures (needed as linked, relinked size, link options) beside it.
import { clipRegions, formatBytes, groupDigits, type LayoutReport, type Region, type RegionName } from './analyze.js';
import type { MemoryProfile } from './profile.js';

export interface SvgOptions {
  /** Title; default "Memory layout of <module name>" (or without the name when it is unknown). */
  title?: string;
  /** A run's memory profile, drawn over the layout (the layout should be the run's instance's). */
  profile?: MemoryProfile;
}

/**
 * A module's layout (allocatedBytes per policy), or an instance's (`Instance.layout`: the bytes
 * allocated for it).
 */
export type SvgLayout = Omit<LayoutReport, 'allocatedBytes'> & { allocatedBytes: LayoutReport['allocatedBytes'] | number };

const num = groupDigits;

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
    // Characters XML 1.0 does not allow, even escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

type ProfileMark = 'stack-peak' | 'heap-high-water' | 'end-marker' | 'memory-at-start';
const PROFILE_COLORS: Record<ProfileMark, string> = {
  'stack-peak': '#c026d3',
  'heap-high-water': '#ea580c',
  'end-marker': '#0891b2',
  'memory-at-start': '#6b7280',
};

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";

interface Style { fill: string; stroke: string; text: string }
const styles: Record<RegionName, Style> = {
  stack: { fill: '#ede4ff', stroke: '#7c3aed', text: '#4c1d95' },
  'static data': { fill: '#dbeafe', stroke: '#2563eb', text: '#1e3a8a' },
  heap: { fill: '#dcfce7', stroke: '#16a34a', text: '#14532d' },
  unused: { fill: 'url(#hatch-unused)', stroke: '#9ca3af', text: '#4b5563' },
  unknown: { fill: 'url(#hatch-unknown)', stroke: '#d97706', text: '#78350f' },
};

/** Heights for the regions: proportional, but at least `min` for a non-empty region; sum = total. */
function heights(regions: readonly Region[], total: number, min: number): { h: number[]; enlarged: boolean } {
  const sizes = regions.map((r) => r.end - r.start);
  const h = sizes.map(() => 0);
  const fixed = new Set<number>();
  let enlarged = false;
  for (;;) {
    const free = sizes.reduce((s, v, i) => s + (fixed.has(i) || v === 0 ? 0 : v), 0);
    const room = total - fixed.size * min;
    let changed = false;
    sizes.forEach((v, i) => {
      if (v === 0 || fixed.has(i)) return;
      h[i] = free > 0 ? (v / free) * room : 0;
      if (h[i] < min) { fixed.add(i); h[i] = min; changed = true; enlarged = true; }
    });
    if (!changed || fixed.size === sizes.filter((v) => v > 0).length) break;
  }
  for (const i of fixed) h[i] = min;
  return { h, enlarged };
}

/** Greedy word wrap to at most `max` characters a line. */
function wrap(text: string, max: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= max) line += ` ${word}`;
    else { out.push(line); line = word; }
    while (line.length > max) { out.push(line.slice(0, max)); line = line.slice(max); }
  }
  if (line !== '') out.push(line);
  return out;
}

function shortBytes(n: number): string {
  if (n < 1024) return `${num(n)} B`;
  const k = n / 1024;
  if (k < 1024) return `${Number.isInteger(k) ? k : k.toFixed(k < 10 ? 2 : 1)} KiB`;
  const m = k / 1024;
  return `${Number.isInteger(m) ? m : m.toFixed(2)} MiB`;
}

/** The regions as they were at the end of a run: clipped to the memory, the heap up to its end. */
function regionsAtExit(regions: readonly Region[], bytes: number): Region[] {
  const out = clipRegions(regions, bytes);
  const last = out[out.length - 1];
  if (last !== undefined && last.end < bytes) out.push({ name: 'heap', start: last.end, end: bytes, grows: 'up' });
  return out;
}

export function renderSvg(report: SvgLayout, options: SvgOptions = {}): string {
  const profile = options.profile;
  const W = report.memory === null ? 640 : 1040;
  const title = options.title ?? `${profile ? 'Memory at the end of a run' : 'Memory layout'}${report.moduleName !== null ? ` of ${report.moduleName}` : ''}`;
  const parts: string[] = [];
  const t = (x: number, y: number, text: string, attrs = ''): string =>
    `<text x="${r1(x)}" y="${r1(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(text)}</text>`;

  const mem = report.memory;
  const perInstance = typeof report.allocatedBytes === 'number';
  const auto = typeof report.allocatedBytes === 'number' ? report.allocatedBytes : report.allocatedBytes.auto;
  const pages = typeof report.allocatedBytes === 'number' ? report.allocatedBytes : report.allocatedBytes.pages;
  // The memory drawn: the allocation, or the memory at the end of the run.
  const memEnd = profile ? profile.allocatedBytes : auto;
  const regions = profile ? regionsAtExit(report.regions, memEnd) : report.regions;
  const grew = profile !== undefined && profile.allocatedBytes > auto;
  const growCalls = (n: number): string => `${num(n)} memory.grow call${n === 1 ? '' : 's'}`;
  const subtitle = mem === null
    ? report.reason
    : profile
      ? `${formatBytes(profile.allocatedBytes)} at the end of the run (${num(profile.pages)} page${profile.pages === 1 ? '' : 's'} by memory.size) · ${grew ? `${formatBytes(auto)} at the start · ` : ''}${growCalls(profile.grows.length)}`
      : perInstance
        ? `${formatBytes(auto)} allocated for this instance${report.trimmed ? ' (trimmed)' : ''}`
        : `${formatBytes(auto)} allocated under 'auto'${report.trimmed ? ' (trimmed to __heap_base)' : ''} · ${formatBytes(pages)} under 'pages'`;

  // Geometry of the column.
  const colX = 130;
  const colW = 210;
  const top = 120;
  const ghost = mem !== null && pages > auto && !profile ? 56 : 0; // dashed box for what only 'pages' allocates
  const colTop = top + ghost;
  const colH = mem === null || regions.length === 0 ? 0 : Math.max(profile ? 440 : 360, 40 * regions.filter((r) => r.end > r.start).length);
  const colBottom = colTop + colH;

  // Right panel lines (figures, decision, suggestions, notes), wrapped to the panel's width.
  const panelX = 700;
  const panelChars = 44;
  const valueX = panelX + 132;
  type Line = { text: string; value?: string; kind: 'head' | 'key' | 'option' | 'body' | 'good' | 'bad' | 'gap' };
  const panel: Line[] = [];
  if (mem !== null) {
    const sp = report.stackPointer;
    const kv = (k: string, v: string): void => { for (const [i, l] of wrap(v, 24).entries()) panel.push({ text: i === 0 ? k : '', value: l, kind: 'key' }); };
    panel.push({ text: 'Figures', kind: 'head' });
    kv('__heap_base', report.heapBase !== null ? num(report.heapBase) : 'not exported');
    kv('__data_end', report.dataEnd !== null ? num(report.dataEnd) : 'unknown');
    kv('__global_base', report.globalBase !== null ? num(report.globalBase) : 'unknown');
    kv('stack pointer', sp ? `${sp.name ?? `global ${sp.globalIndex}`} = ${num(sp.initial)}` : 'none found');
    kv('stack first', report.stackFirst === null ? 'unknown' : report.stackFirst ? 'yes' : 'no');
    kv('required', report.requiredBytes !== null ? formatBytes(report.requiredBytes) : 'unknown');
    if (perInstance) kv('allocated', formatBytes(auto));
    else {
      kv('allocated (auto)', formatBytes(auto));
      kv('allocated (pages)', formatBytes(pages));
    }
    kv('initial memory', `${num(mem.initialPages)} × ${mem.pageSize === 65536 ? '64 KiB' : formatBytes(mem.pageSize)}${mem.imported ? ', imported' : ''}`);
    if (mem.maximumPages !== null) kv('maximum', `${num(mem.maximumPages)} page${mem.maximumPages === 1 ? '' : 's'}`);
    if (profile) {
      const p = profile;
      panel.push({ text: '', kind: 'gap' });
      panel.push({ text: 'This run', kind: 'head' });
      kv('memory at exit', formatBytes(p.allocatedBytes));
      const failed = p.grows.filter((g) => g.result < 0).length;
      kv('memory.grow', `${num(p.grows.length)} call${p.grows.length === 1 ? '' : 's'}${failed > 0 ? `, ${num(failed)} failed` : ''}`);
      kv('stack peak', p.stackPeak === null ? 'unknown' : formatBytes(p.stackPeak));
      if (p.stackSize !== null) kv('stack reserved', `${formatBytes(p.stackSize)}${p.stackSizeFrom === 'wasm-ld default' ? " (wasm-ld's default)" : ''}`);
      kv('heap high-water', p.heapHighWater === null ? 'unknown' : formatBytes(p.heapHighWater));
      kv('highest write', num(p.highestWrite));
      if (p.endMarker !== null) kv('end marker', `at ${num(p.endMarker.end)}, ${num(p.endMarker.bytesBeforeMemoryEnd)} bytes before the end`);
      kv('needed as linked', formatBytes(p.neededAsLinked));
      kv('relinked', p.linkOptions.length === 0 ? 'no relink suggested' : p.neededBytes === null ? 'size unknown' : formatBytes(p.neededBytes));
      if (p.linkOptions.length > 0) {
        panel.push({ text: 'link options:', kind: 'body' });
        for (const o of p.linkOptions) for (const l of wrap(o, panelChars)) panel.push({ text: l, kind: 'option' });
      }
    }
    panel.push({ text: '', kind: 'gap' });
    panel.push({ text: 'Decision', kind: 'head' });
    for (const l of wrap(report.reason, panelChars)) panel.push({ text: l, kind: report.trimmed ? 'good' : 'bad' });
    if (report.suggestions.length > 0) {
      panel.push({ text: '', kind: 'gap' });
      panel.push({ text: 'Suggestions', kind: 'head' });
      for (const s of report.suggestions) {
        // "option: why": the option on its own line in monospace, the explanation under it.
        const colon = s.indexOf(': ');
        const option = colon > 0 ? s.slice(0, colon) : null;
        if (option !== null) panel.push({ text: option, kind: 'option' });
        for (const l of wrap(option !== null ? s.slice(colon + 2) : s, panelChars - 2)) panel.push({ text: l, kind: 'body' });
      }
    }
  }
  const panelTop = top;
  const panelLineH = 19;
  const panelBottom = panelTop + panel.length * panelLineH;

  // Notes under everything.
  const footer: string[] = [];
  let regionHeights: number[] = [];
  if (colH > 0) {
    const { h, enlarged } = heights(regions, colH, 34);
    regionHeights = h;
    if (enlarged) footer.push('Heights are to scale, except that small regions are drawn at a minimum height so they can be read.');
  }
  if (profile && colH > 0) {
    footer.push(`The lines mark what the run used: the stack's lowest point, the heap's high-water mark${profile.endMarker !== null ? ", the allocator's end marker" : ''}${grew ? ', and where the memory ended before memory.grow' : ''}; shaded: the stack and heap in use at their peaks. The heap region reaches the memory's size at the end of the run.`);
  }
  for (const n of report.notes) footer.push(`Note: ${n}`);
  const footerLines = footer.flatMap((f) => wrap(f, 120));
  const contentBottom = Math.max(colBottom + 40, panelBottom + 10);
  const H = mem === null ? 64 + 18 * wrap(subtitle, 110).length + 14 : Math.ceil(contentBottom + 16 + footerLines.length * 17 + 14);

  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(FONT)}" role="img" aria-label="${escapeXml(title)}">`);
  parts.push(`<title>${escapeXml(title)}</title>`);
  parts.push('<defs>'
    + '<pattern id="hatch-unused" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#f3f4f6"/><line x1="0" y1="0" x2="0" y2="8" stroke="#d1d5db" stroke-width="3"/></pattern>'
    + '<pattern id="hatch-unknown" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fffbeb"/><line x1="0" y1="0" x2="0" y2="8" stroke="#fcd34d" stroke-width="3"/></pattern>'
    + '<marker id="arrow-stack" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#7c3aed"/></marker>'
    + '<marker id="arrow-heap" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#16a34a"/></marker>'
    + '</defs>');
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(t(24, 40, title, 'font-size="22" font-weight="700" fill="#111827"'));
  for (const [i, l] of wrap(subtitle, 110).entries()) parts.push(t(24, 66 + i * 18, l, 'font-size="14" fill="#4b5563"'));

  if (colH > 0) {
    // y of an address boundary, from the region heights (address 0 at the bottom).
    const bounds: { addr: number; y: number }[] = [];
    let y = colBottom;
    bounds.push({ addr: 0, y });
    regions.forEach((r, i) => {
      y -= regionHeights[i];
      bounds.push({ addr: r.end, y });
    });
    const yOf = (addr: number): number => {
      for (let i = 0; i < regions.length; i++) {
        const r = regions[i];
        if (addr >= r.start && addr <= r.end && r.end > r.start) {
          const y0 = bounds[i].y;
          return y0 - ((addr - r.start) / (r.end - r.start)) * regionHeights[i];
        }
      }
      return addr <= 0 ? colBottom : colTop;
    };

    // Ghost box: memory that only the 'pages' policy allocates.
    if (ghost > 0) {
      parts.push(`<rect x="${colX}" y="${top + 4}" width="${colW}" height="${ghost - 8}" rx="4" fill="#f9fafb" stroke="#9ca3af" stroke-dasharray="5 4"/>`);
      parts.push(t(colX + colW / 2, top + ghost / 2 - 2, `+ ${formatBytes(pages - auto).replace(/ \(.*\)$/, '')}`, `text-anchor="middle" font-size="12" fill="#6b7280" font-family="${escapeXml(MONO)}"`));
      parts.push(t(colX + colW / 2, top + ghost / 2 + 13, "allocated only under 'pages'", 'text-anchor="middle" font-size="11" fill="#6b7280"'));
      parts.push(t(colX - 10, top + 8, num(pages), `text-anchor="end" dominant-baseline="middle" font-size="12" fill="#9ca3af" font-family="${escapeXml(MONO)}"`));
    }

    // Regions.
    regions.forEach((r, i) => {
      const h = regionHeights[i];
      if (h <= 0) return;
      const yTop = bounds[i + 1].y;
      const st = styles[r.name];
      const at = profile ? ` data-region="${escapeXml(r.name)}" data-start="${r.start}" data-end="${r.end}"` : '';
      parts.push(`<rect x="${colX}" y="${r1(yTop)}" width="${colW}" height="${r1(h)}" fill="${st.fill}" stroke="${st.stroke}" stroke-width="1.5"${at}/>`);
      const size = r.end - r.start;
      const cx = colX + colW / 2 - (r.grows ? 10 : 0);
      if (h >= 48) {
        const unknownNote = r.name === 'unknown' ? 'static data and stack: not told apart' : null;
        const dy = unknownNote ? -8 : 0;
        parts.push(t(cx, yTop + h / 2 - 4 + dy, r.name, `text-anchor="middle" font-size="15" font-weight="600" fill="${st.text}"`));
        parts.push(t(cx, yTop + h / 2 + 14 + dy, formatBytes(size), `text-anchor="middle" font-size="12" fill="${st.text}"`));
        if (unknownNote && h >= 64) parts.push(t(cx, yTop + h / 2 + 30 + dy, unknownNote, `text-anchor="middle" font-size="11" font-style="italic" fill="${st.text}"`));
      } else {
        parts.push(t(cx, yTop + h / 2 + 5, `${r.name} · ${shortBytes(size)}`, `text-anchor="middle" font-size="13" font-weight="600" fill="${st.text}"`));
      }
    });
    // The run: the stack and the heap in use at their peaks, shaded.
    if (profile) {
      const shade = (lo: number, hi: number, color: string, what: string): void => {
        const y0 = yOf(Math.min(hi, memEnd));
        const y1 = yOf(Math.max(0, lo));
        if (y1 - y0 < 0.5) return;
        parts.push(`<rect x="${colX}" y="${r1(y0)}" width="${colW}" height="${r1(y1 - y0)}" fill="${color}" fill-opacity="0.16" stroke="none"><title>${escapeXml(what)}</title></rect>`);
      };
      const sp = report.stackPointer;
      if (sp !== null && profile.stackPeak !== null && profile.stackPeak > 0) {
        shade(sp.initial - profile.stackPeak, sp.initial, PROFILE_COLORS['stack-peak'], `the stack in use at its peak: ${formatBytes(profile.stackPeak)}`);
      }
      if (profile.heapStart !== null && profile.heapHighWater !== null && profile.heapHighWater > 0) {
        shade(profile.heapStart, profile.heapStart + profile.heapHighWater, PROFILE_COLORS['heap-high-water'], `the heap in use at its peak: ${formatBytes(profile.heapHighWater)}`);
      }
    }
    parts.push(`<rect x="${colX}" y="${colTop}" width="${colW}" height="${colH}" fill="none" stroke="#374151" stroke-width="2"/>`);

    // Growth arrows, inside the column near its right edge.
    const ax = colX + colW - 18;
    regions.forEach((r, i) => {
      if (r.grows === null) return;
      const h = regionHeights[i];
      const yTop = bounds[i + 1].y;
      const yBot = bounds[i].y;
      if (r.grows === 'down' && h > 0) {
        const len = Math.min(70, h - 16);
        parts.push(`<line x1="${ax}" y1="${r1(yTop + 5)}" x2="${ax}" y2="${r1(yTop + 5 + len)}" stroke="#7c3aed" stroke-width="2.5" marker-end="url(#arrow-stack)"><title>the stack grows down</title></line>`);
      }
      if (r.grows === 'up') {
        if (h > 0) {
          const len = Math.min(70, h - 10);
          parts.push(`<line x1="${ax}" y1="${r1(yBot - 5)}" x2="${ax}" y2="${r1(yBot - 5 - len)}" stroke="#16a34a" stroke-width="2.5" marker-end="url(#arrow-heap)"><title>the heap grows up</title></line>`);
        } else if (ghost > 0 || r.start === memEnd) {
          // A heap of 0 bytes (trimmed): the arrow points out of the top of the allocation.
          const len = Math.min(34, Math.max(ghost, 40) - 14);
          parts.push(`<line x1="${ax}" y1="${r1(yBot - 3)}" x2="${ax}" y2="${r1(yBot - 3 - len)}" stroke="#16a34a" stroke-width="2.5" stroke-dasharray="4 3" marker-end="url(#arrow-heap)"><title>the heap would grow up from here: 0 bytes allocated</title></line>`);
        }
      }
    });

    // The stack pointer is known but the stack could not be placed: it still grows down from its top.
    if (report.stack === null && report.stackPointer !== null && report.stackPointer.initial <= memEnd) {
      const y0 = yOf(report.stackPointer.initial);
      const len = Math.min(70, y0 - colTop > 0 ? colBottom - y0 - 10 : 0, colBottom - y0 - 10);
      if (len > 10) parts.push(`<line x1="${ax}" y1="${r1(y0 + 5)}" x2="${ax}" y2="${r1(y0 + 5 + len)}" stroke="#7c3aed" stroke-width="2.5" stroke-dasharray="5 3" marker-end="url(#arrow-stack)"><title>the stack grows down from the stack pointer's initial value</title></line>`);
    }

    // Addresses on the left, at every boundary.
    let lastY = Infinity;
    for (const b of bounds) {
      parts.push(`<line x1="${colX - 7}" y1="${r1(b.y)}" x2="${colX}" y2="${r1(b.y)}" stroke="#374151" stroke-width="1.5"/>`);
      if (Math.abs(lastY - b.y) < 13) continue; // a zero-size region: the address is already there
      parts.push(t(colX - 10, b.y, num(b.addr), `text-anchor="end" dominant-baseline="middle" font-size="12" fill="#374151" font-family="${escapeXml(MONO)}"`));
      lastY = b.y;
    }
    parts.push(t(colX - 10, colBottom + 22, 'address', 'text-anchor="end" font-size="11" fill="#9ca3af"'));

    // Symbols on the right: __heap_base, the stack pointer, __data_end.
    const marks: { addr: number; label: string; sub: string[]; color: string; strong: boolean; kind?: ProfileMark }[] = [];
    const sp = report.stackPointer;
    const hb = report.heapBase;
    const spName = sp ? sp.name ?? `global ${sp.globalIndex}` : '';
    if (hb !== null) {
      marks.push({ addr: hb, label: `__heap_base = ${num(hb)}`, sub: [], color: '#dc2626', strong: true });
      if (sp !== null && sp.initial === hb) marks[0].sub.push(`also ${spName}: the stack top`);
    }
    if (sp !== null && sp.initial !== hb) {
      marks.push({ addr: sp.initial, label: `${spName} = ${num(sp.initial)}`, sub: ['the stack top'], color: '#7c3aed', strong: false });
    }
    if (report.dataEnd !== null && !marks.some((m) => m.addr === report.dataEnd)) {
      marks.push({ addr: report.dataEnd, label: `__data_end = ${num(report.dataEnd)}`, sub: [], color: '#2563eb', strong: false });
    }
    if (profile) {
      // What the run used, over the layout.
      const mark = (kind: ProfileMark, addr: number, label: string, sub: string[]): void => {
        marks.push({ addr, label, sub, color: PROFILE_COLORS[kind], strong: true, kind });
      };
      if (sp !== null && profile.stackPeak !== null) {
        mark('stack-peak', sp.initial - profile.stackPeak, `stack peak ${num(profile.stackPeak)} bytes`, [`the lowest the stack went: ${num(sp.initial - profile.stackPeak)}`]);
      }
      if (profile.heapStart !== null && profile.heapHighWater !== null) {
        mark('heap-high-water', profile.heapStart + profile.heapHighWater, `heap high-water ${num(profile.heapHighWater)} bytes`, [`in use up to ${num(profile.heapStart + profile.heapHighWater)}`]);
      }
      if (profile.endMarker !== null) {
        mark('end-marker', profile.endMarker.end, `end marker at ${num(profile.endMarker.end)}`, [`an allocator's, ${num(profile.endMarker.bytesBeforeMemoryEnd)} bytes before the end`]);
      }
      if (grew) mark('memory-at-start', auto, `memory at the start: ${num(auto)}`, [`above: added by ${growCalls(profile.grows.filter((g) => g.result >= 0).length)}`]);
    }
    const emptyHeap = regions.find((r) => r.name === 'heap' && r.end === r.start);
    for (const m of marks) if (emptyHeap && m.addr === emptyHeap.start && m.strong) m.sub.push('the heap: 0 bytes allocated');
    const placed = marks
      .filter((m) => m.addr <= memEnd)
      .map((m) => ({ ...m, y: yOf(m.addr), ly: yOf(m.addr) }))
      .sort((a, b) => b.y - a.y);
    // Spread the labels so they do not overlap, from the bottom up (a label's sub-lines sit under it).
    for (let i = 1; i < placed.length; i++) {
      const limit = placed[i - 1].ly - 18 - placed[i].sub.length * 15;
      if (placed[i].ly > limit) placed[i].ly = limit;
    }
    // With the run's marks the labels may crowd out of the top: then spread them down from there.
    const minLy = top - 16;
    if (profile && placed.length > 0 && placed[placed.length - 1].ly < minLy) {
      placed[placed.length - 1].ly = minLy;
      for (let i = placed.length - 2; i >= 0; i--) {
        const limit = placed[i + 1].ly + 18 + placed[i + 1].sub.length * 15;
        if (placed[i].ly < limit) placed[i].ly = limit;
      }
    }
    const lx = colX + colW + 40;
    for (const m of placed) {
      const at = m.kind !== undefined ? ` data-mark="${m.kind}" data-address="${m.addr}"` : '';
      if (m.strong) parts.push(`<line x1="${colX - 4}" y1="${r1(m.y)}" x2="${colX + colW + 4}" y2="${r1(m.y)}" stroke="${m.color}" stroke-width="2" stroke-dasharray="6 4"${at}/>`);
      parts.push(`<polyline points="${colX + colW + 4},${r1(m.y)} ${colX + colW + 20},${r1(m.y)} ${lx - 6},${r1(m.ly)}" fill="none" stroke="${m.color}" stroke-width="1.2"/>`);
      parts.push(t(lx, m.ly, m.label, `dominant-baseline="middle" font-size="12.5" font-weight="${m.strong ? 700 : 500}" fill="${m.color}" font-family="${escapeXml(MONO)}"`));
      m.sub.forEach((line, i) => parts.push(t(lx, m.ly + 15 * (i + 1), line, `dominant-baseline="middle" font-size="11.5" fill="${m.color}"`)));
    }

    // Legend under the column.
    const names = [...new Set(regions.filter((r) => r.end > r.start).map((r) => r.name))];
    let lgx = colX - 100;
    const lgy = colBottom + 44;
    for (const n of names) {
      parts.push(`<rect x="${lgx}" y="${lgy - 10}" width="12" height="12" fill="${styles[n].fill}" stroke="${styles[n].stroke}"/>`);
      parts.push(t(lgx + 17, lgy, n, 'font-size="12" fill="#374151"'));
      lgx += 28 + n.length * 7;
    }
  }

  // Right panel.
  if (panel.length > 0) {
    parts.push(`<rect x="${panelX - 16}" y="${panelTop - 20}" width="${W - panelX + 2}" height="${panel.length * panelLineH + 24}" rx="8" fill="#f9fafb" stroke="#e5e7eb"/>`);
    panel.forEach((l, i) => {
      const y = panelTop + i * panelLineH;
      switch (l.kind) {
        case 'head': parts.push(t(panelX, y, l.text, 'font-size="14" font-weight="700" fill="#111827"')); break;
        case 'key':
          if (l.text !== '') parts.push(t(panelX, y, l.text, 'font-size="13" font-weight="600" fill="#374151"'));
          parts.push(t(valueX, y, l.value ?? '', `font-size="12.5" fill="#111827" font-family="${escapeXml(MONO)}"`));
          break;
        case 'good': parts.push(t(panelX, y, l.text, 'font-size="13" fill="#15803d"')); break;
        case 'bad': parts.push(t(panelX, y, l.text, 'font-size="13" fill="#b45309"')); break;
        case 'option': parts.push(t(panelX, y, l.text, `font-size="12.5" font-weight="700" fill="#111827" font-family="${escapeXml(MONO)}"`)); break;
        case 'body': parts.push(t(panelX + 12, y, l.text, 'font-size="12.5" fill="#374151"')); break;
        case 'gap': break;
      }
    });
  }

  footerLines.forEach((l, i) => parts.push(t(24, contentBottom + 24 + i * 17, l, 'font-size="12" fill="#6b7280"')));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function r1(n: number): string {
  return String(Math.round(n * 10) / 10);
}
