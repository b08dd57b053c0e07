/**
 * Streamed log lines (`kfp run` watching its steps) leave in batches: one write per burst, not per line, so a step
 * printing 200 MB costs about the time of --no-watch. A batch is written at the end of the event-loop turn, or at
 * once when it reaches `maxBlocks` pushes or `maxChars` characters (memory stays bounded; a block of that size, the
 * lines of a whole 64 KiB chunk, leaves alone, uncopied). `push` takes one or more whole lines, each ending with `\n`
 * (so nothing is appended to the text written: a 200 MB log is not copied once more for that). It returns a promise
 * while the stream is full (its reader is slower than the step): the caller holds the step's output until then.
 * `flush` writes what is pending now (before any other line, so the order stays as it happened).
 */
export interface LogBatch {
  push(lines: string): Promise<void> | undefined
  flush(): void
}

/**
 * Every line of `lines` (joined with `\n`) with `prefix` before it and `\n` after it: `[train] ` + each line of a
 * step's output.
 */
export function prefixLines(prefix: string, lines: string): string {
  return `${prefix}${lines.includes('\n') ? lines.replaceAll('\n', `\n${prefix}`) : lines}\n`
}

export function createLogBatch(
  write: (text: string) => void,
  /** A promise while the stream's buffer is full (lib/backpressure.ts whenWritable), else undefined. */
  writable: () => Promise<void> | undefined,
  o: {maxBlocks?: number; maxChars?: number} = {},
): LogBatch {
  const maxBlocks = o.maxBlocks ?? 4096
  const maxChars = o.maxChars ?? 64 * 1024
  let pending: string[] = []
  let chars = 0
  const flush = () => {
    if (pending.length === 0) return
    write(pending.length === 1 ? pending[0] : pending.join(''))
    pending = []
    chars = 0
  }
  return {
    push(lines) {
      pending.push(lines)
      chars += lines.length
      if (pending.length >= maxBlocks || chars >= maxChars) flush()
      else if (pending.length === 1) setImmediate(flush)
      // The stream's own state: full since the last write (the stream fills only when written to) until it drains.
      return writable()
    },
    flush,
  }
}
