// A layout report (and, for a run, its memory profile) as one standalone HTML page: the SVG
// diagram inline, the text report, and the profile's figures as a table. No external resources
// and no scripts; every text from the module is escaped.
import { formatBytes, groupDigits } from './analyze.js';
import { growSite, type MemoryProfile } from './profile.js';
import { escapeXml, renderSvg, type SvgLayout } from './render-svg.js';

export interface HtmlInput {
  /** The layout: a module's (`inspect`) or, for a run, the instance's (`Instance.layout`). */
  report: SvgLayout;
  /** The text report (renderText's output; colour escapes are removed). */
  text: string;
  /** The run's memory profile, if the page is for a run. */
  profile?: MemoryProfile;
  /** The profile as text (renderProfileText's output). */
  profileText?: string;
  /** Page title; default "Memory layout of <module name>" (for a run: "Memory profile of …"). */
  title?: string;
}

const num = groupDigits;

/** Removes ANSI escape sequences (colour) from terminal text. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

const STYLE = `
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #111827; background: #ffffff; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 16px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
figure { margin: 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; border: 1px solid #e5e7eb; border-radius: 8px; }
pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 13px; background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px; overflow-x: auto; white-space: pre; }
table { border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 4px 14px 4px 0; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { font-weight: 600; color: #374151; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace; font-size: 13px; }
`;

function profileRows(p: MemoryProfile): [string, string][] {
  const rows: [string, string][] = [];
  const e = escapeXml;
  const failed = p.grows.filter((g) => g.result < 0).length;
  rows.push(['memory at exit', e(`${formatBytes(p.allocatedBytes)}, ${num(p.pages)} page${p.pages === 1 ? '' : 's'} by memory.size`)]);
  rows.push(['memory.grow calls', e(`${num(p.grows.length)}${failed > 0 ? ` (${num(failed)} failed)` : ''}`)]);
  rows.push(['stack peak', e(p.stackPeak === null ? 'unknown (no stack pointer found)' : formatBytes(p.stackPeak))]);
  rows.push(['stack reserved', e(p.stackSize === null ? 'unknown' : `${formatBytes(p.stackSize)}${p.stackSizeFrom === 'wasm-ld default' ? " (taken to be wasm-ld's default: the layout gives only an upper bound)" : ''}`)]);
  rows.push(['heap start', e(p.heapStart === null ? 'unknown' : num(p.heapStart))]);
  rows.push(['heap high-water', e(p.heapHighWater === null ? 'unknown' : formatBytes(p.heapHighWater))]);
  rows.push(['highest write ends at', e(num(p.highestWrite))]);
  rows.push(['end marker', e(p.endMarker === null ? 'none' : `a write ending at ${num(p.endMarker.end)}, ${num(p.endMarker.bytesBeforeMemoryEnd)} bytes before the memory's end`)]);
  rows.push(['needed as linked', e(formatBytes(p.neededAsLinked))]);
  rows.push(['needed relinked', e(p.linkOptions.length === 0 ? 'no relink suggested' : p.neededBytes === null ? 'unknown (link with -Wl,--export=__heap_base to know)' : formatBytes(p.neededBytes))]);
  rows.push(['link options', p.linkOptions.length === 0 ? 'none' : p.linkOptions.map((o) => `<code>${e(o)}</code>`).join(' ')]);
  return rows;
}

export function renderHtml(input: HtmlInput): string {
  const { report, profile } = input;
  const e = escapeXml;
  const name = report.moduleName;
  const title = input.title ?? `${profile ? 'Memory profile' : 'Memory layout'}${name !== null ? ` of ${name}` : ''}`;
  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en">');
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${e(title)}</title>`);
  out.push(`<style>${STYLE}</style>`);
  out.push('</head>');
  out.push('<body>');
  out.push(`<h1>${e(title)}</h1>`);
  out.push(`<figure>\n${renderSvg(report, { profile }).trimEnd()}\n</figure>`);
  if (profile) {
    out.push('<h2>This run</h2>');
    out.push('<table class="profile">');
    for (const [k, v] of profileRows(profile)) out.push(`<tr><th scope="row">${e(k)}</th><td>${v}</td></tr>`);
    out.push('</table>');
    if (profile.grows.length > 0) {
      out.push('<h2>memory.grow calls</h2>');
      out.push('<table class="grows">');
      out.push('<tr><th>at</th><th>function</th><th>pages asked</th><th>outcome</th></tr>');
      for (const g of profile.grows) {
        const where = growSite(g);
        const outcome = g.result < 0 ? 'failed' : `${num(g.result)} → ${num(g.result + g.delta)} pages`;
        out.push(`<tr><td class="n">${e(`${g.atMs.toFixed(1)} ms`)}</td><td>${e(where)}</td><td class="n">${e(`+${num(g.delta)}`)}</td><td>${e(outcome)}</td></tr>`);
      }
      out.push('</table>');
    }
    if (input.profileText !== undefined) {
      out.push('<h2>Profile</h2>');
      out.push(`<pre class="profile-text">${e(plain(input.profileText).trimEnd())}</pre>`);
    }
  }
  out.push(`<h2>${profile ? 'The module’s layout' : 'Layout'}</h2>`);
  out.push(`<pre class="layout-text">${e(plain(input.text).trimEnd())}</pre>`);
  out.push('</body>');
  out.push('</html>');
  return `${out.join('\n')}\n`;
}
