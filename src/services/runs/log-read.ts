// Streaming reads of a step's log (`log.txt` + its `log.times` sidecar, see src/services/run/task-log.ts) for
// `kfp logs`: the start of the last N lines (read backwards in blocks), the first byte written at or after a time,
// and line-by-line reading from an offset with each line's time. Nothing here reads a whole file into memory.
import {existsSync} from 'node:fs'
import {open, type FileHandle} from 'node:fs/promises'
import {timesFileOf} from '../run/task-log.js'

const BLOCK = 64 * 1024
const NL = 0x0a

/** Offset of the first of the last `n` lines of the file (a last line without a newline counts). */
export async function tailOffset(file: string, n: number): Promise<number> {
  const fh = await open(file, 'r')
  try {
    const {size} = await fh.stat()
    if (n <= 0) return size
    let pos = size
    let seen = 0
    const buf = Buffer.alloc(BLOCK)
    // The file's final newline ends the last line; it does not start another one.
    let skipFinal = true
    while (pos > 0) {
      const len = Math.min(BLOCK, pos)
      pos -= len
      await fh.read(buf, 0, len, pos)
      for (let i = len - 1; i >= 0; i--) {
        if (buf[i] !== NL) {
          skipFinal = false
          continue
        }
        if (skipFinal && pos + i === size - 1) continue
        skipFinal = false
        if (++seen === n) return pos + i + 1
      }
    }
    return 0
  } finally {
    await fh.close()
  }
}

/** Reads `<offset> <ms>` entries of a times sidecar in order, a block at a time. */
export class TimesCursor {
  private fh?: FileHandle
  private pos = 0
  private rest = ''
  private queue: Array<[number, number]> = []
  private current?: [number, number]

  private constructor(private file: string) {}

  /** A cursor over the sidecar of `logFile`, or undefined when the log has none (written by an older kfp). */
  static async of(logFile: string): Promise<TimesCursor | undefined> {
    const f = timesFileOf(logFile)
    if (!existsSync(f)) return undefined
    const c = new TimesCursor(f)
    c.fh = await open(f, 'r')
    return c
  }

  /** Reads more entries; false at the (current) end of the file. */
  private async more(): Promise<boolean> {
    const buf = Buffer.alloc(16 * 1024)
    const {bytesRead} = await this.fh!.read(buf, 0, buf.length, this.pos)
    if (bytesRead === 0) return false
    this.pos += bytesRead
    const lines = (this.rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n')
    this.rest = lines.pop() ?? ''
    for (const l of lines) {
      const [o, t] = l.split(' ').map(Number)
      if (Number.isFinite(o) && Number.isFinite(t)) this.queue.push([o, t])
    }
    return true
  }

  private async peek(): Promise<[number, number] | undefined> {
    while (this.queue.length === 0) if (!(await this.more())) return undefined
    return this.queue[0]
  }

  /** The time of the byte at `offset`; offsets must not decrease between calls. */
  async timeAt(offset: number): Promise<number | undefined> {
    for (;;) {
      const next = await this.peek()
      if (!next || next[0] > offset) return this.current?.[1]
      this.current = this.queue.shift()
    }
  }

  /** Reads entries until one lies beyond `offset` (or the file ends), so that timeAtSync answers up to it. */
  async readBeyond(offset: number): Promise<void> {
    while (!(this.queue.length && this.queue[this.queue.length - 1][0] > offset) && (await this.more()));
  }

  /** timeAt without reading: valid for offsets up to the one given to the last readBeyond. */
  timeAtSync(offset: number): number | undefined {
    while (this.queue.length && this.queue[0][0] <= offset) this.current = this.queue.shift()
    return this.current?.[1]
  }

  /** The offset of the first byte written at or after `ms`, or undefined when everything is older. */
  async firstAtOrAfter(ms: number): Promise<number | undefined> {
    for (;;) {
      const next = await this.peek()
      if (!next) return undefined
      if (next[1] >= ms) return next[0]
      this.current = this.queue.shift()
    }
  }

  async close(): Promise<void> {
    await this.fh?.close()
    this.fh = undefined
  }
}

/**
 * Reads a log line by line from an offset, as far as the file goes now; call `drain` again to go on (follow).
 * Lines are split on bytes (a multi-byte character never holds a newline byte), so offsets stay exact.
 */
export class LogCursor {
  private rest: Buffer = Buffer.alloc(0)
  private restStart: number

