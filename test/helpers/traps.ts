// Asserting traps in tests.
import assert from 'node:assert/strict';
import { RuntimeError } from '../../src/index.js';

/** The trap kind of the heapbase RuntimeError that `f` throws; fails the test if it does not trap. */
export function trapKind(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof RuntimeError, `expected a RuntimeError, got ${String(e)}`);
    return e.kind;
  }
  assert.fail('expected a trap');
}
