// The memory layout of a module: regions, required vs allocated size and why; text and SVG
// rendering. See DESIGN.md, "Linear memory rules" and "Layout".
import { decodeModule } from '../binary/decode.js';
import { validateModule } from '../validate/index.js';
import { analyzeLayout, type LayoutReport } from './analyze.js';

export { analyzeLayout, formatBytes } from './analyze.js';
export type { LayoutReport, Region, RegionName, ResizeBlocker } from './analyze.js';
export { renderText, type TextOptions } from './render-text.js';
export { renderSvg, type SvgOptions } from './render-svg.js';
export { renderHtml, type HtmlInput } from './render-html.js';

/** Convenience: decode + validate + analyze; throws CompileError for bad bytes. */
export function inspect(bytes: Uint8Array): LayoutReport {
  const ir = decodeModule(bytes);
  return analyzeLayout(ir, validateModule(ir));
}
