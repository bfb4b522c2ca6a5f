// Types for the JSON scripts that wabt's wast2json (1.0.32) writes, and reading them.
//
// A script is `{ source_filename, commands }`; every command has `type` and `line` (the line of
// the command in the original .wast). Modules are referred to by file name, relative to the
// directory of the JSON file.

import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'externref' | 'funcref';
export type ValueType = NumType | RefType | 'v128';

/**
 * A value in a script. In `args` and in `assert_return`'s `expected` it has a `value`; the
 * `expected` of `assert_trap`, `assert_exhaustion` and `action` only names result types, so
 * there `value` is absent.
 *
 * - i32/i64: unsigned decimal string.
 * - f32/f64: decimal string of the bit pattern, or (expected only) `nan:canonical` /
 *   `nan:arithmetic`.
 * - externref: decimal string N (a host reference) or `null`; funcref: `null` (or, in principle,
 *   a number meaning "some function").
 */
export interface ScalarValue {
  type: NumType | RefType;
  value?: string;
}

/** SIMD vectors (simd/ suite only): one string per lane, each like a scalar of `lane_type`. */
export interface V128Value {
  type: 'v128';
  /** Absent in assert_trap's expectations, which name only the type. */
  lane_type: 'i8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
  value?: string[];
}

export type Value = ScalarValue | V128Value;

export interface InvokeAction {
  type: 'invoke';
  /** A module name such as `$M`; absent means the most recently defined module. */
  module?: string;
  field: string;
  args: Value[];
}

export interface GetAction {
  type: 'get';
  module?: string;
  field: string;
}

export type Action = InvokeAction | GetAction;

interface CommandBase {
  line: number;
}

export interface ModuleCommand extends CommandBase {
  type: 'module';
  filename: string;
  name?: string;
  /**
   * Not from wast2json: `(module definition …)` of newer scripts (converted by wast/), which
   * is compiled but not instantiated and does not become the current module.
   */
  definition?: boolean;
}

export interface RegisterCommand extends CommandBase {
  type: 'register';
  /** The import module name the exports become available under. */
  as: string;
  /** Which named module to register; absent means the most recent one. */
  name?: string;
}

/** A bare action: it must complete without trapping; results are not checked. */
export interface ActionCommand extends CommandBase {
  type: 'action';
  action: Action;
  expected: Value[];
}

export interface AssertReturnCommand extends CommandBase {
  type: 'assert_return';
  action: Action;
  expected: Value[];
}

export interface AssertTrapCommand extends CommandBase {
  type: 'assert_trap' | 'assert_exhaustion';
  action: Action;
  text: string;
  expected: Value[];
}

export type ModuleType = 'binary' | 'text';

export interface AssertModuleCommand extends CommandBase {
  type: 'assert_invalid' | 'assert_malformed' | 'assert_unlinkable' | 'assert_uninstantiable';
  /** A .wasm file for `binary`, a .wat file (not shipped) for `text`. */
  filename: string;
  text: string;
  module_type: ModuleType;
}

export type Command =
  | ModuleCommand
  | RegisterCommand
  | ActionCommand
  | AssertReturnCommand
  | AssertTrapCommand
  | AssertModuleCommand;

export type CommandType = Command['type'];

export interface Script {
  source_filename: string;
  commands: Command[];
}

export class ScriptFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptFormatError';
  }
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const VALUE_TYPES: ReadonlySet<string> = new Set(['i32', 'i64', 'f32', 'f64', 'externref', 'funcref', 'v128']);
const LANE_TYPES: ReadonlySet<string> = new Set(['i8', 'i16', 'i32', 'i64', 'f32', 'f64']);

// The checks below only make sure the shapes the runner relies on are there, so that a
// malformed script is reported with its line instead of failing somewhere deep in the runner.

function checkValue(v: unknown, where: string): Value {
  if (!isObject(v) || typeof v.type !== 'string' || !VALUE_TYPES.has(v.type)) {
    throw new ScriptFormatError(`${where}: bad value ${JSON.stringify(v)}`);
  }
  if (v.type === 'v128') {
    // assert_trap's expectations name only the type: no lanes, no lane type.
    if ((v.lane_type !== undefined || v.value !== undefined) && (typeof v.lane_type !== 'string' || !LANE_TYPES.has(v.lane_type))) {
      throw new ScriptFormatError(`${where}: bad v128 lane_type ${JSON.stringify(v)}`);
    }
    if (v.value !== undefined && !(Array.isArray(v.value) && v.value.every((s) => typeof s === 'string'))) {
      throw new ScriptFormatError(`${where}: bad v128 value ${JSON.stringify(v)}`);
    }
  } else if (v.value !== undefined && typeof v.value !== 'string') {
    throw new ScriptFormatError(`${where}: bad value ${JSON.stringify(v)}`);
  }
  return v as unknown as Value;
}

