// The host calls C: `node dist/examples/add/host.js`.
import { readFileSync } from 'node:fs';
import { instantiate } from '../../src/index.js';

const bytes = readFileSync(new URL('../../../examples/add/add.wasm', import.meta.url));
const { instance } = await instantiate(bytes);
const add = instance.exports.add as (a: number, b: number) => number;
const add64 = instance.exports.add64 as (a: bigint, b: bigint) => bigint;
console.log(`add(2, 3) = ${add(2, 3)}`);
console.log(`add64(2^62, 2^62) = ${add64(2n ** 62n, 2n ** 62n)} (wraps around, as in C)`);
console.log(`linear memory: ${instance.memory?.size ?? 0} bytes`);
