// A layout report as text for a terminal: the regions as a table, a bar drawn to scale, the key
// figures, the sizing decision and the suggestions. ANSI colours only when asked for.
import { formatBytes, groupDigits, type LayoutReport, type Region, type RegionName } from './analyze.js';

export interface TextOptions {
  /** Columns of the bar drawn to scale (default 60, at least 10). */
  width?: number;
  /** ANSI colours (default false). */
  color?: boolean;
}

const num = groupDigits;

const glyph: Record<RegionName, string> = {
  stack: '▓',
  'static data': '█',
  heap: '░',
  unused: '·',
  unknown: '?',
};

// SGR colours per region (foreground), chosen to read on dark and light terminals.
const sgr: Record<RegionName, string> = {
  stack: '35', // magenta
  'static data': '34', // blue
  heap: '32', // green
  unused: '90', // grey
  unknown: '33', // yellow
};

/** Columns for each region: proportional, every non-empty region at least one, summing to width. */
export function barColumns(regions: readonly Region[], width: number): number[] {
  const total = regions.reduce((s, r) => s + (r.end - r.start), 0);
  const sizes = regions.map((r) => r.end - r.start);
  if (total === 0) return sizes.map(() => 0);
  const nonEmpty = sizes.filter((s) => s > 0).length;
  const w = Math.max(width, nonEmpty);
  const exact = sizes.map((s) => (s * w) / total);
  const cols = exact.map((e, i) => (sizes[i] > 0 ? Math.max(1, Math.floor(e)) : 0));
  let sum = cols.reduce((a, b) => a + b, 0);
  // Hand out the remaining columns by largest remainder; take excess from the widest regions.
  const order = exact.map((e, i) => i).sort((a, b) => (exact[b] - Math.floor(exact[b])) - (exact[a] - Math.floor(exact[a])));
  for (let k = 0; sum < w && k < order.length * 2; k++) {
    const i = order[k % order.length];
    if (sizes[i] > 0) { cols[i]++; sum++; }
  }
  while (sum > w) {
    let widest = -1;
    for (let i = 0; i < cols.length; i++) if (cols[i] > 1 && (widest < 0 || cols[i] - exact[i] > cols[widest] - exact[widest])) widest = i;
    if (widest < 0) break;
    cols[widest]--;
    sum--;
  }
  return cols;
}

function kib(n: number): string {
  const k = n / 1024;
  return k === 0 ? '0' : k < 0.01 ? '<0.01' : Number.isInteger(k) ? String(k) : k.toFixed(2);
}

function pad(s: string, n: number, right = false): string {
  const len = [...s].length;
  return len >= n ? s : right ? ' '.repeat(n - len) + s : s + ' '.repeat(n - len);
}

