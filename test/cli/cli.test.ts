// The command line and the examples, run as a user runs them (child processes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('heapbase run prints the hello example', () => {
  const r = run([cli, 'run', 'examples/hello/hello.wasm', 'one', 'two']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello from C, running on heapbase!\nargument 1: one\nargument 2: two\n');
});

test('heapbase run --invoke converts arguments and prints results', () => {
  const r = run([cli, 'run', 'examples/add/add.wasm', '--invoke', 'add64', '9223372036854775807', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '-9223372036854775808\n');
  const bad = run([cli, 'run', 'examples/add/add.wasm', '--invoke', 'add', 'x', '1']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not an integer/);
});

test('heapbase run: a trap prints the message and the Wasm stack, exit code 1', () => {
  const r = run([cli, 'run', 'test/fixtures/memory/recursion.wasm', '--invoke', 'recurse', '100000']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^RuntimeError: stack overflow\n/);
  assert.match(r.stderr, /at level \(wasm function 1\)/);
});

test('heapbase run: a malformed module is one CompileError line with the offset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapbase-cli-'));
  const file = join(dir, 'bad.wasm');
  writeFileSync(file, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 0]));
  const r = run([cli, 'run', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^CompileError: .*byte offset \d+\)\n$/);
});

test('heapbase run --stats reports memory and stack peak', () => {
  const r = run([cli, 'run', 'test/fixtures/memory/stack_use.wasm', '--stats', '--invoke', 'run', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /memory 4112 bytes \(trimmed to __heap_base\), stack peak 256 bytes/);
});

test('heapbase run --help and heapbase --help', () => {
  assert.match(run([cli, 'run', '--help']).stdout, /Usage: heapbase run/);
  assert.match(run([cli, '--help']).stdout, /heapbase inspect/);
  assert.equal(run([cli, 'frobnicate']).code, 2);
});

test('the host examples print what their C does', () => {
  assert.match(run([join(root, 'dist/examples/add/host.js')]).stdout, /add\(2, 3\) = 5\nadd64\(2\^62, 2\^62\) = -9223372036854775808/);
  assert.match(run([join(root, 'dist/examples/memory/host.js')]).stdout, /C passed 10 bytes at address \d+: 1 2 3 4 5 6 7 8 9 10\n/);
  assert.equal(run([join(root, 'dist/examples/callback/host.js')]).stdout, 'run(7) = 500\n');
});

test('the README run command is the one tested here', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.match(readme, /npx heapbase run examples\/hello\/hello\.wasm/);
});
