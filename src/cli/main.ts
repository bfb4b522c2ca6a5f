#!/usr/bin/env node
// The `heapbase` command line.
import { readFileSync } from 'node:fs';
import { inspectCommand } from './inspect.js';
import { printable, runCommand } from './run.js';

const usage = `heapbase: a WebAssembly runtime that sizes linear memory to the byte

Usage:
  heapbase run <module.wasm> [options] [args...]   run a WASI program, or call an export (heapbase run --help)
  heapbase inspect <module.wasm> [--json|--svg f]  show the memory layout (heapbase inspect --help)
  heapbase --help                                 this text
  heapbase --version                              the version
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'inspect':
      return inspectCommand(rest);
    case '--version':
    case '-v':
      process.stdout.write(`${version()}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`heapbase: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`heapbase: ${printable(e instanceof Error ? e.message : String(e))}\n`);
  process.exitCode = 1;
});
