// The wasi_snapshot_preview1 function table: argument decoding (guest pointers through
// GuestMemory, u64s as bigints), the checks each function makes on its descriptors (fd.ts:
// kind, then rights), and the call into the filesystem backend (backend.ts) through the sandbox
// (sandbox.ts). Every function returns an errno; only proc_exit throws (WasiExit).
import * as crypto from 'node:crypto';
import type { FileSystemBackend, HostStat } from './backend.js';
import { clockNow, clockResolution, realtimeNs } from './clock.js';
import {
  ADVICE_MAX, EVENTTYPE_CLOCK, EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE, FDFLAGS_ALL, FDFLAGS_APPEND,
  FDFLAGS_DSYNC, FDFLAGS_RSYNC, FDFLAGS_SYNC, FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE,
  FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE, FILETYPE_SYMBOLIC_LINK, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW,
  FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW, LOOKUPFLAGS_SYMLINK_FOLLOW, OFLAGS_CREAT, OFLAGS_DIRECTORY,
  OFLAGS_EXCL, OFLAGS_TRUNC, PREOPENTYPE_DIR, RIGHTS_FD_ADVISE, RIGHTS_FD_ALLOCATE,
  RIGHTS_FD_DATASYNC, RIGHTS_FD_FDSTAT_SET_FLAGS, RIGHTS_FD_FILESTAT_GET, RIGHTS_FD_FILESTAT_SET_SIZE,
  RIGHTS_FD_FILESTAT_SET_TIMES, RIGHTS_FD_READ, RIGHTS_FD_READDIR, RIGHTS_FD_SEEK, RIGHTS_FD_SYNC,
  RIGHTS_FD_TELL, RIGHTS_FD_WRITE, RIGHTS_PATH_CREATE_DIRECTORY, RIGHTS_PATH_CREATE_FILE,
  RIGHTS_PATH_FILESTAT_GET, RIGHTS_PATH_FILESTAT_SET_SIZE, RIGHTS_PATH_FILESTAT_SET_TIMES,
  RIGHTS_PATH_LINK_SOURCE, RIGHTS_PATH_LINK_TARGET, RIGHTS_PATH_OPEN, RIGHTS_PATH_READLINK,
  RIGHTS_PATH_REMOVE_DIRECTORY, RIGHTS_PATH_RENAME_SOURCE, RIGHTS_PATH_RENAME_TARGET,
  RIGHTS_DIRECTORY_BASE, RIGHTS_PATH_SYMLINK, RIGHTS_PATH_UNLINK_FILE, RIGHTS_READING, RIGHTS_WRITING, SIZEOF_DIRENT,
  SIZEOF_EVENT, SIZEOF_FDSTAT, SIZEOF_FILESTAT, SIZEOF_PRESTAT, SIZEOF_SUBSCRIPTION,
  SUBCLOCKFLAGS_ABSTIME, WHENCE_CUR, WHENCE_END, WHENCE_SET,
} from './constants.js';
import {
  EBADF, EEXIST, EFAULT, EINVAL, EIO, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOSYS, ENOTCAPABLE,
  ENOTDIR, ENOTSOCK, EOVERFLOW, ESPIPE, ESUCCESS, WasiErrno, errnoFromNode,
} from './errno.js';
import { type DirEntry, type DirListingEntry, type Entry, type FdTable, dirHostPath, requireRights } from './fd.js';
import { GuestMemory, utf8 } from './memory.js';
import { sleepMs } from './node-backend.js';
import { checkSymlinkTarget, resolveEntry, resolvePath } from './sandbox.js';

/** Every function of wasi_snapshot_preview1, in the witx order. */
export const WASI_PREVIEW1_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

export type Preview1Name = (typeof WASI_PREVIEW1_FUNCTIONS)[number];
export type HostFn = (...args: any[]) => number | void;

/** Thrown by proc_exit through the guest's frames; start() catches it and returns `code`. */
export class WasiExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`WASI program exited with code ${code}`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

/** What the function table works on: the WASI object's state. */
export interface Preview1Context {
  fs: FileSystemBackend;
  fds: FdTable;
  args: Uint8Array[];
  env: Uint8Array[];
  /** The guest memory as of now (EFAULT before start()). */
  mem(): GuestMemory;
}

