// A persistent code cache (`new Module(bytes, { cache: dir })`, `heapbase run --cache dir`): what
// one process generated for a module is kept on disk, so the next process running the same module
// skips validation and code generation, and most of V8's parsing too.
//
// An entry, one file per module, holds the validation facts, the factory's JavaScript (with the
// functions the last run compiled lazily written into it, see inlineLazyFunctions) and V8's code
// cache for that script (vm.Script cachedData, made after the run, so it holds the bytecode of
// the functions that ran). It is keyed by a SHA-256 of the module's bytes, the code generator's
// options and heapbase's own code (its package version and the text of every file under dist/src),
// so an entry made by any other heapbase is never found. An entry is used only if its magic,
// format, key and the SHA-256 of its payload all check: a truncated, corrupt or foreign file is
// ignored (and rewritten at exit), never executed. V8 rejects cachedData of another V8 version or
// flags by itself (the script is then compiled from its source).
//
// Entries are written when the process exits (synchronously, to a temporary file renamed into
// place), if the run added something: a first run, functions compiled lazily, no usable V8 cache.
// The directory is created with mode 0700 and must be as private as node_modules: heapbase runs
// what it finds there once the hashes match.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import type { ValidationFacts } from '../validate/index.js';
import type { FactoryCompiler, FactoryOuter } from './module.js';

const MAGIC = 'heapbase code cache\n';
const FORMAT = 1;

/** The parts of an entry, in file order. */
export interface CacheEntry {
  facts: ValidationFacts;
  source: string;
  /** V8's code cache for `source` (empty when none was made). */
  v8Cache: Uint8Array;
  /** Whether v8Cache was made after the script ran (else right after compiling it). */
  v8CacheAfterRun: boolean;
}

/** What a Module gives the cache when the process exits: the entry to write, or null to keep the one on disk. */
export type EntryAtExit = () => CacheEntry | null;

let fingerprint: string | undefined;

/** heapbase's version and the SHA-256 of its compiled code: an entry of any other heapbase has another key. */
function heapbaseFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.js')) files.push(p);
    }
  };
  const root = fileURLToPath(new URL('..', import.meta.url)); // a path with spaces stays a path
  walk(root);
  for (const f of files.sort()) hash.update(path.relative(root, f)).update('\0').update(fs.readFileSync(f)).update('\0');
  let version = 'unknown';
  try {
    version = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
  } catch { /* running from a copy without package.json: the code's hash still tells versions apart */ }
  return (fingerprint = `${version}+${hash.digest('hex')}`);
}

export class CodeCache {
  /** Why the last lookup found nothing usable (for tests and `--cache` diagnostics). */
  lastMiss: 'absent' | 'unreadable' | 'corrupt' | 'stale' | null = null;
  private readonly pending = new Map<string, EntryAtExit>();

  /** `dir`: an absolute path (codeCacheAt checks and resolves what the caller gave). */
  constructor(readonly dir: string) {}

  /** The key of a module's entry: its bytes under these code generator options, for this heapbase. */
  keyOf(bytes: Uint8Array, variant: string): string {
    return createHash('sha256').update(heapbaseFingerprint()).update('\0').update(variant).update('\0').update(bytes).digest('hex');
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key}.hbcache`);
  }

  /** The entry for `key` if there is one and every check passes, else null. */
  load(key: string): CacheEntry | null {
    let file: Buffer;
    try {
      file = fs.readFileSync(this.fileOf(key));
    } catch (e) {
      this.lastMiss = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
      return null;
    }
    const entry = decodeEntry(file, key);
    this.lastMiss = entry === 'corrupt' || entry === 'stale' ? entry : null;
    return typeof entry === 'string' ? null : entry;
  }

  /** Asks for `entry()` when the process exits and writes it under `key` if it is not null. */
  saveAtExit(key: string, entry: EntryAtExit): void {
    if (this.pending.size === 0) process.once('exit', () => this.flush());
    this.pending.set(key, entry);
  }

  /** Writes the pending entries now (the exit handler does this; tests call it directly). */
  flush(): void {
    for (const [key, entryAtExit] of this.pending) {
      try {
        const entry = entryAtExit();
        if (entry !== null) this.write(key, entry);
      } catch (e) {
        // the cache only saves time: a process must not fail at exit because of it
        process.emitWarning(`heapbase: could not make the code cache entry ${key}: ${(e as Error).message}`);
      }
    }
    this.pending.clear();
  }

  private write(key: string, entry: CacheEntry): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const file = this.fileOf(key);
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, encodeEntry(entry, key), { mode: 0o600 });
      fs.renameSync(temporary, file);
    } catch (e) {
      // the cache only saves time: a run must not fail because it cannot be written
      process.emitWarning(`heapbase: could not write the code cache entry in ${this.dir}: ${(e as Error).message}`);
    }
  }
}

/** Caches by directory, so every Module using one directory shares one exit handler. */
const caches = new Map<string, CodeCache>();

export function codeCacheAt(dir: string): CodeCache {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('the cache option must be a directory path');
  const resolved = path.resolve(dir);
  let cache = caches.get(resolved);
  if (!cache) caches.set(resolved, (cache = new CodeCache(resolved)));
  return cache;
}

// ---- the file: MAGIC, then a JSON header line, then the payload ----

interface Header {
  format: number;
  key: string;
  /** Byte lengths of the payload's parts: facts JSON, source, V8 cache. */
  lengths: [number, number, number];
  v8CacheAfterRun: boolean;
  sha256: string;
}

function encodeEntry(entry: CacheEntry, key: string): Buffer {
  const facts = Buffer.from(JSON.stringify(factsToJson(entry.facts)));
  const source = Buffer.from(entry.source);
  const v8Cache = Buffer.from(entry.v8Cache.buffer, entry.v8Cache.byteOffset, entry.v8Cache.byteLength);
  const sha256 = createHash('sha256').update(facts).update(source).update(v8Cache).digest('hex');
  const header: Header = { format: FORMAT, key, lengths: [facts.length, source.length, v8Cache.length], v8CacheAfterRun: entry.v8CacheAfterRun, sha256 };
  return Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`), facts, source, v8Cache]);
}

