// A synthetic module of about 1 MB for the compile-speed figure: thousands of functions with
// varied bodies (arithmetic on i32/i64/f64, loads and stores, nested blocks, ifs, counted loops,
// br_table switches, direct and indirect calls), generated from a fixed seed so every run sees
// the same bytes. Valid by construction (each expression pushes exactly one value of the wanted
// type; each statement leaves the stack as it found it), and it terminates: loops are counted,
// functions only call functions of the level below (four levels), never from inside a loop.
//
// A few top-level functions are exported so the module can also be run on two engines and the
// results compared. Nothing here makes the result depend on a NaN's bits (no copysign,
// reinterpret or f64.store), which the spec leaves to the engine.
import { section, sleb, uleb } from '../test/helpers/wasm-builder.js';

type VT = 'i32' | 'i64' | 'f64';
interface Sig { params: VT[]; result: VT }

const VT_CODE: Record<VT, number> = { i32: 0x7f, i64: 0x7e, f64: 0x7c };

/** The function types: index in this array = type index. */
const SIGS: Sig[] = [
  { params: ['i32', 'i32'], result: 'i32' }, // 0: also the table's type
  { params: ['i32', 'i64'], result: 'i64' },
  { params: ['f64', 'i32'], result: 'f64' },
  { params: ['i64', 'f64', 'i32'], result: 'i32' },
  { params: ['i32'], result: 'f64' },
];
const TABLE_SIZE = 64; // a power of two: call_indirect masks its index with TABLE_SIZE - 1
const LEVELS = 4;
const DATA_BYTES = 0x4000; // random bytes at address 0; every load and store falls in them

function f64Bytes(x: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return [...b];
}

