// The filesystem WASI runs on, as an interface: the preview1 functions (preview1.ts) and the
// sandbox (sandbox.ts) reach the host only through it. node-backend.ts implements it over Node's
// synchronous `fs`; another implementation (an in-memory tree for browsers, say) can be passed
// as WasiOptions.fs.
//
// Paths are host paths the sandbox has already checked: a preopen's root joined with names, no
// component a symlink (the sandbox resolves every symlink itself). A trailing `/` means "must be
// a directory", as in POSIX. Handles are numbers (host file descriptors for the Node backend;
// stdin/stdout/stderr are handles too). Failures are thrown as errors whose `code` is a POSIX
// name (`ENOENT`, `EEXIST`, ...), as Node's are: errno.ts maps them to WASI errnos.

/** What `stat` reports, in WASI's terms (filetype is a preview1 FILETYPE_*). */
export interface HostStat {
  dev: bigint;
  ino: bigint;
  filetype: number;
  nlink: bigint;
  size: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** How path_open asks for a file (the final component is never followed). */
export interface OpenRequest {
  read: boolean;
  write: boolean;
  create: boolean;
  exclusive: boolean;
  truncate: boolean;
  /** O_SYNC / O_DSYNC. */
  sync: boolean;
  dsync: boolean;
}

export interface HostDirent {
  name: string;
  filetype: number;
}

/** A time to set: nanoseconds since the epoch. */
export type TimeNs = bigint;

export interface FileSystemBackend {
  /** The canonical form of a preopen's host directory (symlinks resolved once, at construction). */
  realpath(path: string): string;
  /** Stat without following a final symlink. */
  lstat(path: string): HostStat;
  fstat(handle: number): HostStat;
  readlink(path: string): Uint8Array;
  readdir(path: string): HostDirent[];

  /** Opens a non-directory; a symlink as the last component is ELOOP. Returns a handle. */
  open(path: string, request: OpenRequest): number;
  close(handle: number): void;
  /** Reads into the buffers in turn at `position` (null: the handle's own offset); waits for data. */
  read(handle: number, buffers: Uint8Array[], position: number | null): number;
  /** Writes all of `data` at `position` (null: the handle's own offset); waits when the handle would block. */
  write(handle: number, data: Uint8Array, position: number | null): number;
  truncate(handle: number, size: number): void;
  sync(handle: number, dataOnly: boolean): void;
  /** Sets both times of an open file. */
  setTimes(handle: number, atime: TimeNs, mtime: TimeNs): void;
  /** Sets both times of a path, not following a final symlink. */
  setPathTimes(path: string, atime: TimeNs, mtime: TimeNs): void;

  mkdir(path: string): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(from: string, to: string): void;
  link(from: string, to: string): void;
  symlink(target: string, path: string): void;
}
