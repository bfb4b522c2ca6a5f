// The module IR: what the decoder produces and every later step reads.
import type { OpInfo } from './opcodes.js';

export type NumType = 'i32' | 'i64' | 'f32' | 'f64';
export type RefType = 'funcref' | 'externref';
export type ValType = NumType | 'v128' | RefType;

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface Limits {
  min: number;
  max: number | undefined;
}

export interface MemoryType extends Limits {
  shared: boolean;
  /** log2 of the page size: 16 normally, 0 with the custom-page-sizes proposal's 1-byte pages. */
  pageSizeLog2: number;
}

export interface TableType extends Limits {
  element: RefType;
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

/** null: no value; a ValType: one result; a number: index into the type section. */
export type BlockType = null | ValType | number;

/** One decoded instruction. Immediates: see the `imm` kind of its OpInfo. */
export interface Instr {
  op: OpInfo;
  /** Byte offset of the opcode in the module. */
  pos: number;
  /** First immediate: index, depth, alignment, i32 value, f32 bits; the low word of an i64 value or f64 bits. */
  a: number;
  /** Second immediate: memarg offset, table index of call_indirect, source table; the high word of an i64 or f64. */
  b: number;
  blockType?: BlockType;
  /** br_table targets, without the default (which is `a`). */
  targets?: number[];
  /** Types of a typed `select`, or the reftype of `ref.null`. */
  types?: ValType[];
  /** The lane index of a SIMD lane instruction. */
  lane: number;
  /** The 16 immediate bytes of `v128.const` and `i8x16.shuffle`. */
  bytes?: number[];
}

export type ConstExpr = Instr[];

export type ExternKind = 'func' | 'table' | 'memory' | 'global';

export type ImportDesc =
  | { kind: 'func'; typeIndex: number }
  | { kind: 'table'; type: TableType }
  | { kind: 'memory'; type: MemoryType }
  | { kind: 'global'; type: GlobalType };

export type Import = { module: string; name: string; pos: number } & ImportDesc;

export interface Export {
  name: string;
  kind: ExternKind;
  index: number;
}

export interface Global {
  type: GlobalType;
  init: ConstExpr;
}

export type SegmentMode = 'active' | 'passive' | 'declarative';

export interface ElemSegment {
  mode: SegmentMode;
  table: number;
  offset: ConstExpr | null;
  type: RefType;
  /** One constant expression per element (function indices are turned into `ref.func`). */
  init: ConstExpr[];
  pos: number;
}

export interface DataSegment {
  mode: 'active' | 'passive';
  memory: number;
  offset: ConstExpr | null;
  bytes: Uint8Array;
  pos: number;
}

export interface FuncBody {
  /** Declared locals, not counting parameters, one entry per local. */
  locals: ValType[];
  /** Byte offset of the body (its size field) in the module. */
  pos: number;
  /**
   * The instructions, still encoded: `bytes[codeStart, codeEnd)`, read with `bodyCode` when
   * needed. Keeping hundreds of thousands of decoded instructions alive between passes cost
   * more than decoding again (measured: a 1 MB module decoded in 270 ms, 35 ms without them).
   */
  bytes: Uint8Array;
  codeStart: number;
  codeEnd: number;
}

export interface NameSection {
  module?: string;
  functions: Map<number, string>;
  locals: Map<number, Map<number, string>>;
  globals: Map<number, string>;
}

export interface CustomSection {
  name: string;
  bytes: Uint8Array;
}

export interface ModuleIR {
  types: FuncType[];
  imports: Import[];
  /** Type index of every function, imported ones first. */
  funcTypes: number[];
  importedFuncCount: number;
  tables: TableType[];
  importedTableCount: number;
  memories: MemoryType[];
  importedMemoryCount: number;
  globals: GlobalType[];
  importedGlobalCount: number;
  /** Definitions of the module's own globals (index = global index − importedGlobalCount). */
  globalInits: ConstExpr[];
  exports: Export[];
  start: number | null;
  elems: ElemSegment[];
  datas: DataSegment[];
  dataCount: number | null;
  /** Bodies of the module's own functions (index = function index − importedFuncCount). */
  bodies: FuncBody[];
  /** Whether the bodies' instructions have been decoded once (see DecodeOptions.deferCodeCheck). */
  codeChecked: boolean;
  names: NameSection;
  customs: CustomSection[];
}
