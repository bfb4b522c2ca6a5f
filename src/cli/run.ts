// `heapbase run`: run a WASI command (`_start`) or call one export with typed arguments.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CompileError, Instance, LinkError, Module, RuntimeError, renderProfileText, renderSvg, renderText, type InstanceOptions } from '../index.js';
import { renderHtml } from '../layout/render-html.js';
import { internalFunction, isExportedFunction } from '../runtime/func.js';
import type { ValType } from '../binary/module.js';
import { WASI, WasiExit } from '../wasi/index.js';

export const runUsage = `Usage: heapbase run <module.wasm> [options] [--] [args...]

Runs a WASI program's _start with the arguments as its argv (exit code: the program's), or,
with --invoke, calls one exported function with the arguments converted to its parameter
types and prints its results.

Options:
  --invoke <name>        call this export instead of _start
  --dir <host>[:<guest>] preopen a host directory (guest path defaults to the host path)
  --env <KEY=VALUE>      set an environment variable for the program (repeatable)
  --memory auto|pages|<bytes>
                         memory sizing: 'auto' trims to __heap_base when allowed (default);
                         'pages' allocates initial pages; a byte count allocates only that many
                         bytes (memory.size still counts pages; accesses past them trap)
  --grow spec|fixed      memory.grow: 'spec' (default) or 'fixed' (never grows)
  --max-memory <bytes>   fail if the module needs more linear memory than this
  --no-stack-guard       do not trap when the stack pointer leaves the stack region
  --cache <dir>          keep the generated code in <dir>: the next run of the same module
                         skips validation and code generation (entries are checked, never trusted)
  --stats                print allocated memory, stack peak and time on stderr at exit
  --memory-profile       record the heap high-water mark and every memory.grow (a separate
                         compilation); at exit print them on stderr with the link options
                         and trimmed size that would have been enough for this run
  --svg <file>           with --memory-profile: also write the memory at exit as an SVG
                         diagram (stack peak, heap high-water mark over the layout) to <file>
  --html <file>          with --memory-profile: also write a standalone HTML page (the diagram,
                         the profile's figures and the layout) to <file>
  --help                 this text

Exit codes: the program's exit code; 1 on a trap, a malformed module or a link error;
2 on bad command-line use.
`;

class UsageError extends Error {}

interface RunOptions {
  file: string;
  args: string[];
  invoke?: string;
  dirs: Record<string, string>;
  env: Record<string, string>;
  instance: InstanceOptions;
  cache?: string;
  stats: boolean;
  svg?: string;
  html?: string;
}

