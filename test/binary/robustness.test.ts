// Decoding and validation of any byte string may only ever throw CompileError: feed truncated
// and bit-flipped copies of the spec testsuite's modules to `validate` and `new Module`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompileError, Module, validate } from '../../src/index.js';
import { findRepoRoot } from '../spec/script.js';

const suiteDir = resolve(findRepoRoot(dirname(fileURLToPath(import.meta.url))), '../shared/spec-tests/core');

function specModules(): Uint8Array[] {
  const modules: Uint8Array[] = [];
  for (const dir of readdirSync(suiteDir).sort()) {
    for (const file of readdirSync(join(suiteDir, dir)).sort()) {
      if (file.endsWith('.wasm')) modules.push(readFileSync(join(suiteDir, dir, file)));
    }
  }
  return modules;
}

/** Small deterministic PRNG (xorshift32), so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s;
  };
}

function check(bytes: Uint8Array, what: string): void {
  let valid: boolean;
  try {
    valid = validate(bytes);
  } catch (e) {
    assert.fail(`validate threw ${(e as Error).name}: ${(e as Error).message} for ${what}`);
  }
  try {
    new Module(bytes);
    assert.ok(valid, `new Module accepted what validate rejected: ${what}`);
  } catch (e) {
    if (!(e instanceof CompileError)) assert.fail(`new Module threw ${(e as Error).name}: ${(e as Error).message} for ${what}`);
    assert.ok(!valid, `new Module rejected what validate accepted: ${what}: ${e.message}`);
  }
}

const modules = specModules();

test('spec modules were found', () => {
  assert.ok(modules.length > 1000, `found only ${modules.length} modules in ${suiteDir}`);
});

test('truncated modules raise only CompileError', () => {
  const next = prng(1);
  let count = 0;
  modules.forEach((bytes, m) => {
    for (let k = 0; k < 8 && bytes.length > 1; k++) {
      const cut = next() % bytes.length;
      check(bytes.subarray(0, cut), `module ${m} truncated to ${cut} bytes`);
      count++;
    }
  });
  assert.ok(count > 5000);
});

test('bit-flipped modules raise only CompileError', () => {
  const next = prng(2);
  let count = 0;
  modules.forEach((bytes, m) => {
    for (let k = 0; k < 8 && bytes.length > 8; k++) {
      const copy = bytes.slice();
      const at = 8 + next() % (bytes.length - 8);
      const bit = next() % 8;
      copy[at] ^= 1 << bit;
      check(copy, `module ${m} with bit ${bit} of byte ${at} flipped`);
      count++;
    }
  });
  assert.ok(count > 5000);
});
