// The guest's file descriptor table: what each WASI fd stands for on the host, and the blocking
// read/write loops over host file descriptors.
import * as fs from 'node:fs';
import {
  FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE,
  FILETYPE_SOCKET_STREAM, FILETYPE_SYMBOLIC_LINK, FILETYPE_UNKNOWN,
} from './constants.js';
import { hostPath } from './sandbox.js';

interface EntryBase {
  fdflags: number;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

/** A host file descriptor the embedder lent (stdin, stdout, stderr): a stream, never closed by us. */
export interface StdioEntry extends EntryBase {
  kind: 'stdio';
  hostFd: number;
}

/** A file the guest opened with path_open; we own the host fd and track the file position. */
export interface FileEntry extends EntryBase {
  kind: 'file';
  hostFd: number;
  filetype: number;
  /** Regular files and block devices: reads and writes are positional at `position`. */
  seekable: boolean;
  position: number;
}

export interface DirListingEntry { name: Uint8Array; type: number; ino?: bigint; hostName: string }

/** A directory inside a preopen: the preopen's root and the names leading to it. */
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

export function filetypeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): number {
  if (st.isFile()) return FILETYPE_REGULAR_FILE;
  if (st.isDirectory()) return FILETYPE_DIRECTORY;
  if (st.isSymbolicLink()) return FILETYPE_SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FILETYPE_CHARACTER_DEVICE;
  if (st.isBlockDevice()) return FILETYPE_BLOCK_DEVICE;
  if (st.isSocket()) return FILETYPE_SOCKET_STREAM;
  return FILETYPE_UNKNOWN; // FIFOs have no preview1 file type
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

/**
 * Writes all of `data` to a host fd, at `position` or (null) at the fd's own offset. A
 * non-blocking descriptor (Node makes piped stdio non-blocking) is waited on, so the guest sees a
 * blocking write.
 */
export function writeAll(hostFd: number, data: Uint8Array, position: number | null): number {
  let done = 0;
  let wait = 1;
  while (done < data.length) {
    let n: number;
    try {
      n = fs.writeSync(hostFd, data, done, data.length - done, position === null ? null : position + done);
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

/**
 * Reads into the buffers in turn, at `position` or (null) at the fd's own offset, stopping at the
 * first short read. Waits for data on a non-blocking descriptor until at least one byte or end
 * of file arrives.
 */
export function readInto(hostFd: number, buffers: Uint8Array[], position: number | null): number {
  let total = 0;
  for (const buf of buffers) {
    if (buf.length === 0) continue;
    let n: number;
    let wait = 1;
    for (;;) {
      try {
        n = fs.readSync(hostFd, buf, 0, buf.length, position === null ? null : position + total);
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
