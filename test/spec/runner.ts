// Runs one wast2json script against an Engine and reports a result per command.
//
// Everything is synchronous: modules are compiled and instantiated with the constructors, the
// way the WebAssembly JS API's synchronous path does it.

import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  readScript,
  type Action,
  type AssertModuleCommand,
  type AssertReturnCommand,
  type AssertTrapCommand,
  type Command,
  type ModuleCommand,
  type RegisterCommand,
  type Script,
  type Value,
} from './script.js';
import { argToBits, describeBits, describeValue, HostRefs, matchResult } from './values.js';
import { createSpectest } from './spectest.js';

/** What heapbase (or an adapter over another engine) provides: the standard JS API plus bits. */
export interface Engine {
  /** Throws CompileError for malformed/invalid modules. */
  Module: new (bytes: Uint8Array) => object;
  /** Throws LinkError for bad imports, RuntimeError for a trap during instantiation. */
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => object;
  Table: new (d: { element: 'anyfunc' | 'externref'; initial: number; maximum?: number }) => object;
  Global: new (d: { value: string; mutable?: boolean }, v: unknown) => object;
  CompileError: Function;
  LinkError: Function;
  RuntimeError: Function;
  /** Call an exported function with arguments in bit form; returns results in bit form. */
  invokeWithBits(fn: unknown, args: unknown[]): unknown[];
  /** Read an exported Global's value in bit form. */
  globalBits(global: unknown): unknown;
}

export interface RunOptions {
  /**
   * Compare trap messages with the script's text (default true). Off for engines that word
   * traps their own way (V8); then only the RuntimeError class is checked.
   */
  strictTrapMessages?: boolean;
  /** How the script is named in result keys and reasons; default `<dir>/<file>.json`. */
  label?: string;
  /**
   * Module bytes by command `filename`, used instead of reading files: for scripts converted
   * in memory from .wast (wast/). A filename not in the map is still read from the directory.
   */
  modules?: ReadonlyMap<string, Uint8Array>;
}

export type Status = 'passed' | 'failed' | 'skipped';

export interface CommandResult {
  /** `<label>:<line>`, the key used by expected-failures. Several commands may share a line. */
  key: string;
  line: number;
  type: string;
  status: Status;
  /** Why it failed or was skipped, starting with `<label>:<line> <type>:`. */
  reason?: string;
}

export interface ScriptResult {
  label: string;
  results: CommandResult[];
  passed: number;
  failed: number;
  skipped: number;
}

/** Aborts the current command with a failure reason. */
class Failure extends Error {}

/** Aborts the current command as skipped. */
class Skip extends Error {}

type Instance = { exports: Record<string, unknown> };

/** A defined module: its instance, or why it could not be made (later uses then fail). */
type ModuleSlot = { instance: Instance } | { error: string };

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  try {
    return `thrown non-Error ${typeof e === 'string' ? JSON.stringify(e) : String(e)}`;
  } catch {
    return `thrown non-Error ${typeof e}`; // e.g. an object without a prototype
  }
}

/**
 * Does the trap message `actual` match the script's `expected` text? One must be a prefix of
 * the other (the spec's scripts sometimes add detail, e.g. `uninitialized element 2`), and the
 * prefix must end at a word boundary so that e.g. `out of bounds` does not match everything.
 */
export function trapMessageMatches(actual: string, expected: string): boolean {
  if (actual === '') return false;
  const [short, long] = actual.length <= expected.length ? [actual, expected] : [expected, actual];
  if (!long.startsWith(short)) return false;
  // heapbase may add detail after a colon: "out of bounds memory access: data segment 0 …".
  return long.length === short.length || long[short.length] === ' ' || long[short.length] === ':';
}

