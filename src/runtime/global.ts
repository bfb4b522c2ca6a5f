// A global's storage cell, shared by every instance that imports or exports it.
import type { GlobalType } from '../binary/module.js';

export class GlobalCell {
  constructor(readonly type: GlobalType, public value: unknown) {}
}
