// WASI preview1 (`wasi_snapshot_preview1`) over Node's synchronous fs API: enough for programs
// built with wasi-libc. Works with heapbase instances and with the standard WebAssembly API alike
// (it only uses the exported `memory`'s `.buffer` and the exported functions).
//
// Conventions:
// - Every preview1 function is defined, so any module importing any of them links. The ones
//   with no host counterpart (proc_raise, sock_*) return ENOSYS.
// - A host function never throws into the guest except for proc_exit's WasiExit: a guest pointer
//   outside memory is EFAULT, a Node error maps through its `err.code` (errno.ts), anything else
//   is EIO.
// - Sandbox (sandbox.ts): every path operation stays inside the preopened directories. Absolute
//   paths, `..` above a preopen root, and symlinks that lead outside (absolute targets, or
//   relative ones that climb above the root) are refused with ENOTCAPABLE (76), including
//   stat with follow, open for reading, writing and creating, and creating a symlink whose
//   target would lead outside. ENOTCAPABLE is the only errno used for sandbox refusals.
// - Rights are reported (path_open stores the requested rights masked by the directory's
//   inheriting rights, so fcntl(F_GETFL) works) but not enforced beyond the host's own open mode.
// - Files opened by the guest track their own position (Node has no lseek): reads and writes are
//   positional, FDFLAGS_APPEND is emulated (write at the current size), so it can be toggled by
//   fd_fdstat_set_flags. Stdio descriptors are streams: fd_seek/fd_tell/fd_pread/fd_pwrite on
//   them are ESPIPE even when the host fd is a regular file. Non-blocking host pipes (Node makes
//   piped stdio non-blocking once process.stdin/stdout is touched) are waited on, so the guest
//   always sees blocking reads and writes.
// - start() closes the host files the guest left open when _start returns or exits.
// Not implemented / simplified: proc_raise and sock_* (ENOSYS); poll_oneoff reports fd
// subscriptions ready at once (only clock subscriptions wait); fd_advise is accepted and
// ignored; fd_fdstat_set_flags records DSYNC/RSYNC/SYNC/NONBLOCK without effect; realtime and CPU
// clocks have microsecond resolution; paths must be valid UTF-8 (else EILSEQ); the sandbox checks
// and the use are separate system calls, so a concurrent host process swapping a directory for a
// symlink could race them (the guest cannot: host calls are synchronous).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ADVICE_MAX, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME_ID,
  EVENTTYPE_CLOCK, EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE, FDFLAGS_ALL, FDFLAGS_APPEND, FDFLAGS_DSYNC,
  FDFLAGS_RSYNC, FDFLAGS_SYNC, FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY,
  FILETYPE_REGULAR_FILE, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW,
  LOOKUPFLAGS_SYMLINK_FOLLOW, OFLAGS_CREAT, OFLAGS_DIRECTORY, OFLAGS_EXCL, OFLAGS_TRUNC,
  PREOPENTYPE_DIR, RIGHTS_ALL, RIGHTS_FD_SEEK, RIGHTS_FD_TELL, RIGHTS_READING, RIGHTS_WRITING,
  SIZEOF_DIRENT, SIZEOF_EVENT, SIZEOF_FDSTAT, SIZEOF_FILESTAT, SIZEOF_PRESTAT, SIZEOF_SUBSCRIPTION,
  SUBCLOCKFLAGS_ABSTIME, WHENCE_CUR, WHENCE_END, WHENCE_SET,
} from './constants.js';
import {
  EBADF, EFAULT, EINVAL, EIO, EISDIR, ENAMETOOLONG, ENOSYS, ENOTCAPABLE, ENOTDIR, EOVERFLOW, ESPIPE,
  ESUCCESS, WasiErrno, errnoFromNode,
} from './errno.js';
import {
  type DirEntry, type DirListingEntry, type Entry, dirHostPath, filetypeOf, readInto,
  sleepMs, writeAll,
} from './fd.js';
import { GuestMemory, utf8 } from './memory.js';
import { Memory } from '../runtime/api-objects.js';
import { checkSymlinkTarget, resolveEntry, resolvePath } from './sandbox.js';

export { errno, errnoName, errnoFromNode } from './errno.js';

