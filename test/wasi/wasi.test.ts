// WASI preview1 (src/wasi): the C programs in test/fixtures/wasi (built with Debian's clang and
// wasi-libc, see build.sh) run under heapbase and are checked for their output and exit codes,
// compared with Node's own WebAssembly + node:wasi, and tried against the sandbox. The host
// functions are also called directly, for layouts, errnos and bad pointers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WASI as NodeWASI } from 'node:wasi';
import { Instance, Memory, Module } from '../../src/index.js';
import { WASI, WASI_PREVIEW1_FUNCTIONS, WasiExit, errno, errnoFromNode, errnoName, type WasiOptions } from '../../src/wasi/index.js';

interface NativeWasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
}
const native = (globalThis as unknown as { WebAssembly: NativeWasm }).WebAssembly;

const fixtureDir = fileURLToPath(new URL('../../../test/fixtures/wasi/', import.meta.url));
const distIndex = pathToFileURL(fileURLToPath(new URL('../../src/index.js', import.meta.url))).href;
const distWasi = pathToFileURL(fileURLToPath(new URL('../../src/wasi/index.js', import.meta.url))).href;

const bytesOf = (() => {
  const cache = new Map<string, Uint8Array>();
  return (name: string): Uint8Array => {
    let b = cache.get(name);
    if (!b) cache.set(name, (b = fs.readFileSync(path.join(fixtureDir, `${name}.wasm`))));
    return b;
  };
})();

