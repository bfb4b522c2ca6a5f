// `heapbase inspect`: a module's memory layout without running it.
import { readFileSync, writeFileSync } from 'node:fs';
import { CompileError } from '../runtime/errors.js';
import { inspect, renderSvg, renderText } from '../layout/index.js';
import { renderHtml } from '../layout/render-html.js';

export const inspectUsage = `Usage: heapbase inspect <module.wasm> [options]

Prints how the module's linear memory is laid out (static data, stack, heap), how many bytes
it needs (__heap_base), how many heapbase allocates under --memory auto and pages, why, and
link options that would shrink it.

Options:
  --json           print the layout report as JSON instead of the table
  --svg <file>     also write the layout as an SVG diagram to <file>
  --html <file>    also write a standalone HTML page to <file>: the diagram and the table
  --width <n>      columns of the bar drawn to scale (default 60)
  --color          colour the table even when stdout is not a terminal
  --no-color       never colour the table
  --help           this text
`;

export async function inspectCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(inspectUsage);
    return 0;
  }
  let json = false;
  let svg: string | undefined;
  let html: string | undefined;
  let width: number | undefined;
  let color: boolean | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--svg' || a.startsWith('--svg=')) {
      svg = a === '--svg' ? args[++i] : a.slice('--svg='.length);
      if (!svg) return usageError('--svg needs a file name');
    } else if (a === '--html' || a.startsWith('--html=')) {
      html = a === '--html' ? args[++i] : a.slice('--html='.length);
      if (!html) return usageError('--html needs a file name');
    } else if (a === '--width' || a.startsWith('--width=')) {
      const v = a === '--width' ? args[++i] : a.slice('--width='.length);
      width = Number(v);
      if (!Number.isInteger(width) || width < 10) return usageError(`--width needs an integer of at least 10, got "${v ?? ''}"`);
    } else if (a === '--color') color = true;
    else if (a === '--no-color') color = false;
    else if (a.startsWith('-') && a !== '-') return usageError(`unknown option "${a}"`);
    else positional.push(a);
  }
  if (positional.length !== 1) return usageError(positional.length === 0 ? 'no module given' : 'one module at a time');
  const file = positional[0];

  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file === '-' ? 0 : file);
  } catch (e) {
    process.stderr.write(`heapbase inspect: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let report;
  try {
    report = inspect(bytes);
  } catch (e) {
    if (e instanceof CompileError) {
      process.stderr.write(`CompileError: ${e.message}\n`);
      return 1;
    }
    throw e;
  }

  if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(renderText(report, { width, color: color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR) }));
  if (svg !== undefined) {
    writeFileSync(svg, renderSvg(report));
    // With --json, stdout is the JSON alone: say where the SVG went on stderr.
    (json ? process.stderr : process.stdout).write(`SVG written to ${svg}\n`);
  }
  if (html !== undefined) {
    writeFileSync(html, renderHtml({ report, text: renderText(report, { width, color: false }) }));
    (json ? process.stderr : process.stdout).write(`HTML written to ${html}\n`);
  }
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`heapbase inspect: ${message}\n\n${inspectUsage}`);
  return 2;
}
