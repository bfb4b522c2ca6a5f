// Wasm stack traces: generated code carries a sourceURL naming its module, so a JS stack line of
// a compiled function can be rewritten as `at fib (wasm function 3)`, using the name section.

/** Function names by module id, with the number of live modules registered under the id. */
const moduleNames = new Map<string, { names: ReadonlyMap<number, string>; modules: number }>();
const forget = new FinalizationRegistry<string>((id) => {
  const entry = moduleNames.get(id);
  if (entry !== undefined && --entry.modules === 0) moduleNames.delete(id);
});
let nextModuleId = 1;

/** The sourceURL of a module's generated code. */
export function moduleSourceUrl(id: string): string {
  return `heapbase-wasm-module-${id}`;
}

/**
 * Registers a module's function names until `owner` (the compiled module) is collected. The id
 * is a number counted in this process, or `stableId` (word characters): code kept in a code
 * cache names its module the same in every process, by the cache key.
 */
export function registerModule(owner: object, functionNames: ReadonlyMap<number, string>, stableId?: string): string {
  const id = stableId ?? String(nextModuleId++);
  const entry = moduleNames.get(id);
  if (entry === undefined) moduleNames.set(id, { names: functionNames, modules: 1 });
  else entry.modules++; // the same bytes: the same names
  forget.register(owner, id);
  return id;
}

const frame = /^(\s*at )f(\d+) \(heapbase-wasm-module-(\w+):\d+:\d+\)$/;

/**
 * A piece of a split function (compile/outline.ts), whose function's own frame follows it, or
 * the wrapper of a lazily compiled function (compile/module.ts), which the function's frame precedes.
 */
const piece = /^\s*at [ow]\d+ \(heapbase-wasm-module-\w+:\d+:\d+\)$/;

// heapbase's own frames (trap helpers, boundary wrappers, DataView builtins) say nothing to a user.
const srcRoot = new URL('..', import.meta.url).href;
const internal = (line: string): boolean =>
  line.includes(srcRoot) || piece.test(line) || /^\s*at (DataView\.|BigInt\.|Math\.)/.test(line) || line.includes('eval at exportWrapperFactory') || line.includes('eval at hostWrapperFactory');

/** Rewrites the compiled-code frames of a JS stack trace as Wasm frames and drops heapbase's own. */
export function wasmStack(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !internal(line))
    .map((line) => {
      const m = frame.exec(line);
      if (!m) return line;
      const index = Number(m[2]);
      const name = moduleNames.get(m[3])?.names.get(index) ?? `$${index}`;
      return `${m[1]}${name} (wasm function ${index})`;
    })
    .join('\n');
}
