/**
 * Streamed log lines (`kfp run` watching its steps) leave in batches: one write per burst, not per line, so a step
 * printing 200 MB costs about the time of --no-watch. A batch is written at the end of the event-loop turn, or at
 * once when it reaches `maxLines` lines or `maxChars` characters (memory stays bounded). `push` returns a promise
 * while the stream is full (its reader is slower than the step): the caller holds the step's output until then.
 * `flush` writes what is pending now (before any other line, so the order stays as it happened).
 */
export interface LogBatch {
  push(line: string): Promise<void> | undefined
  flush(): void
}

export function createLogBatch(
  write: (text: string) => void,
  /** A promise while the stream's buffer is full (lib/backpressure.ts whenWritable), else undefined. */
  writable: () => Promise<void> | undefined,
  o: {maxLines?: number; maxChars?: number} = {},
): LogBatch {
  const maxLines = o.maxLines ?? 4096
  const maxChars = o.maxChars ?? 256 * 1024
  let pending: string[] = []
  let chars = 0
  /** The stream's wait after the last write, until it settles (the stream fills only when written to). */
  let full: Promise<void> | undefined
  const flush = () => {
    if (pending.length === 0) return
    write(pending.join('\n'))
    pending = []
    chars = 0
    const wait = writable()
    if (wait !== full) {
      full = wait
      void wait?.then(() => {
        if (full === wait) full = undefined
      })
    }
  }
  return {
    push(line) {
      if (pending.length === 0) setImmediate(flush)
      pending.push(line)
      chars += line.length
      if (pending.length >= maxLines || chars >= maxChars) flush()
      return full
    },
    flush,
  }
}
