// A run's memory profile: what the run used (stack peak, heap high-water mark, memory.grow
// calls) set against the layout, and the link options and trimmed size that would have been
// enough for it. See DESIGN.md, "Memory profile".
import { END_MARKER_BYTES } from '../compile/module.js';
import { DEFAULT_STACK, formatBytes, type LayoutReport } from './analyze.js';

const PAGE = 65_536;

/** One memory.grow the run executed. */
export interface GrowRecord {
  funcIndex: number;
  funcName: string | null;
  /** Without a name: what the function is recognised as by its code (ResizeBlocker.recognisedAs). */
  recognisedAs: string | null;
  /** Pages asked for. */
  delta: number;
  /** Size in pages before, or -1 when the grow failed. */
  result: number;
  /** Milliseconds after instantiation began. */
  atMs: number;
}

export interface MemoryProfile {
  /** Bytes of linear memory now (after any growth). */
  allocatedBytes: number;
  /** The memory's size in pages as memory.size reports it. */
  pages: number;
  /** Deepest stack use in bytes, or null when the stack pointer is unknown. */
  stackPeak: number | null;
  /** Bytes reserved for the stack by the link, or null when unknown. */
  stackSize: number | null;
  /** How stackSize is known: from the layout, or taken to be wasm-ld's default (the layout gives an upper bound only). */
  stackSizeFrom: 'layout' | 'wasm-ld default' | null;
  /** Where the heap starts (`__heap_base` or inferred), or null when unknown. */
  heapStart: number | null;
  /** The end of the highest bytes the module's code wrote (0 if it wrote none). Host writes (WASI buffers) are not seen. */
  highestWrite: number;
  /**
   * An allocator's marker at the memory's end (dlmalloc, in wasi-libc and Emscripten, writes one
   * at the end of whatever memory it has): a write in the memory's last bytes, far above every
   * other. Then the heap in use ends below it, but a trimmed memory must still reach it.
   */
  endMarker: { end: number; bytesBeforeMemoryEnd: number } | null;
  /**
   * Bytes from the heap start to the end of the highest write above it, an end marker aside (0
   * if none): the heap in use at its peak. Null when the heap start is unknown.
   */
  heapHighWater: number | null;
  grows: GrowRecord[];
  /** The bytes this run needed as the module is linked: up to the heap start and the highest write. */
  neededAsLinked: number;
  /**
   * The bytes this run would need relinked with `linkOptions`: the stack reserved at its peak
   * (rounded up to 16) moves the heap start down by what it gives back. Null when the stack's
   * size is unknown (then so is where the heap would start).
   */
  neededBytes: number | null;
  /** Link options that would have made this run fit (in the toolchain's spelling). */
  linkOptions: string[];
}

export interface ProfileInput {
  /** The module's layout (an instance's: its allocatedBytes is its own). */
  layout: Omit<LayoutReport, 'allocatedBytes'>;
  allocatedBytes: number;
  pages: number;
  stackPeak: number;
  /** The end of the highest write, except writes starting in the memory's last END_MARKER_BYTES. */
  highestWrite: number;
  /** The end of the highest write that started in the memory's last END_MARKER_BYTES. */
  endZoneWrite: number;
  grows: GrowRecord[];
}

/** An end-zone write is an allocator's marker when it lies this far above every other write. */
const MARKER_GAP = 256;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * Where the heap in use ends, from the compiled code's two figures (ProfileInput's highestWrite
 * and endZoneWrite): below an allocator's end marker if there is one, else at the highest write.
 */
export function heapInUse(highestWrite: number, endZoneWrite: number, allocatedBytes: number): { end: number; endMarker: MemoryProfile['endMarker'] } {
  // still at the memory's end (a marker left behind by a growth is just a write)
  if (endZoneWrite > highestWrite + MARKER_GAP && endZoneWrite > allocatedBytes - END_MARKER_BYTES) {
    return { end: highestWrite, endMarker: { end: endZoneWrite, bytesBeforeMemoryEnd: allocatedBytes - endZoneWrite } };
  }
  return { end: Math.max(highestWrite, endZoneWrite), endMarker: null };
}

/** Where a memory.grow ran: the function's name, or what it is recognised as, and its index. */
export function growSite(g: GrowRecord): string {
  if (g.funcName !== null) return `${g.funcName} (function ${g.funcIndex})`;
  return g.recognisedAs !== null ? `function ${g.funcIndex} (${g.recognisedAs}, recognised by its code)` : `function ${g.funcIndex}`;
}

