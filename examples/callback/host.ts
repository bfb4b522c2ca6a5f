// Re-entrancy: C → host → C. `node dist/examples/callback/host.js`.
import { readFileSync } from 'node:fs';
import { hostFunction, Instance, Module } from '../../src/index.js';

const bytes = readFileSync(new URL('../../../examples/callback/callback.wasm', import.meta.url));
let instance: Instance | undefined;
const env = {
  ask_host: hostFunction({ params: ['i32'], results: ['i32'] }, (question: number) => {
    const square = instance!.exports.square as (x: number) => number;
    return square(question) + 1;
  }),
};
instance = new Instance(new Module(bytes), { env });
console.log(`run(7) = ${(instance.exports.run as (x: number) => number)(7)}`);