export interface WasiOptions {
  /** argv; args[0] is the program name. */
  args?: string[];
  env?: Record<string, string>;
  /** Guest path → host directory. */
  preopens?: Record<string, string>;
  /** Host file descriptors for the guest's 0, 1 and 2 (default 0, 1, 2). */
  stdin?: number;
  stdout?: number;
  stderr?: number;
  /** Default true: proc_exit ends the run and start() returns the code. When false, the WasiExit propagates out of start(). */
  returnOnExit?: boolean;
}

/** Thrown by proc_exit through the guest's frames; start() catches it and returns `code`. */
export class WasiExit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`WASI program exited with code ${code}`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

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

type Preview1Name = (typeof WASI_PREVIEW1_FUNCTIONS)[number];
type HostFn = (...args: any[]) => number | void;

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

function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

function clockNow(id: number): bigint {
  switch (id) {
    case CLOCK_REALTIME: return realtimeNs();
    case CLOCK_MONOTONIC: return process.hrtime.bigint();
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    default: throw new WasiErrno(EINVAL, `unknown clock ${id}`);
  }
}

function clockResolution(id: number): bigint {
  switch (id) {
    case CLOCK_MONOTONIC: return 1n;
    case CLOCK_REALTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: return 1000n;
    default: throw new WasiErrno(EINVAL, `unknown clock ${id}`);
  }
}

function writeFilestat(mem: GuestMemory, ptr: number, st: fs.BigIntStats): void {
  mem.fill(ptr, SIZEOF_FILESTAT);
  mem.setU64(ptr, st.dev);
  mem.setU64(ptr + 8, st.ino);
  mem.setU8(ptr + 16, filetypeOf(st));
  mem.setU64(ptr + 24, st.nlink);
  mem.setU64(ptr + 32, st.size);
  mem.setU64(ptr + 40, st.atimeNs);
  mem.setU64(ptr + 48, st.mtimeNs);
  mem.setU64(ptr + 56, st.ctimeNs);
}