class ScriptRun {
  private readonly named = new Map<string, ModuleSlot>();
  private current: ModuleSlot | undefined;
  private readonly imports: Record<string, unknown>;
  private readonly refs = new HostRefs();
  private readonly strictTraps: boolean;
  private readonly modules: ReadonlyMap<string, Uint8Array> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly dir: string,
    options: RunOptions,
  ) {
    this.strictTraps = options.strictTrapMessages ?? true;
    this.modules = options.modules;
    this.imports = { spectest: createSpectest(engine) };
  }

  /** Runs one command; throws Failure or Skip, or returns normally when it passed. */
  run(c: Command): void {
    switch (c.type) {
      case 'module':
        return this.module(c);
      case 'register':
        return this.register(c);
      case 'action':
        this.perform(c.action);
        return;
      case 'assert_return':
        return this.assertReturn(c);
      case 'assert_trap':
      case 'assert_exhaustion':
        return this.assertTrap(c);
      case 'assert_invalid':
      case 'assert_malformed':
        return this.assertNotCompiling(c);
      case 'assert_unlinkable':
      case 'assert_uninstantiable':
        return this.assertNotInstantiating(c);
      default:
        throw new Failure(`unknown command type`);
    }
  }

  private readModule(filename: string): Uint8Array {
    // In-memory modules (scripts converted from .wast): a copy, so the engine cannot alter them.
    const inMemory = this.modules?.get(filename);
    if (inMemory !== undefined) return inMemory.slice();
    try {
      // A plain Uint8Array (not a Buffer, which is a pooled view) over exactly the file's bytes.
      return new Uint8Array(readFileSync(join(this.dir, filename)));
    } catch (e) {
      throw new Failure(`cannot read ${filename}: ${describeError(e)}`);
    }
  }

  private compile(filename: string): object {
    const bytes = this.readModule(filename);
    try {
      return new this.engine.Module(bytes);
    } catch (e) {
      throw new Failure(`${filename} failed to compile: ${describeError(e)}`);
    }
  }

  private module(c: ModuleCommand): void {
    if (c.definition === true) {
      // `(module definition …)` (converted .wast only): compiled, not instantiated; the current
      // module stays as it was.
      this.compile(c.filename);
      return;
    }
    let slot: ModuleSlot;
    try {
      const module = this.compile(c.filename);
      try {
        slot = { instance: new this.engine.Instance(module, this.imports) };
      } catch (e) {
        throw new Failure(`${c.filename} failed to instantiate: ${describeError(e)}`);
      }
    } catch (e) {
      // Later commands must not silently run against the previous module.
      const error = e instanceof Failure ? e.message : describeError(e);
      this.setModule(c.name, { error });
      throw e;
    }
    this.setModule(c.name, slot);
  }

  private setModule(name: string | undefined, slot: ModuleSlot): void {
    this.current = slot;
    if (name !== undefined) this.named.set(name, slot);
  }

  private instance(name: string | undefined): Instance {
    const slot = name === undefined ? this.current : this.named.get(name);
    if (slot === undefined) {
      throw new Failure(name === undefined ? 'no module defined yet' : `no module named ${name}`);
    }
    if ('error' in slot) {
      throw new Failure(`module ${name ?? '(current)'} is unusable: ${slot.error}`);
    }
    return slot.instance;
  }

  private register(c: RegisterCommand): void {
    this.imports[c.as] = this.instance(c.name).exports;
  }

  private describeAction(a: Action): string {
    const target = `${a.module === undefined ? '' : a.module + '.'}${JSON.stringify(a.field)}`;
    if (a.type === 'get') return `get ${target}`;
    return `invoke ${target}(${a.args.map(describeValue).join(', ')})`;
  }

  /**
   * Resolves an action and returns a thunk that performs it. Resolution problems (unknown
   * module or export, unconvertible arguments) are Failures; only the thunk runs engine code,
   * so that assert_trap only looks at errors thrown by the Wasm code itself.
   */
  private prepare(a: Action): () => unknown[] {
    const exports = this.instance(a.module).exports;
    // Own properties only: names.wast exports `__proto__`, `toString` and the like, which an
    // inherited property must not stand in for.
    const target = Object.hasOwn(exports, a.field) ? exports[a.field] : undefined;
    if (target === undefined) {
      throw new Failure(`${this.describeAction(a)}: no export ${JSON.stringify(a.field)}`);
    }
    if (a.type === 'get') {
      return () => [this.engine.globalBits(target)];
    }
    let args: unknown[];
    try {
      args = a.args.map((v) => argToBits(v, this.refs));
    } catch (e) {
      throw new Failure(`${this.describeAction(a)}: ${describeError(e)}`);
    }
    return () => this.engine.invokeWithBits(target, args);
  }

  /** Performs an action that must not throw. */
  private perform(a: Action): unknown[] {
    const thunk = this.prepare(a);
    let results: unknown;
    try {
      results = thunk();
    } catch (e) {
      throw new Failure(`${this.describeAction(a)} threw ${describeError(e)}`);
    }
    if (!Array.isArray(results)) {
      throw new Failure(`${this.describeAction(a)}: engine returned a non-array result ${typeof results}`);
    }
    return results;
  }

  private assertReturn(c: AssertReturnCommand): void {
    const results = this.perform(c.action);
    const problems: string[] = [];
    if (results.length !== c.expected.length) {
      problems.push(`expected ${c.expected.length} results, got ${results.length}`);
    } else {
      c.expected.forEach((want: Value, i: number) => {
        let problem: string | undefined;
        try {
          problem = matchResult(want, results[i], this.refs);
        } catch (e) {
          problem = describeError(e);
        }
        if (problem !== undefined) problems.push(c.expected.length > 1 ? `result ${i}: ${problem}` : problem);
      });
    }
    if (problems.length > 0) throw new Failure(`${this.describeAction(c.action)}: ${problems.join('; ')}`);
  }

  /** Checks that `e` is the engine's RuntimeError with the expected message. */
  private checkTrap(e: unknown, text: string, what: string): void {
    if (!(e instanceof this.engine.RuntimeError)) {
      throw new Failure(`${what}: expected RuntimeError "${text}", got ${describeError(e)}`);
    }
    const message = (e as Error).message;
    if (this.strictTraps && !trapMessageMatches(message, text)) {
      throw new Failure(`${what}: expected trap "${text}", got trap "${message}"`);
    }
  }

  private assertTrap(c: AssertTrapCommand): void {
    const thunk = this.prepare(c.action);
    let results: unknown;
    try {
      results = thunk();
    } catch (e) {
      this.checkTrap(e, c.text, this.describeAction(c.action));
      return;
    }
    const shown = Array.isArray(results)
      ? results.map((r, i) => {
          const t = c.expected[i]?.type;
          return t === undefined ? String(r) : describeBits(t, r);
        })
      : [String(results)];
    throw new Failure(`${this.describeAction(c.action)}: expected trap "${c.text}", returned [${shown.join(', ')}]`);
  }

  private assertNotCompiling(c: AssertModuleCommand): void {
    if (c.module_type === 'text') throw new Skip('text module (needs a text-format parser)');
    const bytes = this.readModule(c.filename);
    try {
      new this.engine.Module(bytes);
    } catch (e) {
      if (e instanceof this.engine.CompileError) return;
      throw new Failure(`${c.filename}: expected CompileError "${c.text}", got ${describeError(e)}`);
    }
    throw new Failure(`${c.filename}: compiled, expected CompileError "${c.text}"`);
  }

  private assertNotInstantiating(c: AssertModuleCommand): void {
    if (c.module_type === 'text') throw new Skip('text module (needs a text-format parser)');
    const module = this.compile(c.filename);
    try {
      new this.engine.Instance(module, this.imports);
    } catch (e) {
      if (c.type === 'assert_uninstantiable') {
        this.checkTrap(e, c.text, c.filename);
      } else if (!(e instanceof this.engine.LinkError)) {
        throw new Failure(`${c.filename}: expected LinkError "${c.text}", got ${describeError(e)}`);
      }
      return;
    }
    const want = c.type === 'assert_uninstantiable' ? `RuntimeError "${c.text}"` : `LinkError "${c.text}"`;
    throw new Failure(`${c.filename}: instantiated, expected ${want}`);
  }
}

