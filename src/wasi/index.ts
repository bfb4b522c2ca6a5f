// WASI preview1 (`wasi_snapshot_preview1`) for programs built with wasi-libc, Rust's std and
// AssemblyScript: passes the official WASI testsuite (test/wasi/suite.test.ts). Works with
// heapbase instances and with the standard WebAssembly API alike (it only uses the exported
// `memory`'s `.buffer` and the exported functions).
//
// Files:
//   index.ts        the WASI class: options, the descriptor table's initial state, start()
//   preview1.ts     the preview1 function table: argument decoding, checks, calls into the backend
//   fd.ts           file descriptors: what each stands for, rights checks
//   sandbox.ts      path resolution confined to the preopened directories
//   backend.ts      the filesystem as an interface (FileSystemBackend)
//   node-backend.ts its implementation over Node's synchronous fs
//   memory.ts, clock.ts, constants.ts, errno.ts  guest memory access, clocks, numbers
//
// Conventions:
// - Every preview1 function is defined, so any module importing any of them links.
// - A host function never throws into the guest except for proc_exit's WasiExit: a guest pointer
//   outside memory is EFAULT, a backend error maps through its `code` (errno.ts), anything else
//   is EIO.
// - Sandbox (sandbox.ts): every path operation stays inside the preopened directories. Absolute
//   paths, `..` above a preopen root, and symlinks that lead outside (absolute targets, or
//   relative ones that climb above the root) are refused with ENOTCAPABLE (76), including
//   stat with follow, open for reading, writing and creating, and creating a symlink whose
//   target would lead outside. ENOTCAPABLE is the only errno used for sandbox refusals.
// - Rights are enforced (fd.ts): each operation needs the right witx names for it, else
//   ENOTCAPABLE; path_open grants the requested rights masked by the directory's inheriting
//   rights, and O_CREAT / O_TRUNC need PATH_CREATE_FILE / PATH_FILESTAT_SET_SIZE. A preopen has
//   the directory rights as base (constants.ts: RIGHTS_DIRECTORY_BASE, a superset of wasmtime's)
//   and every right as inheriting; a directory fd never holds file-only rights (FD_SEEK, ...).
// - Directories opened with path_open are names inside a preopen, not host handles; opening one
//   with FD_WRITE or O_TRUNC is EISDIR. A final symlink that is not followed is ELOOP.
// - Files opened by the guest track their own position (Node has no lseek): reads and writes are
//   positional, FDFLAGS_APPEND is emulated (write at the current size), so it can be toggled by
//   fd_fdstat_set_flags. Stdio descriptors are streams: fd_seek/fd_tell/fd_pread/fd_pwrite on
//   them are ESPIPE even when the host fd is a regular file; on directories they are EBADF.
//   Non-blocking host pipes are waited on, so the guest always sees blocking reads and writes.
// - fd_readdir lists "." and ".." first (cookies 0 and 1), then the entries; cookie n resumes at
//   entry n of the listing read at cookie 0. `..` of a preopen reports the preopen's own inode.
// - path_readlink into a short buffer returns the target's first bytes (as wasmtime does).
// - start() closes the host files the guest left open when _start returns or exits.
// Not implemented / simplified: proc_raise (ENOSYS); sockets: preview1 cannot open one, so
// sock_* on an open fd is ENOTSOCK (EBADF on a closed one); poll_oneoff reports fd subscriptions
// ready at once (only clock subscriptions wait); fd_advise is accepted and ignored; fd_allocate
// grows the file to offset+len without reserving blocks; fd_fdstat_set_flags records
// DSYNC/RSYNC/SYNC/NONBLOCK without effect; timestamps set through Node have about 0.25 µs
// precision (Node passes seconds as a double); realtime and CPU clocks have microsecond
// resolution; paths must be valid UTF-8 (else EILSEQ); the sandbox checks and the use are
// separate system calls, so a concurrent host process swapping a directory for a symlink could
// race them (the guest cannot: host calls are synchronous).
import * as path from 'node:path';
import type { FileSystemBackend } from './backend.js';
import { RIGHTS_ALL, RIGHTS_DIRECTORY_BASE, RIGHTS_FD_SEEK, RIGHTS_FD_TELL } from './constants.js';
import { EFAULT, WasiErrno } from './errno.js';
import { FdTable } from './fd.js';
import { GuestMemory, utf8 } from './memory.js';
import { NodeFileSystem } from './node-backend.js';
import { type HostFn, type Preview1Name, WasiExit, preview1Functions } from './preview1.js';
import { Memory } from '../runtime/api-objects.js';

export { errno, errnoName, errnoFromNode } from './errno.js';
export { WASI_PREVIEW1_FUNCTIONS, WasiExit } from './preview1.js';
export type { FileSystemBackend, HostStat, HostDirent, OpenRequest } from './backend.js';
export { NodeFileSystem } from './node-backend.js';

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
  /** The filesystem preopens and stdio live in (default: the host's, through Node's fs). */
  fs?: FileSystemBackend;
}

export class WASI {
  private readonly returnOnExit: boolean;
  private readonly backend: FileSystemBackend;
  private readonly fds = new FdTable();
  private memory: { buffer: ArrayBufferLike } | undefined;
  private started = false;
  private readonly imports: Record<Preview1Name, HostFn>;

  constructor(options: WasiOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('WASI: options must be an object');
    const args = options.args ?? [];
    if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw new TypeError('WASI: args must be an array of strings');
    const env = options.env ?? {};
    if (env === null || typeof env !== 'object') throw new TypeError('WASI: env must be an object');
    const argBytes = args.map((a) => utf8(`${a}\0`));
    const envBytes = Object.entries(env).map(([k, v]) => {
      if (typeof v !== 'string') throw new TypeError(`WASI: env.${k} must be a string`);
      return utf8(`${k}=${v}\0`);
    });
    this.returnOnExit = options.returnOnExit ?? true;
    this.backend = options.fs ?? new NodeFileSystem();

    const stdioRights = RIGHTS_ALL & ~(RIGHTS_FD_SEEK | RIGHTS_FD_TELL);
    const stdio = [options.stdin ?? 0, options.stdout ?? 1, options.stderr ?? 2];
    stdio.forEach((handle, fd) => {
      if (!Number.isInteger(handle) || handle < 0) throw new TypeError(`WASI: ${['stdin', 'stdout', 'stderr'][fd]} must be a host file descriptor`);
      this.fds.set(fd, { kind: 'stdio', handle, fdflags: 0, rightsBase: stdioRights, rightsInheriting: 0n });
    });

    let next = 3;
    for (const [guest, host] of Object.entries(options.preopens ?? {})) {
      if (typeof host !== 'string') throw new TypeError(`WASI: preopens[${JSON.stringify(guest)}] must be a host directory path`);
      let root: string;
      try {
        root = this.backend.realpath(path.resolve(host));
      } catch (e) {
        const why = (e as { code?: string }).code === 'ENOTDIR' ? 'is not a directory' : `cannot open host directory: ${(e as Error).message}`;
        throw new Error(`WASI: preopen ${JSON.stringify(guest)}: ${JSON.stringify(host)} ${why}`);
      }
      this.fds.set(next++, {
        kind: 'dir', root, parts: [], preopenName: guest, fdflags: 0,
        rightsBase: RIGHTS_DIRECTORY_BASE, rightsInheriting: RIGHTS_ALL,
      });
    }

    this.imports = preview1Functions({
      fs: this.backend, fds: this.fds, args: argBytes, env: envBytes, mem: () => this.mem(),
    });
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
        try { this.backend.close(entry.handle); } catch { /* already gone */ }
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
}
