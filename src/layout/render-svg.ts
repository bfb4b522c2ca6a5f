import type { LayoutReport } from './analyze.js';
export interface SvgOptions { title?: string }
export function renderSvg(report: LayoutReport, options: SvgOptions = {}): string { return `<svg>${options.title ?? report.moduleName}</svg>`; }
