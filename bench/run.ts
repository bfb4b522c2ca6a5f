// `npm run bench`: heapbase against Node's own WebAssembly. Prints a table, or JSON with --json.
import { measureInstanceMemory } from './memory.js';

const json = process.argv.includes('--json');
const fixture = new URL('../../test/fixtures/memory/static_data_trimmed.wasm', import.meta.url);
const memory = measureInstanceMemory(fixture);

if (json) {
  process.stdout.write(`${JSON.stringify({ memory }, null, 2)}\n`);
} else {
  const { instances, linearBytes, measuredBytes } = memory;
  const rows = [
    ['', 'heapbase', 'node WebAssembly', 'ratio'],
    ['linear memory per instance (bytes)', String(linearBytes.heapbase), String(linearBytes.native), (linearBytes.native / linearBytes.heapbase).toFixed(1) + '×'],
    ['process memory per instance (bytes)', String(measuredBytes.heapbase), String(measuredBytes.native), (measuredBytes.native / measuredBytes.heapbase).toFixed(1) + '×'],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  process.stdout.write(`Memory: ${instances} instances of test/fixtures/memory/static_data_trimmed.wasm, kept alive\n`);
  for (const r of rows) process.stdout.write(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ') + '\n');
}