/** Runs an already parsed script whose module files live in `dir`. */
export function runParsedScript(
  engine: Engine,
  script: Script,
  dir: string,
  label: string,
  options: RunOptions = {},
): ScriptResult {
  const out: ScriptResult = { label, results: [], passed: 0, failed: 0, skipped: 0 };
  let run: ScriptRun;
  try {
    run = new ScriptRun(engine, dir, options);
  } catch (e) {
    // The spectest module is built with the engine's Memory/Table/Global; if that fails,
    // nothing in the script can run.
    const key = `${label}:0`;
    out.results.push({ key, line: 0, type: 'spectest', status: 'failed', reason: `${key} spectest: ${describeError(e)}` });
    out.failed = 1;
    return out;
  }
  for (const c of script.commands) {
    const key = `${label}:${c.line}`;
    const result: CommandResult = { key, line: c.line, type: c.type, status: 'passed' };
    try {
      run.run(c);
    } catch (e) {
      if (e instanceof Skip) {
        result.status = 'skipped';
        result.reason = `${key} ${c.type}: ${e.message}`;
      } else {
        result.status = 'failed';
        // Anything but a Failure is a runner or engine bug escaping; report it all the same.
        result.reason = `${key} ${c.type}: ${e instanceof Failure ? e.message : 'internal error: ' + describeError(e)}`;
      }
    }
    out[result.status]++;
    out.results.push(result);
  }
  return out;
}

/** Reads and runs the script at `jsonPath`. A script that cannot be read is one failure. */
export function runScript(engine: Engine, jsonPath: string, options: RunOptions = {}): ScriptResult {
  const label = options.label ?? `${basename(dirname(jsonPath))}/${basename(jsonPath)}`;
  let script: Script;
  try {
    script = readScript(jsonPath);
  } catch (e) {
    const key = `${label}:0`;
    return {
      label,
      results: [{ key, line: 0, type: 'script', status: 'failed', reason: `${key} script: ${describeError(e)}` }],
      passed: 0,
      failed: 1,
      skipped: 0,
    };
  }
  return runParsedScript(engine, script, dirname(jsonPath), label, options);
}
