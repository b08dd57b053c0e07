// Exit codes and the words for errno causes, without @oclif/core: lib/stdout-guard.ts loads this before oclif starts
// (src/main.ts), and `kfp --help` / `--version` must stay fast. lib/errors.ts re-exports both.

/**
 * Exit codes of every kfp command. Printed in `kfp --help` and the README.
 * 0 ok · 1 unexpected (a bug) · 2 usage · 3 config/validation · 4 auth · 5 external tool or step failed ·
 * 6 remote server/network · 7 run did not succeed · 130 interrupted.
 */
export const EXIT = {
  OK: 0,
  BUG: 1,
  USAGE: 2,
  CONFIG: 3,
  AUTH: 4,
  EXTERNAL: 5,
  REMOTE: 6,
  RUN_FAILED: 7,
  INTERRUPTED: 130,
} as const

const FS_CAUSES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EMFILE: 'too many open files',
}

/** The cause of an errno error as environmentError words it ("the disk is full (ENOSPC)"); else undefined. */
export function environmentCause(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException
  const cause = e && typeof e.code === 'string' ? FS_CAUSES[e.code] : undefined
  return cause && `${cause} (${e.code})`
}
