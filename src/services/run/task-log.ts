// A step's log file as the engine writes it: `log.txt` holds the bytes exactly as the step wrote them (so `cat`
// and `kfp logs` agree), and the sidecar `log.times` says when they arrived: one line `<byte offset> <epoch ms>` per
// write whose millisecond differs from the previous one. A byte's time is that of the last entry at or before its
// offset. `kfp logs --since/--timestamps` read it (src/services/runs/log-read.ts) without reading whole logs.
import {createWriteStream, type WriteStream} from 'node:fs'
import {stat} from 'node:fs/promises'

/** The sidecar of a log file. */
export function timesFileOf(logFile: string): string {
  return logFile.replace(/\.txt$/, '') + '.times'
}

export interface TaskLogWriter {
  /** Appends a chunk (step output or kfp's own line), noting when it arrived. */
  write(chunk: Buffer | string): void
  /** Ends both files. */
  close(): Promise<void>
}

function end(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(resolve))
}

/** Opens (appends to) a step's log and its times sidecar. */
export async function openTaskLog(logFile: string, now: () => number = Date.now): Promise<TaskLogWriter> {
  // Appending (a retry, a resumed log): offsets continue from the file's current size.
  let offset = await stat(logFile).then((s) => s.size, () => 0)
  const log = createWriteStream(logFile, {flags: 'a'})
  const times = createWriteStream(timesFileOf(logFile), {flags: 'a'})
  let lastMs = -1
  return {
    write(chunk) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      if (bytes.length === 0) return
      const ms = now()
      if (ms !== lastMs) {
        times.write(`${offset} ${ms}\n`)
        lastMs = ms
      }
      log.write(bytes)
      offset += bytes.length
    },
    async close() {
      await Promise.all([end(log), end(times)])
    },
  }
}
