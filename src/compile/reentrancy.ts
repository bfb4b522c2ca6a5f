// Whether a function may be entered again while a call to it is running. A split function
// (outline.ts) that cannot keeps its variables and pieces in a scope made once per instance
// instead of once per call (function.ts).
import type { ModuleIR } from '../binary/module.js';
import type { ValidationFacts } from '../validate/index.js';

/**
 * A query, answered on demand (only split functions ask): function `f` may be re-entered if it
 * may call out of the module's direct-call graph (an import, which can call an export; or a
 * table; `mayCallOut` is memory-growth.ts's answer, which marks exactly those and their callers)
 * or if it reaches itself through direct calls.
 */
export function reentrancy(m: ModuleIR, facts: ValidationFacts, mayCallOut: readonly boolean[]): (f: number) => boolean {
  const answers = new Map<number, boolean>();
  const callees = (f: number): readonly number[] => facts.directCallees[f - m.importedFuncCount];
  return (f) => {
    let answer = answers.get(f);
    if (answer === undefined) {
      answer = mayCallOut[f] || reaches(f, callees);
      answers.set(f, answer);
    }
    return answer;
  };
}

/** Whether `f` reaches itself through direct calls (its callees are all defined functions here). */
function reaches(f: number, callees: (f: number) => readonly number[]): boolean {
  const seen = new Set<number>();
  const work = [...callees(f)];
  while (work.length > 0) {
    const g = work.pop()!;
    if (g === f) return true;
    if (seen.has(g)) continue;
    seen.add(g);
    for (const h of callees(g)) work.push(h); // not push(...): a body may make 100,000 calls
  }
  return false;
}