function parseOptions(argv: string[]): RunOptions {
  const opts: RunOptions = { file: '', args: [], dirs: {}, env: {}, instance: {}, stats: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { i++; break; }
    if (!a.startsWith('--')) {
      if (opts.file) break; // the first positional after the module starts the program's args
      opts.file = a;
      continue;
    }
    switch (a) {
      case '--invoke': opts.invoke = value(++i, a); break;
      case '--dir': {
        const spec = value(++i, a);
        const colon = spec.indexOf(':');
        const host = colon < 0 ? spec : spec.slice(0, colon);
        const guest = colon < 0 ? spec : spec.slice(colon + 1);
        opts.dirs[guest] = resolve(host);
        break;
      }
      case '--env': {
        const kv = value(++i, a);
        const eq = kv.indexOf('=');
        if (eq <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${kv}"`);
        opts.env[kv.slice(0, eq)] = kv.slice(eq + 1);
        break;
      }
      case '--memory': {
        const v = value(++i, a);
        if (/^\d+$/.test(v)) opts.instance.memory = Number(v);
        else if (v === 'auto' || v === 'pages') opts.instance.memory = v;
        else throw new UsageError(`--memory must be auto, pages or a byte count, got "${v}"`);
        break;
      }
      case '--grow': {
        const v = value(++i, a);
        if (v !== 'spec' && v !== 'fixed') throw new UsageError(`--grow must be spec or fixed, got "${v}"`);
        opts.instance.grow = v;
        break;
      }
      case '--max-memory': {
        const v = Number(value(++i, a));
        if (!Number.isInteger(v) || v < 0) throw new UsageError(`--max-memory must be a byte count`);
        opts.instance.maxMemoryBytes = v;
        break;
      }
      case '--no-stack-guard': opts.instance.stackGuard = false; break;
      case '--cache': opts.cache = value(++i, a); break;
      case '--stats': opts.stats = true; break;
      case '--memory-profile': opts.instance.memoryProfile = true; break;
      case '--svg': opts.svg = value(++i, a); break;
      case '--html': opts.html = value(++i, a); break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  }
  if (!opts.file) throw new UsageError('missing the module file');
  if ((opts.svg !== undefined || opts.html !== undefined) && !opts.instance.memoryProfile) {
    throw new UsageError(`${opts.svg !== undefined ? '--svg' : '--html'} needs --memory-profile (it draws the run's memory profile; for the layout alone: heapbase inspect ${opts.svg !== undefined ? '--svg' : '--html'})`);
  }
  opts.args = argv.slice(i);
  return opts;
}

function parseArg(text: string, type: ValType): unknown {
  switch (type) {
    case 'i32': {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new UsageError(`argument "${text}" is not an integer (i32)`);
      return n;
    }
    case 'i64':
      try { return BigInt(text); } catch { throw new UsageError(`argument "${text}" is not an integer (i64)`); }
    case 'f32': case 'f64': {
      const n = Number(text);
      if (Number.isNaN(n) && !/^[+-]?nan$/i.test(text)) throw new UsageError(`argument "${text}" is not a number (${type})`);
      return n;
    }
    default:
      throw new UsageError(`cannot pass a ${type} argument from the command line`);
  }
}

function invokeExport(instance: Instance, name: string, args: string[]): void {
  const fn = instance.exports[name];
  if (!isExportedFunction(fn)) {
    const names = Object.keys(instance.exports).filter((k) => isExportedFunction(instance.exports[k]));
    throw new UsageError(`no exported function "${name}" (exported functions: ${names.join(', ') || 'none'})`);
  }
  const { params } = fn[internalFunction].type;
  if (args.length !== params.length) throw new UsageError(`"${name}" takes ${params.length} argument(s), got ${args.length}`);
  const result = fn(...args.map((a, i) => parseArg(a, params[i])));
  const results = Array.isArray(result) ? result : result === undefined ? [] : [result];
  for (const r of results) process.stdout.write(`${String(r)}\n`);
}

export async function runCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(runUsage);
    return 0;
  }
  let opts: RunOptions;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`heapbase run: ${e.message}\n\n${runUsage}`);
    return 2;
  }
  const started = performance.now();
  let module: Module | undefined;
  let instance: Instance | undefined;
  let code = 0;
  try {
    module = new Module(readFileSync(opts.file), { cache: opts.cache });
    const wasi = new WASI({ args: [opts.file, ...opts.args], env: opts.env, preopens: opts.dirs, returnOnExit: true });
    instance = new Instance(module, wasi.getImportObject() as never, opts.instance);
    if (opts.invoke !== undefined) {
      if (typeof instance.exports._initialize === 'function') wasi.initialize(instance);
      invokeExport(instance, opts.invoke, opts.args);
    } else if (typeof instance.exports._start === 'function') {
      code = wasi.start(instance);
    } else {
      throw new UsageError('the module exports no _start function; use --invoke <export>');
    }
  } catch (e) {
    code = report(e);
  }
  if (opts.stats && instance) {
    const ms = performance.now() - started;
    process.stderr.write(`heapbase: memory ${instance.memory?.size ?? 0} bytes (${instance.layout.policy === 'exact' ? 'trimmed by --memory' : instance.layout.trimmed ? 'trimmed to __heap_base' : instance.layout.policy}), stack peak ${instance.stats.stackPeak} bytes, ${ms.toFixed(1)} ms\n`);
  }
  if (opts.instance.memoryProfile && module && instance) {
    const profile = instance.memoryProfile();
    const profileText = renderProfileText(profile);
    process.stderr.write(profileText);
    const write = (file: string, what: string, content: () => string): void => {
      try {
        writeFileSync(file, content());
        process.stderr.write(`heapbase: memory profile ${what} written to ${file}\n`);
      } catch (e) {
        process.stderr.write(`heapbase run: cannot write ${file}: ${printable(e instanceof Error ? e.message : String(e))}\n`);
        if (code === 0) code = 1;
      }
    };
    const layout = instance.layout;
    if (opts.svg !== undefined) write(opts.svg, 'SVG', () => renderSvg(layout, { profile }));
    if (opts.html !== undefined) {
      // The text report is the module's layout, as `heapbase inspect` prints it.
      const text = renderText(module.compiled.layout, { color: false });
      write(opts.html, 'HTML', () => renderHtml({ report: layout, text, profile, profileText }));
    }
  }
  return code;
}

/** Names from a module may hold control characters (terminal escape sequences): shown as \xNN. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function report(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`heapbase run: ${e.message}\n`);
    return 2;
  }
  if (e instanceof WasiExit) return e.code;
  if (e instanceof RuntimeError) {
    // The message, then the Wasm stack (the trace without its first line).
    const frames = (e.stack ?? '').split('\n').slice(1).filter((l) => l.includes('wasm function'));
    process.stderr.write(`RuntimeError: ${e.message}\n${frames.map(printable).join('\n')}${frames.length ? '\n' : ''}`);
    return 1;
  }
  if (e instanceof CompileError || e instanceof LinkError) {
    process.stderr.write(`${e.name}: ${printable(e.message)}\n`);
    return 1;
  }
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') {
    process.stderr.write(`heapbase run: ${printable(e.message)}\n`);
    return 1;
  }
  if (e instanceof TypeError && / is not provided /.test(e.message)) {
    // An import module heapbase run cannot provide (it provides WASI only).
    process.stderr.write(`LinkError: ${printable(e.message)}\n`);
    return 1;
  }
  throw e;
}
