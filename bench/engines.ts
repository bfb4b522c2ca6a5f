// The three engines the benchmark compares, behind one small interface.
import { WebAssembly as PolyWasm } from 'polywasm';
import { Instance, Module, type ImportObject } from '../src/index.js';
import { nativeWasm } from '../test/helpers/native-wasm.js';

export type EngineName = 'heapbase' | 'native' | 'polywasm';

export interface Engine {
  name: EngineName;
  /** Decode, validate (where the engine does) and compile. */
  compile(bytes: Uint8Array): object;
  instantiate(module: object, imports?: object): { exports: Record<string, unknown> };
}

export const heapbase: Engine = {
  name: 'heapbase',
  compile: (bytes) => new Module(bytes),
  instantiate: (module, imports) => new Instance(module as Module, imports as ImportObject | undefined),
};

export const native: Engine = {
  name: 'native',
  compile: (bytes) => new nativeWasm.Module(bytes),
  instantiate: (module, imports) => new nativeWasm.Instance(module, imports),
};

export const polywasm: Engine = {
  name: 'polywasm',
  compile: (bytes) => new PolyWasm.Module(bytes),
  instantiate: (module, imports) => new PolyWasm.Instance(module, imports),
};

export const ENGINES: Record<EngineName, Engine> = { heapbase, native, polywasm };