const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  int(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

interface FnInfo { index: number; type: number; level: number }

const I32_BIN = [0x6a, 0x6b, 0x6c, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78];
const I32_CMP = [0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f];
const I32_UN = [0x45, 0x67, 0x68, 0x69, 0xc0, 0xc1];
const I32_DIV = [0x6e, 0x6f, 0x70]; // div_u, rem_s, rem_u: never trap with a divisor `x | 1`
const I64_BIN = [0x7c, 0x7d, 0x7e, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a];
const I64_CMP = [0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a];
const I64_UN = [0x79, 0x7a, 0x7b, 0xc2, 0xc3, 0xc4];
const I64_DIV = [0x80, 0x81, 0x82];
const F64_BIN = [0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5];
const F64_CMP = [0x61, 0x62, 0x63, 0x64, 0x65, 0x66];
const F64_UN = [0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f];

class FunctionGen {
  private readonly out: number[] = [];
  private readonly locals: VT[];
  private readonly counters: number[]; // reserved i32 locals for loop counters
  private calls = 0;
  private loopDepth = 0;

  constructor(
    private readonly rng: Rng,
    private readonly fn: FnInfo,
    private readonly callees: Map<VT, FnInfo[]>, // functions of the level below, by result type
    private readonly indirect: boolean,
  ) {
    const sig = SIGS[fn.type];
    this.locals = [...sig.params, 'i32', 'i32', 'i32', 'i64', 'i64', 'f64', 'f64', 'i32', 'i32'];
    this.counters = [this.locals.length - 2, this.locals.length - 1];
  }

  body(): number[] {
    const sig = SIGS[this.fn.type];
    const extra = this.locals.slice(sig.params.length);
    // group runs of equal types
    const groups: number[][] = [];
    for (let i = 0; i < extra.length; ) {
      let j = i;
      while (j < extra.length && extra[j] === extra[i]) j++;
      groups.push([...uleb(j - i), VT_CODE[extra[i]]]);
      i = j;
    }
    // give the extra locals values, so that results rarely collapse to zero
    for (let i = sig.params.length; i < this.counters[0]; i++) {
      this.expr(this.locals[i], 2);
      this.emit(0x21, ...uleb(i));
    }
    const statements = 3 + this.rng.int(6);
    for (let i = 0; i < statements; i++) this.stmt(2);
    // the result folds in every local of its type, so it depends on the whole body
    this.expr(sig.result, 3);
    for (const i of this.settable(sig.result)) this.emit(0x20, ...uleb(i), sig.result === 'f64' ? 0xa0 : sig.result === 'i64' ? 0x85 : 0x73);
    this.out.push(0x0b);
    const code = [...vec(groups), ...this.out];
    return [...uleb(code.length), ...code];
  }

  private emit(...bytes: number[]): void {
    for (const b of bytes) this.out.push(b);
  }

  private settable(t: VT): number[] {
    const r: number[] = [];
    this.locals.forEach((lt, i) => {
      if (lt === t && !this.counters.includes(i)) r.push(i);
    });
    return r;
  }

  private leaf(t: VT): void {
    const locals = this.settable(t);
    if (locals.length && this.rng.chance(0.6)) {
      this.emit(0x20, ...uleb(this.rng.pick(locals)));
      return;
    }
    if (t === 'i32') {
      if (this.rng.chance(0.15)) this.emit(0x23, 0); // global.get 0
      else this.emit(0x41, ...sleb((this.rng.next() | 0) >> this.rng.int(32)));
    } else if (t === 'i64') this.emit(0x42, ...sleb((this.rng.next() | 0) >> this.rng.int(32)));
    else this.emit(0x44, ...f64Bytes(((this.rng.next() | 0) / 65536) * (this.rng.chance(0.1) ? 0 : 1)));
  }

  private address(d: number): void {
    this.expr('i32', d);
    this.emit(0x41, ...sleb(0x1ff8), 0x71); // & 0x1ff8, plus an offset below 0x2000: in the data
  }

  private memarg(align: number): number[] {
    return [align, ...uleb(this.rng.int(0x400) * 8)];
  }

  private canCall(): boolean {
    return this.fn.level > 0 && this.loopDepth === 0 && this.calls < 2;
  }

  private call(t: VT, d: number): boolean {
    const pool = this.callees.get(t);
    if (!pool?.length || !this.canCall()) return false;
    const callee = this.rng.pick(pool);
    this.calls++;
    for (const p of SIGS[callee.type].params) this.expr(p, d - 1);
    this.emit(0x10, ...uleb(callee.index));
    return true;
  }

  private callIndirect(d: number): boolean {
    if (!this.indirect || !this.canCall()) return false;
    this.calls++;
    this.expr('i32', d - 1);
    this.expr('i32', d - 1);
    this.expr('i32', d - 1);
    this.emit(0x41, TABLE_SIZE - 1, 0x71, 0x11, 0, 0); // & 63, call_indirect type 0 table 0
    return true;
  }

  expr(t: VT, d: number): void {
    const r = this.rng;
    if (d <= 0 || r.chance(0.22)) return this.leaf(t);
    const choice = r.int(12);
    if (t === 'i32') {
      switch (choice) {
        case 0: case 1: case 2:
          this.expr('i32', d - 1); this.expr('i32', d - 1); return this.emit(r.pick(I32_BIN));
        case 3:
          this.expr('i32', d - 1); this.expr('i32', d - 1); return this.emit(r.pick(I32_CMP));
        case 4:
          if (r.chance(0.5)) { this.expr('i64', d - 1); this.expr('i64', d - 1); return this.emit(r.pick(I64_CMP)); }
          this.expr('f64', d - 1); this.expr('f64', d - 1); return this.emit(r.pick(F64_CMP));
        case 5:
          this.expr('i32', d - 1); return this.emit(r.pick(I32_UN));
        case 6:
          this.expr('i32', d - 1); this.expr('i32', d - 1); return this.emit(0x41, 1, 0x72, r.pick(I32_DIV));
        case 7: {
          this.address(d - 1);
          const [op, align] = r.pick([[0x28, 2], [0x2d, 0], [0x2e, 1]] as const);
          return this.emit(op, ...this.memarg(align));
        }
        case 8:
          if (r.chance(0.5)) { this.expr('i64', d - 1); return this.emit(0xa7); }
          this.expr('f64', d - 1); return this.emit(0xfc, r.chance(0.5) ? 2 : 3);
        case 9:
          this.expr('i32', d - 1); this.expr('i32', d - 1); this.expr('i32', d - 1); return this.emit(0x1b);
        case 10:
          if (r.chance(0.5) ? this.call('i32', d) : this.callIndirect(d)) return;
          return this.structured('i32', d);
        default:
          if (r.chance(0.5)) return this.structured('i32', d);
          this.expr('i32', d - 1); return this.emit(0x22, ...uleb(r.pick(this.settable('i32'))));
      }
    }
    if (t === 'i64') {
      switch (choice) {
        case 0: case 1: case 2: case 3:
          this.expr('i64', d - 1); this.expr('i64', d - 1); return this.emit(r.pick(I64_BIN));
        case 4:
          this.expr('i64', d - 1); return this.emit(r.pick(I64_UN));
        case 5:
          this.expr('i64', d - 1); this.expr('i64', d - 1); return this.emit(0x42, 1, 0x84, r.pick(I64_DIV));
        case 6:
          this.expr('i32', d - 1); return this.emit(r.chance(0.5) ? 0xac : 0xad);
        case 7: {
          this.address(d - 1);
          const [op, align] = r.pick([[0x29, 3], [0x35, 2]] as const);
          return this.emit(op, ...this.memarg(align));
        }
        case 8:
          this.expr('f64', d - 1); return this.emit(0xfc, r.chance(0.5) ? 6 : 7);
        case 9:
          this.expr('i64', d - 1); this.expr('i64', d - 1); this.expr('i32', d - 1); return this.emit(0x1b);
        case 10:
          if (this.call('i64', d)) return;
          return this.structured('i64', d);
        default:
          if (r.chance(0.5)) return this.structured('i64', d);
          this.expr('i64', d - 1); return this.emit(0x22, ...uleb(r.pick(this.settable('i64'))));
      }
    }
    switch (choice) {
      case 0: case 1: case 2: case 3:
        this.expr('f64', d - 1); this.expr('f64', d - 1); return this.emit(r.pick(F64_BIN));
      case 4: case 5:
        this.expr('f64', d - 1); return this.emit(r.pick(F64_UN));
      case 6:
        this.expr('i32', d - 1); return this.emit(r.chance(0.5) ? 0xb7 : 0xb8);
      case 7:
        this.expr('i64', d - 1); return this.emit(r.chance(0.5) ? 0xb9 : 0xba);
      case 8:
        this.address(d - 1); return this.emit(0x2b, ...this.memarg(3));
      case 9:
        this.expr('f64', d - 1); this.expr('f64', d - 1); this.expr('i32', d - 1); return this.emit(0x1b);
      case 10:
        if (this.call('f64', d)) return;
        return this.structured('f64', d);
      default:
        if (r.chance(0.5)) return this.structured('f64', d);
        this.expr('f64', d - 1); return this.emit(0x22, ...uleb(r.pick(this.settable('f64'))));
    }
  }

  /** A value-producing block or if; only from depth 3 down, and what it contains is shallower, so
   *  the recursion ends. */
  private structured(t: VT, d: number): void {
    if (d < 3) return this.leaf(t);
    if (this.rng.chance(0.5)) {
      this.emit(0x02, VT_CODE[t]);
      this.stmt(0, 1);
      this.expr(t, d - 1);
      this.emit(0x0b);
    } else {
      this.expr('i32', 1);
      this.emit(0x04, VT_CODE[t]);
      this.expr(t, d - 1);
      this.emit(0x05);
      this.expr(t, d - 1);
      this.emit(0x0b);
    }
  }

  /** A statement nested `d` more levels at most, its expressions `e` deep at most. */
  stmt(d: number, e = 3): void {
    const r = this.rng;
    const choice = d <= 0 ? r.int(4) : r.int(9);
    switch (choice) {
      case 0: case 1: {
        const t = r.pick(['i32', 'i32', 'i64', 'f64'] as const);
        this.expr(t, e);
        this.emit(0x21, ...uleb(r.pick(this.settable(t))));
        return;
      }
      case 2: {
        this.address(e - 1);
        const kind = r.int(3);
        if (kind === 0) { this.expr('i32', e); this.emit(0x36, ...this.memarg(2)); }
        else if (kind === 1) { this.expr('i64', e); this.emit(0x37, ...this.memarg(3)); }
        else { this.expr('i32', e - 1); this.emit(0x3a, ...this.memarg(0)); }
        return;
      }
      case 3: {
        if (r.chance(0.5)) { this.expr('i32', e); this.emit(0x24, 0); return; } // global.set
        this.expr(r.pick(['i32', 'i64', 'f64'] as const), e);
        this.emit(0x1a); // drop
        return;
      }
      case 4: {
        this.expr('i32', 2);
        this.emit(0x04, 0x40);
        this.stmts(d - 1);
        if (r.chance(0.6)) { this.emit(0x05); this.stmts(d - 1); }
        this.emit(0x0b);
        return;
      }
      case 5: {
        this.emit(0x02, 0x40);
        this.stmts(d - 1);
        this.expr('i32', 2);
        this.emit(0x0d, 0); // br_if 0
        this.stmts(d - 1);
        this.emit(0x0b);
        return;
      }
      case 6: {
        if (this.loopDepth >= this.counters.length) return this.stmt(0);
        const c = this.counters[this.loopDepth];
        this.emit(0x41, 1 + r.int(4), 0x21, ...uleb(c));
        this.emit(0x03, 0x40);
        this.loopDepth++;
        this.stmts(d - 1);
        this.loopDepth--;
        this.emit(0x20, ...uleb(c), 0x41, 1, 0x6b, 0x22, ...uleb(c), 0x0d, 0, 0x0b);
        return;
      }
      case 7: {
        // switch: block block block (expr) br_table 0 1 2 end s end s end s
        this.emit(0x02, 0x40, 0x02, 0x40, 0x02, 0x40);
        this.expr('i32', 2);
        this.emit(0x0e, 2, 0, 1, 2, 0x0b);
        this.stmts(d - 1);
        this.emit(0x0b);
        this.stmts(d - 1);
        this.emit(0x0b);
        this.stmts(d - 1);
        return;
      }
      default: {
        this.expr(r.pick(['i32', 'i64', 'f64'] as const), 3);
        this.emit(0x1a);
      }
    }
  }

  private stmts(d: number): void {
    const n = 1 + this.rng.int(3);
    for (let i = 0; i < n; i++) this.stmt(d);
  }
}

export interface SyntheticModule {
  bytes: Uint8Array;
  functions: number;
  /** Exported functions and the arguments to call them with (i64 as BigInt). */
  calls: { name: string; args: (number | bigint)[] }[];
}

/** Builds the module: functions are added until the code section reaches `targetBytes`. */
export function syntheticModule(targetBytes = 1_000_000, seed = 20240601): SyntheticModule {
  const rng = new Rng(seed);
  // First decide the functions' types; the level of a function is fixed by its position once
  // the count is known, so generate in rounds: estimate the count from a sample size.
  const bodies: number[][] = [];
  const fns: FnInfo[] = [];
  const perLevel: FnInfo[][] = Array.from({ length: LEVELS }, () => []);
  const byResult = (level: number): Map<VT, FnInfo[]> => {
    const m = new Map<VT, FnInfo[]>();
    for (const f of perLevel[level] ?? []) {
      const t = SIGS[f.type].result;
      if (!m.has(t)) m.set(t, []);
      m.get(t)!.push(f);
    }
    return m;
  };
  // Level sizes: 40% leaves, then 30%, 20%, 10%. A level's functions are all generated before
  // the next level's (callees must exist to be chosen).
  const shares = [0.4, 0.3, 0.2, 0.1];
  let codeBytes = 0;
  let tableFns: FnInfo[] = [];
  for (let level = 0; level < LEVELS; level++) {
    const goal = targetBytes * shares.slice(0, level + 1).reduce((a, b) => a + b, 0);
    const callees = level > 0 ? byResult(level - 1) : new Map<VT, FnInfo[]>();
    if (level === 1) tableFns = perLevel[0].filter((f) => f.type === 0);
    while (codeBytes < goal) {
      const fn: FnInfo = { index: fns.length, type: rng.int(SIGS.length), level };
      const body = new FunctionGen(rng, fn, callees, level > 0 && tableFns.length > 0).body();
      fns.push(fn);
      perLevel[level].push(fn);
      bodies.push(body);
      codeBytes += body.length;
    }
  }

  const table = Array.from({ length: TABLE_SIZE }, (_, i) => tableFns[i % tableFns.length].index);
  const exported = perLevel[LEVELS - 1].filter((_, i) => i % 5 === 0);
  const calls = exported.map((f, k) => ({
    name: `f${f.index}`,
    args: SIGS[f.type].params.map((p, i): number | bigint =>
      p === 'i32' ? (k * 7919 + i * 104729) | 0 : p === 'i64' ? BigInt(k) * 0x1_0000_0001n - BigInt(i) : k / 3 - i),
  }));

  const data = Array.from({ length: DATA_BYTES }, () => rng.int(256));
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(SIGS.map((s) => [0x60, ...vec(s.params.map((p) => [VT_CODE[p]])), 1, VT_CODE[s.result]]))),
    ...section(3, vec(fns.map((f) => uleb(f.type)))),
    ...section(4, [1, 0x70, 0x01, ...uleb(TABLE_SIZE), ...uleb(TABLE_SIZE)]),
    ...section(5, [1, 0x00, 1]),
    ...section(6, [1, 0x7f, 1, 0x41, 0, 0x0b]),
    ...section(7, vec([[...name('mem'), 2, 0], ...exported.map((f) => [...name(`f${f.index}`), 0, ...uleb(f.index)])])),
    ...section(9, [1, 0x00, 0x41, 0, 0x0b, ...vec(table.map((i) => uleb(i)))]),
    ...section(10, vec(bodies)),
    ...section(11, [1, 0x00, 0x41, 0, 0x0b, ...uleb(data.length), ...data]),
  ];
  return { bytes: new Uint8Array(bytes), functions: fns.length, calls };
}

/** The same bytes with a custom section carrying `nonce` appended, so that an engine that caches
 *  compiled modules by their bytes (V8 does) compiles afresh each time. */
export function withNonce(bytes: Uint8Array, nonce: number): Uint8Array {
  const custom = section(0, [...name('bench-nonce'), ...uleb(nonce)]);
  const out = new Uint8Array(bytes.length + custom.length);
  out.set(bytes);
  out.set(custom, bytes.length);
  return out;
}
