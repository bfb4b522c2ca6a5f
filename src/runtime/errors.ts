// The three error classes of the WebAssembly JS API, plus heapbase's trap kinds.

export class CompileError extends Error {
  /** Byte offset in the module where the problem was found, when known. */
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte offset ${offset})`);
    this.name = 'CompileError';
    this.offset = offset;
  }
}

export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

/** Trap kinds; the message of a trap is its kind, worded as the spec's tests word it. */
export type TrapKind =
  | 'unreachable'
  | 'out of bounds memory access'
  | 'out of bounds table access'
  | 'undefined element'
  | 'uninitialized element'
  | 'indirect call type mismatch'
  | 'integer divide by zero'
  | 'integer overflow'
  | 'invalid conversion to integer'
  | 'call stack exhausted'
  | 'stack overflow'
  | 'unaligned atomic'
  /** memory.atomic.wait on an unshared memory (threads proposal). */
  | 'expected shared memory'
  /** memory.atomic.wait with an infinite timeout on an equal value: no other thread can end it. */
  | 'deadlock'
  | 'out of fuel';

export class RuntimeError extends Error {
  readonly kind: TrapKind | undefined;
  constructor(message: string, kind?: TrapKind) {
    super(message);
    this.name = 'RuntimeError';
    this.kind = kind;
  }
}

/** Throws the trap of the given kind. Generated code and runtime helpers call this. */
export function trap(kind: TrapKind): never {
  throw new RuntimeError(kind, kind);
}
