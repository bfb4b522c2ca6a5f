// Path resolution confined to a preopened directory.
//
// A directory the guest holds is a preopen root (a real host path, symlinks resolved once at
// construction) plus the list of names leading from it, each a real directory (never a symlink).
// Every lookup goes through the FileSystemBackend (backend.ts), so the rules hold for any backend.
// A guest path is resolved one component at a time against that list:
//   - an absolute guest path is refused (ENOTCAPABLE): wasi-libc never sends one, it maps
//     absolute paths to a preopen and a relative path itself;
//   - `..` pops a name; popping above the directory the path is relative to (the dirfd, which
//     may be a subdirectory of the preopen) is refused (ENOTCAPABLE);
//   - every component before the last is `lstat`ed; a symlink is followed by splicing its target
//     into the remaining components, relative to the link's directory, so its `..` are held to
//     the same rule; an absolute target is refused (ENOTCAPABLE), as is any target that climbs
//     out of the base directory, even if it would come back in;
//   - the last component is followed the same way when the operation follows symlinks;
//   - more than 40 links in one resolution is ELOOP; a NUL byte in the path is EINVAL.
// The host path handed to Node is then root + names: no component of it is a symlink the guest
// could have pointed outside, and the final open adds O_NOFOLLOW, so the kernel follows nothing.
// Nothing outside the root is ever stat'ed, read or written (`..` at the root is answered with
// the root's own inode).
//
// Limit: the checks and the use are separate system calls. If another host process swaps a
// directory inside the sandbox for a symlink between the two, the use could follow it. The guest
// alone cannot race itself (host calls are synchronous).
import * as path from 'node:path';
import type { FileSystemBackend, HostStat } from './backend.js';
import { FILETYPE_DIRECTORY, FILETYPE_SYMBOLIC_LINK } from './constants.js';
import { EINVAL, ELOOP, ENOENT, ENOTCAPABLE, ENOTDIR, WasiErrno } from './errno.js';

const MAX_SYMLINKS = 40;
const linkText = new TextDecoder();

export interface Resolved {
  /** Names from the root to the result; every one but possibly the last is a real directory. */
  parts: string[];
  /** The host path: root joined with the parts (with a trailing `/` when the guest path had one). */
  host: string;
  /** The guest path ended with `/` (or `/.`): the result must be a directory. */
  mustBeDir: boolean;
}

export function hostPath(root: string, parts: readonly string[]): string {
  return parts.length === 0 ? root : path.join(root, ...parts);
}

function checkGuestPath(guestPath: string): void {
  if (guestPath.includes('\0')) throw new WasiErrno(EINVAL, 'path contains a NUL byte');
  if (guestPath === '') throw new WasiErrno(ENOENT, 'empty path');
  if (guestPath.startsWith('/')) throw new WasiErrno(ENOTCAPABLE, `absolute path ${JSON.stringify(guestPath)} refused`);
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Resolves `guestPath` relative to the directory `root`/`start`. With `followLast`, a symlink as
 * the last component is followed too. A missing last component is fine (the caller may create
 * it); a missing earlier one is ENOENT.
 */
export function resolvePath(fs: FileSystemBackend, root: string, start: readonly string[], guestPath: string, followLast: boolean): Resolved {
  checkGuestPath(guestPath);
  const mustBeDir = /(^|\/)\.?$/.test(guestPath) || guestPath.endsWith('/.');
  const follow = followLast || mustBeDir;
  const stack = [...start];
  let pending = components(guestPath);
  let links = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '..') {
      // The base directory is the boundary, not the preopen's root (WASI path resolution, as
      // wasmtime/cap-std do it): a descriptor for a subdirectory grants nothing above it.
      if (stack.length <= start.length) throw new WasiErrno(ENOTCAPABLE, `path ${JSON.stringify(guestPath)} leaves the base directory`);
      stack.pop();
      continue;
    }
    const last = pending.length === 0;
    if (last && !follow) {
      stack.push(name);
      break;
    }
    const candidate = hostPath(root, [...stack, name]);
    let st: HostStat;
    try {
      st = fs.lstat(candidate);
    } catch (e) {
      if (last && (e as { code?: string }).code === 'ENOENT') {
        stack.push(name);
        break;
      }
      throw e;
    }
    if (st.filetype === FILETYPE_SYMBOLIC_LINK) {
      if (++links > MAX_SYMLINKS) throw new WasiErrno(ELOOP, 'too many levels of symbolic links');
      const target = linkText.decode(fs.readlink(candidate));
      if (target.startsWith('/')) throw new WasiErrno(ENOTCAPABLE, `symlink ${JSON.stringify(name)} has an absolute target`);
      if (target === '') throw new WasiErrno(ENOENT, 'empty symlink');
      pending = [...components(target), ...pending];
      continue;
    }
    if (!last && st.filetype !== FILETYPE_DIRECTORY) throw new WasiErrno(ENOTDIR, `${JSON.stringify(name)} is not a directory`);
    stack.push(name);
  }
  const host = hostPath(root, stack);
  return { parts: stack, host: mustBeDir && stack.length > 0 ? `${host}/` : host, mustBeDir };
}

/**
 * Resolves the directory that holds the last component of `guestPath`, for operations on a
 * directory entry itself (create, remove, rename, link, symlink, readlink): the last component is
 * never followed, and must be a plain name (`.` or `..` there is EINVAL; a trailing `/` is
 * allowed and reported as mustBeDir).
 */
export function resolveEntry(fs: FileSystemBackend, root: string, start: readonly string[], guestPath: string): Resolved & { name: string } {
  checkGuestPath(guestPath);
  const trimmed = guestPath.replace(/\/+$/, '');
  const mustBeDir = trimmed.length !== guestPath.length;
  if (trimmed === '') throw new WasiErrno(ENOTCAPABLE, 'absolute path refused');
  const slash = trimmed.lastIndexOf('/');
  const name = trimmed.slice(slash + 1);
  if (name === '.' || name === '..') throw new WasiErrno(EINVAL, `path ${JSON.stringify(guestPath)} does not name a directory entry`);
  const dir = slash < 0 ? { parts: [...start] } : resolvePath(fs, root, start, trimmed.slice(0, slash + 1), true);
  const parts = [...dir.parts, name];
  return { parts, host: hostPath(root, parts), mustBeDir, name };
}

/** Refuses a symlink target that is absolute or whose `..` climb above the root from `linkDir`. */
export function checkSymlinkTarget(linkDir: readonly string[], target: string): void {
  if (target.includes('\0')) throw new WasiErrno(EINVAL, 'symlink target contains a NUL byte');
  if (target === '') throw new WasiErrno(ENOENT, 'empty symlink target');
  if (target.startsWith('/')) throw new WasiErrno(ENOTCAPABLE, 'absolute symlink targets are refused');
  let depth = linkDir.length;
  for (const c of components(target)) {
    if (c === '..') {
      if (depth === 0) throw new WasiErrno(ENOTCAPABLE, 'symlink target leaves the preopened directory');
      depth--;
    } else depth++;
  }
}
