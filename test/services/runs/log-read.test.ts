// Streaming log reads (src/services/runs/log-read.ts): the start of the last N lines, the first line written at or
// after a time, and line-by-line reading with each line's time, checked on files that cross the 64 KiB read blocks.
import {appendFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {LogCursor, TimesCursor, tailOffset, windowStart} from '../../../src/services/runs/log-read.js'
import {openTaskLog} from '../../../src/services/run/task-log.js'
import {tmpdir} from '../../helpers/tmp.js'

let tmp: {dir: string; cleanup: () => Promise<void>}
const T = suite('log-read')
T.before.each(async () => {
  tmp = await tmpdir('kfp-logread-')
})
T.after.each(async () => {
  await tmp.cleanup()
})

async function linesFrom(file: string, start: number, times?: TimesCursor): Promise<Array<[string, number | undefined]>> {
  const out: Array<[string, number | undefined]> = []
  const c = new LogCursor(file, start, times)
  await c.drain(true, (l, t) => { out.push([l, t]) })
  await c.close()
  return out
}

const long = 'x'.repeat(70 * 1024)
const cases: Array<{name: string; text: string; n: number; want: string[]}> = [
  {name: 'last 2 of 3 lines', text: 'a\nb\nc\n', n: 2, want: ['b', 'c']},
  {name: 'no final newline', text: 'a\nb\nc', n: 2, want: ['b', 'c']},
  {name: 'more than there are', text: 'a\nb\n', n: 10, want: ['a', 'b']},
  {name: 'zero', text: 'a\nb\n', n: 0, want: []},
  {name: 'empty lines count', text: 'a\n\n\n', n: 2, want: ['', '']},
  {name: 'CRLF', text: 'a\r\nb\r\n', n: 1, want: ['b']},
  {name: 'a line longer than a read block', text: `a\n${long}\nz\n`, n: 2, want: [long, 'z']},
  {name: 'multi-byte characters across blocks', text: `${'é'.repeat(40 * 1024)}\n${'ü'.repeat(40 * 1024)}\nend\n`, n: 3, want: ['é'.repeat(40 * 1024), 'ü'.repeat(40 * 1024), 'end']},
  {name: 'empty file', text: '', n: 3, want: []},
]
for (const c of cases) {
  T(`tail: ${c.name}`, async () => {
    const f = path.join(tmp.dir, 'log.txt')
    writeFileSync(f, c.text)
    const got = await linesFrom(f, await tailOffset(f, c.n))
    assert.equal(got.map((x) => x[0]), c.want)
  })
}

T('tail of a 200,000-line log is the last lines, found from the end', async () => {
  const f = path.join(tmp.dir, 'log.txt')
  writeFileSync(f, Array.from({length: 200_000}, (_, i) => `line ${i + 1}`).join('\n') + '\n')
  const got = await linesFrom(f, await tailOffset(f, 3))
  assert.equal(got.map((x) => x[0]), ['line 199998', 'line 199999', 'line 200000'])
})

T('the writer records when bytes arrived; lines get the time of their first byte; since starts at a whole line', async () => {
  const f = path.join(tmp.dir, 'log.txt')
  let now = 1000
  const w = await openTaskLog(f, () => now)
  w.write('one\ntw')
  now = 2000
  w.write('o\nthree\n')
  w.write('four\n') // same millisecond: no new entry
  now = 3000
  w.write('five\n')
  await w.close()
  const all = await linesFrom(f, 0, await TimesCursor.of(f))
  assert.equal(all, [['one', 1000], ['two', 1000], ['three', 2000], ['four', 2000], ['five', 3000]])
  // Since 1500: 'two' began before, so the first whole line from then on is 'three'
  const since = async (ms: number) => {
    const times = await TimesCursor.of(f)
    return (await linesFrom(f, await windowStart(f, {sinceMs: ms}, times), times)).map((x) => x[0])
  }
  assert.equal(await since(1500), ['three', 'four', 'five'])
  assert.equal(await since(3000), ['five'])
  assert.equal(await since(3001), [])
  assert.equal(await since(0), ['one', 'two', 'three', 'four', 'five'])
  // Tail and since together: the later start wins
  const times = await TimesCursor.of(f)
  assert.equal((await linesFrom(f, await windowStart(f, {sinceMs: 1500, tail: 1}, times), times)).map((x) => x[0]), ['five'])
})

T('appending (a retry) continues the offsets of the file', async () => {
  const f = path.join(tmp.dir, 'log.txt')
  let w = await openTaskLog(f, () => 10)
  w.write('first\n')
  await w.close()
  w = await openTaskLog(f, () => 20)
  w.write('second\n')
  await w.close()
  assert.equal(await linesFrom(f, 0, await TimesCursor.of(f)), [['first', 10], ['second', 20]])
})

T('a write that fails only as the log closes (one short line on a full disk) is its error, with the path', async () => {
  const f = path.join(tmp.dir, 'log.txt')
  // Every write to /dev/full fails with ENOSPC.
  symlinkSync('/dev/full', f)
  const reported: string[] = []
  const w = await openTaskLog(f, () => 10, (e) => reported.push(`${e.code} ${e.path}`))
  w.write('one line\n')
  await w.close()
  assert.is(w.error?.code, 'ENOSPC')
  assert.equal(reported, [`ENOSPC ${f}`])
})

T('a log without a times file: since falls back on when the step ended', async () => {
  const f = path.join(tmp.dir, 'log.txt')
  writeFileSync(f, 'a\nb\n')
  assert.is(await TimesCursor.of(f), undefined)
  assert.is(await windowStart(f, {sinceMs: 5000}, undefined, 4000), 4)
  assert.is(await windowStart(f, {sinceMs: 5000}, undefined, 6000), 0)
})

T('drain goes on from where it stopped (follow) and holds back a partial last line until final', async () => {
  const f = path.join(tmp.dir, 'log.txt')
  writeFileSync(f, 'a\nb')
  const got: string[] = []
  const c = new LogCursor(f, 0)
  await c.drain(false, (l) => { got.push(l) })
  assert.equal(got, ['a'])
  appendFileSync(f, 'c\nd\n')
  await c.drain(false, (l) => { got.push(l) })
  assert.equal(got, ['a', 'bc', 'd'])
  appendFileSync(f, 'e')
  await c.drain(true, (l) => { got.push(l) })
  assert.equal(got, ['a', 'bc', 'd', 'e'])
})

T.run()
