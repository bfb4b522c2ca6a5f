// heapbase's own random module generator, complementing binaryen's translate-to-fuzz: it
// covers what binaryen 108 does not emit validly (reference types, table instructions, every
// element segment encoding, typed select, passive segments, imported globals and multi-value
// blocks with parameters) and exercises exact NaN bits.
//
// Determinism: float arithmetic that can make a NaN (add, sub, mul, div, sqrt, min, max, ceil,
// floor, trunc, nearest, promote, demote) is "denanned" (a NaN result becomes 0), because the
// spec leaves such a NaN's payload and sign open. NaNs still flow everywhere the spec fixes
// their bits: constants with any payload (signalling ones too), loads, stores, reinterprets,
// abs, neg, copysign, select, locals, globals, calls and tables. So memory, which is compared
// byte for byte, and integer results are deterministic.
//
// Termination: a `fuel` global, reset by the exported `hangLimitInitializer` (which the harness
// calls before every call), is decremented on every function entry and loop iteration; at zero
// the function returns zeros.
import { Rng } from './prng.js';
import { concat, encodeName, HEADER, section, sleb, uleb, valTypeByte, type FuncType, type ValType } from './wasm-bytes.js';

export interface GeneratedModule {
  bytes: Uint8Array;
  summary: string;
}

type Num = 'i32' | 'i64' | 'f32' | 'f64';
const NUMS: Num[] = ['i32', 'i64', 'f32', 'f64'];
const ALL: ValType[] = ['i32', 'i64', 'f32', 'f64', 'funcref', 'externref'];

interface OpDef {
  code: number[];
  params: ValType[];
  result: ValType;
  /** Float arithmetic whose NaN results have unspecified bits: denanned. */
  arith?: boolean;
}

const op = (code: number | number[], params: string, result: ValType, arith = false): OpDef => ({
  code: typeof code === 'number' ? [code] : code,
  params: params.split(' ').filter(Boolean) as ValType[],
  result,
  arith,
});

const OPS: OpDef[] = [
  // i32
  ...[0x67, 0x68, 0x69, 0xc0, 0xc1].map((c) => op(c, 'i32', 'i32')),
  op(0x45, 'i32', 'i32'),
  ...Array.from({ length: 15 }, (_, k) => op(0x6a + k, 'i32 i32', 'i32')),
  ...Array.from({ length: 10 }, (_, k) => op(0x46 + k, 'i32 i32', 'i32')),
  // i64
  ...[0x79, 0x7a, 0x7b, 0xc2, 0xc3, 0xc4].map((c) => op(c, 'i64', 'i64')),
  op(0x50, 'i64', 'i32'),
  ...Array.from({ length: 15 }, (_, k) => op(0x7c + k, 'i64 i64', 'i64')),
  ...Array.from({ length: 10 }, (_, k) => op(0x51 + k, 'i64 i64', 'i32')),
  // float comparisons
  ...Array.from({ length: 6 }, (_, k) => op(0x5b + k, 'f32 f32', 'i32')),
  ...Array.from({ length: 6 }, (_, k) => op(0x61 + k, 'f64 f64', 'i32')),
  // f32
  op(0x8b, 'f32', 'f32'), op(0x8c, 'f32', 'f32'),
  ...[0x8d, 0x8e, 0x8f, 0x90, 0x91].map((c) => op(c, 'f32', 'f32', true)),
  ...[0x92, 0x93, 0x94, 0x95, 0x96, 0x97].map((c) => op(c, 'f32 f32', 'f32', true)),
  op(0x98, 'f32 f32', 'f32'),
  // f64
  op(0x99, 'f64', 'f64'), op(0x9a, 'f64', 'f64'),
  ...[0x9b, 0x9c, 0x9d, 0x9e, 0x9f].map((c) => op(c, 'f64', 'f64', true)),
  ...[0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5].map((c) => op(c, 'f64 f64', 'f64', true)),
  op(0xa6, 'f64 f64', 'f64'),
  // conversions
  op(0xa7, 'i64', 'i32'),
  op(0xa8, 'f32', 'i32'), op(0xa9, 'f32', 'i32'), op(0xaa, 'f64', 'i32'), op(0xab, 'f64', 'i32'),
  op(0xac, 'i32', 'i64'), op(0xad, 'i32', 'i64'),
  op(0xae, 'f32', 'i64'), op(0xaf, 'f32', 'i64'), op(0xb0, 'f64', 'i64'), op(0xb1, 'f64', 'i64'),
  op(0xb2, 'i32', 'f32'), op(0xb3, 'i32', 'f32'), op(0xb4, 'i64', 'f32'), op(0xb5, 'i64', 'f32'), op(0xb6, 'f64', 'f32', true),
  op(0xb7, 'i32', 'f64'), op(0xb8, 'i32', 'f64'), op(0xb9, 'i64', 'f64'), op(0xba, 'i64', 'f64'), op(0xbb, 'f32', 'f64', true),
  op(0xbc, 'f32', 'i32'), op(0xbd, 'f64', 'i64'), op(0xbe, 'i32', 'f32'), op(0xbf, 'i64', 'f64'),
  // saturating truncation
  op([0xfc, 0], 'f32', 'i32'), op([0xfc, 1], 'f32', 'i32'), op([0xfc, 2], 'f64', 'i32'), op([0xfc, 3], 'f64', 'i32'),
  op([0xfc, 4], 'f32', 'i64'), op([0xfc, 5], 'f32', 'i64'), op([0xfc, 6], 'f64', 'i64'), op([0xfc, 7], 'f64', 'i64'),
];

