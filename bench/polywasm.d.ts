// Types for the npm package polywasm (a WebAssembly polyfill that translates to JavaScript),
// which ships none: the part of its WebAssembly namespace the benchmark uses.
declare module 'polywasm' {
  export const WebAssembly: {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
  };
}
