// Runs real published packages through their own glue under heapbase and under Node's engine; compares digests.
// Also programs of our own in test/fixtures/compat (README there): AssemblyScript through its loader, wasi-libc
// C programs under heapbase's WASI vs node:wasi, and a hand-written WAT module. A case whose heapbase output is
// known to differ stays in the list, marked in knownFailures (a todo) with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./runner.js', import.meta.url));
const packages: Array<[string, string]> = [['hash-wasm', 'hand-written Wasm'], ['sql.js', 'Emscripten'], ['tiktoken', 'wasm-bindgen'], ['brotli-wasm', 'wasm-bindgen'], ['wasmoon', 'Emscripten (Lua 5.4)'], ['quickjs-emscripten', 'Emscripten (QuickJS)'], ['@bokuweb/zstd-wasm', 'Emscripten'],
  ['assemblyscript', 'AssemblyScript + @assemblyscript/loader'], ['@swc/wasm', 'wasm-bindgen (Rust), 18 MB module'], ['wasi-libc', 'clang + wasi-libc, WASI (3 C programs)'], ['wat', 'hand-written WAT (wabt)'], ['wat-stack', 'hand-written WAT: stack overflow'], ['wat-ref-defaults', 'JS API: externref defaults']];
const knownFailures: Record<string, string> = {
  'wat-stack': "unbounded recursion: V8 throws a RangeError (Maximum call stack size exceeded), heapbase a WebAssembly.RuntimeError ('call stack exhausted'); the JS API leaves it to the engine",
};
const rows: string[] = [];
const run = (pkg: string, engine: string) => JSON.parse(execFileSync(process.execPath, [runner, pkg, engine], { encoding: 'utf8', timeout: 60000 }).trim().split('\n').pop()!);

for (const [pkg, toolchain] of packages) {
  test(`compat: ${pkg} (${toolchain}) gives Node's outputs under heapbase`, { todo: knownFailures[pkg] }, () => {
    const native = run(pkg, 'node'); const ours = run(pkg, 'heapbase');
    const result = !ours.ok ? 'error' : ours.digest === native.digest ? 'identical' : 'different';
    rows.push([pkg, toolchain, result, ours.ms.toFixed(0), native.ms.toFixed(0), (ours.ms / native.ms).toFixed(1)].join(' | '));
    assert.ok(native.ok, native.error); assert.ok(ours.ok, ours.error);
    assert.ok(ours.moduleConstructed > 0, 'the Wasm path must run through heapbase');
    assert.equal(ours.digest, native.digest, `outputs differ: ${JSON.stringify(ours.readable)} vs ${JSON.stringify(native.readable)}`);
  });
}
test.after(() => console.log(['package | toolchain | result | heapbase ms | node ms | ratio', ...rows].join('\n')));
