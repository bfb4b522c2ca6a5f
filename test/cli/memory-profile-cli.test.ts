// heapbase run --memory-profile and --memory <bytes>, run as a user runs them (child processes),
// on test/fixtures/profile (see test/layout/profile.test.ts for the figures themselves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/src/cli/main.js');

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('heapbase run --memory-profile prints the profile after the program, and its --memory suggestions run', () => {
  const r = run(['run', '--memory-profile', 'test/fixtures/profile/dlmalloc.wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^blocks: 600, checksum: \d+\n/);
  assert.match(r.stderr, /^heapbase memory profile:\n/);
  assert.match(r.stderr, /heap {8}high-water [\d,]+ bytes .* above its start at [\d,]+/);
  assert.match(r.stderr, /memory\.grow \+1 page at [\d.]+ ms in sbrk \(function \d+\): 2 -> 3 pages/);
  assert.match(r.stderr, /end marker {2}a write ending at/);
  const asLinked = Number(/heapbase run --memory (\d+) runs it in exactly that/.exec(r.stderr)![1]);
  const relinked = Number(/a trimmed memory of [\d,]+ bytes \(heapbase run --memory (\d+)\)/.exec(r.stderr)![1]);

  const same = run(['run', '--memory', String(asLinked), '--stats', 'test/fixtures/profile/dlmalloc.wasm']);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(same.stdout, r.stdout);
  assert.match(same.stderr, new RegExp(`memory ${asLinked} bytes \\(trimmed by --memory\\)`));
  const trimmed = run(['run', '--memory', String(relinked), 'test/fixtures/profile/dlmalloc_relinked.wasm']);
  assert.equal(trimmed.code, 0, trimmed.stderr);
  assert.equal(trimmed.stdout, r.stdout);
  const short = run(['run', '--memory', String(relinked - 1), 'test/fixtures/profile/dlmalloc_relinked.wasm']);
  assert.equal(short.code, 1);
  assert.match(short.stderr, /^RuntimeError: out of bounds memory access\n/);
});

test('heapbase run --memory: a bad value is a usage error', () => {
  const r = run(['run', '--memory', '12kb', 'test/fixtures/profile/allocs.wasm']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--memory must be auto, pages or a byte count, got "12kb"/);
});