export function memoryProfile(input: ProfileInput): MemoryProfile {
  const { layout } = input;
  const highestWrite = Math.max(input.highestWrite, input.endZoneWrite);
  const { end: inUseEnd, endMarker } = heapInUse(input.highestWrite, input.endZoneWrite, input.allocatedBytes);
  const stackPeak = layout.stackPointer !== null ? input.stackPeak : null;
  // The stack's exact size is known from the layout, or else only an upper bound (zero-initialised
  // data after the last segment is part of it): then wasm-ld's default size is taken if it fits.
  const bound = layout.stack === null ? null : layout.stack.end - layout.stack.start;
  const stackSizeFrom = bound === null ? null : layout.stackStartExact === true ? 'layout' : bound >= DEFAULT_STACK && layout.linkOptions === 'wasm-ld' ? 'wasm-ld default' : null;
  const stackSize = stackSizeFrom === 'layout' ? bound : stackSizeFrom === null ? null : DEFAULT_STACK;
  const heapStart = layout.heapStart;
  const heapHighWater = heapStart === null ? null : Math.max(0, inUseEnd - heapStart);
  const neededAsLinked = Math.max(highestWrite, heapStart ?? layout.stackPointer?.initial ?? 0);

  // The stack sits below the heap in all these layouts: shrinking it moves the heap down.
  const newStack = stackPeak === null || bound === null ? null : Math.min(bound, roundUp(Math.max(stackPeak, 16), 16));
  const heapEnd = heapStart === null || newStack === null || stackSize === null ? null : heapStart - (stackSize - Math.min(newStack, stackSize)) + heapHighWater!;
  // With an end marker the allocator takes the whole initial memory and marks its end there: room
  // for the marker above the heap, then the marker where it was, before the end.
  const memoryBytes = Math.max(PAGE, roundUp(endMarker === null ? heapEnd ?? neededAsLinked : (heapEnd ?? inUseEnd) + 2 * END_MARKER_BYTES, PAGE));
  const neededBytes = heapStart === null ? (endMarker === null ? neededAsLinked : null)
    : heapEnd === null ? null
    : endMarker === null ? heapEnd : memoryBytes - endMarker.bytesBeforeMemoryEnd;

  const emscripten = layout.linkOptions === 'emscripten';
  const linkOptions: string[] = [];
  if (newStack !== null) linkOptions.push(emscripten ? `-sSTACK_SIZE=${newStack}` : `-z stack-size=${newStack}`);
  if (layout.blockers.some((b) => b.op === 'memory.grow') || !layout.trimmed) {
    if (emscripten) linkOptions.push(`-sINITIAL_MEMORY=${memoryBytes}`, `-sMAXIMUM_MEMORY=${memoryBytes}`);
    else linkOptions.push(`-Wl,--initial-memory=${memoryBytes}`, `-Wl,--max-memory=${memoryBytes}`);
  }
  return {
    allocatedBytes: input.allocatedBytes, pages: input.pages, stackPeak, stackSize, stackSizeFrom, heapStart, highestWrite, endMarker, heapHighWater,
    grows: input.grows, neededAsLinked, neededBytes, linkOptions,
  };
}

/** The profile as the lines `heapbase run --memory-profile` prints. */
export function renderProfileText(p: MemoryProfile): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const lines = ['heapbase memory profile:'];
  lines.push(`  memory      ${formatBytes(p.allocatedBytes)} allocated (${n(p.pages)} page${p.pages === 1 ? '' : 's'} by memory.size)`);
  lines.push(p.stackPeak === null
    ? '  stack       unknown (no stack pointer found)'
    : `  stack       peak ${formatBytes(p.stackPeak)}${p.stackSize === null ? '' : ` of ${formatBytes(p.stackSize)} reserved${p.stackSizeFrom === 'wasm-ld default' ? " (taken to be wasm-ld's default: the layout gives only an upper bound)" : ''}`}`);
  lines.push(p.heapStart === null || p.heapHighWater === null
    ? `  heap        start unknown; highest write ends at ${n(p.highestWrite)}`
    : `  heap        high-water ${formatBytes(p.heapHighWater)} above its start at ${n(p.heapStart)} (${p.endMarker === null ? `highest write ends at ${n(p.highestWrite)}` : `in use up to ${n(p.heapStart + p.heapHighWater)}`})`);
  if (p.endMarker !== null) {
    lines.push(`  end marker  a write ending at ${n(p.endMarker.end)}, ${n(p.endMarker.bytesBeforeMemoryEnd)} bytes before the memory's end and far above the heap in use: an allocator's marker (dlmalloc keeps one at the end of its memory), which a trimmed memory must still hold`);
  }
  if (p.grows.length === 0) lines.push('  memory.grow none');
  for (const g of p.grows) {
    const where = growSite(g);
    const outcome = g.result < 0 ? 'failed' : `${n(g.result)} -> ${n(g.result + g.delta)} pages`;
    lines.push(`  memory.grow +${n(g.delta)} page${g.delta === 1 ? '' : 's'} at ${g.atMs.toFixed(1)} ms in ${where}: ${outcome}`);
  }
  lines.push(`  this run needed ${n(p.neededAsLinked)} bytes as linked (heapbase run --memory ${p.neededAsLinked} runs it in exactly that)`);
  if (p.linkOptions.length > 0) {
    const options = p.linkOptions.map((o) => `\`${o}\``).join(' ');
    lines.push(p.neededBytes === null
      ? `  relink with ${options} (how far the heap moves down is unknown: link with -Wl,--export=__heap_base to know)`
      : `  relinked with ${options}, it needs ${n(p.neededBytes)} bytes: a trimmed memory of ${n(p.neededBytes)} bytes (heapbase run --memory ${p.neededBytes})`);
  }
  return `${lines.join('\n')}\n`;
}