function decodeEntry(file: Buffer, key: string): CacheEntry | 'corrupt' | 'stale' {
  try {
    if (file.subarray(0, MAGIC.length).toString() !== MAGIC) return 'corrupt';
    const headerEnd = file.indexOf(0x0a, MAGIC.length);
    if (headerEnd < 0) return 'corrupt';
    const header = JSON.parse(file.subarray(MAGIC.length, headerEnd).toString()) as Header;
    if (header.format !== FORMAT || header.key !== key) return 'stale';
    const [factsLength, sourceLength, v8Length] = header.lengths;
    const start = headerEnd + 1;
    if (![factsLength, sourceLength, v8Length].every((n) => Number.isSafeInteger(n) && n >= 0) ||
        start + factsLength + sourceLength + v8Length !== file.length) return 'corrupt';
    const payload = file.subarray(start);
    if (createHash('sha256').update(payload).digest('hex') !== header.sha256) return 'corrupt';
    const facts = factsFromJson(JSON.parse(payload.subarray(0, factsLength).toString()));
    const source = payload.subarray(factsLength, factsLength + sourceLength).toString();
    const v8Cache = new Uint8Array(payload.subarray(factsLength + sourceLength));
    return { facts, source, v8Cache, v8CacheAfterRun: header.v8CacheAfterRun === true };
  } catch {
    return 'corrupt';
  }
}

interface FactsJson extends Omit<ValidationFacts, 'writtenGlobals' | 'referenced'> {
  writtenGlobals: number[];
  referenced: number[];
}

function factsToJson(facts: ValidationFacts): FactsJson {
  return { ...facts, writtenGlobals: [...facts.writtenGlobals], referenced: [...facts.referenced] };
}

function factsFromJson(json: FactsJson): ValidationFacts {
  return { ...json, writtenGlobals: new Set(json.writtenGlobals), referenced: Uint8Array.from(json.referenced) };
}

// ---- compiling a factory as a vm.Script, so V8's code cache can be used and made ----

/**
 * The same text in every process: V8 checks cachedData against the source. The name goes in
 * `filename` rather than a sourceURL comment, as module ids differ from process to process.
 */
function factoryScript(source: string, sourceUrl: string, cachedData?: Uint8Array): vm.Script {
  return new vm.Script(`(function (eval, rt, functionSource) {\n${source}\n})`, { filename: sourceUrl, cachedData });
}

/** V8's code cache for a factory's source, without running it: it holds what V8 compiles eagerly. */
export function compiledCacheOf(source: string, sourceUrl: string): Uint8Array {
  return factoryScript(source, sourceUrl).createCachedData();
}

/** A compiler for compileModule that keeps its script, to make V8's code cache from it later. */
export class ScriptFactoryCompiler {
  private script: vm.Script | null = null;
  /** Whether V8 refused the cachedData it was given (another V8 version or flags). */
  rejected = false;

  constructor(private readonly v8Cache: Uint8Array | null) {}

  readonly compile: FactoryCompiler = (source, sourceUrl) => {
    const script = factoryScript(source, sourceUrl, this.v8Cache !== null && this.v8Cache.length > 0 ? this.v8Cache : undefined);
    this.rejected = script.cachedDataRejected === true;
    this.script = script;
    return script.runInThisContext() as FactoryOuter;
  };

  /** V8's code cache for the script as it stands now (with the functions that ran since). */
  cachedData(): Uint8Array {
    return this.script === null ? new Uint8Array(0) : this.script.createCachedData();
  }
}