const MAX_POSITION = BigInt(Number.MAX_SAFE_INTEGER);

function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(Number(v) || 0);
}

/** A u64 offset or size from the guest as a safe JS number, or EOVERFLOW/EINVAL. */
function position(v: unknown): number {
  const b = BigInt.asIntN(64, big(v));
  if (b < 0n) throw new WasiErrno(EINVAL, 'negative offset');
  if (b > MAX_POSITION) throw new WasiErrno(EOVERFLOW, 'offset too large');
  return Number(b);
}

function writeFilestat(mem: GuestMemory, ptr: number, st: HostStat): void {
  mem.fill(ptr, SIZEOF_FILESTAT);
  mem.setU64(ptr, st.dev);
  mem.setU64(ptr + 8, st.ino);
  mem.setU8(ptr + 16, st.filetype);
  mem.setU64(ptr + 24, st.nlink);
  mem.setU64(ptr + 32, st.size);
  mem.setU64(ptr + 40, st.atimeNs);
  mem.setU64(ptr + 48, st.mtimeNs);
  mem.setU64(ptr + 56, st.ctimeNs);
}

/**
 * The (atime, mtime) pair in nanoseconds that fstflags ask for; `current` supplies the kept ones.
 * Null when nothing is to change. A time and "now" for the same stamp is EINVAL (witx, wasmtime).
 */
function chosenTimes(atim: unknown, mtim: unknown, fstflags: number, current: () => HostStat): [bigint, bigint] | null {
  if ((fstflags & FSTFLAGS_ATIM && fstflags & FSTFLAGS_ATIM_NOW) || (fstflags & FSTFLAGS_MTIM && fstflags & FSTFLAGS_MTIM_NOW)) {
    throw new WasiErrno(EINVAL, 'both a time and "now" given');
  }
  if (fstflags & ~0xf) throw new WasiErrno(EINVAL, 'unknown fstflags');
  if ((fstflags & 0xf) === 0) return null;
  const now = realtimeNs();
  let st: HostStat | undefined;
  const pick = (set: number, setNow: number, value: unknown, keep: (s: HostStat) => bigint): bigint => {
    if (fstflags & set) return BigInt.asUintN(64, big(value));
    if (fstflags & setNow) return now;
    st ??= current();
    return keep(st);
  };
  return [
    pick(FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW, atim, (s) => s.atimeNs),
    pick(FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW, mtim, (s) => s.mtimeNs),
  ];
}

function concat(buffers: Uint8Array[]): Uint8Array {
  const nonEmpty = buffers.filter((b) => b.length > 0);
  if (nonEmpty.length === 1) return nonEmpty[0];
  return Buffer.concat(nonEmpty);
}

function errnoOf(e: unknown): number {
  if (e instanceof WasiExit) throw e;
  if (e instanceof WasiErrno) return e.errno;
  if (e instanceof RangeError && (e as { code?: unknown }).code === undefined) return EFAULT; // DataView out of range
  if (typeof (e as { code?: unknown } | null)?.code === 'string') return errnoFromNode(e);
  return EIO;
}

function isNoEntry(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ENOENT';
}

/** The import functions, each wrapped so that errors become errnos and the name is the import's. */
export function preview1Functions(ctx: Preview1Context): Record<Preview1Name, HostFn> {
  const impl = implementations(ctx);
  const out = {} as Record<Preview1Name, HostFn>;
  for (const name of WASI_PREVIEW1_FUNCTIONS) {
    const fn = impl[name];
    const wrapped = (...args: unknown[]): number => {
      try {
        const r = fn(...args);
        return typeof r === 'number' ? r : ESUCCESS;
      } catch (e) {
        return errnoOf(e);
      }
    };
    Object.defineProperty(wrapped, 'name', { value: name });
    out[name] = wrapped;
  }
  return out;
}

