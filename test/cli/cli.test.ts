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

test('heapbase run --memory-profile --svg --html writes the run\'s pictures, also after a trap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapbase-cli-pictures-'));
  const svg = join(dir, 'run.svg');
  const html = join(dir, 'run.html');
  const r = run([cli, 'run', '--memory-profile', '--svg', svg, '--html', html, 'test/fixtures/profile/dlmalloc.wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /highest block ends \d+ bytes above __heap_base/, 'the program\'s own output on stdout');
  assert.ok(r.stderr.includes(`heapbase: memory profile SVG written to ${svg}\n`), r.stderr);
  assert.ok(r.stderr.includes(`heapbase: memory profile HTML written to ${html}\n`), r.stderr);
  const picture = readFileSync(svg, 'utf8');
  assert.ok(picture.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  for (const mark of ['stack-peak', 'heap-high-water', 'end-marker']) assert.ok(picture.includes(`data-mark="${mark}"`), mark);
  const page = readFileSync(html, 'utf8');
  assert.ok(page.startsWith('<!DOCTYPE html>') && page.includes('<svg xmlns=') && page.includes('heapbase memory profile:'));
  assert.ok(page.includes('Memory layout of dlmalloc.wasm'), 'the layout as heapbase inspect prints it');

  // A trap: the run ends with exit code 1, and the pictures are still written.
  const trapSvg = join(dir, 'trap.svg');
  const trap = run([cli, 'run', '--memory-profile', '--svg', trapSvg, 'test/fixtures/memory/recursion.wasm', '--invoke', 'recurse', '100000']);
  assert.equal(trap.code, 1);
  assert.match(trap.stderr, /^RuntimeError: stack overflow\n/);
  assert.ok(trap.stderr.includes(`SVG written to ${trapSvg}`));
  assert.ok(readFileSync(trapSvg, 'utf8').includes('data-mark="stack-peak"'));
});

test('heapbase run --svg/--html without --memory-profile is a usage error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapbase-cli-pictures-'));
  for (const flag of ['--svg', '--html']) {
    const file = join(dir, `out-${flag.slice(2)}`);
    const r = run([cli, 'run', flag, file, 'test/fixtures/profile/allocs.wasm']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.startsWith(`heapbase run: ${flag} needs --memory-profile`), r.stderr);
    assert.throws(() => readFileSync(file), /ENOENT/, "no file written");
  }
  assert.match(run([cli, 'run', '--memory-profile', 'test/fixtures/profile/allocs.wasm', '--svg']).stderr, /--svg needs a value/);
  const help = run([cli, 'run', '--help']).stdout;
  assert.match(help, /--svg <file> +with --memory-profile/);
  assert.match(help, /--html <file> +with --memory-profile/);
});

test('heapbase inspect --html writes the layout as one HTML page', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heapbase-cli-pictures-'));
  const html = join(dir, 'layout.html');
  const r = run([cli, 'inspect', 'test/fixtures/memory/malloc.wasm', '--html', html]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`HTML written to ${html}\n`));
  const page = readFileSync(html, 'utf8');
  assert.ok(page.startsWith('<!DOCTYPE html>') && page.includes('<svg xmlns=') && page.includes('<pre class="layout-text">'));
  assert.ok(!page.includes('\x1b') && !page.includes('data-mark'));
  const json = run([cli, 'inspect', 'test/fixtures/memory/malloc.wasm', '--json', `--html=${html}`]);
  assert.equal(json.code, 0);
  assert.doesNotThrow(() => JSON.parse(json.stdout), 'stdout is the JSON alone');
  assert.ok(json.stderr.includes(`HTML written to ${html}`));
  assert.equal(run([cli, 'inspect', 'test/fixtures/memory/malloc.wasm', '--html']).code, 2);
  assert.match(run([cli, 'inspect', '--help']).stdout, /--html <file>/);
});
