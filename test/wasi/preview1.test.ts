// Focused checks of the preview1 behaviour the WASI testsuite depends on (test/wasi/suite.test.ts
// runs the suite itself): the host functions are called directly, so each failure names the
// errno or the field that is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Memory } from '../../src/index.js';
import { NodeFileSystem, WASI, errno, type HostDirent, type WasiOptions } from '../../src/wasi/index.js';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'heapbase-preview1-'));
process.on('exit', () => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let tmpCount = 0;

/** A preopen with a file `file` ("0123456789") and a directory `d`. */
function sandbox(): string {
  const root = path.join(tmpRoot, `root-${tmpCount++}`);
  fs.mkdirSync(path.join(root, 'd'), { recursive: true });
  fs.writeFileSync(path.join(root, 'file'), '0123456789');
  return root;
}

const R = {
  FD_READ: 1n << 1n, FD_SEEK: 1n << 2n, FD_FDSTAT_SET_FLAGS: 1n << 3n, FD_TELL: 1n << 5n, FD_WRITE: 1n << 6n,
  PATH_CREATE_DIRECTORY: 1n << 9n, PATH_OPEN: 1n << 13n, FD_READDIR: 1n << 14n, PATH_FILESTAT_SET_SIZE: 1n << 19n,
  FD_FILESTAT_GET: 1n << 21n, FD_FILESTAT_SET_SIZE: 1n << 22n, FD_FILESTAT_SET_TIMES: 1n << 23n, ALL: (1n << 30n) - 1n,
};
const OFLAGS = { CREAT: 1, DIRECTORY: 2, EXCL: 4, TRUNC: 8 };
const FOLLOW = 1;
const FST = { ATIM: 1, ATIM_NOW: 2, MTIM: 4, MTIM_NOW: 8 };

function direct(options: WasiOptions) {
  const memory = new Memory({ initial: 1 });
  const wasi = new WASI(options);
  wasi.initialize({ exports: { memory } });
  const f = wasi.getImportObject().wasi_snapshot_preview1 as Record<string, (...args: unknown[]) => number>;
  const dv = () => new DataView(memory.buffer);
  const u8 = () => new Uint8Array(memory.buffer);
  let strings = 1024;
  /** Puts a string in guest memory; returns [ptr, len] for the path arguments. */
  const str = (text: string): [number, number] => {
    const b = Buffer.from(text);
    if (strings + b.length > 4096) strings = 1024;
    const at = strings;
    u8().set(b, at);
    strings += b.length;
    return [at, b.length];
  };
  /** path_open returning [errno, fd]. */
  const open = (dirFd: number, lookup: number, p: string, oflags: number, base: bigint, inheriting = 0n, fdflags = 0): [number, number] => {
    const r = f.path_open(dirFd, lookup, ...str(p), oflags, base, inheriting, fdflags, 200);
    return [r, r === 0 ? dv().getUint32(200, true) : -1];
  };
  const fdstat = (fd: number) => {
    assert.equal(f.fd_fdstat_get(fd, 300), 0);
    return { filetype: dv().getUint8(300), flags: dv().getUint16(302, true), base: dv().getBigUint64(308, true), inheriting: dv().getBigUint64(316, true) };
  };
  /** An iovec at 400 for `len` bytes of the buffer at 500. */
  const iov = (len: number): void => {
    dv().setUint32(400, 500, true);
    dv().setUint32(404, len, true);
  };
  return { f, dv, u8, str, open, fdstat, iov };
}

test('path_open: a directory opens when file rights are asked for, keeping only directory rights', () => {
  const root = sandbox();
  const { f, open, fdstat, iov } = direct({ preopens: { '/': root } });
  // The preopen: directory rights as base, everything inheritable (what Rust's std re-requests).
  const pre = fdstat(3);
  assert.equal(pre.filetype, 3);
  assert.equal(pre.base & (R.FD_READ | R.FD_WRITE | R.FD_SEEK | R.FD_FILESTAT_SET_SIZE), 0n);
  assert.equal(pre.base & R.PATH_OPEN, R.PATH_OPEN);
  assert.equal(pre.inheriting, R.ALL);
  // Rust's std opens "." with the preopen's own rights and O_DIRECTORY: that must work.
  let [r, dfd] = open(3, 0, '.', OFLAGS.DIRECTORY, pre.base, pre.inheriting);
  assert.equal(r, 0);
  // Asking for read and seek on a directory succeeds, but those file rights are not granted.
  [r, dfd] = open(3, 0, 'd', OFLAGS.DIRECTORY, R.FD_READ | R.FD_SEEK | R.FD_READDIR, R.ALL);
  assert.equal(r, 0);
  const st = fdstat(dfd);
  assert.equal(st.filetype, 3);
  assert.equal(st.base, R.FD_READDIR);
  assert.equal(st.inheriting, R.ALL);
  // Write access or truncation of a directory is EISDIR (open(2), wasmtime).
  assert.equal(open(3, 0, 'd', OFLAGS.DIRECTORY, R.FD_READ | R.FD_WRITE)[0], errno.EISDIR);
  assert.equal(open(3, 0, 'd', OFLAGS.TRUNC, 0n)[0], errno.EISDIR);
  assert.equal(open(3, 0, 'd', OFLAGS.CREAT | OFLAGS.EXCL, 0n)[0], errno.EEXIST);
  // A directory fd is not a stream.
  iov(4);
  assert.equal(f.fd_seek(dfd, 0n, 1, 100), errno.EBADF);
  assert.equal(f.fd_tell(dfd, 100), errno.EBADF);
  assert.equal(f.fd_read(dfd, 400, 1, 100), errno.EISDIR);
  assert.equal(f.fd_write(dfd, 400, 1, 100), errno.EBADF);
  // A file is not a directory, with O_DIRECTORY or a trailing slash.
  assert.equal(open(3, 0, 'file', OFLAGS.DIRECTORY, 0n)[0], errno.ENOTDIR);
  assert.equal(open(3, 0, 'file/', 0, 0n)[0], errno.ENOTDIR);
  assert.equal(open(3, 0, 'd///', 0, 0n)[0], 0);
  assert.equal(open(3, 0, 'missing', 0, 0n)[0], errno.ENOENT);
});

test('rights: each call needs its right, fd_fdstat_set_rights only drops them, path_open masks by inheriting', () => {
  const root = sandbox();
  const { f, dv, open, fdstat, iov } = direct({ preopens: { '/': root } });
  iov(4);
  // Read-only: reading works, writing is ENOTCAPABLE, the file is untouched.
  let [r, fd] = open(3, 0, 'file', 0, R.FD_READ);
  assert.equal(r, 0);
  assert.equal(f.fd_read(fd, 400, 1, 100), 0);
  assert.equal(dv().getUint32(100, true), 4);
  assert.equal(f.fd_write(fd, 400, 1, 100), errno.ENOTCAPABLE);
  assert.equal(f.fd_seek(fd, 0n, 0, 100), errno.ENOTCAPABLE);
  assert.equal(f.fd_filestat_get(fd, 600), errno.ENOTCAPABLE);
  assert.equal(f.fd_filestat_set_size(fd, 0n), errno.ENOTCAPABLE);
  assert.equal(fs.readFileSync(path.join(root, 'file'), 'utf8'), '0123456789');
  // Dropping FD_WRITE takes effect; getting it back is ENOTCAPABLE.
  [r, fd] = open(3, 0, 'file', 0, R.FD_READ | R.FD_WRITE | R.FD_SEEK);
  assert.equal(r, 0);
  assert.equal(f.fd_write(fd, 400, 1, 100), 0);
  assert.equal(f.fd_fdstat_set_rights(fd, R.FD_READ | R.FD_SEEK, 0n), 0);
  assert.equal(f.fd_write(fd, 400, 1, 100), errno.ENOTCAPABLE);
  assert.equal(f.fd_fdstat_set_rights(fd, R.FD_READ | R.FD_WRITE | R.FD_SEEK, 0n), errno.ENOTCAPABLE);
  assert.equal(fdstat(fd).base, R.FD_READ | R.FD_SEEK);
  // A directory without PATH_FILESTAT_SET_SIZE cannot truncate, without PATH_CREATE_DIRECTORY
  // cannot mkdir; what it opens gets at most its inheriting rights.
  fs.writeFileSync(path.join(root, 'd', 'inner'), 'keep');
  let dfd: number;
  [r, dfd] = open(3, 0, 'd', OFLAGS.DIRECTORY, R.PATH_OPEN, R.FD_READ);
  assert.equal(r, 0);
  assert.equal(open(dfd, 0, 'inner', OFLAGS.TRUNC, 0n)[0], errno.ENOTCAPABLE);
  assert.equal(fs.readFileSync(path.join(root, 'd', 'inner'), 'utf8'), 'keep');
  assert.equal(open(dfd, 0, 'new', OFLAGS.CREAT, 0n)[0], errno.ENOTCAPABLE);
  assert.equal(fs.existsSync(path.join(root, 'd', 'new')), false);
  [r, fd] = open(dfd, 0, 'inner', 0, R.FD_READ | R.FD_WRITE);
  assert.equal(r, 0);
  assert.equal(fdstat(fd).base, R.FD_READ);
  assert.equal(f.fd_write(fd, 400, 1, 100), errno.ENOTCAPABLE);
});

test('paths: ".." may not climb above the directory fd, even while inside the preopen', () => {
  const root = sandbox();
  fs.symlinkSync('../file', path.join(root, 'd', 'up'));
  const { f, str, open } = direct({ preopens: { '/': root } });
  const [r, dfd] = open(3, 0, 'd', OFLAGS.DIRECTORY, R.ALL & ~R.FD_WRITE, R.ALL);
  assert.equal(r, 0);
  assert.equal(f.path_filestat_get(dfd, 0, ...str('../file'), 600), errno.ENOTCAPABLE);
  assert.equal(f.path_filestat_get(dfd, FOLLOW, ...str('up'), 600), errno.ENOTCAPABLE);
  assert.equal(open(dfd, FOLLOW, 'up', 0, R.FD_READ)[0], errno.ENOTCAPABLE);
  // The same paths from the preopen stay inside it and resolve.
  assert.equal(f.path_filestat_get(3, 0, ...str('d/../file'), 600), 0);
  assert.equal(open(3, FOLLOW, 'd/up', 0, R.FD_READ)[0], 0);
});

test('symlinks: an unfollowed final symlink is ELOOP, loops are ELOOP; trailing slashes in path_symlink and path_link', () => {
  const root = sandbox();
  fs.symlinkSync('file', path.join(root, 'ln'));
  fs.symlinkSync('loop', path.join(root, 'loop'));
  fs.symlinkSync('nowhere', path.join(root, 'dangling'));
  const { f, str, open } = direct({ preopens: { '/': root } });
  assert.equal(open(3, 0, 'ln', 0, R.FD_READ)[0], errno.ELOOP);
  assert.equal(open(3, FOLLOW, 'ln', 0, R.FD_READ)[0], 0);
  assert.equal(open(3, FOLLOW, 'loop', 0, R.FD_READ)[0], errno.ELOOP);
  assert.equal(open(3, 0, 'dangling', OFLAGS.DIRECTORY, 0n)[0], errno.ELOOP);
  assert.equal(open(3, FOLLOW, 'ln', OFLAGS.DIRECTORY, 0n)[0], errno.ENOTDIR);
  // O_CREAT|O_EXCL never follows: the dangling link's target is not created.
  assert.equal(open(3, FOLLOW, 'dangling', OFLAGS.CREAT | OFLAGS.EXCL, 0n)[0], errno.EEXIST);
  assert.equal(fs.existsSync(path.join(root, 'nowhere')), false);
  // "name/" must be a directory: a new symlink cannot be one.
  assert.equal(f.path_symlink(...str('file'), 3, ...str('new/')), errno.ENOENT);
  assert.equal(f.path_symlink(...str('file'), 3, ...str('d/')), errno.EEXIST);
  assert.equal(f.path_symlink(...str('file'), 3, ...str('file/')), errno.ENOTDIR);
  assert.equal(f.path_symlink(...str('file'), 3, ...str('file')), errno.EEXIST);
  assert.equal(fs.existsSync(path.join(root, 'new')), false);
  assert.equal(f.path_link(3, 0, ...str('file'), 3, ...str('hard/')), errno.ENOENT);
  assert.equal(f.path_link(3, 0, ...str('file'), 3, ...str('d/')), errno.EEXIST);
  assert.equal(f.path_link(3, 0, ...str('file'), 3, ...str('ln')), errno.EEXIST);
  assert.equal(f.path_link(3, 0, ...str('dangling'), 3, ...str('hard')), 0); // links the symlink itself
  assert.equal(fs.readlinkSync(path.join(root, 'hard')), 'nowhere');
});

test('path_readlink into a short buffer returns the first bytes of the target', () => {
  const root = sandbox();
  fs.symlinkSync('a-rather-long-target', path.join(root, 'ln'));
  const { f, dv, u8, str } = direct({ preopens: { '/': root } });
  assert.equal(f.path_readlink(3, ...str('ln'), 500, 6, 100), 0);
  assert.equal(dv().getUint32(100, true), 6);
  assert.equal(Buffer.from(u8().subarray(500, 506)).toString(), 'a-rath');
  assert.equal(f.path_readlink(3, ...str('ln'), 500, 64, 100), 0);
  assert.equal(dv().getUint32(100, true), 20);
  assert.equal(f.path_readlink(3, ...str('file'), 500, 64, 100), errno.EINVAL); // not a symlink
});

test('times: nanoseconds set come back exactly; a time and NOW for one stamp is EINVAL; NOW is the present', () => {
  const root = sandbox();
  const { f, dv, str, open } = direct({ preopens: { '/': root } });
  const [r, fd] = open(3, 0, 'file', 0, R.FD_READ | R.FD_FILESTAT_GET | R.FD_FILESTAT_SET_TIMES);
  assert.equal(r, 0);
  const atim = 1_600_000_000_123_456_789n;
  const mtim = 1_700_000_000_987_654_321n;
  assert.equal(f.fd_filestat_set_times(fd, atim, mtim, FST.ATIM | FST.MTIM), 0);
  assert.equal(f.fd_filestat_get(fd, 600), 0);
  assert.equal(dv().getBigUint64(640, true), atim);
  assert.equal(dv().getBigUint64(648, true), mtim);
  assert.equal(f.path_filestat_get(3, 0, ...str('file'), 600), 0);
  assert.equal(dv().getBigUint64(648, true), mtim);
  // Only mtim - 100: atim stays.
  assert.equal(f.fd_filestat_set_times(fd, 0n, mtim - 100n, FST.MTIM), 0);
  assert.equal(f.fd_filestat_get(fd, 600), 0);
  assert.equal(dv().getBigUint64(640, true), atim);
  assert.equal(dv().getBigUint64(648, true), mtim - 100n);
  // The host's own view is the rounded time.
  const host = fs.statSync(path.join(root, 'file'), { bigint: true }).mtimeNs;
  assert.ok(host - (mtim - 100n) < 1000n && (mtim - 100n) - host < 1000n, `host mtime ${host}`);
  assert.equal(f.fd_filestat_set_times(fd, atim, 0n, FST.ATIM | FST.ATIM_NOW), errno.EINVAL);
  assert.equal(f.path_filestat_set_times(3, 0, ...str('file'), 0n, mtim, FST.MTIM | FST.MTIM_NOW), errno.EINVAL);
  assert.equal(f.fd_filestat_set_times(fd, 0n, 0n, FST.MTIM_NOW), 0);
  assert.equal(f.fd_filestat_get(fd, 600), 0);
  const now = BigInt(Date.now()) * 1_000_000n;
  const got = dv().getBigUint64(648, true);
  assert.ok(got <= now + 1_000_000_000n && now - got < 5_000_000_000n, `MTIM_NOW gave ${got}, now ${now}`);
  // A change made on the host afterwards wins over the remembered value.
  fs.utimesSync(path.join(root, 'file'), 1_000_000, 1_000_000);
  assert.equal(f.fd_filestat_get(fd, 600), 0);
  assert.equal(dv().getBigUint64(648, true), 1_000_000n * 1_000_000_000n);
});

test('fd_readdir: "." and ".." come first, cookies resume after the entry they belong to', () => {
  const root = sandbox();
  fs.writeFileSync(path.join(root, 'd', 'x'), '');
  const { f, dv, u8, open } = direct({ preopens: { '/': root } });
  const [r, dfd] = open(3, 0, 'd', OFLAGS.DIRECTORY, R.FD_READDIR);
  assert.equal(r, 0);
  const list = (cookie: bigint): [string, bigint][] => {
    assert.equal(f.fd_readdir(dfd, 1000, 1024, cookie, 100), 0);
    const used = dv().getUint32(100, true);
    const out: [string, bigint][] = [];
    for (let at = 0; at < used;) {
      const namlen = dv().getUint32(1000 + at + 16, true);
      out.push([Buffer.from(u8().subarray(1000 + at + 24, 1000 + at + 24 + namlen)).toString(), dv().getBigUint64(1000 + at, true)]);
      at += 24 + namlen;
    }
    return out;
  };
  assert.deepEqual(list(0n), [['.', 1n], ['..', 2n], ['x', 3n]]);
  assert.deepEqual(list(1n), [['..', 2n], ['x', 3n]]);
  assert.deepEqual(list(3n), []);
  // Without FD_READDIR: ENOTCAPABLE.
  const [, other] = open(3, 0, 'd', OFLAGS.DIRECTORY, 0n);
  assert.equal(f.fd_readdir(other, 1000, 1024, 0n, 100), errno.ENOTCAPABLE);
});

test('a FileSystemBackend passed as options.fs serves the filesystem calls', () => {
  const root = sandbox();
  const calls: string[] = [];
  class Recording extends NodeFileSystem {
    override readdir(p: string): HostDirent[] {
      calls.push(`readdir ${path.relative(root, p)}`);
      return [...super.readdir(p), { name: 'virtual', filetype: 4 }];
    }
    override open(p: string, request: Parameters<NodeFileSystem['open']>[1]): number {
      calls.push(`open ${path.relative(root, p)}`);
      return super.open(p, request);
    }
  }
  const { f, dv, u8, open } = direct({ preopens: { '/': root }, fs: new Recording() });
  const [r, dfd] = open(3, 0, 'd', OFLAGS.DIRECTORY, R.FD_READDIR);
  assert.equal(r, 0);
  assert.equal(f.fd_readdir(dfd, 1000, 1024, 0n, 100), 0);
  const used = dv().getUint32(100, true);
  assert.ok(Buffer.from(u8().subarray(1000, 1000 + used)).includes('virtual'));
  assert.equal(open(3, 0, 'file', 0, R.FD_READ)[0], 0);
  assert.deepEqual(calls, ['readdir d', 'open file']);
});