/** The (atime, mtime) pair in seconds that fstflags ask for; `current` supplies the kept ones. */
function chosenTimes(atim: unknown, mtim: unknown, fstflags: number, current: () => fs.BigIntStats): [number, number] | null {
  if ((fstflags & FSTFLAGS_ATIM && fstflags & FSTFLAGS_ATIM_NOW) || (fstflags & FSTFLAGS_MTIM && fstflags & FSTFLAGS_MTIM_NOW)) {
    throw new WasiErrno(EINVAL, 'both a time and "now" given');
  }
  if (fstflags & ~0xf) throw new WasiErrno(EINVAL, 'unknown fstflags');
  if ((fstflags & 0xf) === 0) return null;
  const now = Date.now() / 1000;
  let st: fs.BigIntStats | undefined;
  const pick = (set: number, setNow: number, value: unknown, keep: (s: fs.BigIntStats) => bigint): number => {
    if (fstflags & set) return nsToSeconds(big(value));
    if (fstflags & setNow) return now;
    st ??= current();
    return nsToSeconds(keep(st));
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

export class WASI {
  private readonly args: Uint8Array[];
  private readonly env: Uint8Array[];
  private readonly returnOnExit: boolean;
  private readonly fds = new Map<number, Entry>();
  private memory: { buffer: ArrayBufferLike } | undefined;
  private started = false;
  private readonly imports: Record<Preview1Name, HostFn>;

  constructor(options: WasiOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('WASI: options must be an object');
    const args = options.args ?? [];
    if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw new TypeError('WASI: args must be an array of strings');
    const env = options.env ?? {};
    if (env === null || typeof env !== 'object') throw new TypeError('WASI: env must be an object');
    this.args = args.map((a) => utf8(`${a}\0`));
    this.env = Object.entries(env).map(([k, v]) => {
      if (typeof v !== 'string') throw new TypeError(`WASI: env.${k} must be a string`);
      return utf8(`${k}=${v}\0`);
    });
    this.returnOnExit = options.returnOnExit ?? true;

    const stdioRights = RIGHTS_ALL & ~(RIGHTS_FD_SEEK | RIGHTS_FD_TELL);
    const stdio = [options.stdin ?? 0, options.stdout ?? 1, options.stderr ?? 2];
    stdio.forEach((hostFd, fd) => {
      if (!Number.isInteger(hostFd) || hostFd < 0) throw new TypeError(`WASI: ${['stdin', 'stdout', 'stderr'][fd]} must be a host file descriptor`);
      this.fds.set(fd, { kind: 'stdio', hostFd, fdflags: 0, rightsBase: stdioRights, rightsInheriting: 0n });
    });

    let next = 3;
    for (const [guest, host] of Object.entries(options.preopens ?? {})) {
      if (typeof host !== 'string') throw new TypeError(`WASI: preopens[${JSON.stringify(guest)}] must be a host directory path`);
      let root: string;
      try {
        root = fs.realpathSync(path.resolve(host));
      } catch (e) {
        throw new Error(`WASI: preopen ${JSON.stringify(guest)}: cannot open host directory ${JSON.stringify(host)}: ${(e as Error).message}`);
      }
      if (!fs.statSync(root).isDirectory()) throw new Error(`WASI: preopen ${JSON.stringify(guest)}: ${JSON.stringify(host)} is not a directory`);
      this.fds.set(next++, {
        kind: 'dir', root, parts: [], preopenName: guest, fdflags: 0, rightsBase: RIGHTS_ALL, rightsInheriting: RIGHTS_ALL,
      });
    }

    this.imports = this.makeImports();
  }

  /** The import object namespace: `{ wasi_snapshot_preview1: {...} }`. */
  getImportObject(): Record<string, Record<string, Function>> {
    return { wasi_snapshot_preview1: { ...this.imports } };
  }

  /** Runs the instance's `_start`; returns the exit code (0 if `_start` returns normally). */
  start(instance: { exports: Record<string, unknown> }): number {
    const exports = this.bind(instance, 'start');
    const start = exports._start;
    if (typeof start !== 'function') throw new TypeError('WASI.start: the instance does not export a _start function');
    if (exports._initialize !== undefined) throw new TypeError('WASI.start: the instance exports _initialize (a reactor); use initialize()');
    try {
      start();
      return 0;
    } catch (e) {
      if (e instanceof WasiExit && this.returnOnExit) return e.code;
      throw e;
    } finally {
      this.closeAll();
    }
  }

  /** For reactors: calls `_initialize` if exported. */
  initialize(instance: { exports: Record<string, unknown> }): void {
    const exports = this.bind(instance, 'initialize');
    if (exports._start !== undefined) throw new TypeError('WASI.initialize: the instance exports _start (a command); use start()');
    const init = exports._initialize;
    if (init === undefined) return;
    if (typeof init !== 'function') throw new TypeError('WASI.initialize: _initialize is not a function');
    init();
  }

  private bind(instance: { exports: Record<string, unknown> }, method: string): Record<string, unknown> {
    if (this.started) throw new Error(`WASI.${method}: this WASI object was already started or initialized`);
    const exports = instance?.exports;
    if (!exports || typeof exports !== 'object') throw new TypeError(`WASI.${method}: expected an instance with exports`);
    const memory = exports.memory as { buffer?: unknown } | undefined;
    if (!memory || typeof memory !== 'object' || !(memory.buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer))) {
      throw new TypeError(`WASI.${method}: the instance must export its memory as "memory"`);
    }
    this.memory = memory as { buffer: ArrayBufferLike };
    this.started = true;
    return exports;
  }

  /** Closes the host files the guest left open when its run ends. */
  private closeAll(): void {
    for (const [fd, entry] of this.fds) {
      if (entry.kind === 'file') {
        try { fs.closeSync(entry.hostFd); } catch { /* already gone */ }
        this.fds.delete(fd);
      }
    }
  }

  private mem(): GuestMemory {
    if (!this.memory) throw new WasiErrno(EFAULT, 'no memory bound yet: call start() or initialize()');
    // A heapbase memory is used through its own views: `.buffer` would drop the capacity it
    // reserved for growth (the JS API wants an exactly-sized buffer), costing a copy per call.
    if (this.memory instanceof Memory) return new GuestMemory(this.memory.storage.buffer, this.memory.storage.byteLength);
    return new GuestMemory(this.memory.buffer);
  }

  private entry(fd: number): Entry {
    const e = this.fds.get(fd >>> 0);
    if (!e) throw new WasiErrno(EBADF, `fd ${fd} is not open`);
    return e;
  }

  private dir(fd: number): DirEntry {
    const e = this.entry(fd);
    if (e.kind !== 'dir') throw new WasiErrno(ENOTDIR, `fd ${fd} is not a directory`);
    return e;
  }

  private allocFd(entry: Entry): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, entry);
    return fd;
  }

  private static errnoOf(e: unknown): number {
    if (e instanceof WasiExit) throw e;
    if (e instanceof WasiErrno) return e.errno;
    if (e instanceof RangeError && (e as { code?: unknown }).code === undefined) return EFAULT; // DataView out of range
    if (typeof (e as { code?: unknown } | null)?.code === 'string') return errnoFromNode(e);
    return EIO;
  }

  private makeImports(): Record<Preview1Name, HostFn> {
    const impl = this.implementations();
    const out = {} as Record<Preview1Name, HostFn>;
    for (const name of WASI_PREVIEW1_FUNCTIONS) {
      const fn = impl[name];
      const wrapped = (...args: unknown[]): number => {
        try {
          const r = fn(...args);
          return typeof r === 'number' ? r : ESUCCESS;
        } catch (e) {
          return WASI.errnoOf(e);
        }
      };
      Object.defineProperty(wrapped, 'name', { value: name });
      out[name] = wrapped;
    }
    return out;
  }

  private implementations(): Record<Preview1Name, HostFn> {
    const strings = (list: Uint8Array[]) => ({
      sizes: (countPtr: number, sizePtr: number): void => {
        const mem = this.mem();
        mem.setU32(countPtr, list.length);
        mem.setU32(sizePtr, list.reduce((n, s) => n + s.length, 0));
      },
      get: (ptrs: number, buf: number): void => {
        const mem = this.mem();
        let at = buf >>> 0;
        list.forEach((s, i) => {
          mem.write(at, s);
          mem.setU32((ptrs >>> 0) + i * 4, at);
          at += s.length;
        });
      },
    });
    const args = strings(this.args);
    const env = strings(this.env);
    const enosys = (): number => ENOSYS;

    return {
      args_get: args.get,
      args_sizes_get: args.sizes,
      environ_get: env.get,
      environ_sizes_get: env.sizes,

      clock_res_get: (id: number, resPtr: number) => {
        this.mem().setU64(resPtr, clockResolution(id));
      },
      clock_time_get: (id: number, _precision: bigint, timePtr: number) => {
        this.mem().setU64(timePtr, clockNow(id));
      },

      fd_advise: (fd: number, offset: bigint, len: bigint, advice: number) => {
        const e = this.entry(fd);
        if (advice >>> 0 > ADVICE_MAX) return EINVAL;
        position(offset);
        position(len);
        if (e.kind === 'dir') return EBADF;
        if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
        return ESUCCESS; // advice only
      },
      fd_allocate: (fd: number, offset: bigint, len: bigint) => {
        const e = this.entry(fd);
        if (e.kind === 'dir') return EBADF;
        if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
        const end = position(offset) + position(len);
        if (end > Number.MAX_SAFE_INTEGER) return EOVERFLOW;
        if (fs.fstatSync(e.hostFd).size < end) fs.ftruncateSync(e.hostFd, end);
        return ESUCCESS;
      },
      fd_close: (fd: number) => {
        const e = this.entry(fd);
        this.fds.delete(fd >>> 0);
        if (e.kind === 'file') fs.closeSync(e.hostFd);
      },
      fd_datasync: (fd: number) => {
        const e = this.entry(fd);
        if (e.kind === 'file') fs.fdatasyncSync(e.hostFd);
      },
      fd_sync: (fd: number) => {
        const e = this.entry(fd);
        if (e.kind === 'file') fs.fsyncSync(e.hostFd);
      },
      fd_fdstat_get: (fd: number, ptr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(ptr, SIZEOF_FDSTAT);
        const filetype = e.kind === 'dir' ? FILETYPE_DIRECTORY
          : e.kind === 'file' ? e.filetype
          : filetypeOf(fs.fstatSync(e.hostFd));
        mem.fill(ptr, SIZEOF_FDSTAT);
        mem.setU8(ptr, filetype);
        mem.setU16(ptr + 2, e.fdflags);
        mem.setU64(ptr + 8, e.rightsBase);
        mem.setU64(ptr + 16, e.rightsInheriting);
      },
      fd_fdstat_set_flags: (fd: number, flags: number) => {
        const e = this.entry(fd);
        if (flags & ~FDFLAGS_ALL) return EINVAL;
        e.fdflags = flags & 0xffff; // APPEND is emulated on writes; the others are recorded only
      },
      fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => {
        const e = this.entry(fd);
        const b = BigInt.asUintN(64, big(base));
        const i = BigInt.asUintN(64, big(inheriting));
        if ((b & ~e.rightsBase) !== 0n || (i & ~e.rightsInheriting) !== 0n) return ENOTCAPABLE;
        e.rightsBase = b;
        e.rightsInheriting = i;
      },
      fd_filestat_get: (fd: number, ptr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(ptr, SIZEOF_FILESTAT);
        const st = e.kind === 'dir' ? fs.lstatSync(dirHostPath(e), { bigint: true }) : fs.fstatSync(e.hostFd, { bigint: true });
        writeFilestat(mem, ptr, st);
      },
      fd_filestat_set_size: (fd: number, size: bigint) => {
        const e = this.entry(fd);
        if (e.kind === 'dir') return EBADF;
        fs.ftruncateSync(e.hostFd, position(size));
      },
      fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, fstflags: number) => {
        const e = this.entry(fd);
        if (e.kind === 'dir') {
          const p = dirHostPath(e);
          const t = chosenTimes(atim, mtim, fstflags, () => fs.lstatSync(p, { bigint: true }));
          if (t) fs.utimesSync(p, t[0], t[1]);
        } else {
          const t = chosenTimes(atim, mtim, fstflags, () => fs.fstatSync(e.hostFd, { bigint: true }));
          if (t) fs.futimesSync(e.hostFd, t[0], t[1]);
        }
      },

      fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(nreadPtr, 4);
        const buffers = mem.iovecs(iovs, iovsLen);
        if (e.kind === 'dir') return EISDIR;
        let n: number;
        if (e.kind === 'file' && e.seekable) {
          n = readInto(e.hostFd, buffers, e.position);
          e.position += n;
        } else n = readInto(e.hostFd, buffers, null);
        mem.setU32(nreadPtr, n);
      },
      fd_pread: (fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(nreadPtr, 4);
        const buffers = mem.iovecs(iovs, iovsLen);
        if (e.kind === 'dir') return EISDIR;
        if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
        mem.setU32(nreadPtr, readInto(e.hostFd, buffers, position(offset)));
      },
      fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(nwrittenPtr, 4);
        const data = concat(mem.iovecs(iovs, iovsLen));
        if (e.kind === 'dir') return EBADF;
        let n: number;
        if (e.kind === 'file' && e.seekable) {
          const at = e.fdflags & FDFLAGS_APPEND ? fs.fstatSync(e.hostFd).size : e.position;
          n = writeAll(e.hostFd, data, at);
          e.position = at + n;
        } else n = writeAll(e.hostFd, data, null);
        mem.setU32(nwrittenPtr, n);
      },
      fd_pwrite: (fd: number, iovs: number, iovsLen: number, offset: bigint, nwrittenPtr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(nwrittenPtr, 4);
        const data = concat(mem.iovecs(iovs, iovsLen));
        if (e.kind === 'dir') return EBADF;
        if (e.kind === 'stdio' || !e.seekable) return ESPIPE;
        mem.setU32(nwrittenPtr, writeAll(e.hostFd, data, position(offset)));
      },
      fd_seek: (fd: number, offset: bigint, whence: number, newOffsetPtr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(newOffsetPtr, 8);
        if (e.kind !== 'file' || !e.seekable) return ESPIPE;
        let base: bigint;
        switch (whence) {
          case WHENCE_SET: base = 0n; break;
          case WHENCE_CUR: base = BigInt(e.position); break;
          case WHENCE_END: base = fs.fstatSync(e.hostFd, { bigint: true }).size; break;
          default: return EINVAL;
        }
        const next = base + BigInt.asIntN(64, big(offset));
        if (next < 0n) return EINVAL;
        if (next > MAX_POSITION) return EOVERFLOW;
        e.position = Number(next);
        mem.setU64(newOffsetPtr, next);
      },
      fd_tell: (fd: number, ptr: number) => {
        const e = this.entry(fd);
        const mem = this.mem();
        mem.check(ptr, 8);
        if (e.kind !== 'file' || !e.seekable) return ESPIPE;
        mem.setU64(ptr, BigInt(e.position));
      },

      fd_prestat_get: (fd: number, ptr: number) => {
        const e = this.fds.get(fd >>> 0);
        if (!e || e.kind !== 'dir' || e.preopenName === undefined) return EBADF;
        const mem = this.mem();
        mem.check(ptr, SIZEOF_PRESTAT);
        mem.fill(ptr, SIZEOF_PRESTAT);
        mem.setU8(ptr, PREOPENTYPE_DIR);
        mem.setU32(ptr + 4, utf8(e.preopenName).length);
      },
      fd_prestat_dir_name: (fd: number, pathPtr: number, pathLen: number) => {
        const e = this.fds.get(fd >>> 0);
        if (!e || e.kind !== 'dir' || e.preopenName === undefined) return EBADF;
        const name = utf8(e.preopenName);
        if (pathLen >>> 0 < name.length) return ENAMETOOLONG;
        this.mem().write(pathPtr, name);
      },

      fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, bufusedPtr: number) => {
        const e = this.entry(fd);
        if (e.kind !== 'dir') return ENOTDIR;
        const mem = this.mem();
        mem.check(bufusedPtr, 4);
        const len = bufLen >>> 0;
        const start = mem.check(buf, len);
        const c = BigInt.asUintN(64, big(cookie));
        if (c === 0n || !e.listing) e.listing = this.listDirectory(e);
        const listing = e.listing;
        let used = 0;
        for (let i = c > BigInt(listing.length) ? listing.length : Number(c); i < listing.length && used < len; i++) {
          const item = listing[i];
          item.ino ??= this.inodeOf(e, item);
          const record = new Uint8Array(SIZEOF_DIRENT + item.name.length);
          const dv = new DataView(record.buffer);
          dv.setBigUint64(0, BigInt(i + 1), true); // d_next: the cookie of the next entry
          dv.setBigUint64(8, item.ino, true);
          dv.setUint32(16, item.name.length, true);
          dv.setUint8(20, item.type);
          record.set(item.name, SIZEOF_DIRENT);
          const n = Math.min(record.length, len - used);
          mem.write(start + used, record.subarray(0, n));
          used += n;
        }
        mem.setU32(bufusedPtr, used);
      },

      fd_renumber: (from: number, to: number) => {
        const e = this.entry(from);
        const target = this.entry(to);
        if (from >>> 0 === to >>> 0) return ESUCCESS;
        if (target.kind === 'file') fs.closeSync(target.hostFd);
        this.fds.set(to >>> 0, e);
        this.fds.delete(from >>> 0);
      },

      path_create_directory: (fd: number, pathPtr: number, pathLen: number) => {
        const d = this.dir(fd);
        const r = resolveEntry(d.root, d.parts, this.mem().string(pathPtr, pathLen));
        fs.mkdirSync(r.host, 0o777);
      },
      path_filestat_get: (fd: number, flags: number, pathPtr: number, pathLen: number, ptr: number) => {
        const d = this.dir(fd);
        const mem = this.mem();
        mem.check(ptr, SIZEOF_FILESTAT);
        const r = resolvePath(d.root, d.parts, mem.string(pathPtr, pathLen), (flags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0);
        writeFilestat(mem, ptr, fs.lstatSync(r.host, { bigint: true }));
      },
      path_filestat_set_times: (fd: number, flags: number, pathPtr: number, pathLen: number, atim: bigint, mtim: bigint, fstflags: number) => {
        const d = this.dir(fd);
        const follow = (flags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0;
        const r = resolvePath(d.root, d.parts, this.mem().string(pathPtr, pathLen), follow);
        const t = chosenTimes(atim, mtim, fstflags, () => fs.lstatSync(r.host, { bigint: true }));
        if (!t) return ESUCCESS;
        // Resolution followed any symlinks already; lutimes never follows the last component.
        fs.lutimesSync(r.host, t[0], t[1]);
      },
      path_link: (oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
        const od = this.dir(oldFd);
        const nd = this.dir(newFd);
        const mem = this.mem();
        const oldPath = mem.string(oldPtr, oldLen);
        const from = oldFlags & LOOKUPFLAGS_SYMLINK_FOLLOW
          ? resolvePath(od.root, od.parts, oldPath, true)
          : resolveEntry(od.root, od.parts, oldPath);
        const to = resolveEntry(nd.root, nd.parts, mem.string(newPtr, newLen));
        fs.linkSync(from.host, to.host);
      },
      path_open: (fd: number, dirflags: number, pathPtr: number, pathLen: number, oflags: number,
        rightsBase: bigint, rightsInheriting: bigint, fdflags: number, fdPtr: number) => {
        const d = this.dir(fd);
        const mem = this.mem();
        mem.check(fdPtr, 4);
        const guestPath = mem.string(pathPtr, pathLen);
        const creat = (oflags & OFLAGS_CREAT) !== 0;
        const excl = (oflags & OFLAGS_EXCL) !== 0;
        // O_CREAT|O_EXCL never follows a final symlink (POSIX: it fails with EEXIST instead).
        const follow = (dirflags & LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0 && !(creat && excl);
        const r = resolvePath(d.root, d.parts, guestPath, follow);
        const base = BigInt.asUintN(64, big(rightsBase));
        const reading = (base & RIGHTS_READING) !== 0n;
        const writing = (base & RIGHTS_WRITING) !== 0n;
        const C = fs.constants;
        let flags = writing ? (reading ? C.O_RDWR : C.O_WRONLY) : C.O_RDONLY;
        if (creat) flags |= C.O_CREAT;
        if (excl) flags |= C.O_EXCL;
        if (oflags & OFLAGS_TRUNC) flags |= C.O_TRUNC;
        if (oflags & OFLAGS_DIRECTORY) flags |= C.O_DIRECTORY;
        if (fdflags & (FDFLAGS_SYNC | FDFLAGS_RSYNC)) flags |= C.O_SYNC;
        else if (fdflags & FDFLAGS_DSYNC) flags |= C.O_DSYNC;
        flags |= C.O_NOFOLLOW; // every symlink the guest may follow was resolved above
        const hostFd = fs.openSync(r.host, flags, 0o666);
        let entry: Entry;
        try {
          const st = fs.fstatSync(hostFd);
          const rights = {
            fdflags: fdflags & FDFLAGS_ALL,
            rightsBase: base & d.rightsInheriting,
            rightsInheriting: BigInt.asUintN(64, big(rightsInheriting)) & d.rightsInheriting,
          };
          if (st.isDirectory()) {
            fs.closeSync(hostFd);
            entry = { kind: 'dir', root: d.root, parts: r.parts, ...rights };
          } else {
            const filetype = filetypeOf(st);
            entry = {
              kind: 'file', hostFd, filetype, position: 0, ...rights,
              seekable: filetype === FILETYPE_REGULAR_FILE || filetype === FILETYPE_BLOCK_DEVICE,
            };
            if (filetype === FILETYPE_CHARACTER_DEVICE) entry.rightsBase &= ~(RIGHTS_FD_SEEK | RIGHTS_FD_TELL);
          }
        } catch (err) {
          try { fs.closeSync(hostFd); } catch { /* ignore */ }
          throw err;
        }
        mem.setU32(fdPtr, this.allocFd(entry));
      },
      path_readlink: (fd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, bufusedPtr: number) => {
        const d = this.dir(fd);
        const mem = this.mem();
        mem.check(bufusedPtr, 4);
        const start = mem.check(buf, bufLen >>> 0);
        const r = resolveEntry(d.root, d.parts, mem.string(pathPtr, pathLen));
        const target = fs.readlinkSync(r.host, { encoding: 'buffer' });
        const n = Math.min(target.length, bufLen >>> 0);
        mem.write(start, target.subarray(0, n));
        mem.setU32(bufusedPtr, n);
      },
      path_remove_directory: (fd: number, pathPtr: number, pathLen: number) => {
        const d = this.dir(fd);
        const r = resolveEntry(d.root, d.parts, this.mem().string(pathPtr, pathLen));
        fs.rmdirSync(r.host);
      },
      path_rename: (fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
        const od = this.dir(fd);
        const nd = this.dir(newFd);
        const mem = this.mem();
        const from = resolveEntry(od.root, od.parts, mem.string(oldPtr, oldLen));
        const to = resolveEntry(nd.root, nd.parts, mem.string(newPtr, newLen));
        if ((from.mustBeDir || to.mustBeDir) && !fs.lstatSync(from.host).isDirectory()) return ENOTDIR;
        fs.renameSync(from.host, to.host);
      },
      path_symlink: (oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number) => {
        const d = this.dir(fd);
        const mem = this.mem();
        const target = mem.string(oldPtr, oldLen);
        const r = resolveEntry(d.root, d.parts, mem.string(newPtr, newLen));
        checkSymlinkTarget(r.parts.slice(0, -1), target);
        fs.symlinkSync(target, r.host);
      },
      path_unlink_file: (fd: number, pathPtr: number, pathLen: number) => {
        const d = this.dir(fd);
        const r = resolveEntry(d.root, d.parts, this.mem().string(pathPtr, pathLen));
        if (r.mustBeDir) return fs.lstatSync(r.host).isDirectory() ? EISDIR : ENOTDIR;
        fs.unlinkSync(r.host);
      },

      poll_oneoff: (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number) => this.pollOneoff(inPtr, outPtr, nsubs, neventsPtr),

      proc_exit: (code: number) => {
        throw new WasiExit(code >>> 0);
      },
      proc_raise: enosys,
      sched_yield: () => ESUCCESS,
      random_get: (buf: number, len: number) => {
        crypto.randomFillSync(this.mem().bytes(buf, len));
      },

      sock_accept: enosys,
      sock_recv: enosys,
      sock_send: enosys,
      sock_shutdown: enosys,
    };
  }

  private listDirectory(d: DirEntry): DirListingEntry[] {
    const host = dirHostPath(d);
    const entries: DirListingEntry[] = [
      { name: utf8('.'), type: FILETYPE_DIRECTORY, hostName: '.' },
      { name: utf8('..'), type: FILETYPE_DIRECTORY, hostName: '..' },
    ];
    for (const dirent of fs.readdirSync(host, { withFileTypes: true })) {
      entries.push({ name: utf8(dirent.name), type: filetypeOf(dirent), hostName: dirent.name });
    }
    return entries;
  }

  private inodeOf(d: DirEntry, item: DirListingEntry): bigint {
    // `..` of a preopen root is outside the sandbox: answer with the root's own inode.
    const parts = item.hostName === '.' ? d.parts
      : item.hostName === '..' ? d.parts.slice(0, -1)
      : [...d.parts, item.hostName];
    try {
      return fs.lstatSync(dirHostPath({ ...d, parts }), { bigint: true }).ino;
    } catch {
      return 0n;
    }
  }

  private pollOneoff(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
    const n = nsubs >>> 0;
    if (n === 0) return EINVAL;
    const mem = this.mem();
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
        // Host descriptors are reported ready at once; a following read or write blocks if needed.
        const e = this.fds.get(mem.u32(s + 16));
        let nbytes = 0n;
        if (e && tag === EVENTTYPE_FD_READ && e.kind === 'file' && e.seekable) {
          const size = fs.fstatSync(e.hostFd).size;
          nbytes = BigInt(Math.max(0, size - e.position));
        }
        ready.push({ userdata, error: e ? (e.kind === 'dir' ? EBADF : ESUCCESS) : EBADF, type: tag, nbytes });
      } else return EINVAL;
    }
    if (ready.length === 0 && clocks.length > 0) {
      const wait = clocks.reduce((m, c) => (c.remaining < m ? c.remaining : m), clocks[0].remaining);
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
}