function implementations(ctx: Preview1Context): Record<Preview1Name, HostFn> {
  const { fs, fds } = ctx;
  const mem = () => ctx.mem();

  const strings = (list: Uint8Array[]) => ({
    sizes: (countPtr: number, sizePtr: number): void => {
      const m = mem();
      m.setU32(countPtr, list.length);
      m.setU32(sizePtr, list.reduce((n, s) => n + s.length, 0));
    },
    get: (ptrs: number, buf: number): void => {
      const m = mem();
      let at = buf >>> 0;
      list.forEach((s, i) => {
        m.write(at, s);
        m.setU32((ptrs >>> 0) + i * 4, at);
        at += s.length;
      });
    },
  });
  const args = strings(ctx.args);
  const env = strings(ctx.env);

  /**
   * Sockets: none can be opened in preview1, so an open fd is never one: ENOTSOCK, and EBADF for
   * a closed fd, as wasmtime and the testsuite's sock_shutdown tests want (node:wasi answers
   * ENOTSUP for both).
   */
  const notSocket = (fd: number): number => {
    fds.get(fd);
    return ENOTSOCK;
  };

  /** The host stat of whatever an fd stands for. */
  const statOf = (e: Entry): HostStat => (e.kind === 'dir' ? fs.lstat(dirHostPath(e)) : fs.fstat(e.handle));

  const listDirectory = (d: DirEntry): DirListingEntry[] => {
    const entries: DirListingEntry[] = [
      { name: utf8('.'), type: FILETYPE_DIRECTORY, hostName: '.' },
      { name: utf8('..'), type: FILETYPE_DIRECTORY, hostName: '..' },
    ];
    for (const dirent of fs.readdir(dirHostPath(d))) entries.push({ name: utf8(dirent.name), type: dirent.filetype, hostName: dirent.name });
    return entries;
  };

  const inodeOf = (d: DirEntry, item: DirListingEntry): bigint => {
    // `..` of a preopen root is outside the sandbox: answer with the root's own inode.
    const parts = item.hostName === '.' ? d.parts
      : item.hostName === '..' ? d.parts.slice(0, -1)
      : [...d.parts, item.hostName];
    try {
      return fs.lstat(dirHostPath({ ...d, parts })).ino;
    } catch {
      return 0n;
    }
  };

  return {
    args_get: args.get,
    args_sizes_get: args.sizes,
    environ_get: env.get,
    environ_sizes_get: env.sizes,

    clock_res_get: (id: number, resPtr: number) => {
      mem().setU64(resPtr, clockResolution(id));
    },
    clock_time_get: (id: number, _precision: bigint, timePtr: number) => {
      mem().setU64(timePtr, clockNow(id));
    },

    fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) => {
      const e = fds.get(fd);
      if (advice >>> 0 > ADVICE_MAX) return EINVAL;
      position(offset);
      position(len);
      if (e.kind === 'dir') return EBADF;
      if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
      requireRights(e, RIGHTS_FD_ADVISE);
      return ESUCCESS; // advice only
    },
    fd_allocate: (fd: number, offset: bigint, len: bigint) => {
      const e = fds.get(fd);
      if (e.kind === 'dir') return EBADF;
      if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
      requireRights(e, RIGHTS_FD_ALLOCATE);
      const end = position(offset) + position(len);
      if (end > Number.MAX_SAFE_INTEGER) return EOVERFLOW;
      // posix_fallocate semantics without the reservation: the size grows to offset + len.
      if (fs.fstat(e.handle).size < BigInt(end)) fs.truncate(e.handle, end);
      return ESUCCESS;
    },
    fd_close: (fd: number) => {
      const e = fds.get(fd);
      fds.delete(fd);
      if (e.kind === 'file') fs.close(e.handle);
    },
    fd_datasync: (fd: number) => {
      const e = fds.get(fd);
      requireRights(e, RIGHTS_FD_DATASYNC);
      if (e.kind === 'file') fs.sync(e.handle, true);
    },
    fd_sync: (fd: number) => {
      const e = fds.get(fd);
      requireRights(e, RIGHTS_FD_SYNC);
      if (e.kind === 'file') fs.sync(e.handle, false);
    },
    fd_fdstat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(ptr, SIZEOF_FDSTAT);
      const filetype = e.kind === 'dir' ? FILETYPE_DIRECTORY
        : e.kind === 'file' ? e.filetype
        : fs.fstat(e.handle).filetype;
      m.fill(ptr, SIZEOF_FDSTAT);
      m.setU8(ptr, filetype);
      m.setU16(ptr + 2, e.fdflags);
      m.setU64(ptr + 8, e.rightsBase);
      m.setU64(ptr + 16, e.rightsInheriting);
    },
    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const e = fds.get(fd);
      if (flags & ~FDFLAGS_ALL) return EINVAL;
      requireRights(e, RIGHTS_FD_FDSTAT_SET_FLAGS);
      e.fdflags = flags & 0xffff; // APPEND is emulated on writes; the others are recorded only
    },
    fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => {
      const e = fds.get(fd);
      const b = BigInt.asUintN(64, big(base));
      const i = BigInt.asUintN(64, big(inheriting));
      if ((b & ~e.rightsBase) !== 0n || (i & ~e.rightsInheriting) !== 0n) return ENOTCAPABLE;
      e.rightsBase = b;
      e.rightsInheriting = i;
    },
    fd_filestat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(ptr, SIZEOF_FILESTAT);
      requireRights(e, RIGHTS_FD_FILESTAT_GET);
      writeFilestat(m, ptr, statOf(e));
    },
    fd_filestat_set_size: (fd: number, size: bigint) => {
      const e = fds.get(fd);
      if (e.kind === 'dir') return EISDIR;
      requireRights(e, RIGHTS_FD_FILESTAT_SET_SIZE);
      fs.truncate(e.handle, position(size));
    },
    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, fstflags: number) => {
      const e = fds.get(fd);
      requireRights(e, RIGHTS_FD_FILESTAT_SET_TIMES);
      const t = chosenTimes(atim, mtim, fstflags, () => statOf(e));
      if (!t) return;
      if (e.kind === 'dir') fs.setPathTimes(dirHostPath(e), t[0], t[1]);
      else fs.setTimes(e.handle, t[0], t[1]);
    },

    fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(nreadPtr, 4);
      const buffers = m.iovecs(iovs, iovsLen);
      if (e.kind === 'dir') return EISDIR;
      requireRights(e, RIGHTS_FD_READ);
      let n: number;
      if (e.kind === 'file' && e.seekable) {
        n = fs.read(e.handle, buffers, e.position);
        e.position += n;
      } else n = fs.read(e.handle, buffers, null);
      m.setU32(nreadPtr, n);
    },
    fd_pread: (fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(nreadPtr, 4);
      const buffers = m.iovecs(iovs, iovsLen);
      if (e.kind === 'dir') return EISDIR;
      if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
      requireRights(e, RIGHTS_FD_READ | RIGHTS_FD_SEEK); // witx: fd_read with fd_seek includes fd_pread
      m.setU32(nreadPtr, fs.read(e.handle, buffers, position(offset)));
    },
    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(nwrittenPtr, 4);
      const data = concat(m.iovecs(iovs, iovsLen));
      if (e.kind === 'dir') return EBADF;
      requireRights(e, RIGHTS_FD_WRITE);
      let n: number;
      if (e.kind === 'file' && e.seekable) {
        const at = e.fdflags & FDFLAGS_APPEND ? Number(fs.fstat(e.handle).size) : e.position;
        n = fs.write(e.handle, data, at);
        e.position = at + n;
      } else n = fs.write(e.handle, data, null);
      m.setU32(nwrittenPtr, n);
    },
    fd_pwrite: (fd: number, iovs: number, iovsLen: number, offset: bigint, nwrittenPtr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(nwrittenPtr, 4);
      const data = concat(m.iovecs(iovs, iovsLen));
      if (e.kind === 'dir') return EBADF;
      if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
      requireRights(e, RIGHTS_FD_WRITE | RIGHTS_FD_SEEK);
      m.setU32(nwrittenPtr, fs.write(e.handle, data, position(offset)));
    },
    fd_seek: (fd: number, offset: bigint, whence: number, newOffsetPtr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(newOffsetPtr, 8);
      if (e.kind === 'dir') return EBADF;
      if (e.kind !== 'file' || !e.seekable) return ESPIPE;
      const delta = BigInt.asIntN(64, big(offset));
      // witx: fd_tell is lseek(fd, 0, SEEK_CUR), so FD_TELL alone allows that one.
      requireRights(e, delta === 0n && whence === WHENCE_CUR && (e.rightsBase & RIGHTS_FD_TELL) !== 0n ? RIGHTS_FD_TELL : RIGHTS_FD_SEEK);
      let base: bigint;
      switch (whence) {
        case WHENCE_SET: base = 0n; break;
        case WHENCE_CUR: base = BigInt(e.position); break;
        case WHENCE_END: base = fs.fstat(e.handle).size; break;
        default: return EINVAL;
      }
      const next = base + delta;
      if (next < 0n) return EINVAL;
      if (next > MAX_POSITION) return EOVERFLOW;
      e.position = Number(next);
      m.setU64(newOffsetPtr, next);
    },
    fd_tell: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      const m = mem();
      m.check(ptr, 8);
      if (e.kind === 'dir') return EBADF;
      if (e.kind !== 'file' || !e.seekable) return ESPIPE;
      if ((e.rightsBase & (RIGHTS_FD_TELL | RIGHTS_FD_SEEK)) === 0n) return ENOTCAPABLE; // fd_seek implies fd_tell
      m.setU64(ptr, BigInt(e.position));
    },

    fd_prestat_get: (fd: number, ptr: number) => {
      const e = fds.peek(fd);
      if (!e || e.kind !== 'dir' || e.preopenName === undefined) return EBADF;
      const m = mem();
      m.check(ptr, SIZEOF_PRESTAT);
      m.fill(ptr, SIZEOF_PRESTAT);
      m.setU8(ptr, PREOPENTYPE_DIR);
      m.setU32(ptr + 4, utf8(e.preopenName).length);
    },
    fd_prestat_dir_name: (fd: number, pathPtr: number, pathLen: number) => {
      const e = fds.peek(fd);
      if (!e || e.kind !== 'dir' || e.preopenName === undefined) return EBADF;
      const name = utf8(e.preopenName);
      if (pathLen >>> 0 < name.length) return ENAMETOOLONG;
      mem().write(pathPtr, name);
    },

    fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, bufusedPtr: number) => {
      const e = fds.get(fd);
      if (e.kind !== 'dir') return ENOTDIR;
      requireRights(e, RIGHTS_FD_READDIR);
      const m = mem();
      m.check(bufusedPtr, 4);
      const len = bufLen >>> 0;
      const start = m.check(buf, len);
      const c = BigInt.asUintN(64, big(cookie));
      if (c === 0n || !e.listing) e.listing = listDirectory(e);
      const listing = e.listing;
      // Cookie n resumes at entry n ("." is 0, ".." 1); the last entry may be cut off at the
      // buffer's end, and a full buffer tells the guest to read again from that entry's cookie.
      let used = 0;
      for (let i = c > BigInt(listing.length) ? listing.length : Number(c); i < listing.length && used < len; i++) {
        const item = listing[i];
        item.ino ??= inodeOf(e, item);
        const record = new Uint8Array(SIZEOF_DIRENT + item.name.length);
        const dv = new DataView(record.buffer);
        dv.setBigUint64(0, BigInt(i + 1), true); // d_next: the cookie of the next entry
        dv.setBigUint64(8, item.ino, true);
        dv.setUint32(16, item.name.length, true);
        dv.setUint8(20, item.type);
        record.set(item.name, SIZEOF_DIRENT);
        const n = Math.min(record.length, len - used);
        m.write(start + used, record.subarray(0, n));
        used += n;
      }
      m.setU32(bufusedPtr, used);
    },

    fd_renumber: (from: number, to: number) => {
      const e = fds.get(from);
      const target = fds.get(to); // the target must be open (wasmtime, uvwasi)
      if (from >>> 0 === to >>> 0) return ESUCCESS;
      if (target.kind === 'file') fs.close(target.handle);
      fds.set(to, e);
      fds.delete(from);
    },

    path_create_directory: (fd: number, pathPtr: number, pathLen: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_CREATE_DIRECTORY);
      const r = resolveEntry(fs, d.root, d.parts, mem().string(pathPtr, pathLen));
      fs.mkdir(r.host);
    },
    path_filestat_get: (fd: number, flags: number, pathPtr: number, pathLen: number, ptr: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_FILESTAT_GET);
      const m = mem();
      m.check(ptr, SIZEOF_FILESTAT);
      const r = resolvePath(fs, d.root, d.parts, m.string(pathPtr, pathLen), (flags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0);
      writeFilestat(m, ptr, fs.lstat(r.host));
    },
    path_filestat_set_times: (fd: number, flags: number, pathPtr: number, pathLen: number, atim: bigint, mtim: bigint, fstflags: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_FILESTAT_SET_TIMES);
      const follow = (flags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
      const r = resolvePath(fs, d.root, d.parts, mem().string(pathPtr, pathLen), follow);
      const t = chosenTimes(atim, mtim, fstflags, () => fs.lstat(r.host));
      if (!t) {
        fs.lstat(r.host); // nothing to change, but a missing path is still ENOENT
        return;
      }
      // Resolution followed any symlinks already; the backend never follows the last component.
      fs.setPathTimes(r.host, t[0], t[1]);
    },
    path_link: (oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
      const od = fds.dir(oldFd, RIGHTS_PATH_LINK_SOURCE);
      const nd = fds.dir(newFd, RIGHTS_PATH_LINK_TARGET);
      const m = mem();
      const oldPath = m.string(oldPtr, oldLen);
      const from = oldFlags & LOOKUPFLAGS_SYMLINK_FOLLOW
        ? resolvePath(fs, od.root, od.parts, oldPath, true)
        : resolveEntry(fs, od.root, od.parts, oldPath);
      const to = resolveEntry(fs, nd.root, nd.parts, m.string(newPtr, newLen));
      const source = from.host.replace(/\/$/, '');
      // A trailing slash names a directory. On the source: a file is ENOTDIR. On the new name
      // (which a link can never be a directory for): EEXIST if taken, else ENOENT, as linkat(2).
      if (from.mustBeDir && fs.lstat(source).filetype !== FILETYPE_DIRECTORY) return ENOTDIR;
      if (to.mustBeDir) {
        try {
          fs.lstat(to.host);
        } catch (e) {
          if (isNoEntry(e)) return ENOENT;
          throw e;
        }
        return EEXIST;
      }
      fs.link(source, to.host);
    },
    path_open: (fd: number, dirflags: number, pathPtr: number, pathLen: number, oflags: number,
      rightsBase: bigint, rightsInheriting: bigint, fdflags: number, fdPtr: number) => {
      const creat = (oflags & OFLAGS_CREAT) !== 0;
      const excl = (oflags & OFLAGS_EXCL) !== 0;
      const trunc = (oflags & OFLAGS_TRUNC) !== 0;
      const directory = (oflags & OFLAGS_DIRECTORY) !== 0;
      const d = fds.dir(fd, RIGHTS_PATH_OPEN | (creat ? RIGHTS_PATH_CREATE_FILE : 0n) | (trunc ? RIGHTS_PATH_FILESTAT_SET_SIZE : 0n));
      const m = mem();
      m.check(fdPtr, 4);
      const guestPath = m.string(pathPtr, pathLen);
      // O_CREAT|O_EXCL never follows a final symlink (POSIX: it fails with EEXIST instead).
      const follow = (dirflags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0 && !(creat && excl);
      const r = resolvePath(fs, d.root, d.parts, guestPath, follow);
      const base = BigInt.asUintN(64, big(rightsBase));
      const rights = {
        fdflags: fdflags & FDFLAGS_ALL,
        rightsBase: base & d.rightsInheriting,
        rightsInheriting: BigInt.asUintN(64, big(rightsInheriting)) & d.rightsInheriting,
      };
      const bare = r.host.replace(/\/$/, '');
      let st: HostStat | undefined;
      try {
        st = fs.lstat(bare);
      } catch (e) {
        if (!isNoEntry(e)) throw e;
      }
      if (st && creat && excl) return EEXIST;
      if (st?.filetype === FILETYPE_SYMBOLIC_LINK) return ELOOP; // a final symlink the guest did not ask to follow
      if (st?.filetype === FILETYPE_DIRECTORY) {
        // A directory fd has no host handle: the preview1 functions that take one address it
        // by path. Writing to it is EISDIR, as open(2) says (wasmtime agrees).
        if (trunc || (base & RIGHTS_FD_WRITE) !== 0n) return EISDIR;
        // Only the rights that apply to a directory are kept (no FD_SEEK, FD_READ, ...).
        rights.rightsBase &= RIGHTS_DIRECTORY_BASE;
        m.setU32(fdPtr, fds.allocate({ kind: 'dir', root: d.root, parts: r.parts, ...rights }));
        return ESUCCESS;
      }
      if (directory || r.mustBeDir) return st ? ENOTDIR : (creat ? EISDIR : ENOENT);
      const handle = fs.open(bare, {
        read: (base & RIGHTS_READING) !== 0n,
        write: (base & RIGHTS_WRITING) !== 0n,
        create: creat, exclusive: excl, truncate: trunc,
        sync: (fdflags & (FDFLAGS_SYNC | FDFLAGS_RSYNC)) !== 0,
        dsync: (fdflags & FDFLAGS_DSYNC) !== 0,
      });
      let entry: Entry;
      try {
        const filetype = fs.fstat(handle).filetype;
        entry = {
          kind: 'file', handle, filetype, position: 0, ...rights,
          seekable: filetype === FILETYPE_REGULAR_FILE || filetype === FILETYPE_BLOCK_DEVICE,
        };
        if (filetype === FILETYPE_CHARACTER_DEVICE) entry.rightsBase &= ~(RIGHTS_FD_SEEK | RIGHTS_FD_TELL);
      } catch (err) {
        try { fs.close(handle); } catch { /* ignore */ }
        throw err;
      }
      m.setU32(fdPtr, fds.allocate(entry));
    },
    path_readlink: (fd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, bufusedPtr: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_READLINK);
      const m = mem();
      m.check(bufusedPtr, 4);
      const start = m.check(buf, bufLen >>> 0);
      const r = resolveEntry(fs, d.root, d.parts, m.string(pathPtr, pathLen));
      const target = fs.readlink(r.host);
      // A short buffer gets the start of the target, as readlink(2) and wasmtime do and the
      // testsuite's readlink test expects (node:wasi fails with ENOBUFS instead).
      const n = Math.min(target.length, bufLen >>> 0);
      m.write(start, target.subarray(0, n));
      m.setU32(bufusedPtr, n);
    },
    path_remove_directory: (fd: number, pathPtr: number, pathLen: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_REMOVE_DIRECTORY);
      const r = resolveEntry(fs, d.root, d.parts, mem().string(pathPtr, pathLen));
      fs.rmdir(r.host);
    },
    path_rename: (fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
      const od = fds.dir(fd, RIGHTS_PATH_RENAME_SOURCE);
      const nd = fds.dir(newFd, RIGHTS_PATH_RENAME_TARGET);
      const m = mem();
      const from = resolveEntry(fs, od.root, od.parts, m.string(oldPtr, oldLen));
      const to = resolveEntry(fs, nd.root, nd.parts, m.string(newPtr, newLen));
      if ((from.mustBeDir || to.mustBeDir) && fs.lstat(from.host).filetype !== FILETYPE_DIRECTORY) return ENOTDIR;
      fs.rename(from.host, to.host);
    },
    path_symlink: (oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_SYMLINK);
      const m = mem();
      const target = m.string(oldPtr, oldLen);
      const r = resolveEntry(fs, d.root, d.parts, m.string(newPtr, newLen));
      checkSymlinkTarget(r.parts.slice(0, -1), target);
      if (r.mustBeDir) {
        // A symlink is never a directory: "link/" names something that must already be one.
        let st: HostStat;
        try {
          st = fs.lstat(r.host);
        } catch (e) {
          if (isNoEntry(e)) return ENOENT;
          throw e;
        }
        return st.filetype === FILETYPE_DIRECTORY ? EEXIST : ENOTDIR;
      }
      fs.symlink(target, r.host);
    },
    path_unlink_file: (fd: number, pathPtr: number, pathLen: number) => {
      const d = fds.dir(fd, RIGHTS_PATH_UNLINK_FILE);
      const r = resolveEntry(fs, d.root, d.parts, mem().string(pathPtr, pathLen));
      if (r.mustBeDir) return fs.lstat(r.host).filetype === FILETYPE_DIRECTORY ? EISDIR : ENOTDIR;
      fs.unlink(r.host);
    },

    poll_oneoff: (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number) => pollOneoff(ctx, inPtr, outPtr, nsubs, neventsPtr),

    proc_exit: (code: number) => {
      throw new WasiExit(code >>> 0);
    },
    proc_raise: () => ENOSYS,
    sched_yield: () => ESUCCESS,
    random_get: (buf: number, len: number) => {
      crypto.randomFillSync(mem().bytes(buf, len));
    },

    sock_accept: notSocket,
    sock_recv: notSocket,
    sock_send: notSocket,
    sock_shutdown: notSocket,
  };
}