function checkValues(v: unknown, where: string): Value[] {
  if (!Array.isArray(v)) throw new ScriptFormatError(`${where}: expected an array of values`);
  return v.map((x) => checkValue(x, where));
}

function checkAction(a: unknown, where: string): Action {
  if (!isObject(a) || typeof a.field !== 'string' || (a.module !== undefined && typeof a.module !== 'string')) {
    throw new ScriptFormatError(`${where}: bad action ${JSON.stringify(a)}`);
  }
  if (a.type === 'invoke') {
    checkValues(a.args, where);
  } else if (a.type !== 'get') {
    throw new ScriptFormatError(`${where}: unknown action type ${JSON.stringify(a.type)}`);
  }
  return a as unknown as Action;
}

function checkString(c: Json, key: string, where: string): void {
  if (typeof c[key] !== 'string') throw new ScriptFormatError(`${where}: missing string "${key}"`);
}

function checkCommand(c: unknown, file: string, index: number): Command {
  if (!isObject(c) || typeof c.type !== 'string' || typeof c.line !== 'number') {
    throw new ScriptFormatError(`${file}: command #${index} has no type/line`);
  }
  const where = `${file}:${c.line} ${c.type}`;
  switch (c.type) {
    case 'module':
      checkString(c, 'filename', where);
      if (c.name !== undefined) checkString(c, 'name', where);
      break;
    case 'register':
      checkString(c, 'as', where);
      if (c.name !== undefined) checkString(c, 'name', where);
      break;
    case 'action':
    case 'assert_return':
      checkAction(c.action, where);
      // `action` commands carry `expected` too, but it is only a list of result types.
      if (c.expected !== undefined) checkValues(c.expected, where);
      else c.expected = [];
      break;
    case 'assert_trap':
    case 'assert_exhaustion':
      checkAction(c.action, where);
      checkString(c, 'text', where);
      if (c.expected !== undefined) checkValues(c.expected, where);
      else c.expected = [];
      break;
    case 'assert_invalid':
    case 'assert_malformed':
    case 'assert_unlinkable':
    case 'assert_uninstantiable':
      checkString(c, 'filename', where);
      checkString(c, 'text', where);
      if (c.module_type !== 'binary' && c.module_type !== 'text') {
        throw new ScriptFormatError(`${where}: bad module_type ${JSON.stringify(c.module_type)}`);
      }
      break;
    default:
      throw new ScriptFormatError(`${where}: unknown command type`);
  }
  return c as unknown as Command;
}

/** Parses and shape-checks a wast2json script. Throws ScriptFormatError on an unknown shape. */
export function parseScript(text: string, file: string): Script {
  const j: unknown = JSON.parse(text);
  if (!isObject(j) || !Array.isArray(j.commands)) {
    throw new ScriptFormatError(`${file}: not a wast2json script (no "commands" array)`);
  }
  const source = typeof j.source_filename === 'string' ? j.source_filename : basename(file);
  return { source_filename: source, commands: j.commands.map((c, i) => checkCommand(c, file, i)) };
}

export function readScript(jsonPath: string): Script {
  return parseScript(readFileSync(jsonPath, 'utf8'), jsonPath);
}

export interface ScriptEntry {
  /** The folder name, e.g. `address`. */
  name: string;
  /** Absolute path of the JSON script. */
  jsonPath: string;
}

/**
 * The scripts of one suite directory (e.g. spec-tests/core): every folder `<name>/` holding
 * `<name>.json`, sorted by name.
 */
export function listScripts(suiteDir: string): ScriptEntry[] {
  const out: ScriptEntry[] = [];
  for (const name of readdirSync(suiteDir).sort()) {
    const dir = join(suiteDir, name);
    if (!statSync(dir).isDirectory()) continue;
    const jsonPath = join(dir, `${name}.json`);
    if (existsSync(jsonPath)) out.push({ name, jsonPath });
  }
  return out;
}

/**
 * The repository root: the nearest directory at or above `startDir` with a package.json. Tests
 * run compiled from dist/test/spec/, so a fixed number of `..` would depend on the build layout.
 */
export function findRepoRoot(startDir: string): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json at or above ${startDir}`);
  }
}
