// Child process of the compile figures (bench/real/compile.ts): one fresh process compiles one
// module once, so the figure is what a program pays the first time (the compiler's own code not
// yet optimised by V8).
//
//   node dist/bench/real/compile-child.js FILE node|module|compile
//
// node: Node's new WebAssembly.Module; module: heapbase's new Module (one thread);
// compile: heapbase's compile() (two threads for large modules). Prints { ms }.
import { readFileSync } from 'node:fs';
import { compile, Module } from '../../src/index.js';

const [file, mode] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(file!));
const started = performance.now();
if (mode === 'node') new (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object } }).WebAssembly.Module(bytes);
else if (mode === 'module') new Module(bytes);
else if (mode === 'compile') await compile(bytes);
else throw new Error(`unknown mode ${mode}`);
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started })}\n`);
process.exit(0);
