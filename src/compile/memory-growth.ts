// Which functions may grow the memory while they run. Compiled code keeps its own copy of the
// memory's DataView (`dv`) and must copy it again after anything that may have replaced it;
// after a call that cannot grow the memory the copy stays valid, which keeps `dv` loop-invariant
// for V8 (its bounds checks can then be hoisted out of loops).
import { bodyCode } from '../binary/code.js';
import type { ModuleIR } from '../binary/module.js';

/**
 * Per function index: true if calling it may grow the memory. Imported functions may (the host
 * can call `grow`), as may a function that executes `memory.grow`, calls through a table (any
 * callee), or calls a function that may.
 */
export function functionsThatMayGrowMemory(m: ModuleIR): boolean[] {
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
  for (let f = m.importedFuncCount; f < count; f++) {
    for (const ins of bodyCode(m.bodies[f - m.importedFuncCount])) {
      const name = ins.op.name;
      if (name === 'call') callers[ins.a].push(f);
      else if (name === 'memory.grow' || name === 'call_indirect') mark(f);
    }
  }
  // Propagate to callers.
  while (work.length > 0) {
    const f = work.pop()!;
    for (const caller of callers[f]) mark(caller);
  }
  return mayGrow;
}
