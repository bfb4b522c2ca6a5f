// WASI preview1 error numbers, as `wasi_snapshot_preview1`'s `errno` enum defines them (the
// same numbers as wasi-libc's <errno.h>), and the one table from Node's `err.code` strings to them.

/** The enum in order: index = number. `SUCCESS` is 0, `NOTCAPABLE` is 76. */
const NAMES = [
  'SUCCESS', '2BIG', 'ACCES', 'ADDRINUSE', 'ADDRNOTAVAIL', 'AFNOSUPPORT', 'AGAIN', 'ALREADY',
  'BADF', 'BADMSG', 'BUSY', 'CANCELED', 'CHILD', 'CONNABORTED', 'CONNREFUSED', 'CONNRESET',
  'DEADLK', 'DESTADDRREQ', 'DOM', 'DQUOT', 'EXIST', 'FAULT', 'FBIG', 'HOSTUNREACH',
  'IDRM', 'ILSEQ', 'INPROGRESS', 'INTR', 'INVAL', 'IO', 'ISCONN', 'ISDIR',
  'LOOP', 'MFILE', 'MLINK', 'MSGSIZE', 'MULTIHOP', 'NAMETOOLONG', 'NETDOWN', 'NETRESET',
  'NETUNREACH', 'NFILE', 'NOBUFS', 'NODEV', 'NOENT', 'NOEXEC', 'NOLCK', 'NOLINK',
  'NOMEM', 'NOMSG', 'NOPROTOOPT', 'NOSPC', 'NOSYS', 'NOTCONN', 'NOTDIR', 'NOTEMPTY',
  'NOTRECOVERABLE', 'NOTSOCK', 'NOTSUP', 'NOTTY', 'NXIO', 'OVERFLOW', 'OWNERDEAD', 'PERM',
  'PIPE', 'PROTO', 'PROTONOSUPPORT', 'PROTOTYPE', 'RANGE', 'ROFS', 'SPIPE', 'SRCH',
  'STALE', 'TIMEDOUT', 'TXTBSY', 'XDEV', 'NOTCAPABLE',
] as const;

export const ESUCCESS = 0;
export const E2BIG = 1;
export const EACCES = 2;
export const EAGAIN = 6;
export const EBADF = 8;
export const EEXIST = 20;
export const EFAULT = 21;
export const EILSEQ = 25;
export const EINVAL = 28;
export const EIO = 29;
export const EISDIR = 31;
export const ELOOP = 32;
export const ENAMETOOLONG = 37;
export const ENOENT = 44;
export const ENOSYS = 52;
export const ENOTDIR = 54;
export const ENOTEMPTY = 55;
export const ENOTSOCK = 57;
export const ENOTSUP = 58;
export const EOVERFLOW = 61;
export const EPERM = 63;
export const ESPIPE = 70;
export const ENOTCAPABLE = 76;

/** Every errno by its name with the `E` prefix (`ENOENT` → 44); `ESUCCESS` is 0. */
export const errno: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(NAMES.map((name, i) => [`E${name}`, i])),
);

/** `ENOENT` for 44, `ESUCCESS` for 0, `E?123` for a number outside the enum. */
export function errnoName(code: number): string {
  const name = NAMES[code];
  return name === undefined ? `E?${code}` : `E${name}`;
}

/** Node's `err.code` → WASI errno. POSIX names map to the WASI errno of the same name. */
const FROM_NODE: ReadonlyMap<string, number> = new Map<string, number>([
  ...NAMES.slice(1).map((name, i): [string, number] => [`E${name}`, i + 1]),
  ['EOPNOTSUPP', ENOTSUP],
  ['EWOULDBLOCK', EAGAIN],
  ['ENOTBLK', ENOTSUP],
  ['ENOTUNIQ', EINVAL],
  ['ETOOMANYREFS', EINVAL],
  ['ECHARSET', EILSEQ],
  ['ENOSR', ENOTSUP],
  ['ENODATA', ENOENT],
  ['EFTYPE', EINVAL],
  ['ERR_FS_FILE_TOO_LARGE', 22],
]);

/** The WASI errno for an error Node threw (`err.code`), or EIO when there is none to map. */
export function errnoFromNode(e: unknown): number {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return FROM_NODE.get(code) ?? EIO;
  return EIO;
}

/** Thrown inside host functions to return an errno; the import wrapper turns it into the result. */
export class WasiErrno extends Error {
  constructor(readonly errno: number, message?: string) {
    super(message ?? errnoName(errno));
    this.name = 'WasiErrno';
  }
}
