// The guest's file descriptor table: what each WASI fd stands for on the host, its rights, and
// the checks every preview1 function makes before it touches the host.
//
// Rights (preview1 `rights`): every fd has base rights (what may be done with it) and inheriting
// rights (the most a path_open through it may grant). An operation whose right the fd lacks is
// ENOTCAPABLE; fd_fdstat_set_rights may only drop rights. path_open grants the requested rights
// masked by the directory's inheriting rights.
import { hostPath } from './sandbox.js';
import { EBADF, ENOTCAPABLE, ENOTDIR, WasiErrno } from './errno.js';

interface EntryBase {
  fdflags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

/** A host handle the embedder lent (stdin, stdout, stderr): a stream, never closed by us. */
export interface StdioEntry extends EntryBase {
  kind: 'stdio';
  handle: number;
}

/** A file the guest opened with path_open; we own the handle and track the file position. */
export interface FileEntry extends EntryBase {
  kind: 'file';
  handle: number;
  filetype: number;
  /** Regular files and block devices: reads and writes are positional at `position`. */
  seekable: boolean;
  position: number;
}

export interface DirListingEntry { name: Uint8Array; type: number; ino?: bigint; hostName: string }

/** A directory inside a preopen: the preopen's root and the names leading to it (no host handle). */
export interface DirEntry extends EntryBase {
  kind: 'dir';
  root: string;
  parts: string[];
  /** Set for the preopened directories themselves: the name the guest sees. */
  preopenName?: string;
  /** The listing fd_readdir serves cookies from; read anew at cookie 0. */
  listing?: DirListingEntry[];
}

export type Entry = StdioEntry | FileEntry | DirEntry;

export function dirHostPath(d: DirEntry): string {
  return hostPath(d.root, d.parts);
}

/** ENOTCAPABLE unless the entry holds every right in `rights`. */
export function requireRights(e: Entry, rights: bigint): void {
  if ((e.rightsBase & rights) !== rights) throw new WasiErrno(ENOTCAPABLE, 'the descriptor lacks the right for this operation');
}

export class FdTable {
  private readonly entries = new Map<number, Entry>();

  /** The entry for `fd`, or EBADF. */
  get(fd: number): Entry {
    const e = this.entries.get(fd >>> 0);
    if (!e) throw new WasiErrno(EBADF, `fd ${fd >>> 0} is not open`);
    return e;
  }

  peek(fd: number): Entry | undefined {
    return this.entries.get(fd >>> 0);
  }

  /** A directory fd holding `rights` (ENOTDIR for another kind of fd, ENOTCAPABLE without them). */
  dir(fd: number, rights: bigint): DirEntry {
    const e = this.get(fd);
    if (e.kind !== 'dir') throw new WasiErrno(ENOTDIR, `fd ${fd >>> 0} is not a directory`);
    requireRights(e, rights);
    return e;
  }

  set(fd: number, entry: Entry): void {
    this.entries.set(fd >>> 0, entry);
  }

  /** The lowest free fd from 3 up. */
  allocate(entry: Entry): number {
    let fd = 3;
    while (this.entries.has(fd)) fd++;
    this.entries.set(fd, entry);
    return fd;
  }

  delete(fd: number): void {
    this.entries.delete(fd >>> 0);
  }

  [Symbol.iterator](): IterableIterator<[number, Entry]> {
    return this.entries[Symbol.iterator]();
  }
}
