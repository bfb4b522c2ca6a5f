// Which functions may grow the memory while they run. Compiled code keeps its own copy of the
// memory's DataView (`dv`) and must copy it again after anything that may have replaced it;
// after a call that cannot grow the memory the copy stays valid, which keeps `dv` loop-invariant
// for V8 (its bounds checks can then be hoisted out of loops).
import type { ModuleIR } from '../binary/module.js';
import type { ValidationFacts } from '../validate/index.js';

/**
 * Per function index: true if calling it may grow the memory. Imported functions may (the host
 * can call `grow`), as may a function that executes `memory.grow`, calls through a table (any
 * callee), or calls a function that may. The validator records each body's direct calls and
 * whether it grows the memory itself, so no body is decoded again here.
 */
export function functionsThatMayGrowMemory(m: ModuleIR, facts: ValidationFacts): boolean[] {
  const count = m.funcTypes.length;
  const mayGrow = new Array<boolean>(count).fill(false);
  const callers: number[][] = Array.from({ length: count }, () => []);
  const work: number[] = [];
  const mark = (f: number): void => {
    if (mayGrow[f]) return;
    mayGrow[f] = true;
    work.push(f);
  };
  for (let f = 0; f < m.importedFuncCount; f++) mark(f);
  for (let i = 0; i < facts.directCallees.length; i++) {
    const f = m.importedFuncCount + i;
    for (const callee of facts.directCallees[i]) callers[callee].push(f);
    if (facts.growsMemoryItself[i]) mark(f);
  }
  // Propagate to callers.
  while (work.length > 0) {
    const f = work.pop()!;
    for (const caller of callers[f]) mark(caller);
  }
  return mayGrow;
}
