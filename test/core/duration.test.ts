import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseDuration, parseDurationMs} from '../../src/core/duration.js'
import {parseSince} from '../../src/core/logs/window.js'
import {parseEvery} from '../../src/core/remote/schedule.js'

test('parseDurationMs (kfp logs --since): Go-style parts with ms, s, m, h, d', () => {
  const cases: Array<[string, number | undefined]> = [
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['500ms', 500],
    ['1m500ms', 60_500],
    ['1.5h', 5_400_000],
    [' 10m ', 600_000],
    ['10', undefined],
    ['10 m', undefined],
    ['m', undefined],
    ['', undefined],
    ['1w', undefined],
    ['10m-', undefined],
  ]
  for (const [text, ms] of cases) assert.is(parseDurationMs(text), ms, text)
})

test('parseEvery (kfp schedule create --every) takes s, m, h, d only, in whole seconds of at least 1s', () => {
  assert.equal(parseEvery('1h30m'), {ok: true, value: 5400})
  assert.equal(parseEvery('1.5m'), {ok: true, value: 90})
  assert.equal(parseEvery('500ms'), {ok: false, message: "'500ms' is not a duration like 30m, 6h, 24h, 7d or 1h30m"})
  assert.equal(parseEvery('0.5s'), {ok: false, message: "'0.5s' must be a whole number of seconds, at least 1s"})
})

test('parseDuration sums in the scale of the units it is given; a unit it is not given is not a duration', () => {
  assert.is(parseDuration('2h5m', {h: 60, m: 1}), 125)
  assert.is(parseDuration('2d', {h: 60, m: 1}), undefined)
})

test('parseSince: a duration back from now, an ISO time, else a usage error naming --since', () => {
  const now = new Date('2025-01-01T12:00:00Z')
  assert.is(parseSince('10m', now), Date.parse('2025-01-01T11:50:00Z'))
  assert.is(parseSince('2025-01-01T10:00:00Z', now), Date.parse('2025-01-01T10:00:00Z'))
  assert.throws(() => parseSince('yesterday', now), (e: Error) => /^--since yesterday: expected a duration/.test(e.message))
})

test.run()
