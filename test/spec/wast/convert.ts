// Converts a .wast script into the command objects the JSON runner (../runner.ts) works with,
// with module bytes in memory instead of files: a stand-in for wast2json for proposals whose
// text syntax no available wabt knows.
//
// Written for the custom-page-sizes proposal: its `(pagesize N)` memory clause is cut out of
// the text, the rest is assembled with wabt, and the page size is patched into the binary
// (./binary.ts). Modules that need multi-memory or memory64, which heapbase lacks, are skipped
// with every command that depends on them.

import type { Action, AssertModuleCommand, Command, ModuleCommand, Value, V128Value } from '../script.js';
import {
  concatStrings,
  headOf,
  isAtom,
  isList,
  isString,
  readSexprs,
  type List,
  type Node,
  type Str,
} from './sexpr.js';
import { LiteralError, parseF32Bits, parseF64Bits, parseIntBits, parseNat } from './literals.js';
import { importModuleNames, patchMemTypes, readMemTypes, type MemType } from './binary.js';

/** What the converter needs of wabt's JS API (`await wabtInit()`). */
export interface Wabt {
  parseWat(filename: string, text: string | Uint8Array, features?: object): {
    resolveNames(): void;
    toBinary(options: object): { buffer: Uint8Array };
    destroy(): void;
  };
}

export type SkipCategory =
  | 'text format'
  | 'needs multi-memory'
  | 'needs memory64'
  | 'wabt cannot assemble'
  | 'depends on a skipped module'
  | 'unsupported by the converter';

export type Item =
  | { kind: 'command'; command: Command }
  /** Not run; counted as skipped. */
  | { kind: 'skip'; line: number; type: string; category: SkipCategory; detail: string }
  /** Could not be converted (bad literal, converter bug); counted as failed. */
  | { kind: 'error'; line: number; type: string; reason: string };

export interface ConvertedScript {
  source_filename: string;
  items: Item[];
  /** Module bytes by the `filename` the commands use. */
  modules: Map<string, Uint8Array>;
}

/** Aborts converting one command as skipped. */
class SkipSignal extends Error {
  constructor(
    readonly category: SkipCategory,
    readonly detail: string,
  ) {
    super(`${category}: ${detail}`);
  }
}

/** Aborts converting one command as an error. */
class ConvertError extends Error {}

// ---------------------------------------------------------------------------------------------
// Text modules: memory declarations, `(pagesize N)` and assembling with wabt.

