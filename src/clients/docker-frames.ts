/**
 * Docker's multiplexed container log stream, read without dockerode: frames of an 8-byte header (stream type 1 stdout
 * or 2 stderr, three zero bytes, the payload length as big-endian uint32) and the payload (Docker Engine API,
 * "Attach to a container": stream format). With `timestamps=1` each log message starts with its RFC 3339 time with
 * nanoseconds and a space.
 */

export type LogStreamName = 'stdout' | 'stderr'

/** One log message: its stream, its time in nanoseconds since the epoch (0n without timestamps), its bytes. */
export interface LogFrame {
  stream: LogStreamName
  timeNs: bigint
  data: Buffer
}

/** A push function cutting chunks of the raw stream into frames, in order; partial frames wait for the next chunk. */
export function frameReader(onFrame: (f: LogFrame) => void, o: {timestamps: boolean}): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0)
  return (chunk) => {
    let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk
    let at = 0
    while (buf.length - at >= 8) {
      const size = buf.readUInt32BE(at + 4)
      if (buf.length - at - 8 < size) break
      const payload = buf.subarray(at + 8, at + 8 + size)
      const stream: LogStreamName = buf[at] === 2 ? 'stderr' : 'stdout'
      at += 8 + size
      if (!o.timestamps) {
        onFrame({stream, timeNs: 0n, data: payload})
        continue
      }
      const space = payload.indexOf(0x20)
      const timeNs = space > 0 ? parseTimeNs(payload.subarray(0, space).toString('latin1')) : undefined
      onFrame(timeNs === undefined ? {stream, timeNs: 0n, data: payload} : {stream, timeNs, data: payload.subarray(space + 1)})
    }
    pending = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0)
    buf = pending
  }
}

/** `2026-12-01T14:40:00.123456789Z` → nanoseconds since the epoch; undefined when it is not such a time. */
export function parseTimeNs(text: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text)
  if (!m) return undefined
  const ms = Date.parse(`${m[1]}${m[3]}`)
  if (Number.isNaN(ms)) return undefined
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
}

/** A time in nanoseconds as the `since` the logs endpoint takes: `seconds.nanoseconds`. */
export function sinceParam(timeNs: bigint): string {
  return `${timeNs / 1_000_000_000n}.${String(timeNs % 1_000_000_000n).padStart(9, '0')}`
}

/**
 * Where a catch-up read resumes: the frames already delivered are those up to the last time seen and, of frames at
 * exactly that time, the first `atLast`. Returns whether a catch-up frame is new.
 */
export function resumeFilter(lastNs: bigint, atLast: number): (f: LogFrame) => boolean {
  let sameSeen = 0
  return (f) => {
    if (f.timeNs < lastNs) return false
    if (f.timeNs === lastNs && sameSeen < atLast) {
      sameSeen++
      return false
    }
    return true
  }
}
