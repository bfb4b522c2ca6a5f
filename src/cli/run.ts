// `heapbase run`: instantiate a module and call an export with typed arguments.
import { readFileSync } from 'node:fs';
import { CompileError, Instance, LinkError, Module, RuntimeError } from '../index.js';
import { internalFunction, isExportedFunction } from '../runtime/func.js';
import type { ValType } from '../binary/module.js';

export const runUsage = `Usage: heapbase run <module.wasm> --invoke <export> [args...]

Instantiates the module and calls the exported function with the arguments, converted to
its parameter types (i64 arguments as decimal integers), then prints the results.

Options:
  --invoke <name>   the exported function to call
  --help            this text
`;

function parseArg(text: string, type: ValType): unknown {
  switch (type) {
    case 'i32': {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new Error(`argument "${text}" is not an integer (i32)`);
      return n;
    }
    case 'i64': {
      try { return BigInt(text); } catch { throw new Error(`argument "${text}" is not an integer (i64)`); }
    }
    case 'f32': case 'f64': {
      const n = Number(text);
      if (Number.isNaN(n) && text !== 'nan' && text !== 'NaN') throw new Error(`argument "${text}" is not a number (${type})`);
      return n;
    }
    default:
      throw new Error(`cannot pass a ${type} argument from the command line`);
  }
}

export async function runCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(runUsage);
    return 0;
  }
  let invoke: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--invoke') {
      invoke = args[++i];
      if (invoke === undefined) throw new Error('--invoke needs an export name');
    } else positional.push(args[i]);
  }
  const [file, ...callArgs] = positional;
  if (file === undefined || invoke === undefined) {
    process.stderr.write(runUsage);
    return 2;
  }
  try {
    const module = new Module(readFileSync(file));
    const instance = new Instance(module, {});
    const fn = instance.exports[invoke];
    if (!isExportedFunction(fn)) {
      const names = Object.keys(instance.exports).filter((k) => isExportedFunction(instance.exports[k]));
      throw new Error(`no exported function "${invoke}" (exported functions: ${names.join(', ') || 'none'})`);
    }
    const { params } = fn[internalFunction].type;
    if (callArgs.length !== params.length) throw new Error(`"${invoke}" takes ${params.length} argument(s), got ${callArgs.length}`);
    const result = fn(...callArgs.map((a, i) => parseArg(a, params[i])));
    const results = Array.isArray(result) ? result : result === undefined ? [] : [result];
    for (const r of results) process.stdout.write(`${String(r)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CompileError || e instanceof LinkError || e instanceof RuntimeError) {
      process.stderr.write(`${e.name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