const heapbaseModule = (() => {
  const cache = new Map<string, Module>();
  return (name: string): Module => {
    let m = cache.get(name);
    if (!m) cache.set(name, (m = new Module(bytesOf(name))));
    return m;
  };
})();

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'heapbase-wasi-'));
process.on('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let tmpCount = 0;
function tmpDir(label: string): string {
  const d = path.join(tmpRoot, `${label}-${tmpCount++}`);
  fs.mkdirSync(d);
  return d;
}

type Engine = 'heapbase' | 'node:wasi' | 'heapbase-wasi-on-v8';

interface RunOptions {
  args?: string[];
  env?: Record<string, string>;
  preopens?: Record<string, string>;
  stdin?: string | Uint8Array;
}
interface RunResult { code: number; stdout: string; stderr: string }

/** Runs a fixture with stdio redirected to temporary files. */
function run(engine: Engine, name: string, options: RunOptions = {}): RunResult {
  const dir = tmpDir(`io-${name}`);
  fs.writeFileSync(path.join(dir, 'in'), options.stdin ?? '');
  const stdin = fs.openSync(path.join(dir, 'in'), 'r');
  const stdout = fs.openSync(path.join(dir, 'out'), 'w+');
  const stderr = fs.openSync(path.join(dir, 'err'), 'w+');
  try {
    const config = {
      args: [name, ...(options.args ?? [])], env: options.env ?? {}, preopens: options.preopens ?? {},
      stdin, stdout, stderr, returnOnExit: true,
    };
    let code: number;
    if (engine === 'node:wasi') {
      const wasi = new NodeWASI({ version: 'preview1', ...config });
      const instance = new native.Instance(new native.Module(bytesOf(name)), wasi.getImportObject() as object);
      code = wasi.start(instance as never);
    } else {
      const wasi = new WASI(config);
      const instance = engine === 'heapbase'
        ? new Instance(heapbaseModule(name), wasi.getImportObject())
        : new native.Instance(new native.Module(bytesOf(name)), wasi.getImportObject());
      code = wasi.start(instance);
    }
    return { code, stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8') };
  } finally {
    for (const fd of [stdin, stdout, stderr]) fs.closeSync(fd);
  }
}

/** Lists a directory tree (names, types, sizes, file contents) to compare before and after. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${prefix}${name} -> ${fs.readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${prefix}${name}/ mtime=${st.mtimeMs}`);
        walk(p, `${prefix}${name}/`);
      } else out.push(`${prefix}${name} size=${st.size} mtime=${st.mtimeMs} ctime=${st.ctimeMs} nlink=${st.nlink} ${fs.readFileSync(p, 'utf8')}`);
    }
  };
  walk(root, '');
  return out;
}

// ---------------------------------------------------------------------------------------------
// The programs under heapbase.

test('hello: printf to stdout, exit code 0', () => {
  const r = run('heapbase', 'hello');
  assert.equal(r.stdout, 'Hello, heapbase!\n2 + 40 = 42\n');
  assert.equal(r.code, 0);
});

test('args_env: argv and environment', () => {
  const r = run('heapbase', 'args_env', { args: ['one', 'two words', '', 'ünïcödé'], env: { HOME: '/home/guest', GREETING: 'hi there', EMPTY: '' } });
  assert.equal(r.stdout, [
    'argc=5', 'argv[0]=args_env', 'argv[1]=one', 'argv[2]=two words', 'argv[3]=', 'argv[4]=ünïcödé',
    'HOME=/home/guest', 'GREETING=hi there', 'EMPTY=', 'MISSING=(unset)', 'environ count=3', '',
  ].join('\n'));
  assert.equal(r.code, 0);
});

test('exit_code: proc_exit ends the run and start() returns the code', () => {
  for (const code of [0, 1, 42, 255]) {
    const r = run('heapbase', 'exit_code', { args: [String(code)] });
    assert.equal(r.code, code);
    assert.equal(r.stdout, `exiting with ${code}\n`);
  }
});

test('exit_code: with returnOnExit false, WasiExit propagates out of start()', () => {
  const stdout = fs.openSync(path.join(tmpDir('exit'), 'out'), 'w');
  try {
    const wasi = new WASI({ args: ['exit_code', '9'], returnOnExit: false, stdout });
    const instance = new Instance(heapbaseModule('exit_code'), wasi.getImportObject());
    assert.throws(() => wasi.start(instance), (e: unknown) => e instanceof WasiExit && e.code === 9);
  } finally {
    fs.closeSync(stdout);
  }
});

test('echo_stdin: stdin from a file, upper-cased to stdout', () => {
  const input = 'hello\nWorld 123\n' + 'abc'.repeat(5000);
  const r = run('heapbase', 'echo_stdin', { stdin: input });
  assert.equal(r.stdout, input.toUpperCase());
  assert.equal(r.stderr, `echo_stdin: ${input.length} bytes\n`);
  assert.equal(r.code, 0);
});

for (const nonBlocking of [false, true]) {
  test(`echo_stdin: piped stdin and stdout in a child process (default stdio fds${nonBlocking ? ', made non-blocking by Node' : ''})`, () => {
    // Touching process.stdin/stdout makes libuv set O_NONBLOCK on the pipes, so reads and
    // writes see EAGAIN and must wait rather than fail.
    const script = `
      ${nonBlocking ? 'process.stdin; process.stdout;' : ''}
      import { readFileSync } from 'node:fs';
      import { Instance, Module } from ${JSON.stringify(distIndex)};
      import { WASI } from ${JSON.stringify(distWasi)};
      const wasi = new WASI({ args: ['echo_stdin'] });
      const instance = new Instance(new Module(readFileSync(${JSON.stringify(path.join(fixtureDir, 'echo_stdin.wasm'))})), wasi.getImportObject());
      process.exitCode = wasi.start(instance);
      ${nonBlocking ? 'process.stdin.destroy();' : ''}
    `;
    const input = Array.from({ length: 20000 }, (_, i) => `line ${i} of piped input\n`).join('');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.length, input.length);
    assert.equal(child.stdout, input.toUpperCase());
    assert.equal(child.stderr, `echo_stdin: ${input.length} bytes\n`);
  });
}

const FILES_EXPECTED = `open a.txt: ok
write: 19
tell: 19
seek set 7: 7
read 4 at 7: 4 "file"
seek end -3: 16
read at end-3: 3
seek cur -100: -1 errno 28
pread 5 at 0: 5 "hello"
pwrite: 1, tell after: 19
fstat: ok
fstat: file size 19 nlink 1
ftruncate 5: ok
size after truncate: 5
close: ok
close again: errno 8 (Bad file descriptor)
fopen a.txt r: ok
contents: 5 "Hello"
fopen a.txt a: ok
open append: ok
after append: "Hello world!"
open excl existing: errno 20 (File exists)
open missing: errno 44 (No such file or directory)
stat missing: errno 44 (No such file or directory)
stat a.txt: ok
stat a.txt: file size 12
access a.txt: ok
mkdir sub: ok
mkdir sub again: errno 20 (File exists)
mkdir sub/deeper: ok
stat sub: ok
stat sub: dir
create sub/b.txt: ok
open dir for write: errno 31 (Is a directory)
open file as dir: errno 54 (Not a directory)
open sub/../a.txt: ok
listing of / (2 entries):
  a.txt file 12
  sub dir 0
listing of /sub (2 entries):
  b.txt file 3
  deeper dir 0
rename a.txt -> sub/c.txt: ok
stat a.txt after rename: errno 44 (No such file or directory)
rename sub/b.txt over sub/c.txt: ok
sub/c.txt size: 3
rmdir non-empty sub: errno 55 (Directory not empty)
unlink dir sub/deeper: errno 31 (Is a directory)
rmdir sub/deeper: ok
unlink sub/c.txt: ok
unlink sub/c.txt again: errno 44 (No such file or directory)
rmdir sub: ok
symlink ln -> target.txt: ok
readlink ln: 10 "target.txt"
lstat ln: ok
lstat ln: symlink
stat ln: ok
stat ln: file size 17
fopen ln: ok
via link: through the link
unlink ln: ok
stat target.txt after unlinking ln: ok
utimes target.txt: ok
times: atime 1000000000 mtime 1200000000
unlink target.txt: ok
listing of / (0 entries):
`;

test('files: create, write, seek, read, stat, readdir, rename, unlink, mkdir/rmdir, symlinks, times', () => {
  const sandbox = tmpDir('files');
  const r = run('heapbase', 'files', { args: ['/sandbox'], preopens: { '/sandbox': sandbox } });
  assert.equal(r.stdout, FILES_EXPECTED);
  assert.equal(r.code, 0);
  assert.deepEqual(fs.readdirSync(sandbox), []);
});

test('files: a preopen named "." serves relative paths', () => {
  const sandbox = tmpDir('files-dot');
  const r = run('heapbase', 'files', { args: ['.'], preopens: { '.': sandbox } });
  assert.equal(r.stdout, FILES_EXPECTED);
  assert.equal(r.code, 0);
});

test('all_imports: a module importing every preview1 function links and gets errnos back', () => {
  const r = run('heapbase', 'all_imports');
  assert.equal(r.code, 3);
  const results = Object.fromEntries(r.stdout.trim().split('\n').map((l) => {
    const at = l.lastIndexOf('=');
    return [l.slice(0, at), Number(l.slice(at + 1))];
  }));
  const called = new Set(Object.keys(results).map((k) => k.split(' ')[0]));
  for (const name of WASI_PREVIEW1_FUNCTIONS) if (name !== 'proc_exit') assert.ok(called.has(name), `${name} was not called`);
  for (const [name, result] of Object.entries(results)) {
    const expected = /^(args|environ|clock_res|sched_yield|random_get)/.test(name) ? 0
      : /bad clock|no subscriptions/.test(name) ? errno.EINVAL
      : /^proc_raise/.test(name) ? errno.ENOSYS
      : errno.EBADF;
    assert.equal(result, expected, `${name} returned ${errnoName(result)}`);
  }
});

// ---------------------------------------------------------------------------------------------
// The sandbox.

test('escape: every way out of the preopen is refused and nothing outside is touched', () => {
  const outside = tmpDir('escape');
  const sandbox = path.join(outside, 'sandbox');
  fs.mkdirSync(sandbox);
  fs.mkdirSync(path.join(sandbox, 'sub'));
  fs.writeFileSync(path.join(outside, 'outside.txt'), 'sentinel\n');
  fs.utimesSync(path.join(outside, 'outside.txt'), 1_500_000_000, 1_500_000_000);
  fs.writeFileSync(path.join(sandbox, 'inside.txt'), 'inside\n');
  fs.symlinkSync(path.join(outside, 'outside.txt'), path.join(sandbox, 'link'));
  fs.symlinkSync('../outside.txt', path.join(sandbox, 'rlink'));
  fs.symlinkSync(outside, path.join(sandbox, 'dirlink'));
  fs.symlinkSync('..', path.join(sandbox, 'rdirlink'));
  const outsideBefore = snapshot(outside).filter((l) => !l.startsWith('sandbox'));
  assert.ok(!fs.existsSync('/tmp/created.txt'));

  const r = run('heapbase', 'escape', { args: ['/sandbox'], preopens: { '/sandbox': sandbox } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const results = new Map<string, number>();
  for (const l of lines) {
    const m = /^(.*?)\s+(?:[A-Z?]+ )?(-?\d+)$/.exec(l);
    if (m) results.set(m[1], Number(m[2]));
  }
  const expectOk = ['open sandbox', 'fstatat link (nofollow)', 'readlinkat link', 'openat inside.txt',
    'symlinkat inside.txt -> ok', 'openat ok (inner link)', 'unlinkat ok', 'unlinkat link (the link itself)'];
  const special: Record<string, number> = {
    'openat inside.txt/../../outside.txt read': errno.ENOTDIR, // a file is not a directory, before any climbing
    'path_open link nofollow': errno.ELOOP, // O_NOFOLLOW on a symlink
    'unlinkat .. (dir)': errno.EINVAL,
    'unlinkat . (dir)': errno.EINVAL,
    'path_open with NUL': errno.EINVAL,
    'path_open bad pointer': errno.EFAULT,
    'fd_close 1234': errno.EBADF,
    'sock_shutdown 1': errno.ENOTSOCK, // stdout is open but not a socket
  };
  let refused = 0;
  for (const [what, code] of results) {
    if (expectOk.includes(what)) assert.equal(code, 0, `${what}: ${errnoName(code)}`);
    else if (what in special) assert.equal(code, special[what], `${what}: ${errnoName(code)}`);
    else {
      assert.equal(code, errno.ENOTCAPABLE, `${what}: expected ENOTCAPABLE, got ${errnoName(code)}`);
      refused++;
    }
  }
  assert.equal(results.size, expectOk.length + Object.keys(special).length + refused);
  assert.ok(refused >= 35, `only ${refused} refusals seen`);
  assert.match(r.stdout, /inside\.txt: inside\n/);

  // Nothing outside the sandbox changed: same files, contents, sizes and times, nothing new.
  assert.deepEqual(snapshot(outside).filter((l) => !l.startsWith('sandbox')), outsideBefore);
  assert.equal(fs.readFileSync(path.join(outside, 'outside.txt'), 'utf8'), 'sentinel\n');
  assert.equal(fs.statSync(path.join(outside, 'outside.txt')).mtimeMs, 1_500_000_000_000);
  assert.ok(!fs.existsSync('/tmp/created.txt'));
  // Inside: the program removed `link` and its own `ok`, and created nothing else.
  assert.deepEqual(fs.readdirSync(sandbox).sort(), ['dirlink', 'inside.txt', 'rdirlink', 'rlink', 'sub']);
  assert.deepEqual(fs.readdirSync(path.join(sandbox, 'sub')), []);
});

test('preopens must name existing host directories', () => {
  assert.throws(() => new WASI({ preopens: { '/x': path.join(tmpRoot, 'does-not-exist') } }), /cannot open host directory/);
  const file = path.join(tmpDir('preopen-file'), 'f');
  fs.writeFileSync(file, '');
  assert.throws(() => new WASI({ preopens: { '/x': file } }), /not a directory/);
});

// ---------------------------------------------------------------------------------------------
// Same stdout and exit code as Node's own WebAssembly with node:wasi.

const comparisons: { name: string; options?: RunOptions; sandbox?: boolean }[] = [
  { name: 'hello' },
  { name: 'args_env', options: { args: ['alpha', 'beta gamma', ''], env: { HOME: '/root', GREETING: 'salut', EMPTY: '', OTHER: 'x=y' } } },
  { name: 'exit_code', options: { args: ['0'] } },
  { name: 'exit_code', options: { args: ['17'] } },
  { name: 'exit_code', options: { args: ['200'] } },
  { name: 'echo_stdin', options: { stdin: 'mixed Case input\nwith ünïcödé and\0nul bytes\n'.repeat(300) } },
  { name: 'files', sandbox: true },
];

for (const c of comparisons) {
  test(`same as node:wasi: ${c.name} ${(c.options?.args ?? []).join(' ')}`, () => {
    const results = (['heapbase', 'node:wasi', 'heapbase-wasi-on-v8'] as Engine[]).map((engine) => {
      const options: RunOptions = { ...c.options };
      if (c.sandbox) {
        options.args = ['/sandbox'];
        options.preopens = { '/sandbox': tmpDir(`cmp-${engine}`) };
      }
      return run(engine, c.name, options);
    });
    const [ours, node, oursOnV8] = results;
    assert.equal(ours.stdout, node.stdout);
    assert.equal(ours.code, node.code);
    assert.equal(ours.stderr, node.stderr);
    assert.deepEqual(oursOnV8, ours);
  });
}

// ---------------------------------------------------------------------------------------------
// The host functions called directly, on a heapbase Memory.

interface Direct {
  wasi: WASI;
  f: Record<string, (...args: unknown[]) => number>;
  memory: Memory;
  dv: () => DataView;
  u8: () => Uint8Array;
  put: (ptr: number, text: string) => number;
}

function direct(options: WasiOptions = {}, memory = new Memory({ initial: 1, maximum: 4 })): Direct {
  const wasi = new WASI(options);
  wasi.initialize({ exports: { memory } });
  const f = wasi.getImportObject().wasi_snapshot_preview1 as Record<string, (...args: unknown[]) => number>;
  const put = (ptr: number, text: string): number => {
    const b = Buffer.from(text);
    new Uint8Array(memory.buffer).set(b, ptr);
    return b.length;
  };
  return { wasi, f, memory, dv: () => new DataView(memory.buffer), u8: () => new Uint8Array(memory.buffer), put };
}

test('every preview1 function is defined and named', () => {
  const imports = new WASI().getImportObject();
  assert.deepEqual(Object.keys(imports), ['wasi_snapshot_preview1']);
  const ns = imports.wasi_snapshot_preview1;
  assert.equal(Object.keys(ns).length, 46);
  for (const name of WASI_PREVIEW1_FUNCTIONS) {
    assert.equal(typeof ns[name], 'function', name);
    assert.equal(ns[name].name, name);
  }
});

test('errno numbers and the Node error-code table', () => {
  const expected: Record<string, number> = {
    ESUCCESS: 0, E2BIG: 1, EACCES: 2, EAGAIN: 6, EBADF: 8, EEXIST: 20, EFAULT: 21, EINVAL: 28, EIO: 29, EISDIR: 31,
    ELOOP: 32, ENAMETOOLONG: 37, ENOENT: 44, ENOSYS: 52, ENOTDIR: 54, ENOTEMPTY: 55, ENOTSUP: 58, EPERM: 63,
    ESPIPE: 70, EXDEV: 75, ENOTCAPABLE: 76,
  };
  for (const [name, n] of Object.entries(expected)) {
    assert.equal(errno[name], n, name);
    assert.equal(errnoName(n), name);
  }
  assert.equal(Object.keys(errno).length, 77);
  for (const code of ['ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR', 'ENOTEMPTY', 'EACCES', 'EPERM', 'EBADF', 'EINVAL', 'ELOOP', 'EXDEV', 'ENOSPC']) {
    assert.equal(errnoFromNode(Object.assign(new Error(), { code })), errno[code], code);
  }
  assert.equal(errnoFromNode(Object.assign(new Error(), { code: 'EOPNOTSUPP' })), errno.ENOTSUP);
  assert.equal(errnoFromNode(Object.assign(new Error(), { code: 'ESOMETHINGNEW' })), errno.EIO);
  assert.equal(errnoFromNode(new Error('no code')), errno.EIO);
});

test('bad guest pointers are EFAULT, never an exception', () => {
  const { f, dv } = direct();
  const top = 65536;
  assert.equal(f.args_sizes_get(top - 2, 0), errno.EFAULT);
  assert.equal(f.fd_write(1, top, 1, 0), errno.EFAULT); // iovec array outside
  dv().setUint32(0, top - 4, true); // iovec pointing past the end
  dv().setUint32(4, 100, true);
  assert.equal(f.fd_write(1, 0, 1, 16), errno.EFAULT);
  assert.equal(f.fd_read(0, 0, 1, 16), errno.EFAULT);
  assert.equal(f.random_get(-1, 16), errno.EFAULT); // 0xffffffff as unsigned
  assert.equal(f.clock_time_get(1, 0n, top), errno.EFAULT);
  assert.equal(f.fd_fdstat_get(1, top - 23), errno.EFAULT);
  assert.equal(f.poll_oneoff(top - 10, 0, 1, 100), errno.EFAULT);
});

test('proc_exit throws WasiExit through the import; other functions return errnos', () => {
  const { f } = direct();
  assert.throws(() => f.proc_exit(7), (e: unknown) => e instanceof WasiExit && e.code === 7);
  assert.equal(f.proc_raise(6), errno.ENOSYS);
  assert.equal(f.sock_accept(3, 0, 0), errno.EBADF); // fd 3 is not open
  assert.equal(f.sock_shutdown(1, 1), errno.ENOTSOCK); // stdout is, but is no socket
  assert.equal(f.sched_yield(), 0);
  assert.equal(f.fd_close(99), errno.EBADF);
});

test('args and environ layouts', () => {
  const { f, dv, u8 } = direct({ args: ['prog', 'ä'], env: { A: '1', LONGER: 'xyz' } });
  assert.equal(f.args_sizes_get(0, 4), 0);
  assert.deepEqual([dv().getUint32(0, true), dv().getUint32(4, true)], [2, 5 + 3]);
  assert.equal(f.args_get(100, 200), 0);
  assert.deepEqual([dv().getUint32(100, true), dv().getUint32(104, true)], [200, 205]);
  assert.equal(Buffer.from(u8().subarray(200, 208)).toString('utf8'), 'prog\0ä\0');
  assert.equal(f.environ_sizes_get(0, 4), 0);
  assert.deepEqual([dv().getUint32(0, true), dv().getUint32(4, true)], [2, 4 + 11]);
  assert.equal(f.environ_get(100, 300), 0);
  assert.equal(Buffer.from(u8().subarray(300, 315)).toString('utf8'), 'A=1\0LONGER=xyz\0');
});

test('clocks: monotonic advances, realtime is now, bad ids are EINVAL', () => {
  const { f, dv } = direct();
  assert.equal(f.clock_time_get(1, 0n, 0), 0);
  const t0 = dv().getBigUint64(0, true);
  assert.equal(f.clock_time_get(1, 0n, 0), 0);
  assert.ok(dv().getBigUint64(0, true) >= t0);
  assert.equal(f.clock_time_get(0, 0n, 8), 0);
  const wall = Number(dv().getBigUint64(8, true) / 1_000_000n);
  assert.ok(Math.abs(wall - Date.now()) < 1000, `realtime ${wall} vs ${Date.now()}`);
  for (const id of [0, 1, 2, 3]) {
    assert.equal(f.clock_res_get(id, 16), 0);
    assert.ok(dv().getBigUint64(16, true) > 0n);
    assert.equal(f.clock_time_get(id, 1n, 16), 0);
  }
  assert.equal(f.clock_time_get(4, 0n, 0), errno.EINVAL);
  assert.equal(f.clock_res_get(99, 0), errno.EINVAL);
});

test('random_get fills the buffer', () => {
  const { f, u8 } = direct();
  assert.equal(f.random_get(1000, 4096), 0);
  assert.ok(u8().subarray(1000, 5096).some((b) => b !== 0));
  assert.equal(u8()[999], 0);
  assert.equal(u8()[5096], 0);
});

test('poll_oneoff: a relative clock subscription sleeps; layouts of subscription and event', () => {
  const { f, dv } = direct();
  const d = dv();
  const sub = (at: number, userdata: bigint, timeoutNs: bigint, flags = 0, clock = 1): void => {
    d.setBigUint64(at, userdata, true);
    d.setUint8(at + 8, 0); // tag: clock
    d.setUint32(at + 16, clock, true);
    d.setBigUint64(at + 24, timeoutNs, true);
    d.setBigUint64(at + 32, 0n, true);
    d.setUint16(at + 40, flags, true);
  };
  sub(0, 0x1122334455667788n, 30_000_000n);
  const t0 = process.hrtime.bigint();
  assert.equal(f.poll_oneoff(0, 1024, 1, 2048), 0);
  const slept = process.hrtime.bigint() - t0;
  assert.ok(slept >= 29_000_000n, `slept ${slept} ns`);
  assert.equal(d.getUint32(2048, true), 1);
  assert.equal(d.getBigUint64(1024, true), 0x1122334455667788n);
  assert.equal(d.getUint16(1024 + 8, true), 0); // error
  assert.equal(d.getUint8(1024 + 10), 0); // type: clock

  // Two clocks: only the earlier fires. An absolute deadline in the past fires at once.
  sub(0, 1n, 5_000_000n);
  sub(48, 2n, 10_000_000_000n);
  assert.equal(f.poll_oneoff(0, 1024, 2, 2048), 0);
  assert.equal(d.getUint32(2048, true), 1);
  assert.equal(d.getBigUint64(1024, true), 1n);
  sub(0, 3n, 1n, 1 /* abstime */, 0 /* realtime */);
  assert.equal(f.poll_oneoff(0, 1024, 1, 2048), 0);
  assert.equal(d.getBigUint64(1024, true), 3n);

  // An fd subscription is reported ready at once; a bad fd as an event with EBADF.
  sub(0, 4n, 10_000_000_000n);
  d.setBigUint64(48, 5n, true);
  d.setUint8(48 + 8, 2); // fd_write
  d.setUint32(48 + 16, 1, true);
  d.setBigUint64(96, 6n, true);
  d.setUint8(96 + 8, 1); // fd_read
  d.setUint32(96 + 16, 77, true);
  assert.equal(f.poll_oneoff(0, 1024, 3, 2048), 0);
  assert.equal(d.getUint32(2048, true), 2);
  assert.deepEqual([d.getBigUint64(1024, true), d.getUint16(1032, true), d.getUint8(1034)], [5n, 0, 2]);
  assert.deepEqual([d.getBigUint64(1056, true), d.getUint16(1064, true), d.getUint8(1066)], [6n, errno.EBADF, 1]);
  assert.equal(f.poll_oneoff(0, 1024, 0, 2048), errno.EINVAL);
});