/**
 * poll_oneoff: clock subscriptions wait (the shortest one, by sleeping the thread); fd
 * subscriptions are reported ready at once (a following read or write blocks if it must), with
 * the bytes left before the end for regular files.
 */
function pollOneoff(ctx: Preview1Context, inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
  const n = nsubs >>> 0;
  if (n === 0) return EINVAL;
  const mem = ctx.mem();
  mem.check(inPtr, n * SIZEOF_SUBSCRIPTION);
  mem.check(outPtr, n * SIZEOF_EVENT);
  mem.check(neventsPtr, 4);
  interface Ev { userdata: bigint; error: number; type: number; nbytes: bigint }
  const ready: Ev[] = [];
  const clocks: { userdata: bigint; remaining: bigint }[] = [];
  for (let i = 0; i < n; i++) {
    const s = (inPtr >>> 0) + i * SIZEOF_SUBSCRIPTION;
    const userdata = mem.u64(s);
    const tag = mem.u8At(s + 8);
    if (tag === EVENTTYPE_CLOCK) {
      const id = mem.u32(s + 16);
      const timeout = mem.u64(s + 24);
      const flags = mem.u16(s + 40);
      let now: bigint;
      try {
        now = flags & SUBCLOCKFLAGS_ABSTIME ? clockNow(id) : (clockResolution(id), 0n);
      } catch {
        ready.push({ userdata, error: EINVAL, type: EVENTTYPE_CLOCK, nbytes: 0n });
        continue;
      }
      clocks.push({ userdata, remaining: timeout - now });
    } else if (tag === EVENTTYPE_FD_READ || tag === EVENTTYPE_FD_WRITE) {
      const e = ctx.fds.peek(mem.u32(s + 16));
      let nbytes = 0n;
      if (e && tag === EVENTTYPE_FD_READ && e.kind === 'file' && e.seekable) {
        const size = ctx.fs.fstat(e.handle).size;
        nbytes = size > BigInt(e.position) ? size - BigInt(e.position) : 0n;
      }
      ready.push({ userdata, error: e ? (e.kind === 'dir' ? EBADF : ESUCCESS) : EBADF, type: tag, nbytes });
    } else return EINVAL;
  }
  if (ready.length === 0 && clocks.length > 0) {
    const wait = clocks.reduce((min, c) => (c.remaining < min ? c.remaining : min), clocks[0].remaining);
    if (wait > 0n) {
      const until = process.hrtime.bigint() + wait;
      for (let left = wait; left > 0n; left = until - process.hrtime.bigint()) sleepMs(Number(left) / 1e6);
    }
    for (const c of clocks) if (c.remaining <= wait) ready.push({ userdata: c.userdata, error: ESUCCESS, type: EVENTTYPE_CLOCK, nbytes: 0n });
  } else {
    for (const c of clocks) if (c.remaining <= 0n) ready.push({ userdata: c.userdata, error: ESUCCESS, type: EVENTTYPE_CLOCK, nbytes: 0n });
  }
  ready.forEach((ev, i) => {
    const o = (outPtr >>> 0) + i * SIZEOF_EVENT;
    mem.fill(o, SIZEOF_EVENT);
    mem.setU64(o, ev.userdata);
    mem.setU16(o + 8, ev.error);
    mem.setU8(o + 10, ev.type);
    mem.setU64(o + 16, ev.nbytes);
  });
  mem.setU32(neventsPtr, ready.length);
  return ESUCCESS;
}
