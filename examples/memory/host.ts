// C calls a host function with a pointer and a length: `node dist/examples/memory/host.js`.
import { readFileSync } from 'node:fs';
import { hostFunction, Instance, Module } from '../../src/index.js';

const bytes = readFileSync(new URL('../../../examples/memory/memory.wasm', import.meta.url));
let instance: Instance | undefined;
const env = {
  // Declaring the signature makes a mismatch with the C prototype a LinkError at instantiation.
  print_bytes: hostFunction({ params: ['i32', 'i32'] }, (pointer: number, length: number) => {
    const data = instance!.memory!.readBytes(pointer, length);
    console.log(`C passed ${length} bytes at address ${pointer}: ${[...data].join(' ')}`);
  }),
};
instance = new Instance(new Module(bytes), { env });
(instance.exports.run as () => void)();