test('prestat, fdstat and filestat layouts; readdir cookies', () => {
  const root = tmpDir('direct');
  fs.writeFileSync(path.join(root, 'twelve bytes'), '0123456789ab');
  fs.mkdirSync(path.join(root, 'd'));
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, 'd', `entry-${String(i).padStart(2, '0')}`), '');
  const { f, dv, u8, put } = direct({ preopens: { '/data': root, '/other': root } });
  // fd 3 and 4 are the preopens, fd 5 is not.
  assert.equal(f.fd_prestat_get(3, 0), 0);
  assert.deepEqual([dv().getUint8(0), dv().getUint32(4, true)], [0, 5]);
  assert.equal(f.fd_prestat_dir_name(3, 16, 5), 0);
  assert.equal(Buffer.from(u8().subarray(16, 21)).toString(), '/data');
  assert.equal(f.fd_prestat_dir_name(3, 16, 4), errno.ENAMETOOLONG);
  assert.equal(f.fd_prestat_get(4, 0), 0);
  assert.equal(f.fd_prestat_get(5, 0), errno.EBADF);

  assert.equal(f.fd_fdstat_get(3, 32), 0);
  assert.equal(dv().getUint8(32), 3); // directory
  assert.ok(dv().getBigUint64(32 + 16, true) !== 0n); // inheriting rights

  // path_open a file, then its filestat.
  const len = put(100, 'twelve bytes');
  // fd_read | fd_seek | fd_tell | fd_filestat_get: each call below needs its right.
  assert.equal(f.path_open(3, 1, 100, len, 0, 2n | 4n | 32n | (1n << 21n), 0n, 0, 200), 0);
  const fd = dv().getUint32(200, true);
  assert.equal(fd, 5);
  assert.equal(f.fd_filestat_get(fd, 256), 0);
  const st = fs.statSync(path.join(root, 'twelve bytes'), { bigint: true });
  const d = dv();
  assert.equal(d.getBigUint64(256, true), st.dev);
  assert.equal(d.getBigUint64(256 + 8, true), st.ino);
  assert.equal(d.getUint8(256 + 16), 4); // regular file
  assert.equal(d.getBigUint64(256 + 24, true), 1n); // nlink
  assert.equal(d.getBigUint64(256 + 32, true), 12n); // size
  assert.equal(d.getBigUint64(256 + 48, true), st.mtimeNs);
  assert.equal(f.fd_fdstat_get(fd, 32), 0);
  assert.equal(dv().getUint8(32), 4);
  assert.equal(f.fd_seek(fd, -2n, 2, 40), 0);
  assert.equal(dv().getBigUint64(40, true), 10n);
  assert.equal(f.fd_tell(fd, 48), 0);
  assert.equal(dv().getBigUint64(48, true), 10n);
  assert.equal(f.fd_seek(fd, 0n, 3, 40), errno.EINVAL);
  assert.equal(f.fd_seek(1, 0n, 0, 40), errno.ESPIPE);
  assert.equal(f.fd_readdir(fd, 0, 100, 0n, 40), errno.ENOTDIR);
  assert.equal(f.fd_close(fd), 0);

  // readdir with a buffer too small for everything: resume at the cookies the entries give.
  const dlen = put(100, 'd');
  assert.equal(f.path_open(3, 1, 100, dlen, 2 /* directory */, 1n << 14n /* fd_readdir */, 0n, 0, 200), 0);
  const dirFd = dv().getUint32(200, true);
  const names: string[] = [];
  let cookie = 0n;
  for (let round = 0; round < 100; round++) {
    assert.equal(f.fd_readdir(dirFd, 1000, 128, cookie, 996), 0);
    const used = dv().getUint32(996, true);
    let at = 0;
    let complete = 0;
    while (at + 24 <= used) {
      const next = dv().getBigUint64(1000 + at, true);
      const namlen = dv().getUint32(1000 + at + 16, true);
      if (at + 24 + namlen > used) break; // truncated: read again from its cookie
      names.push(Buffer.from(u8().subarray(1000 + at + 24, 1000 + at + 24 + namlen)).toString());
      assert.equal(dv().getUint8(1000 + at + 20), names.at(-1)!.startsWith('entry') ? 4 : 3);
      cookie = next;
      at += 24 + namlen;
      complete++;
    }
    if (used < 128) break;
    assert.ok(complete > 0);
  }
  assert.deepEqual(names.slice(0, 2), ['.', '..']);
  assert.deepEqual(names.slice(2).sort(), Array.from({ length: 20 }, (_, i) => `entry-${String(i).padStart(2, '0')}`));
  // A cookie past the end gives an empty buffer.
  assert.equal(f.fd_readdir(dirFd, 1000, 128, 1000n, 996), 0);
  assert.equal(dv().getUint32(996, true), 0);
});