/** A memory declared in a text module, in binary index order (imports first). */
interface MemDecl {
  line: number;
  imported: boolean;
  i64: boolean;
  /** log2 of the `(pagesize N)` clause, if there is one. */
  pageSizeLog2?: bigint;
  /** Bytes of inline `(data …)`: min = max = that many pages of the page size. */
  inlineDataLength?: number;
  /** Limits wabt cannot take for an i32 memory (≥ 2^32), written into the binary instead. */
  minOverride?: bigint;
  maxOverride?: bigint;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface TextAnalysis {
  memories: MemDecl[];
  edits: Edit[];
  importModules: Set<string>;
}

const U32_MAX = 0xffff_ffffn;
const U64_MAX = (1n << 64n) - 1n;

function decodeName(s: Str): string {
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(s.bytes);
}

/** A malformed text module (at the text level: nothing for heapbase to see). */
class TextMalformed extends Error {}

function pageSizeLog2(text: string): bigint {
  const n = parseNat(text);
  if (n === undefined) throw new TextMalformed(`bad page size ${JSON.stringify(text)}`);
  if (n === 0n || (n & (n - 1n)) !== 0n) throw new TextMalformed(`invalid custom page size ${text} (not a power of two)`);
  return BigInt(n.toString(2).length - 1);
}

/**
 * Reads one memory declaration: `(memory $id? (export …)* (import "m" "n")? i32|i64? limits
 * shared? (pagesize N)?)` or with inline `(data …)`; or the `(memory …)` descriptor of an
 * import field (`i` then points after the id). Records edits that remove `(pagesize N)`.
 */
function analyzeMemory(items: Node[], i: number, decl: MemDecl, a: TextAnalysis): void {
  const id = items[i];
  if (isAtom(id) && id.text.startsWith('$')) i++;
  while (isList(items[i], 'export')) i++;
  const imp = items[i];
  if (isList(imp, 'import')) {
    decl.imported = true;
    const m = imp.items[1];
    if (isString(m)) a.importModules.add(decodeName(m));
    i++;
  }
  if (isAtom(items[i], 'i64')) {
    decl.i64 = true;
    i++;
  } else if (isAtom(items[i], 'i32')) {
    i++;
  }
  let limitIndex = 0;
  for (; i < items.length; i++) {
    const n = items[i];
    if (isAtom(n)) {
      const v = parseNat(n.text);
      if (v === undefined) continue; // shared, unshared
      const which = limitIndex++ === 0 ? 'minOverride' : 'maxOverride';
      if (v > U64_MAX) throw new TextMalformed(`memory limit ${n.text} out of range`);
      if (!decl.i64 && v > U32_MAX) {
        // wabt rejects this as "invalid int"; the binary format (u64 limits) can express it.
        decl[which] = v;
        a.edits.push({ start: n.start, end: n.end, text: '0' });
      }
    } else if (isList(n, 'pagesize')) {
      const arg = n.items[1];
      if (!isAtom(arg) || n.items.length !== 2) throw new TextMalformed('bad (pagesize …) clause');
      decl.pageSizeLog2 = pageSizeLog2(arg.text);
      a.edits.push({ start: n.start, end: n.end, text: '' });
    } else if (isList(n, 'data')) {
      decl.inlineDataLength = concatStrings(n.items.filter(isString)).length;
    }
  }
}

/** Finds the memories and imports of a text module and the edits that make it wabt's. */
function analyzeText(fields: Node[]): TextAnalysis {
  const a: TextAnalysis = { memories: [], edits: [], importModules: new Set() };
  const imported: MemDecl[] = [];
  const defined: MemDecl[] = [];
  for (const f of fields) {
    if (!isList(f)) continue;
    const head = headOf(f);
    if (head === 'memory') {
      const decl: MemDecl = { line: f.line, imported: false, i64: false };
      analyzeMemory(f.items, 1, decl, a);
      (decl.imported ? imported : defined).push(decl);
    } else if (head === 'import') {
      const m = f.items[1];
      if (isString(m)) a.importModules.add(decodeName(m));
      const desc = f.items[3];
      if (isList(desc, 'memory')) {
        const decl: MemDecl = { line: f.line, imported: true, i64: false };
        analyzeMemory(desc.items, 1, decl, a);
        imported.push(decl);
      }
    } else if (head === 'func' || head === 'table' || head === 'global' || head === 'tag') {
      // Inline imports: `(func $f (export "x")* (import "m" "n") …)`.
      for (const x of f.items) {
        if (isList(x, 'import') && isString(x.items[1])) a.importModules.add(decodeName(x.items[1]));
      }
    }
  }
  a.memories = [...imported, ...defined];
  return a;
}

function applyEdits(src: string, start: number, end: number, edits: Edit[]): string {
  let out = '';
  let at = start;
  for (const e of [...edits].sort((x, y) => x.start - y.start)) {
    out += src.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + src.slice(at, end);
}

const WABT_FEATURES = { multi_memory: true, memory64: true, threads: true };

/** The first error line of a wabt exception, for a skip reason. */
function wabtMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n').find((l) => /error:/.test(l));
  return (line ?? text).replace(/^.*?error:\s*/, '').trim();
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

// ---------------------------------------------------------------------------------------------
// Modules of a script.

type ModuleForm = 'binary' | 'text' | 'quote';

interface ParsedModule {
  name?: string;
  definition: boolean;
  form: ModuleForm;
  line: number;
  /** binary: the bytes. */
  bytes?: Uint8Array;
  /** text: the module's fields, the source they are in, and the span to cut out. */
  fields?: Node[];
  src?: string;
  span?: { start: number; end: number };
  /** text: the span of a `definition` keyword, to leave out for wabt. */
  dropSpans?: { start: number; end: number }[];
  /** quote: the text. */
  quote?: string;
}

function parseModuleNode(node: List, src: string): ParsedModule {
  const items = node.items;
  let i = 1;
  const m: ParsedModule = { definition: false, form: 'text', line: node.line, dropSpans: [] };
  for (; i < items.length; i++) {
    const n = items[i];
    if (isAtom(n, 'definition')) {
      m.definition = true;
      m.dropSpans!.push(n);
    } else if (isAtom(n) && n.text.startsWith('$') && m.name === undefined) {
      m.name = n.text;
    } else {
      break;
    }
  }
  if (isAtom(items[i], 'instance')) throw new SkipSignal('unsupported by the converter', '(module instance …)');
  if (isAtom(items[i], 'binary') || isAtom(items[i], 'quote')) {
    const form = (items[i] as { text: string }).text as 'binary' | 'quote';
    const strings = items.slice(i + 1);
    if (!strings.every(isString)) throw new ConvertError(`(module ${form} …) with a non-string`);
    m.form = form;
    const bytes = concatStrings(strings as Str[]);
    if (form === 'binary') m.bytes = bytes;
    else m.quote = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    return m;
  }
  m.fields = items.slice(i);
  m.src = src;
  m.span = { start: node.start, end: node.end };
  return m;
}

/** A quoted module as a text module: `(module …)` itself, or fields to wrap in one. */
function unquote(m: ParsedModule): ParsedModule {
  let src = m.quote!;
  let nodes = readSexprs(src);
  if (!(nodes.length === 1 && isList(nodes[0], 'module'))) {
    src = `(module ${src})`;
    nodes = readSexprs(src);
  }
  const inner = parseModuleNode(nodes[0] as List, src);
  if (inner.form !== 'text') throw new ConvertError(`quoted ${inner.form} module`);
  return { ...inner, name: m.name, definition: m.definition, line: m.line };
}

/** The command a module belongs to, and its expected message. */
interface ModuleUse {
  type: string;
  text?: string;
}

export interface ConvertOptions {
  /** The .wast file's name, for labels and wabt messages. */
  file: string;
}

class Converter {
  readonly items: Item[] = [];
  readonly modules = new Map<string, Uint8Array>();
  /** The module actions refer to without a name: undefined (none yet), or skipped with why. */
  private current: { skipped?: string } | undefined;
  private readonly named = new Map<string, { skipped?: string }>();
  /** Registered import names whose module was skipped, with why. */
  private readonly skippedRegistrations = new Map<string, string>();

  constructor(
    private readonly wabt: Wabt,
    private readonly file: string,
  ) {}

  private filename(line: number): string {
    let name = `${this.file}:${line}.wasm`;
    for (let k = 2; this.modules.has(name); k++) name = `${this.file}:${line}.${k}.wasm`;
    return name;
  }

  /** Assembles a text module: cut `(pagesize N)` out, wabt, patch the page sizes in. */
  private assembleText(m: ParsedModule, use: ModuleUse): Uint8Array {
    const a = analyzeText(m.fields!);
    this.checkFeatures(a.memories.length, a.memories.some((d) => d.i64), m.line, use);
    this.checkImports([...a.importModules]);
    const edits = [...a.edits, ...m.dropSpans!.map((s) => ({ start: s.start, end: s.end, text: '' }))];
    const text = applyEdits(m.src!, m.span!.start, m.span!.end, edits);
    let bytes: Uint8Array;
    try {
      // As UTF-8 bytes: wabt.js would write a JS string's characters as single bytes. (A view's
      // whole underlying buffer is passed, hence the exact-size copy.)
      const wm = this.wabt.parseWat(`${this.file}:${m.line}`, new TextEncoder().encode(text).slice(), WABT_FEATURES);
      try {
        wm.resolveNames();
        bytes = new Uint8Array(wm.toBinary({}).buffer);
      } finally {
        wm.destroy();
      }
    } catch (e) {
      throw new SkipSignal('wabt cannot assemble', wabtMessage(e));
    }
    const wabtMems = readMemTypes(bytes);
    if (wabtMems.length !== a.memories.length) {
      throw new ConvertError(`converter found ${a.memories.length} memories, wabt's binary has ${wabtMems.length}`);
    }
    bytes = patchMemTypes(bytes, (index, t): MemType => {
      const d = a.memories[index];
      const out: MemType = { ...t };
      if (d.minOverride !== undefined) out.min = d.minOverride;
      if (d.maxOverride !== undefined) out.max = d.maxOverride;
      if (d.pageSizeLog2 !== undefined) {
        out.flags |= 0x08;
        out.pageSizeLog2 = d.pageSizeLog2;
        if (d.inlineDataLength !== undefined) {
          // wabt sized it in 64 KiB pages; inline data sets min = max = its length in pages.
          const pages = ceilDiv(BigInt(d.inlineDataLength), 1n << d.pageSizeLog2);
          out.min = pages;
          out.max = pages;
          out.flags |= 0x01;
        }
      }
      return out;
    });
    return bytes;
  }

  /**
   * Skips a module that needs a feature heapbase lacks: running it would test nothing (a module
   * that must be valid fails; one that must be rejected is rejected for the wrong reason).
   * Exception: the core suite's assert_invalid "multiple memories", where that is the point.
   */
  private checkFeatures(memCount: number, i64: boolean, line: number, use: ModuleUse): void {
    if (i64) throw new SkipSignal('needs memory64', `i64 memory (module at line ${line})`);
    const multiMemoryIsThePoint = use.type === 'assert_invalid' && /multiple memories/.test(use.text ?? '');
    if (memCount > 1 && !multiMemoryIsThePoint) {
      throw new SkipSignal('needs multi-memory', `${memCount} memories (module at line ${line})`);
    }
  }

  private checkImports(modules: string[]): void {
    for (const name of modules) {
      const why = this.skippedRegistrations.get(name);
      if (why !== undefined) throw new SkipSignal('depends on a skipped module', `imports from "${name}": ${why}`);
    }
  }

  /**
   * Turns a module into bytes. A binary module of an assert_malformed goes to heapbase as it is
   * (its multiple memory sections etc. are the point).
   */
  private assemble(m: ParsedModule, use: ModuleUse): Uint8Array {
    const malformedExpected = use.type === 'assert_malformed';
    if (m.form === 'binary') {
      if (!malformedExpected) {
        let importModules: string[] = [];
        // Best effort: a binary that does not decode is heapbase's to reject.
        let mems: MemType[] | undefined;
        try {
          mems = readMemTypes(m.bytes!);
          importModules = importModuleNames(m.bytes!);
        } catch {
          mems = undefined;
        }
        if (mems !== undefined) this.checkFeatures(mems.length, mems.some((t) => (t.flags & 4) !== 0), m.line, use);
        this.checkImports(importModules);
      }
      return m.bytes!;
    }
    const text = m.form === 'quote' ? unquote(m) : m;
    try {
      return this.assembleText(text, use);
    } catch (e) {
      if (e instanceof TextMalformed) {
        if (malformedExpected) throw new SkipSignal('text format', `malformed in the text format (${e.message})`);
        throw new ConvertError(`module is malformed text: ${e.message}`);
      }
      throw e;
    }
  }

  private moduleState(name: string | undefined): { skipped?: string } | undefined {
    return name === undefined ? this.current : this.named.get(name);
  }

  private setModule(name: string | undefined, state: { skipped?: string }): void {
    this.current = state;
    if (name !== undefined) this.named.set(name, state);
  }

  private checkActionTarget(a: Action): void {
    const s = this.moduleState(a.module);
    if (s?.skipped !== undefined) throw new SkipSignal('depends on a skipped module', s.skipped);
  }

  private add(command: Command): void {
    this.items.push({ kind: 'command', command });
  }

  /** Converts one top-level command. */
  command(node: Node): void {
    const type = headOf(node) ?? '?';
    // wast2json's line: that of the keyword of an assertion's module or action, else of the
    // command's keyword (comments.wast has `(` and `module` on different lines).
    const target = (isList(node) && type.startsWith('assert_') ? node.items[1] : undefined) ?? node;
    const line = (isList(target) ? target.items[0] : undefined)?.line ?? target.line;
    try {
      this.commandOrThrow(node as List, type, line);
    } catch (e) {
      if (e instanceof SkipSignal) {
        this.items.push({ kind: 'skip', line, type, category: e.category, detail: e.detail });
        // A module that is not run leaves nothing for later commands to use.
        if (type === 'module') this.markSkippedModule(node as List, line, e);
        if (type === 'register') this.markSkippedRegistration(node as List, e);
      } else {
        const reason = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
        this.items.push({ kind: 'error', line, type, reason });
        if (type === 'module') this.markSkippedModule(node as List, line, undefined);
      }
    }
  }

  private markSkippedModule(node: List, line: number, e: SkipSignal | undefined): void {
    let name: string | undefined;
    let definition = false;
    for (const n of node.items.slice(1, 3)) {
      if (isAtom(n, 'definition')) definition = true;
      else if (isAtom(n) && n.text.startsWith('$')) name = n.text;
    }
    const why = `module${name === undefined ? '' : ' ' + name} at line ${line} ${e === undefined ? 'could not be converted' : `was skipped (${e.category})`}`;
    if (definition) {
      if (name !== undefined) this.named.set(name, { skipped: why });
    } else {
      this.setModule(name, { skipped: why });
    }
  }

  private markSkippedRegistration(node: List, e: SkipSignal): void {
    const as = node.items[1];
    if (isString(as)) this.skippedRegistrations.set(decodeName(as), e.detail);
  }

  private commandOrThrow(node: List, type: string, line: number): void {
    switch (type) {
      case 'module': {
        const m = parseModuleNode(node, this.src);
        const bytes = this.assemble(m, { type: 'module' });
        const filename = this.filename(line);
        this.modules.set(filename, bytes);
        const c: ModuleCommand = { type: 'module', line, filename };
        if (m.name !== undefined) c.name = m.name;
        if (m.definition) {
          c.definition = true;
          if (m.name !== undefined) this.named.set(m.name, {});
        } else {
          this.setModule(m.name, {});
        }
        this.add(c);
        return;
      }
      case 'register': {
        const as = node.items[1];
        if (!isString(as)) throw new ConvertError('(register …) without a name');
        const target = node.items[2];
        const name = isAtom(target) ? target.text : undefined;
        const s = this.moduleState(name);
        if (s?.skipped !== undefined) throw new SkipSignal('depends on a skipped module', s.skipped);
        this.skippedRegistrations.delete(decodeName(as));
        this.add({ type: 'register', line, as: decodeName(as), ...(name === undefined ? {} : { name }) });
        return;
      }
      case 'invoke':
      case 'get': {
        const action = this.action(node);
        this.add({ type: 'action', line, action, expected: [] });
        return;
      }
      case 'assert_return': {
        const action = this.action(node.items[1]);
        const expected = node.items.slice(2).map((n) => this.value(n, true));
        this.add({ type: 'assert_return', line, action, expected });
        return;
      }
      case 'assert_trap':
      case 'assert_exhaustion': {
        const what = node.items[1];
        const text = this.text(node.items[2]);
        if (type === 'assert_trap' && isList(what, 'module')) {
          this.add(this.assertModule('assert_uninstantiable', what, text, line));
          return;
        }
        this.add({ type, line, action: this.action(what), text, expected: [] });
        return;
      }
      case 'assert_invalid':
      case 'assert_malformed':
      case 'assert_unlinkable': {
        const what = node.items[1];
        if (!isList(what, 'module')) throw new ConvertError(`${type} without a module`);
        this.add(this.assertModule(type, what, this.text(node.items[2]), line));
        return;
      }
      default:
        throw new SkipSignal('unsupported by the converter', `command (${type} …)`);
    }
  }

  private assertModule(type: AssertModuleCommand['type'], node: List, text: string, line: number): AssertModuleCommand {
    const m = parseModuleNode(node, this.src);
    if (type === 'assert_malformed' && m.form === 'quote') {
      throw new SkipSignal('text format', '(module quote …): a test of the text format');
    }
    const bytes = this.assemble(m, { type, text });
    const filename = this.filename(line);
    this.modules.set(filename, bytes);
    // The bytes are in memory either way; the runner only runs `binary` ones.
    return { type, line, filename, text, module_type: 'binary' };
  }

  /** The script's text, which text modules are cut out of. */
  src = '';

  private text(n: Node | undefined): string {
    if (!isString(n)) throw new ConvertError('expected a message string');
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(n.bytes);
  }

  private action(n: Node | undefined): Action {
    if (!isList(n)) throw new ConvertError('expected an action');
    const head = headOf(n);
    let i = 1;
    let module: string | undefined;
    if (isAtom(n.items[i]) && (n.items[i] as { text: string }).text.startsWith('$')) {
      module = (n.items[i] as { text: string }).text;
      i++;
    }
    const field = n.items[i++];
    if (!isString(field)) throw new ConvertError(`(${head} …) without an export name`);
    let action: Action;
    if (head === 'invoke') {
      action = { type: 'invoke', field: decodeName(field), args: n.items.slice(i).map((x) => this.value(x, false)) };
    } else if (head === 'get') {
      action = { type: 'get', field: decodeName(field) };
    } else {
      throw new ConvertError(`unknown action (${head} …)`);
    }
    if (module !== undefined) action.module = module;
    this.checkActionTarget(action);
    return action;
  }

  /** A constant: an argument, or (`expected`) a result pattern. */
  private value(n: Node, expected: boolean): Value {
    if (!isList(n)) throw new ConvertError('expected a constant');
    const head = headOf(n);
    const arg = n.items[1];
    const argText = isAtom(arg) ? arg.text : undefined;
    const need = (): string => {
      if (argText === undefined) throw new ConvertError(`(${head}) without a value`);
      return argText;
    };
    const nan = (t: string | undefined): boolean => expected && (t === 'nan:canonical' || t === 'nan:arithmetic');
    try {
      switch (head) {
        case 'i32.const':
          return { type: 'i32', value: parseIntBits(need(), 32).toString() };
        case 'i64.const':
          return { type: 'i64', value: parseIntBits(need(), 64).toString() };
        case 'f32.const':
          return { type: 'f32', value: nan(argText) ? argText! : String(parseF32Bits(need())) };
        case 'f64.const':
          return { type: 'f64', value: nan(argText) ? argText! : parseF64Bits(need()).toString() };
        case 'ref.null': {
          const t = need();
          if (t === 'func' || t === 'funcref') return { type: 'funcref', value: 'null' };
          if (t === 'extern' || t === 'externref') return { type: 'externref', value: 'null' };
          throw new SkipSignal('unsupported by the converter', `(ref.null ${t})`);
        }
        case 'ref.extern':
        case 'ref.host':
          return argText === undefined ? { type: 'externref' } : { type: 'externref', value: String(parseNat(argText) ?? need()) };
        case 'ref.func':
          return argText === undefined ? { type: 'funcref' } : { type: 'funcref', value: argText };
        case 'v128.const':
          return this.v128(n, expected);
        case 'either':
          throw new SkipSignal('unsupported by the converter', '(either …) results');
        default:
          throw new SkipSignal('unsupported by the converter', `constant (${head} …)`);
      }
    } catch (e) {
      if (e instanceof LiteralError) throw new ConvertError(e.message);
      throw e;
    }
  }

  private v128(n: List, expected: boolean): V128Value {
    const shape = n.items[1];
    const lanes = n.items.slice(2).map((x) => (isAtom(x) ? x.text : ''));
    const shapes: Record<string, [V128Value['lane_type'], number]> = {
      i8x16: ['i8', 16], i16x8: ['i16', 8], i32x4: ['i32', 4], i64x2: ['i64', 2], f32x4: ['f32', 4], f64x2: ['f64', 2],
    };
    const s = isAtom(shape) ? shapes[shape.text] : undefined;
    if (s === undefined || lanes.length !== s[1]) throw new ConvertError('bad v128.const');
    const [lane_type] = s;
    const value = lanes.map((t) => {
      if (expected && (t === 'nan:canonical' || t === 'nan:arithmetic')) return t;
      switch (lane_type) {
        case 'i8': return parseIntBits(t, 8).toString();
        case 'i16': return parseIntBits(t, 16).toString();
        case 'i32': return parseIntBits(t, 32).toString();
        case 'i64': return parseIntBits(t, 64).toString();
        case 'f32': return String(parseF32Bits(t));
        case 'f64': return parseF64Bits(t).toString();
      }
    });
    return { type: 'v128', lane_type, value };
  }
}

const MODULE_FIELDS: ReadonlySet<string> = new Set([
  'type', 'rec', 'import', 'func', 'table', 'memory', 'global', 'tag', 'export', 'start', 'elem', 'data',
]);

/**
 * Converts a .wast script. Throws WastSyntaxError if the script itself cannot be read; every
 * other problem is an item (skip or error) of the command it concerns.
 */
export function convertWast(src: string, wabt: Wabt, options: ConvertOptions): ConvertedScript {
  let nodes = readSexprs(src);
  if (nodes.length > 0 && MODULE_FIELDS.has(headOf(nodes[0]) ?? '')) {
    // A script that is just a module's fields (inline-module.wast): one implicit module. The
    // `(module ` prefix is on line 1 with the first field, so lines stay the same.
    src = `(module ${src}\n)`;
    nodes = readSexprs(src);
  }
  const c = new Converter(wabt, options.file);
  c.src = src;
  for (const n of nodes) c.command(n);
  return { source_filename: options.file, items: c.items, modules: c.modules };
}
