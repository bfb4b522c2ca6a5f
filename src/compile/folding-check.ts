// The folding invariant, checked in a debug mode of the code generator.
//
// A pure value stays pending as an expression until its user takes it (function.ts). The
// invariant: **a pending expression reads only variables that nothing assigns between the
// moment it is made and the moment it is consumed.** The code generator keeps it by
//   - materialising the pending readers of a local before `local.set`/`local.tee` writes it,
//     and of a slot before a value is pushed into that slot (protectSlot);
//   - never leaving pending an expression that reads a temporary (`u00`, `t`, `r`, `m0`…):
//     temporaries are named by position and reused by the next instruction that needs one, so
//     they live within one instruction only.
// The check below does not trust that bookkeeping: it reads the statements emitted while the
// value was pending and fails on any assignment to a variable the expression mentions.

/** On when the environment sets HEAPBASE_CHECK_CODEGEN=1 (the tests do), or set by hand. */
export const foldingChecks = {
  enabled: typeof process !== 'undefined' && process.env?.HEAPBASE_CHECK_CODEGEN === '1',
};

/** An assignment's target at the start of a statement or after `;`, `{`, `}` or `,`. */
const ASSIGNED = /(?:^|[;{},]\s*)([A-Za-z_$][\w$]*)\s*(?:[-+*/%|&^]|<<|>>>?)?=(?!=)/g;

/**
 * Throws when a statement in `lines[from..]` assigns a variable that `parts` (a pending value's
 * expressions) reads.
 */
export function checkPendingConsumed(parts: readonly string[], lines: readonly string[], from: number, funcIndex: number): void {
  for (let k = from; k < lines.length; k++) {
    ASSIGNED.lastIndex = 0;
    for (let m = ASSIGNED.exec(lines[k]); m; m = ASSIGNED.exec(lines[k])) {
      const name = m[1];
      for (const expr of parts) {
        if (readsName(expr, name)) {
          throw new Error(`code generator: folding invariant broken in function ${funcIndex}: the pending expression ${expr} reads ${name}, which \`${lines[k]}\` assigns before it is consumed`);
        }
      }
    }
  }
}

function readsName(expr: string, name: string): boolean {
  for (let at = expr.indexOf(name); at >= 0; at = expr.indexOf(name, at + 1)) {
    const before = at > 0 ? expr[at - 1] : ' ';
    const after = expr[at + name.length] ?? ' ';
    if (!/[\w$]/.test(before) && !/[\w$]/.test(after)) return true;
  }
  return false;
}