test('paths: NUL is EINVAL, absolute and climbing paths ENOTCAPABLE, invalid UTF-8 EILSEQ', () => {
  const root = tmpDir('paths');
  const { f, u8, put } = direct({ preopens: { '/p': root } });
  let n = put(100, 'a\0b');
  assert.equal(f.path_open(3, 0, 100, n, 1, 64n, 0n, 0, 200), errno.EINVAL);
  n = put(100, '/etc/passwd');
  assert.equal(f.path_filestat_get(3, 1, 100, n, 300), errno.ENOTCAPABLE);
  n = put(100, '../y');
  assert.equal(f.path_create_directory(3, 100, n), errno.ENOTCAPABLE);
  u8().set([0x61, 0xff, 0x62], 100);
  assert.equal(f.path_create_directory(3, 100, 3), errno.EILSEQ);
  n = put(100, 'x');
  assert.equal(f.path_create_directory(1, 100, n), errno.ENOTDIR); // stdout is not a directory
  assert.equal(f.path_create_directory(9, 100, n), errno.EBADF);
  assert.equal(f.path_create_directory(3, 100, n), 0);
  assert.ok(fs.statSync(path.join(root, 'x')).isDirectory());
  n = put(100, 'x/../../y');
  assert.equal(f.path_create_directory(3, 100, n), errno.ENOTCAPABLE);
  assert.deepEqual(fs.readdirSync(path.dirname(root)).filter((e) => e === 'y'), []);
});

