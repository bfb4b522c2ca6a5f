// Node's own WebAssembly, the reference engine in tests and benchmarks. The project's lib is
// ES2022 without DOM, so the namespace is described here once.

export interface NativeWasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => { buffer: ArrayBuffer; grow(delta: number): number };
  Table: new (d: { element: string; initial: number; maximum?: number }) => object;
  Global: new (d: { value: string; mutable?: boolean }, v: unknown) => { value: unknown };
  CompileError: new (message?: string) => Error;
  LinkError: new (message?: string) => Error;
  RuntimeError: new (message?: string) => Error;
  validate(bytes: Uint8Array): boolean;
}

export const nativeWasm = (globalThis as unknown as { WebAssembly: NativeWasm }).WebAssembly;

/** Instantiates bytes with V8 and returns the exports. */
export function nativeExports(bytes: Uint8Array, imports: object = {}): Record<string, unknown> {
  return new nativeWasm.Instance(new nativeWasm.Module(bytes), imports).exports;
}
