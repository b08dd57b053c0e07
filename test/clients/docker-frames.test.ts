import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {frameReader, parseTimeNs, resumeFilter, sinceParam, type LogFrame} from '../../src/clients/docker-frames.js'

const F = suite('clients/docker-frames')

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text)
  const h = Buffer.alloc(8)
  h[0] = stream
  h.writeUInt32BE(body.length, 4)
  return Buffer.concat([h, body])
}

F('frames split across chunks arrive whole, in order, with stream and time', () => {
  const raw = Buffer.concat([frame(1, '2026-12-01T14:40:00.5Z a\n'), frame(2, '2026-12-01T14:40:00.000000007Z b\n'), frame(1, '2026-12-01T14:40:01Z c')])
  for (const cut of [1, 7, 8, 9, 30, raw.length - 1]) {
    const got: LogFrame[] = []
    const push = frameReader((f) => got.push(f), {timestamps: true})
    push(raw.subarray(0, cut))
    push(raw.subarray(cut))
    assert.equal(
      got.map((f) => [f.stream, f.timeNs, f.data.toString()]),
      [
        ['stdout', 1796136000500000000n, 'a\n'],
        ['stderr', 1796136000000000007n, 'b\n'],
        ['stdout', 1796136001000000000n, 'c'],
      ],
      `cut at ${cut}`,
    )
  }
})

F('without timestamps the payload is kept as is', () => {
  const got: string[] = []
  frameReader((f) => got.push(f.data.toString()), {timestamps: false})(frame(1, '2026 x'))
  assert.equal(got, ['2026 x'])
})

F('times: RFC 3339 with up to nine fraction digits; since as seconds.nanoseconds', () => {
  const table: Array<[string, bigint | undefined]> = [
    ['1970-01-01T00:00:01Z', 1_000_000_000n],
    ['1970-01-01T00:00:01.1Z', 1_100_000_000n],
    ['1970-01-01T00:00:01.000000001Z', 1_000_000_001n],
    ['1970-01-01T01:00:00+01:00', 0n],
    ['not a time', undefined],
  ]
  for (const [text, ns] of table) assert.is(parseTimeNs(text), ns, text)
  assert.is(sinceParam(1_000_000_001n), '1.000000001')
})

F('a catch-up read skips what was delivered: earlier times, and the frames already seen at the last time', () => {
  const f = (t: bigint, d: string): LogFrame => ({stream: 'stdout', timeNs: t, data: Buffer.from(d)})
  const keep = resumeFilter(5n, 2)
  const read = [f(4n, 'old'), f(5n, 'seen1'), f(5n, 'seen2'), f(5n, 'new-same-time'), f(6n, 'new')]
  assert.equal(read.filter(keep).map((x) => x.data.toString()), ['new-same-time', 'new'])
})

F.run()