test('memory growth: every call sees the current buffer', () => {
  const root = tmpDir('grow');
  const memory = new Memory({ initial: 1, maximum: 3 });
  const { f, put } = direct({ preopens: { '/g': root } }, memory);
  memory.grow(1);
  const n = put(70000, 'grown.txt'); // only addressable after growth
  assert.equal(f.path_open(3, 0, 70000, n, 1, 64n, 0n, 0, 70100), 0);
  assert.equal(new DataView(memory.buffer).getUint32(70100, true), 4);
  assert.ok(fs.existsSync(path.join(root, 'grown.txt')));
});

test('fd_write appends with FDFLAGS_APPEND; fd_renumber moves a descriptor', () => {
  const root = tmpDir('append');
  fs.writeFileSync(path.join(root, 'log'), 'start\n');
  const { f, dv, put } = direct({ preopens: { '/a': root } });
  const n = put(100, 'log');
  // fd_write | fd_seek | fd_fdstat_set_flags
  assert.equal(f.path_open(3, 0, 100, n, 0, 64n | 4n | 8n, 0n, 1 /* append */, 200), 0);
  const fd = dv().getUint32(200, true);
  put(300, 'line\n');
  dv().setUint32(0, 300, true);
  dv().setUint32(4, 5, true);
  assert.equal(f.fd_write(fd, 0, 1, 8), 0);
  assert.equal(f.fd_seek(fd, 0n, 0, 16), 0);
  assert.equal(f.fd_write(fd, 0, 1, 8), 0); // still at the end
  assert.equal(fs.readFileSync(path.join(root, 'log'), 'utf8'), 'start\nline\nline\n');
  assert.equal(f.fd_fdstat_get(fd, 32), 0);
  assert.equal(dv().getUint16(34, true), 1);
  assert.equal(f.fd_fdstat_set_flags(fd, 0), 0);
  assert.equal(f.fd_seek(fd, 0n, 0, 16), 0);
  assert.equal(f.fd_write(fd, 0, 1, 8), 0);
  assert.equal(fs.readFileSync(path.join(root, 'log'), 'utf8'), 'line\n\nline\nline\n');
  assert.equal(f.fd_renumber(fd, 7), errno.EBADF); // the target must be open
  assert.equal(f.path_open(3, 0, 100, n, 0, 2n, 0n, 0, 200), 0);
  const other = dv().getUint32(200, true);
  assert.equal(f.fd_renumber(fd, other), 0);
  assert.equal(f.fd_fdstat_get(fd, 32), errno.EBADF);
  assert.equal(f.fd_fdstat_get(other, 32), 0);
  assert.equal(dv().getUint16(34, true), 0);
  assert.equal(f.fd_close(other), 0);
});