/** Text from the module (names) must not drive the terminal: control characters become \\xNN. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderText(report: LayoutReport, options: TextOptions = {}): string {
  const width = Math.max(10, Math.floor(options.width ?? 60));
  const color = options.color === true;
  const paint = (code: string, s: string): string => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const bold = (s: string): string => paint('1', s);
  const dim = (s: string): string => paint('2', s);
  const lines: string[] = [];

  lines.push(bold(`Memory layout${report.moduleName !== null ? ` of ${clean(report.moduleName)}` : ''}`));
  lines.push('');
  const mem = report.memory;
  if (mem === null) {
    lines.push(`  ${clean(report.reason)}`);
    return `${lines.join('\n')}\n`;
  }

  // Table.
  const rows = report.regions.map((r) => [
    r.name, num(r.start), num(r.end), num(r.end - r.start), kib(r.end - r.start),
    r.grows === 'down' ? 'grows down' : r.grows === 'up' ? 'grows up' : '',
  ]);
  const head = ['region', 'start', 'end', 'bytes', 'KiB', ''];
  const widths = head.map((h, c) => Math.max([...h].length, ...rows.map((row) => [...row[c]].length)));
  const fmtRow = (row: string[]): string => row.map((cell, c) => pad(cell, widths[c], c >= 1 && c <= 4)).join('  ').trimEnd();
  lines.push(`    ${bold(fmtRow(head))}`);
  report.regions.forEach((r, i) => lines.push(`  ${paint(sgr[r.name], glyph[r.name])} ${fmtRow(rows[i])}`));

  // Bar to scale.
  const total = report.allocatedBytes.auto;
  if (total > 0 && report.regions.length > 0) {
    const cols = barColumns(report.regions, width);
    let bar = '';
    report.regions.forEach((r, i) => { if (cols[i] > 0) bar += paint(sgr[r.name], glyph[r.name].repeat(cols[i])); });
    const barWidth = cols.reduce((a, b) => a + b, 0);
    lines.push('');
    lines.push(`  0 ${bar} ${num(total)}`);
    // Mark __heap_base under the bar when it falls inside.
    const heap = report.heapBase;
    if (heap !== null && heap <= total) {
      let col = 0;
      let at = barWidth;
      for (let i = 0; i < report.regions.length; i++) {
        const r = report.regions[i];
        if (heap >= r.start && heap < r.end) { at = col + Math.min(cols[i] - 1, Math.floor(((heap - r.start) / (r.end - r.start)) * cols[i])); break; }
        if (heap < r.start) { at = col; break; }
        col += cols[i];
      }
      const offset = 4 + at; // "  0 " then the column
      const label = `^ __heap_base = ${num(heap)}`;
      lines.push(offset + label.length <= 4 + barWidth + 12 ? `${' '.repeat(offset)}${label}` : `${' '.repeat(Math.max(0, offset - label.length + 1))}${`__heap_base = ${num(heap)} ^`}`);
    }
    const names = [...new Set(report.regions.map((r) => r.name))];
    lines.push(`    ${names.map((n) => `${paint(sgr[n], glyph[n])} ${n}`).join('   ')}   ${dim(`(to scale: ${width} columns for ${num(total)} bytes; a small region still gets one)`)}`);
  }

  // Key figures.
  const sp = report.stackPointer;
  const yesNo = (b: boolean | null): string => (b === null ? 'unknown' : b ? 'yes' : 'no');
  const pages = (n: number): string => `${num(n)} page${n === 1 ? '' : 's'}`;
  const pageSize = mem.pageSize === 65536 ? '64 KiB' : formatBytes(mem.pageSize);
  const figures: [string, string][] = [
    ['memory', `${mem.imported ? 'imported' : 'defined by the module'}, initial ${pages(mem.initialPages)} of ${pageSize}, maximum ${mem.maximumPages === null ? 'none' : pages(mem.maximumPages)}`],
    ['__heap_base', report.heapBase !== null ? `${num(report.heapBase)} (exported)` : 'not exported'],
    ['__data_end', report.dataEnd !== null ? `${num(report.dataEnd)}${report.evidence?.dataEnd?.startsWith('the end of') ? ' (the last data segment\'s end; .bss has none)' : ''}` : 'unknown'],
    ['__global_base', report.globalBase !== null ? num(report.globalBase) : 'unknown'],
    ['stack pointer', sp ? `global ${sp.globalIndex}${sp.name !== null ? ` (${clean(sp.name)})` : ''}, initial ${num(sp.initial)}` : 'none found'],
    ['stack', report.stack ? `[${num(report.stack.start)}, ${num(report.stack.end)}), ${report.stackStartExact === false ? 'at most ' : ''}${formatBytes(report.stack.end - report.stack.start)}` : sp ? `unknown (its top is ${num(sp.initial)})` : 'none found'],
    ['stack first', yesNo(report.stackFirst)],
    ['heap start', report.heapStart === null ? 'unknown' : `${num(report.heapStart)}${report.heapBase !== null && report.heapStart === report.heapBase ? ' (__heap_base)' : report.evidence?.heapStart?.startsWith('inferred') ? ` (inferred${report.heapStartExact === false ? ', at least' : ''})` : ''}`],
    ['required', report.requiredBytes !== null ? formatBytes(report.requiredBytes) : 'unknown (__heap_base not exported)'],
    ['allocated', `${formatBytes(report.allocatedBytes.auto)} under 'auto', ${formatBytes(report.allocatedBytes.pages)} under 'pages'`],
    ['decision', paint(report.trimmed ? '32' : '33', clean(report.reason))],
  ];
  lines.push('');
  const fw = Math.max(...figures.map(([k]) => k.length));
  for (const [k, v] of figures) lines.push(`  ${pad(k, fw)}  ${v}`);
  if (new Set(report.blockers.map((b) => b.funcIndex)).size > 1) {
    lines.push('');
    lines.push('  memory.size / memory.grow:');
    for (const b of report.blockers) {
      const what = b.funcName !== null ? `\`${clean(b.funcName)}\`` : b.recognisedAs !== null ? `function (${b.recognisedAs}, recognised by its code)` : 'function';
      lines.push(`    - ${b.op} in ${what} (index ${b.funcIndex}) at byte 0x${b.pos.toString(16)}`);
    }
  }
  const ev = report.evidence ?? {};
  const evidence: [string, string | undefined][] = [
    ['stack pointer', ev.stackPointer], ['stack first', ev.stackFirst], ['stack', ev.stack],
    ['__global_base', ev.globalBase], ['__data_end', ev.dataEnd], ['heap start', ev.heapStart],
  ];
  if (evidence.some(([, v]) => v !== undefined)) {
    lines.push('');
    lines.push('  evidence:');
    for (const [k, v] of evidence) if (v !== undefined) lines.push(`    - ${k}: ${clean(v)}`);
  }
  if (report.suggestions.length > 0) {
    lines.push('');
    lines.push('  suggestions:');
    for (const s of report.suggestions) lines.push(`    - ${clean(s)}`);
  }
  if (report.notes.length > 0) {
    lines.push('');
    lines.push('  notes:');
    for (const n of report.notes) lines.push(`    - ${dim(clean(n))}`);
  }
  return `${lines.join('\n')}\n`;
}
