// A small reader for the WebAssembly script format (.wast): s-expressions with `;; …` line
// comments, nestable `(; … ;)` block comments, strings and atoms. Every node keeps its source
// offsets and line, so that a module's text can be cut out of the script and edited.

export interface Span {
  /** Offset of the node's first character in the source. */
  start: number;
  /** Offset just past the node's last character. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

export interface Atom extends Span {
  kind: 'atom';
  text: string;
}

export interface Str extends Span {
  kind: 'string';
  /** The string's bytes: source characters as UTF-8, escapes decoded. */
  bytes: Uint8Array;
}

export interface List extends Span {
  kind: 'list';
  items: Node[];
}

export type Node = Atom | Str | List;

export class WastSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'WastSyntaxError';
  }
}

const utf8 = new TextEncoder();

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function hexValue(c: string): number {
  const v = parseInt(c, 16);
  return /^[0-9a-fA-F]$/.test(c) ? v : -1;
}

class Reader {
  private pos = 0;
  private line = 1;

  constructor(private readonly src: string) {}

  private fail(message: string, line = this.line): never {
    throw new WastSyntaxError(message, line);
  }

  /** Advances one character, counting lines. */
  private next(): string {
    const c = this.src[this.pos++];
    if (c === '\n') this.line++;
    return c;
  }

  /** Skips whitespace and comments. */
  private skip(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (isSpace(c)) {
        this.next();
      } else if (c === ';' && s[this.pos + 1] === ';') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else if (c === '(' && s[this.pos + 1] === ';') {
        const line = this.line;
        this.pos += 2;
        let depth = 1;
        while (depth > 0) {
          if (this.pos >= s.length) this.fail('unterminated block comment', line);
          if (s[this.pos] === '(' && s[this.pos + 1] === ';') {
            this.pos += 2;
            depth++;
          } else if (s[this.pos] === ';' && s[this.pos + 1] === ')') {
            this.pos += 2;
            depth--;
          } else {
            this.next();
          }
        }
      } else {
        return;
      }
    }
  }

  /** Reads all top-level nodes. */
  readAll(): Node[] {
    const out: Node[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) return out;
      if (this.src[this.pos] === ')') this.fail('unexpected ")"');
      out.push(this.readNode());
    }
  }

  private readNode(): Node {
    const c = this.src[this.pos];
    if (c === '(') return this.readList();
    if (c === '"') return this.readString();
    return this.readAtom();
  }

  private readList(): List {
    const start = this.pos;
    const line = this.line;
    this.next(); // (
    const items: Node[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.src.length) this.fail('unclosed "("', line);
      if (this.src[this.pos] === ')') {
        this.next();
        return { kind: 'list', items, start, end: this.pos, line };
      }
      items.push(this.readNode());
    }
  }

  private readAtom(): Atom {
    const start = this.pos;
    const line = this.line;
    const s = this.src;
    while (this.pos < s.length) {
      const c = s[this.pos];
      if (isSpace(c) || c === '(' || c === ')' || c === '"') break;
      if (c === ';' && s[this.pos + 1] === ';') break;
      this.pos++;
    }
    return { kind: 'atom', text: s.slice(start, this.pos), start, end: this.pos, line };
  }

  private readString(): Str {
    const start = this.pos;
    const line = this.line;
    const s = this.src;
    this.pos++; // opening quote
    const bytes: number[] = [];
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string', line);
      const c = s[this.pos];
      if (c === '"') {
        this.pos++;
        break;
      }
      if (c === '\n') this.fail('newline in string', line);
      if (c !== '\\') {
        // One code point, as UTF-8.
        const cp = s.codePointAt(this.pos)!;
        const ch = String.fromCodePoint(cp);
        this.pos += ch.length;
        bytes.push(...utf8.encode(ch));
        continue;
      }
      const e = s[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case 'n': bytes.push(0x0a); break;
        case 't': bytes.push(0x09); break;
        case 'r': bytes.push(0x0d); break;
        case '"': bytes.push(0x22); break;
        case "'": bytes.push(0x27); break;
        case '\\': bytes.push(0x5c); break;
        case 'u': {
          if (s[this.pos] !== '{') this.fail('bad \\u escape in string', line);
          const close = s.indexOf('}', this.pos);
          const digits = close < 0 ? '' : s.slice(this.pos + 1, close).replace(/_/g, '');
          if (!/^[0-9a-fA-F]+$/.test(digits)) this.fail('bad \\u escape in string', line);
          const cp = parseInt(digits, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) this.fail('bad \\u code point in string', line);
          bytes.push(...utf8.encode(String.fromCodePoint(cp)));
          this.pos = close + 1;
          break;
        }
        default: {
          const h = e === undefined ? -1 : hexValue(e);
          const l = hexValue(s[this.pos] ?? '');
          if (h < 0 || l < 0) this.fail(`bad escape "\\${e ?? ''}" in string`, line);
          bytes.push(h * 16 + l);
          this.pos++;
        }
      }
    }
    return { kind: 'string', bytes: new Uint8Array(bytes), start, end: this.pos, line };
  }
}

/** Reads every top-level s-expression of `src`. Throws WastSyntaxError. */
export function readSexprs(src: string): Node[] {
  return new Reader(src).readAll();
}

/**
 * What the guards below narrow to when they also check the text or head: a branded type, so
 * that a failed check (e.g. `isList(n, 'data')` being false) does not make TypeScript conclude
 * that `n` is not a list at all.
 */
type Checked<T> = T & { readonly __checked: unique symbol };

export function isAtom(n: Node | undefined): n is Atom;
export function isAtom(n: Node | undefined, text: string): n is Checked<Atom>;
export function isAtom(n: Node | undefined, text?: string): boolean {
  return n !== undefined && n.kind === 'atom' && (text === undefined || n.text === text);
}

export function isList(n: Node | undefined): n is List;
export function isList(n: Node | undefined, head: string): n is Checked<List>;
export function isList(n: Node | undefined, head?: string): boolean {
  return n !== undefined && n.kind === 'list' && (head === undefined || isAtom(n.items[0], head));
}

export function isString(n: Node | undefined): n is Str {
  return n !== undefined && n.kind === 'string';
}

/** The head keyword of a list, or undefined. */
export function headOf(n: Node | undefined): string | undefined {
  return isList(n) && isAtom(n.items[0]) ? n.items[0].text : undefined;
}

/** Concatenates the bytes of string nodes. */
export function concatStrings(nodes: Str[]): Uint8Array {
  const out = new Uint8Array(nodes.reduce((n, s) => n + s.bytes.length, 0));
  let at = 0;
  for (const s of nodes) {
    out.set(s.bytes, at);
    at += s.bytes.length;
  }
  return out;
}