  constructor(
    readonly file: string,
    private pos: number,
    private times?: TimesCursor,
  ) {
    this.restStart = pos
  }

  /**
   * Emits every complete line from the cursor on (and with `final`, a last line without a newline). When `onLine`
   * returns a promise (its output is full), reading waits for it: memory stays bounded whatever the log's size.
   */
  async drain(final: boolean, onLine: (line: string, timeMs: number | undefined) => void | Promise<void>): Promise<void> {
    if (existsSync(this.file)) {
      const fh = await open(this.file, 'r')
      try {
        const buf = Buffer.alloc(BLOCK)
        for (;;) {
          const {bytesRead} = await fh.read(buf, 0, BLOCK, this.pos)
          if (bytesRead === 0) break
          this.pos += bytesRead
          await this.times?.readBeyond(this.pos)
          await this.split(Buffer.concat([this.rest, buf.subarray(0, bytesRead)]), onLine)
        }
      } finally {
        await fh.close()
      }
    }
    if (final && this.rest.length) {
      const start = this.restStart
      const text = this.rest.toString('utf8')
      this.rest = Buffer.alloc(0)
      this.restStart = this.pos
      await onLine(text, await this.times?.timeAt(start))
    }
  }

  private async split(data: Buffer, onLine: (line: string, timeMs: number | undefined) => void | Promise<void>): Promise<void> {
    let from = 0
    for (let i = data.indexOf(NL); i >= 0; i = data.indexOf(NL, from)) {
      const start = this.restStart + from
      const line = data.subarray(from, data[i - 1] === 0x0d && i > from ? i - 1 : i).toString('utf8')
      from = i + 1
      const wait = onLine(line, this.times?.timeAtSync(start))
      if (wait) await wait
    }
    this.restStart += from
    this.rest = Buffer.from(data.subarray(from))
  }

  async close(): Promise<void> {
    await this.times?.close()
  }
}

/** Where reading starts for a window: the later of the last-N-lines start and the first line at/after `sinceMs`. */
export async function windowStart(
  file: string,
  w: {tail?: number; sinceMs?: number},
  times: TimesCursor | undefined,
  /** For logs without times: when the step ended (everything is older than that). */
  finishedMs?: number,
): Promise<number> {
  let start = 0
  if (w.sinceMs !== undefined) {
    if (times) {
      const at = await times.firstAtOrAfter(w.sinceMs)
      start = at === undefined ? await sizeOf(file) : await lineStartAtOrAfter(file, at)
    } else if (finishedMs !== undefined && finishedMs < w.sinceMs) start = await sizeOf(file)
  }
  if (w.tail !== undefined) start = Math.max(start, await tailOffset(file, w.tail))
  return start
}

async function sizeOf(file: string): Promise<number> {
  const fh = await open(file, 'r')
  try {
    return (await fh.stat()).size
  } finally {
    await fh.close()
  }
}

/** `offset` when a line starts there, else the start of the next line. */
async function lineStartAtOrAfter(file: string, offset: number): Promise<number> {
  if (offset === 0) return 0
  const fh = await open(file, 'r')
  try {
    const buf = Buffer.alloc(BLOCK)
    let pos = offset - 1
    for (;;) {
      const {bytesRead} = await fh.read(buf, 0, BLOCK, pos)
      if (bytesRead === 0) return pos
      const i = buf.subarray(0, bytesRead).indexOf(NL)
      if (i >= 0) return pos + i + 1
      pos += bytesRead
    }
  } finally {
    await fh.close()
  }
}