const opsByResult = new Map<ValType, OpDef[]>();
for (const o of OPS) {
  const list = opsByResult.get(o.result) ?? [];
  list.push(o);
  opsByResult.set(o.result, list);
}

/** Loads: opcode, result type, natural alignment (log2). */
const LOADS: [number, Num, number][] = [
  [0x28, 'i32', 2], [0x29, 'i64', 3], [0x2a, 'f32', 2], [0x2b, 'f64', 3],
  [0x2c, 'i32', 0], [0x2d, 'i32', 0], [0x2e, 'i32', 1], [0x2f, 'i32', 1],
  [0x30, 'i64', 0], [0x31, 'i64', 0], [0x32, 'i64', 1], [0x33, 'i64', 1], [0x34, 'i64', 2], [0x35, 'i64', 2],
];
const STORES: [number, Num, number][] = [
  [0x36, 'i32', 2], [0x37, 'i64', 3], [0x38, 'f32', 2], [0x39, 'f64', 3],
  [0x3a, 'i32', 0], [0x3b, 'i32', 1], [0x3c, 'i64', 0], [0x3d, 'i64', 1], [0x3e, 'i64', 2],
];

const F32_SPECIAL = [0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
  0x7fa00001, 0xffa00001, 0x7f800001, 0x7fbfffff, 0x7fffffff, 0x00000001, 0x80000001, 0x007fffff, 0x7f7fffff, 0x4f000000,
  0xcf000000, 0x4f800000, 0x5f000000, 0xdf000000, 0x3effffff, 0x3f000000, 0x3fc00000, 0x40200000, 0x7fc00001];
const F64_SPECIAL = [0x0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n,
  0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000001n, 0x7ff0000000000001n, 0xfff0000000000001n, 0x7fffffffffffffffn,
  0x7ff8000000000001n, 0x7ff80000e0000000n, 0x7ff8000020000000n, 0x0000000000000001n, 0x000fffffffffffffn, 0x7fefffffffffffffn,
  0x41e0000000000000n, 0xc1e0000000000000n, 0x41f0000000000000n, 0x43e0000000000000n, 0xc3e0000000000000n, 0x43f0000000000000n,
  0x3fe0000000000000n, 0x3fdfffffffffffffn, 0x4330000000000000n, 0x4330000000000001n, 0xc1e0000000200000n, 0x41dfffffffc00000n];
const I32_SPECIAL = [0, 1, -1, 2, 31, 32, 33, 63, 64, 0x7fffffff, -0x80000000, 0xff, 0x100, 0xffff, 0x10000, 0x7fff, -0x8000, 65535, 65536, 65532, 65529];
const I64_SPECIAL = [0n, 1n, -1n, 63n, 64n, 65n, 0x7fffffffffffffffn, -0x8000000000000000n, 0xffffffffn, 0x100000000n, 0x80000000n, -0x80000000n, 0xffffffffffffn];

function f32Bytes(bits: number): number[] {
  return [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, (bits >>> 24) & 0xff];
}
function f64Bytes(bits: bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Number((bits >> BigInt(8 * i)) & 0xffn));
  return out;
}

interface FuncDef {
  typeIndex: number;
  type: FuncType;
  imported: boolean;
  name: string;
}

interface GlobalDef {
  type: ValType;
  mutable: boolean;
  imported: boolean;
}

interface Label {
  /** Types a branch to this label carries; only labels with none are branch targets. */
  brTypes: ValType[];
}

interface Ctx {
  type: FuncType;
  locals: ValType[];
  labels: Label[];
  /** Denan temporaries. */
  tmp: { f32: number; f64: number };
  /** Budget of instructions left for this function. */
  budget: number;
}

