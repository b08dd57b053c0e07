// A step's log file as the engine writes it: `log.txt` holds the bytes exactly as the step wrote them (so `cat`
// and `kfp logs` agree), and the sidecar `log.times` says when they arrived: one line `<byte offset> <epoch ms>` per
// write whose millisecond differs from the previous one. A byte's time is that of the last entry at or before its
// offset. `kfp logs --since/--timestamps` read it (src/services/runs/log-read.ts) without reading whole logs.
import {createWriteStream, type WriteStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {whenWritable} from '../../lib/backpressure.js'

/** The sidecar of a log file. */
export function timesFileOf(logFile: string): string {
  return logFile.replace(/\.txt$/, '') + '.times'
}

export interface TaskLogWriter {
  /**
   * Appends a chunk (step output or kfp's own line), noting when it arrived. Returns a promise while the file's
   * write buffer is full (the disk is slower than the step): the step's output waits for it (lib/backpressure.ts).
   */
  write(chunk: Buffer | string): Promise<void> | undefined
  /** Ends both files. */
  close(): Promise<void>
  /**
   * The first error writing either file (the disk filled, it went read-only), with that file's path; from then on
   * nothing more is written.
   */
  readonly error: NodeJS.ErrnoException | undefined
}

function end(s: WriteStream, onError: (err: NodeJS.ErrnoException) => void): Promise<void> {
  // A stream that failed is destroyed already: end() would never call back.
  if (s.destroyed || s.errored) return Promise.resolve()
  // A write that fails while ending is passed here before the stream's 'error' event, which comes later.
  return new Promise((resolve) => s.end((err?: NodeJS.ErrnoException | null) => (err && onError(err), resolve())))
}

/**
 * Opens (appends to) a step's log and its times sidecar. A failed write (ENOSPC in the middle of a step) never
 * throws and never crashes kfp: it is kept in `error`, reported once to `onError`, and ends the writing.
 */
export async function openTaskLog(logFile: string, now: () => number = Date.now, onError: (err: NodeJS.ErrnoException) => void = () => {}): Promise<TaskLogWriter> {
  // Appending (a retry, a resumed log): offsets continue from the file's current size.
  let offset = await stat(logFile).then((s) => s.size, () => 0)
  let error: NodeJS.ErrnoException | undefined
  const failed = (file: string) => (err: NodeJS.ErrnoException) => {
    if (error) return
    // A stream's write errors carry no path (`ENOSPC: no space left on device, write`).
    error = Object.assign(err, {path: err.path ?? file})
    onError(error)
  }
  const log = createWriteStream(logFile, {flags: 'a'}).on('error', failed(logFile))
  const times = createWriteStream(timesFileOf(logFile), {flags: 'a'}).on('error', failed(timesFileOf(logFile)))
  let lastMs = -1
  return {
    get error() {
      return error
    },
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      if (bytes.length === 0 || error) return undefined
      const ms = now()
      if (ms !== lastMs) {
        times.write(`${offset} ${ms}\n`)
        lastMs = ms
      }
      offset += bytes.length
      return log.write(bytes) ? undefined : whenWritable(log)
    },
    async close() {
      await Promise.all([end(log, failed(logFile)), end(times, failed(timesFileOf(logFile)))])
    },
  }
}
