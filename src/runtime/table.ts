// Tables hold function references (internal functions) or extern references; null is ref.null.
import type { TableType } from '../binary/module.js';

/** V8's limit on table size; growing past it fails like reaching the maximum. */
export const MAX_TABLE_SIZE = 10_000_000;

export class TableInstance {
  readonly elements: unknown[];
  readonly max: number;

  /** `init` fills the table: ref.null (null) for a module's own tables; a JS API Table may give undefined. */
  constructor(readonly type: TableType, init: unknown) {
    this.elements = new Array(type.min).fill(init);
    this.max = Math.min(type.max ?? MAX_TABLE_SIZE, MAX_TABLE_SIZE);
  }

  get length(): number {
    return this.elements.length;
  }

  /** table.grow: the old size, or -1. Grows the same array so compiled code keeps its reference. */
  grow(delta: number, init: unknown): number {
    const old = this.elements.length;
    if (delta > this.max - old) return -1;
    for (let i = 0; i < delta; i++) this.elements.push(init);
    return old;
  }
}
