// FileSystemBackend over Node's synchronous `fs` API (host calls are synchronous, so is this).
// Handles are host file descriptors. Non-blocking host descriptors (Node makes piped stdio
// non-blocking once process.stdin/stdout is touched) are waited on, so the guest always sees
// blocking reads and writes.
import * as fs from 'node:fs';
import {
  FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE,
  FILETYPE_SOCKET_STREAM, FILETYPE_SYMBOLIC_LINK, FILETYPE_UNKNOWN,
} from './constants.js';
import type { FileSystemBackend, HostDirent, HostStat, OpenRequest, TimeNs } from './backend.js';

type Typed = { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean };

export function filetypeOf(st: Typed): number {
  if (st.isFile()) return FILETYPE_REGULAR_FILE;
  if (st.isDirectory()) return FILETYPE_DIRECTORY;
  if (st.isSymbolicLink()) return FILETYPE_SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FILETYPE_CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FILETYPE_BLOCK_DEVICE;
  if (st.isSocket()) return FILETYPE_SOCKET_STREAM;
  return FILETYPE_UNKNOWN; // FIFOs have no preview1 file type
}

/** A time the guest set, and the stamp the host stored for it (Node rounds to about 0.25 µs). */
interface SetTime { wanted: bigint; stored: bigint }

/** Node takes times as seconds in a double; whole seconds and nanoseconds kept apart lose least. */
function seconds(ns: TimeNs): number {
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds. */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

function isAgain(e: unknown): boolean {
  const code = (e as { code?: string } | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

export class NodeFileSystem implements FileSystemBackend {
  /**
   * Node passes times to utimes as seconds in a double, so nanoseconds the guest sets come back
   * rounded. The exact values are remembered per file (dev:ino) and reported for as long as the
   * host still holds the stamp that was stored for them; any later change on the host wins.
   * (The testsuite's fd_filestat_set, path_filestat and symlink_filestat set mtim - 100 ns and
   * compare exactly; node:wasi, which drops the fraction of a second, fails them.)
   */
  private readonly setTimesByFile = new Map<string, { atime: SetTime; mtime: SetTime }>();

  private hostStat(st: fs.BigIntStats): HostStat {
    const set = this.setTimesByFile.get(`${st.dev}:${st.ino}`);
    const exact = (t: SetTime | undefined, stored: bigint): bigint => (t && t.stored === stored ? t.wanted : stored);
    return {
      dev: st.dev, ino: st.ino, filetype: filetypeOf(st), nlink: st.nlink, size: st.size,
      atimeNs: exact(set?.atime, st.atimeNs), mtimeNs: exact(set?.mtime, st.mtimeNs), ctimeNs: st.ctimeNs,
    };
  }

  private remember(st: fs.BigIntStats, atime: TimeNs, mtime: TimeNs): void {
    this.setTimesByFile.set(`${st.dev}:${st.ino}`, {
      atime: { wanted: atime, stored: st.atimeNs },
      mtime: { wanted: mtime, stored: st.mtimeNs },
    });
  }

  realpath(path: string): string {
    const real = fs.realpathSync(path);
    if (!fs.statSync(real).isDirectory()) throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR' });
    return real;
  }

  lstat(path: string): HostStat {
    return this.hostStat(fs.lstatSync(path, { bigint: true }));
  }

  fstat(handle: number): HostStat {
    return this.hostStat(fs.fstatSync(handle, { bigint: true }));
  }

  readlink(path: string): Uint8Array {
    return fs.readlinkSync(path, { encoding: 'buffer' });
  }

  readdir(path: string): HostDirent[] {
    return fs.readdirSync(path, { withFileTypes: true }).map((d) => ({ name: d.name, filetype: filetypeOf(d) }));
  }

  open(path: string, request: OpenRequest): number {
    const C = fs.constants;
    let flags = request.write ? (request.read ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
    if (request.create) flags |= C.O_CREAT;
    if (request.exclusive) flags |= C.O_EXCL;
    if (request.truncate) flags |= C.O_TRUNC;
    if (request.sync) flags |= C.O_SYNC;
    else if (request.dsync) flags |= C.O_DSYNC;
    return fs.openSync(path, flags | C.O_NOFOLLOW, 0o666);
  }

  close(handle: number): void {
    fs.closeSync(handle);
  }

  read(handle: number, buffers: Uint8Array[], position: number | null): number {
    let total = 0;
    for (const buf of buffers) {
      if (buf.length === 0) continue;
      let n: number;
      let wait = 1;
      for (;;) {
        try {
          n = fs.readSync(handle, buf, 0, buf.length, position === null ? null : position + total);
          break;
        } catch (e) {
          if (isAgain(e) && total === 0) {
            sleepMs(wait);
            wait = Math.min(wait * 2, 20);
            continue;
          }
          if (isAgain(e) || (e as { code?: string }).code === 'EOF') return total;
          if (total > 0) return total;
          throw e;
        }
      }
      total += n;
      if (n < buf.length) break;
    }
    return total;
  }

  write(handle: number, data: Uint8Array, position: number | null): number {
    let done = 0;
    let wait = 1;
    while (done < data.length) {
      let n: number;
      try {
        n = fs.writeSync(handle, data, done, data.length - done, position === null ? null : position + done);
      } catch (e) {
        if (!isAgain(e)) {
          if (done > 0) return done;
          throw e;
        }
        sleepMs(wait);
        wait = Math.min(wait * 2, 20);
        continue;
      }
      if (n <= 0) break;
      done += n;
      wait = 1;
    }
    return done;
  }

  truncate(handle: number, size: number): void {
    fs.ftruncateSync(handle, size);
  }

  sync(handle: number, dataOnly: boolean): void {
    if (dataOnly) fs.fdatasyncSync(handle);
    else fs.fsyncSync(handle);
  }

  setTimes(handle: number, atime: TimeNs, mtime: TimeNs): void {
    fs.futimesSync(handle, seconds(atime), seconds(mtime));
    this.remember(fs.fstatSync(handle, { bigint: true }), atime, mtime);
  }

  setPathTimes(path: string, atime: TimeNs, mtime: TimeNs): void {
    fs.lutimesSync(path, seconds(atime), seconds(mtime));
    this.remember(fs.lstatSync(path, { bigint: true }), atime, mtime);
  }

  mkdir(path: string): void {
    fs.mkdirSync(path, 0o777);
  }

  rmdir(path: string): void {
    fs.rmdirSync(path);
  }

  unlink(path: string): void {
    fs.unlinkSync(path);
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to);
  }

  link(from: string, to: string): void {
    fs.linkSync(from, to);
  }

  symlink(target: string, path: string): void {
    fs.symlinkSync(target, path);
  }
}