export function generateModule(seed: number): GeneratedModule {
  const rng = new Rng(seed);
  const types: FuncType[] = [];
  const typeKeys = new Map<string, number>();
  const typeIndex = (t: FuncType): number => {
    const key = `${t.params.join(',')}>${t.results.join(',')}`;
    let i = typeKeys.get(key);
    if (i === undefined) {
      i = types.length;
      types.push({ params: [...t.params], results: [...t.results] });
      typeKeys.set(key, i);
    }
    return i;
  };
  const randType = (): ValType => (rng.chance(0.8) ? rng.pick(NUMS) : rng.pick(ALL));
  const randFuncType = (maxParams: number, maxResults: number): FuncType => ({
    params: Array.from({ length: rng.int(maxParams + 1) }, randType),
    results: Array.from({ length: rng.chance(0.25) ? rng.int(maxResults + 1) : rng.int(2) }, randType),
  });

  // ---- imports ----
  const funcs: FuncDef[] = [];
  const importEntries: number[][] = [];
  const importFunc = (module: string, name: string, t: FuncType): number => {
    const ti = typeIndex(t);
    funcs.push({ typeIndex: ti, type: t, imported: true, name });
    importEntries.push([...encodeName(module), ...encodeName(name), 0, ...uleb(ti)]);
    return funcs.length - 1;
  };
  const logs = new Map<Num, number>();
  for (const t of NUMS) if (rng.chance(0.7)) logs.set(t, importFunc('fuzzing-support', `log-${t}`, { params: [t], results: [] }));
  const callExport = rng.chance(0.3) ? importFunc('env', 'call-export-catch', { params: ['i32'], results: ['i32'] }) : -1;
  const getExtern = rng.chance(0.5) ? importFunc('env', 'get-externref', { params: ['i32'], results: ['externref'] }) : -1;
  const throwFn = rng.chance(0.1) ? importFunc('env', 'throw', { params: ['i32'], results: [] }) : -1;

  const globals: GlobalDef[] = [];
  const importGlobal = (name: string, type: ValType, mutable: boolean): void => {
    globals.push({ type, mutable, imported: true });
    importEntries.push([...encodeName('env'), ...encodeName(name), 3, valTypeByte(type), mutable ? 1 : 0]);
  };
  if (rng.chance(0.3)) importGlobal('g-imm', rng.pick(ALL), false);
  if (rng.chance(0.3)) importGlobal('g-mut', rng.pick(ALL), true);
  const importedGlobalCount = globals.length;

  // Memory: defined or imported, or none.
  let memory: { min: number; max: number | undefined } | null = null;
  let memoryImported = false;
  if (rng.chance(0.8)) {
    const min = rng.pick([0, 1, 1, 1, 2, 3]);
    memory = { min, max: rng.chance(0.5) ? min + rng.int(4) : undefined };
    if (rng.chance(0.2)) {
      memoryImported = true;
      importEntries.push([...encodeName('env'), ...encodeName('memory'), 2, memory.max === undefined ? 0 : 1, ...uleb(memory.min),
        ...(memory.max === undefined ? [] : uleb(memory.max))]);
    }
  }
  // Tables: a funcref table 0, sometimes an externref table 1 (sometimes imported).
  const tables: { element: 'funcref' | 'externref'; min: number; max: number | undefined; imported: boolean }[] = [];
  if (rng.chance(0.85)) tables.push({ element: 'funcref', min: rng.int(9), max: undefined, imported: false });
  if (rng.chance(0.4)) tables.push({ element: rng.chance(0.7) ? 'externref' : 'funcref', min: rng.int(5), max: undefined, imported: false });
  for (const t of tables) {
    if (rng.chance(0.5)) t.max = t.min + rng.int(6);
  }
  if (tables.length > 0 && rng.chance(0.15)) {
    const t = tables[0];
    t.imported = true;
    importEntries.push([...encodeName('env'), ...encodeName('table'), 1, valTypeByte(t.element), t.max === undefined ? 0 : 1,
      ...uleb(t.min), ...(t.max === undefined ? [] : uleb(t.max))]);
  }
  const importedFuncCount = funcs.length;

  // ---- defined functions, globals ----
  const nFuncs = rng.range(2, 7);
  for (let i = 0; i < nFuncs; i++) {
    const t = randFuncType(4, 3);
    funcs.push({ typeIndex: typeIndex(t), type: t, imported: false, name: `f${i}` });
  }
  const hangFunc = funcs.length;
  funcs.push({ typeIndex: typeIndex({ params: [], results: [] }), type: { params: [], results: [] }, imported: false, name: 'hangLimitInitializer' });
  // Any function but the fuel reset (reaching it through a table or ref.func would defeat the fuel).
  const anyFunc = (): number => {
    for (;;) {
      const f = rng.int(funcs.length);
      if (f !== hangFunc) return f;
    }
  };
  const startFunc = rng.chance(0.2) ? funcs.length : -1;
  if (startFunc >= 0) funcs.push({ typeIndex: typeIndex({ params: [], results: [] }), type: { params: [], results: [] }, imported: false, name: 'start' });

  const fuelGlobal = globals.length;
  globals.push({ type: 'i32', mutable: true, imported: false });
  const globalInits: number[][] = [[0x41, ...sleb(30), 0x0b]];
  const nGlobals = rng.range(1, 6);
  for (let i = 0; i < nGlobals; i++) {
    const type = rng.pick(ALL);
    globals.push({ type, mutable: rng.chance(0.7), imported: false });
    // Initialiser: a constant, or an imported immutable global of the same type.
    const source = globals.findIndex((g, k) => k < importedGlobalCount && g.imported && !g.mutable && g.type === type);
    if (source >= 0 && rng.chance(0.5)) globalInits.push([0x23, ...uleb(source), 0x0b]);
    else globalInits.push([...constInstr(type, true), 0x0b]);
  }

  function constInstr(t: ValType, forInit = false): number[] {
    switch (t) {
      case 'i32': return [0x41, ...sleb(rng.chance(0.6) ? rng.pick(I32_SPECIAL) : rng.chance(0.5) ? rng.int(100) : rng.u32() | 0)];
      case 'i64': return [0x42, ...sleb(rng.chance(0.6) ? rng.pick(I64_SPECIAL) : rng.chance(0.5) ? BigInt(rng.int(100)) : rng.i64())];
      case 'f32': return [0x43, ...f32Bytes(rng.chance(0.5) ? rng.pick(F32_SPECIAL) : rng.chance(0.5) ? rng.u32() : floatBits32(rng.int(2000) / 8 - 125))];
      case 'f64': return [0x44, ...f64Bytes(rng.chance(0.5) ? rng.pick(F64_SPECIAL) : rng.chance(0.5) ? BigInt.asUintN(64, rng.i64()) : floatBits64(rng.int(2000) / 8 - 125))];
      case 'funcref': return rng.chance(0.5) ? [0xd2, ...uleb(anyFunc())] : [0xd0, 0x70];
      case 'externref': return [0xd0, 0x6f];
      default: throw new Error(t);
    }
  }

  const dataCount = memory ? rng.int(4) : 0;
  const elemSegs: { bytes: number[]; length: number; type: 'funcref' | 'externref'; passive: boolean }[] = [];

  // ---- code ----
  const labelDepth = (ctx: Ctx): number[] => ctx.labels.map((l, i) => (l.brTypes.length === 0 ? ctx.labels.length - 1 - i : -1)).filter((d) => d >= 0);

  function localOf(ctx: Ctx, t: ValType): number {
    // (not the denan temporaries, which briefly hold unspecified NaNs)
    const candidates = ctx.locals.flatMap((lt, i) => (lt === t && i !== ctx.tmp.f32 && i !== ctx.tmp.f64 ? [i] : []));
    return rng.pick(candidates);
  }

  function blockType(params: ValType[], results: ValType[]): number[] {
    if (params.length === 0 && results.length === 0) return [0x40];
    if (params.length === 0 && results.length === 1 && rng.chance(0.7)) return [valTypeByte(results[0])];
    return sleb(typeIndex({ params, results }));
  }

  function denan(ctx: Ctx, t: 'f32' | 'f64'): number[] {
    const l = ctx.tmp[t];
    const zero = t === 'f32' ? [0x43, 0, 0, 0, 0] : [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
    const eq = t === 'f32' ? 0x5b : 0x61;
    return [0x22, ...uleb(l), ...zero, 0x20, ...uleb(l), 0x20, ...uleb(l), eq, 0x1b];
  }

  function address(ctx: Ctx, depth: number): number[] {
    const r = rng.int(10);
    if (r < 5) return [...expr(ctx, 'i32', depth - 1), 0x41, ...sleb(rng.pick([0xffff, 0xfff, 0xff, 0x1ffff, 0x3ffff])), 0x71];
    if (r < 8) return [0x41, ...sleb(rng.chance(0.8) ? rng.int(66000) : rng.u32() | 0)];
    return expr(ctx, 'i32', depth - 1);
  }

  function memarg(natural: number): number[] {
    const align = rng.chance(0.7) ? natural : rng.int(natural + 1);
    const offset = rng.chance(0.6) ? 0 : rng.chance(0.8) ? rng.int(40) : rng.pick([65535, 65536, 131072, 0x7fffffff, 0xffffffff]);
    return [align, ...uleb(offset)];
  }

  /** A count for bulk operations: mostly small, sometimes crossing fast-path thresholds or huge. */
  function count(ctx: Ctx, depth: number): number[] {
    if (rng.chance(0.7)) return [0x41, ...sleb(rng.pick([0, 1, 2, 3, 7, 8, 16, 63, 64, 65, 100, 256, 1000, 4096, 65536, 70000]))];
    return expr(ctx, 'i32', depth - 1);
  }

  function callArgs(ctx: Ctx, params: ValType[], depth: number): number[] {
    return params.flatMap((p) => expr(ctx, p, depth - 1));
  }

  /** Instructions that consume the given values from the stack (into locals, or dropped). */
  function consume(ctx: Ctx, values: ValType[]): number[] {
    const out: number[] = [];
    for (let i = values.length - 1; i >= 0; i--) {
      if (rng.chance(0.3)) out.push(0x1a);
      else out.push(0x21, ...uleb(localOf(ctx, values[i])));
    }
    return out;
  }

  function zeros(types: readonly ValType[]): number[] {
    return types.flatMap((t) => {
      switch (t) {
        case 'i32': return [0x41, 0];
        case 'i64': return [0x42, 0];
        case 'f32': return [0x43, 0, 0, 0, 0];
        case 'f64': return [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
        case 'funcref': return [0xd0, 0x70];
        default: return [0xd0, 0x6f];
      }
    });
  }

  /** At zero fuel, return zeros; otherwise take one unit. */
  function fuelCheck(ctx: Ctx): number[] {
    return [0x23, ...uleb(fuelGlobal), 0x45, 0x04, 0x40, ...zeros(ctx.type.results), 0x0f, 0x0b,
      0x23, ...uleb(fuelGlobal), 0x41, 1, 0x6b, 0x24, ...uleb(fuelGlobal)];
  }

  const tablesOf = (element: 'funcref' | 'externref'): number[] => tables.flatMap((t, i) => (t.element === element ? [i] : []));

  /** An expression leaving one value of type t. */
  function expr(ctx: Ctx, t: ValType, depth: number): number[] {
    ctx.budget--;
    if (depth <= 0 || ctx.budget <= 0) return leaf(ctx, t);
    const r = rng.int(100);
    if (t === 'funcref' || t === 'externref') return refExpr(ctx, t, depth, r);
    if (r < 12) return leaf(ctx, t);
    if (r < 50) {
      const o = rng.pick(opsByResult.get(t)!);
      const code = [...o.params.flatMap((p) => expr(ctx, p, depth - 1)), ...o.code];
      return o.arith ? [...code, ...denan(ctx, t as 'f32' | 'f64')] : code;
    }
    if (r < 60 && memory && (t === 'i32' || t === 'i64' || t === 'f32' || t === 'f64')) {
      const [opc, , natural] = rng.pick(LOADS.filter((l) => l[1] === t));
      return [...address(ctx, depth), opc, ...memarg(natural)];
    }
    if (r < 66) {
      const callees = funcs.map((f, i) => i).filter((i) => funcs[i].type.results.length === 1 && funcs[i].type.results[0] === t && i !== hangFunc);
      if (callees.length) {
        const f = rng.pick(callees);
        return [...callArgs(ctx, funcs[f].type.params, depth), 0x10, ...uleb(f)];
      }
    }
    if (r < 70 && tablesOf('funcref').length) {
      // call_indirect through a funcref table with a type returning t
      const candidates = types.map((ft, i) => i).filter((i) => types[i].results.length === 1 && types[i].results[0] === t);
      if (candidates.length) {
        const ti = rng.pick(candidates);
        const table = rng.pick(tablesOf('funcref'));
        const index = rng.chance(0.7) ? [0x41, ...sleb(rng.int(10))] : expr(ctx, 'i32', depth - 1);
        return [...callArgs(ctx, types[ti].params, depth), ...index, 0x11, ...uleb(ti), ...uleb(table)];
      }
    }
    if (r < 76) {
      // block / if with a result, statements inside
      const kind = rng.pick(['block', 'if', 'loop'] as const);
      const params = rng.chance(0.3) ? [rng.pick(ALL)] : [];
      const results = rng.chance(0.2) ? [t, rng.pick(ALL)] : [t];
      const bt = blockType(params, results);
      const head = params.flatMap((p) => expr(ctx, p, depth - 1));
      const body = (): number[] => {
        ctx.labels.push({ brTypes: kind === 'loop' ? params : results });
        const code = [...consume(ctx, params), ...(kind === 'loop' ? fuelCheck(ctx) : []), ...stmts(ctx, depth - 1, rng.int(3)), ...results.flatMap((x) => expr(ctx, x, depth - 1))];
        ctx.labels.pop();
        return code;
      };
      // with several results, keep the first (the value of this expression)
      const tail = results.length > 1 ? consume(ctx, results.slice(1)) : [];
      if (kind === 'if') {
        const cond = expr(ctx, 'i32', depth - 1);
        return [...head, ...cond, 0x04, ...bt, ...body(), 0x05, ...body(), 0x0b, ...tail];
      }
      return [...head, kind === 'block' ? 0x02 : 0x03, ...bt, ...body(), 0x0b, ...tail];
    }
    if (r < 82) {
      // select, untyped or typed
      const typed = rng.chance(0.3);
      return [...expr(ctx, t, depth - 1), ...expr(ctx, t, depth - 1), ...expr(ctx, 'i32', depth - 1), ...(typed ? [0x1c, 1, valTypeByte(t)] : [0x1b])];
    }
    if (r < 86) return [...expr(ctx, t, depth - 1), 0x22, ...uleb(localOf(ctx, t))];
    if (r < 89 && t === 'i32') {
      const c = rng.int(6);
      if (c === 0 && memory) return [0x3f, 0];
      if (c === 1 && memory) return [...(rng.chance(0.7) ? [0x41, rng.int(3)] : expr(ctx, 'i32', depth - 1)), 0x40, 0];
      if (c === 2 && tables.length) return [0xfc, 16, ...uleb(rng.int(tables.length))];
      if (c === 3 && tables.length) {
        const ti = rng.int(tables.length);
        return [...expr(ctx, tables[ti].element, depth - 1), ...count(ctx, depth), 0xfc, 15, ...uleb(ti)];
      }
      if (c === 4) return [...expr(ctx, rng.pick(['funcref', 'externref'] as const), depth - 1), 0xd1];
      if (c === 5 && callExport >= 0) return [0x41, ...sleb(rng.int(8)), 0x10, ...uleb(callExport)];
    }
    if (r < 92) {
      // a branch, `unreachable` or `return` in value position (the stack is then polymorphic)
      const targets = labelDepth(ctx);
      const c = rng.int(10);
      if (c < 6 && targets.length) return [0x0c, ...uleb(rng.pick(targets))];
      if (c < 8) return [...ctx.type.results.flatMap((x) => expr(ctx, x, 0)), 0x0f];
      if (c < 9) return [0x00];
    }
    return leaf(ctx, t);
  }

  function refExpr(ctx: Ctx, t: 'funcref' | 'externref', depth: number, r: number): number[] {
    if (r < 30) return leaf(ctx, t);
    if (r < 50 && tablesOf(t).length) {
      const ti = rng.pick(tablesOf(t));
      return [...(rng.chance(0.7) ? [0x41, ...sleb(rng.int(10))] : expr(ctx, 'i32', depth - 1)), 0x25, ...uleb(ti)];
    }
    if (r < 65) return [...expr(ctx, t, depth - 1), ...expr(ctx, t, depth - 1), ...expr(ctx, 'i32', depth - 1), 0x1c, 1, valTypeByte(t)];
    if (r < 75 && t === 'externref' && getExtern >= 0) return [...expr(ctx, 'i32', depth - 1), 0x10, ...uleb(getExtern)];
    if (r < 85) {
      const callees = funcs.map((f, i) => i).filter((i) => funcs[i].type.results.length === 1 && funcs[i].type.results[0] === t);
      if (callees.length) {
        const f = rng.pick(callees);
        return [...callArgs(ctx, funcs[f].type.params, depth), 0x10, ...uleb(f)];
      }
    }
    if (r < 90) return [...expr(ctx, t, depth - 1), 0x22, ...uleb(localOf(ctx, t))];
    return leaf(ctx, t);
  }

  function leaf(ctx: Ctx, t: ValType): number[] {
    const r = rng.int(10);
    if (r < 4) return [0x20, ...uleb(localOf(ctx, t))];
    if (r < 6) {
      const gs = globals.flatMap((g, i) => (g.type === t ? [i] : []));
      if (gs.length) return [0x23, ...uleb(rng.pick(gs))];
    }
    return constInstr(t);
  }

  function stmts(ctx: Ctx, depth: number, n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n && ctx.budget > 0; i++) out.push(...stmt(ctx, depth));
    return out;
  }

  /** A statement: leaves the stack as it found it. */
  function stmt(ctx: Ctx, depth: number): number[] {
    ctx.budget--;
    const r = rng.int(100);
    const anyType = (): ValType => (rng.chance(0.8) ? rng.pick(NUMS) : rng.pick(ALL));
    if (r < 18) {
      const t = anyType();
      return [...expr(ctx, t, depth), 0x21, ...uleb(localOf(ctx, t))];
    }
    if (r < 26) {
      const gs = globals.flatMap((g, i) => (g.mutable && i !== fuelGlobal ? [i] : []));
      if (gs.length) {
        const g = rng.pick(gs);
        return [...expr(ctx, globals[g].type, depth), 0x24, ...uleb(g)];
      }
    }
    if (r < 38 && memory) {
      const [opc, t, natural] = rng.pick(STORES);
      return [...address(ctx, depth), ...expr(ctx, t, depth - 1), opc, ...memarg(natural)];
    }
    if (r < 44) {
      const t = rng.pick(NUMS);
      if (logs.has(t)) return [...expr(ctx, t, depth), 0x10, ...uleb(logs.get(t)!)];
    }
    if (r < 52 && depth > 0) {
      // call any function (or call_indirect), results consumed
      const f = rng.int(funcs.length);
      if (f !== hangFunc && f !== callExport && f !== throwFn) {
        if (rng.chance(0.25) && tablesOf('funcref').length) {
          const ti = funcs[f].typeIndex;
          const table = rng.pick(tablesOf('funcref'));
          return [...callArgs(ctx, funcs[f].type.params, depth), ...(rng.chance(0.8) ? [0x41, ...sleb(rng.int(10))] : expr(ctx, 'i32', depth - 1)),
            0x11, ...uleb(ti), ...uleb(table), ...consume(ctx, funcs[f].type.results)];
        }
        return [...callArgs(ctx, funcs[f].type.params, depth), 0x10, ...uleb(f), ...consume(ctx, funcs[f].type.results)];
      }
    }
    if (r < 64 && depth > 0) {
      // structured control: block, loop, if (with params/results), possibly multi-value
      const kind = rng.pick(['block', 'loop', 'if', 'if'] as const);
      const params = rng.chance(0.25) ? Array.from({ length: rng.range(1, 2) }, anyType) : [];
      const results = rng.chance(0.25) ? Array.from({ length: rng.range(1, 3) }, anyType) : [];
      const bt = blockType(params, results);
      const head = params.flatMap((p) => expr(ctx, p, depth - 1));
      const body = (): number[] => {
        ctx.labels.push({ brTypes: kind === 'loop' ? params : results });
        const code = [...consume(ctx, params), ...(kind === 'loop' ? fuelCheck(ctx) : []), ...stmts(ctx, depth - 1, rng.range(1, 4))];
        if (kind === 'loop' && params.length === 0 && rng.chance(0.6)) code.push(...expr(ctx, 'i32', depth - 1), 0x0d, 0);
        code.push(...results.flatMap((x) => expr(ctx, x, depth - 1)));
        ctx.labels.pop();
        return code;
      };
      const tail = consume(ctx, results);
      if (kind === 'if') {
        const cond = expr(ctx, 'i32', depth - 1);
        const then = body();
        const hasElse = results.length > 0 || params.length > 0 || rng.chance(0.5);
        return [...head, ...cond, 0x04, ...bt, ...then, ...(hasElse ? [0x05, ...body()] : []), 0x0b, ...tail];
      }
      return [...head, kind === 'block' ? 0x02 : 0x03, ...bt, ...body(), 0x0b, ...tail];
    }
    if (r < 70) {
      // br_if / br_table / br to a label without values
      const targets = labelDepth(ctx);
      if (targets.length) {
        const c = rng.int(3);
        if (c === 0) return [...expr(ctx, 'i32', depth - 1), 0x0d, ...uleb(rng.pick(targets))];
        if (c === 1) {
          const n = rng.int(6);
          return [...expr(ctx, 'i32', depth - 1), 0x0e, ...uleb(n), ...Array.from({ length: n + 1 }, () => uleb(rng.pick(targets))).flat()];
        }
        if (rng.chance(0.3)) return [0x0c, ...uleb(rng.pick(targets))];
      }
    }
    if (r < 82 && memory) {
      const c = rng.int(6);
      if (c === 0) return [...address(ctx, depth), ...expr(ctx, 'i32', depth - 1), ...count(ctx, depth), 0xfc, 11, 0];
      if (c === 1) return [...address(ctx, depth), ...address(ctx, depth), ...count(ctx, depth), 0xfc, 10, 0, 0];
      if (c === 2 && dataCount > 0) return [...address(ctx, depth), 0x41, ...sleb(rng.int(20)), ...count(ctx, depth), 0xfc, 8, ...uleb(rng.int(dataCount)), 0];
      if (c === 3 && dataCount > 0) return [0xfc, 9, ...uleb(rng.int(dataCount))];
      if (c === 4) return [...(rng.chance(0.8) ? [0x41, rng.int(3)] : expr(ctx, 'i32', depth - 1)), 0x40, 0, 0x1a];
    }
    if (r < 92 && tables.length) {
      const c = rng.int(6);
      const ti = rng.int(tables.length);
      const el = tables[ti].element;
      const idx = (): number[] => (rng.chance(0.8) ? [0x41, ...sleb(rng.int(12))] : expr(ctx, 'i32', depth - 1));
      if (c === 0) return [...idx(), ...expr(ctx, el, depth - 1), 0x26, ...uleb(ti)];
      if (c === 1) return [...idx(), ...expr(ctx, el, depth - 1), ...count(ctx, depth), 0xfc, 17, ...uleb(ti)];
      if (c === 2) {
        const src = tables.flatMap((t, i) => (t.element === el ? [i] : []));
        return [...idx(), ...idx(), ...(rng.chance(0.8) ? [0x41, rng.int(8)] : count(ctx, depth)), 0xfc, 14, ...uleb(ti), ...uleb(rng.pick(src))];
      }
      if (c === 3) {
        const segs = elemSegs.flatMap((s, i) => (s.type === el ? [i] : []));
        if (segs.length) return [...idx(), ...idx(), ...(rng.chance(0.8) ? [0x41, rng.int(6)] : count(ctx, depth)), 0xfc, 12, ...uleb(rng.pick(segs)), ...uleb(ti)];
      }
      if (c === 4 && elemSegs.length) return [0xfc, 13, ...uleb(rng.int(elemSegs.length))];
    }
    if (r < 94 && throwFn >= 0 && rng.chance(0.3)) return [...expr(ctx, 'i32', 0), 0x10, ...uleb(throwFn)];
    if (r < 95 && rng.chance(0.3)) return [0x00];
    if (r < 97) {
      const t = anyType();
      return [...expr(ctx, t, depth), 0x1a];
    }
    return [0x01];
  }

  // Element segments (declared before code generation so table.init/elem.drop can refer to them).
  const nElem = rng.int(4);
  const elemFuncs = (): number[] => Array.from({ length: rng.int(6) }, anyFunc);
  const funcExpr = (f: number | null): number[] => (f === null ? [0xd0, 0x70, 0x0b] : [0xd2, ...uleb(f), 0x0b]);
  const offsetExpr = (tableMin: number): number[] => [0x41, ...sleb(rng.chance(0.9) ? rng.int(Math.max(1, tableMin)) : rng.int(20)), 0x0b];
  for (let i = 0; i < nElem; i++) {
    const fts = tablesOf('funcref');
    const ets = tablesOf('externref');
    const form = rng.int(8);
    const fs = elemFuncs();
    const exprs = fs.map((f) => funcExpr(rng.chance(0.2) ? null : f));
    const indices = [...uleb(fs.length), ...fs.flatMap((f) => uleb(f))];
    const push = (bytes: number[], type: 'funcref' | 'externref', passive: boolean, length = fs.length): void => {
      elemSegs.push({ bytes, length, type, passive });
    };
    if (form === 0 && fts.includes(0)) push([0, ...offsetExpr(tables[0].min), ...indices], 'funcref', false);
    else if (form === 1) push([1, 0, ...indices], 'funcref', true);
    else if (form === 2 && fts.length) {
      const t = rng.pick(fts);
      push([2, ...uleb(t), ...offsetExpr(tables[t].min), 0, ...indices], 'funcref', false);
    } else if (form === 3) push([3, 0, ...indices], 'funcref', false);
    else if (form === 4 && fts.includes(0)) push([4, ...offsetExpr(tables[0].min), ...uleb(exprs.length), ...exprs.flat()], 'funcref', false);
    else if (form === 5 && ets.length && rng.chance(0.5)) {
      const n = rng.int(4);
      push([5, 0x6f, ...uleb(n), ...Array.from({ length: n }, () => [0xd0, 0x6f, 0x0b]).flat()], 'externref', true, n);
    } else if (form === 5) push([5, 0x70, ...uleb(exprs.length), ...exprs.flat()], 'funcref', true);
    else if (form === 6 && fts.length + ets.length > 0) {
      const t = rng.pick([...fts, ...ets]);
      if (tables[t].element === 'funcref') push([6, ...uleb(t), ...offsetExpr(tables[t].min), 0x70, ...uleb(exprs.length), ...exprs.flat()], 'funcref', false);
      else push([6, ...uleb(t), ...offsetExpr(tables[t].min), 0x6f, 1, 0xd0, 0x6f, 0x0b], 'externref', false, 1);
    } else push([7, 0x70, ...uleb(exprs.length), ...exprs.flat()], 'funcref', false);
  }
  // Every function may be the operand of ref.func: declare them all.
  elemSegs.push({ bytes: [3, 0, ...uleb(funcs.length), ...funcs.flatMap((_, i) => uleb(i))], length: funcs.length, type: 'funcref', passive: false });

  const bodies: number[][] = [];
  for (let f = importedFuncCount; f < funcs.length; f++) {
    const def = funcs[f];
    const extra: ValType[] = [];
    for (const t of ALL) for (let k = rng.int(3); k >= 0; k--) extra.push(t);
    for (let k = rng.int(4); k > 0; k--) extra.push(rng.pick(ALL));
    const locals = [...def.type.params, ...extra];
    const tmpF32 = locals.length;
    const tmpF64 = locals.length + 1;
    locals.push('f32', 'f64');
    const ctx: Ctx = { type: def.type, locals, labels: [{ brTypes: def.type.results }], tmp: { f32: tmpF32, f64: tmpF64 }, budget: rng.range(20, 120) };
    let code: number[];
    if (f === hangFunc) code = [0x41, ...sleb(rng.range(10, 40)), 0x24, ...uleb(fuelGlobal)];
    else {
      const depth = rng.range(1, 4);
      code = [...fuelCheck(ctx), ...stmts(ctx, depth, rng.range(1, 6)), ...def.type.results.flatMap((t) => expr(ctx, t, depth))];
    }
    // locals: run-length groups
    const groups: number[][] = [];
    const declared = locals.slice(def.type.params.length);
    for (let i = 0; i < declared.length;) {
      let j = i;
      while (j < declared.length && declared[j] === declared[i]) j++;
      groups.push([...uleb(j - i), valTypeByte(declared[i])]);
      i = j;
    }
    const body = [...uleb(groups.length), ...groups.flat(), ...code, 0x0b];
    bodies.push([...uleb(body.length), ...body]);
  }

  // ---- sections ----
  const typeSec = types.flatMap((t) => [0x60, ...uleb(t.params.length), ...t.params.map(valTypeByte), ...uleb(t.results.length), ...t.results.map(valTypeByte)]);
  const out: number[][] = [HEADER];
  out.push(section(1, [...uleb(types.length), ...typeSec]));
  if (importEntries.length) out.push(section(2, [...uleb(importEntries.length), ...importEntries.flat()]));
  out.push(section(3, [...uleb(funcs.length - importedFuncCount), ...funcs.slice(importedFuncCount).flatMap((f) => uleb(f.typeIndex))]));
  const definedTables = tables.filter((t) => !t.imported);
  if (definedTables.length) {
    out.push(section(4, [...uleb(definedTables.length), ...definedTables.flatMap((t) => [valTypeByte(t.element), t.max === undefined ? 0 : 1, ...uleb(t.min), ...(t.max === undefined ? [] : uleb(t.max))])]));
  }
  if (memory && !memoryImported) out.push(section(5, [1, memory.max === undefined ? 0 : 1, ...uleb(memory.min), ...(memory.max === undefined ? [] : uleb(memory.max))]));
  const definedGlobals = globals.slice(importedGlobalCount);
  out.push(section(6, [...uleb(definedGlobals.length), ...definedGlobals.flatMap((g, i) => [valTypeByte(g.type), g.mutable ? 1 : 0, ...globalInits[i]])]));
  const exports: number[][] = [];
  for (let f = importedFuncCount; f < funcs.length; f++) if (f !== startFunc || rng.chance(0.5)) exports.push([...encodeName(funcs[f].name), 0, ...uleb(f)]);
  if (memory && rng.chance(0.5)) exports.push([...encodeName('memory'), 2, 0]);
  if (tables.length && rng.chance(0.3)) exports.push([...encodeName('table'), 1, 0]);
  globals.forEach((g, i) => {
    if (i !== fuelGlobal && rng.chance(0.3)) exports.push([...encodeName(`global${i}`), 3, ...uleb(i)]);
  });
  out.push(section(7, [...uleb(exports.length), ...exports.flat()]));
  if (startFunc >= 0) out.push(section(8, uleb(startFunc)));
  out.push(section(9, [...uleb(elemSegs.length), ...elemSegs.flatMap((s) => s.bytes)]));
  if (dataCount > 0) out.push(section(12, uleb(dataCount)));
  out.push(section(10, [...uleb(bodies.length), ...bodies.flat()]));
  if (dataCount > 0) {
    const segs: number[] = [];
    for (let i = 0; i < dataCount; i++) {
      const len = rng.chance(0.8) ? rng.int(40) : rng.int(300);
      const bytes = Array.from(rng.bytes(len));
      const minBytes = memory!.min * 65536;
      const offset = rng.chance(0.95) ? rng.int(Math.max(1, minBytes - len)) : rng.int(minBytes + 100);
      const c = minBytes === 0 && rng.chance(0.9) ? 1 : rng.int(3);
      if (c === 0) segs.push(0, 0x41, ...sleb(offset), 0x0b, ...uleb(len), ...bytes);
      else if (c === 1) segs.push(1, ...uleb(len), ...bytes);
      else segs.push(2, 0, 0x41, ...sleb(offset), 0x0b, ...uleb(len), ...bytes);
    }
    out.push(section(11, [...uleb(dataCount), ...segs]));
  }
  if (rng.chance(0.3)) {
    // name section: function names (the stack trace uses them; exported functions' JS `name` must not)
    const names = funcs.map((f, i) => [...uleb(i), ...encodeName(`$${f.name}`)]);
    const sub = [...uleb(funcs.length), ...names.flat()];
    out.push(section(0, [...encodeName('name'), 1, ...uleb(sub.length), ...sub]));
  }
  const summary = `${funcs.length - importedFuncCount} functions, ${types.length} types, ${globals.length} globals, ` +
    `${tables.length} tables, memory ${memory ? `${memory.min}..${memory.max ?? ''}${memoryImported ? ' imported' : ''}` : 'none'}, ${dataCount} data, ${elemSegs.length} elem`;
  return { bytes: concat(out), summary };
}

function floatBits32(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0];
}
function floatBits64(x: number): bigint {
  const f = new Float64Array([x]);
  return new BigUint64Array(f.buffer)[0];
}
