// The `spectest` host module every spec script may import from (as the reference interpreter
// defines it). A fresh one is made per script, since scripts write to its memory and table.

import type { Engine } from './runner.js';

export function createSpectest(engine: Pick<Engine, 'Memory' | 'Table' | 'Global'>): Record<string, unknown> {
  // The print functions exist only to be imported with various signatures; they do nothing.
  // Each is its own function object, as each is its own host function in the spec.
  const noop = (): (() => void) => () => {};
  return {
    print: noop(),
    print_i32: noop(),
    print_i64: noop(),
    print_f32: noop(),
    print_f64: noop(),
    print_i32_f32: noop(),
    print_f64_f64: noop(),
    global_i32: new engine.Global({ value: 'i32', mutable: false }, 666),
    global_i64: new engine.Global({ value: 'i64', mutable: false }, 666n),
    global_f32: new engine.Global({ value: 'f32', mutable: false }, 666.6),
    global_f64: new engine.Global({ value: 'f64', mutable: false }, 666.6),
    table: new engine.Table({ element: 'anyfunc', initial: 10, maximum: 20 }),
    memory: new engine.Memory({ initial: 1, maximum: 2 }),
    // The threads proposal's reference interpreter adds a shared memory of the same size.
    shared_memory: new engine.Memory({ initial: 1, maximum: 2, shared: true }),
  };
}
