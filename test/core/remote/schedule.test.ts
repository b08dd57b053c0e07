import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {crontabSchedule, describeTrigger, kfpCron, parseEvery} from '../../../src/core/remote/schedule.js'

const cron = suite("kfpCron: --cron → KFP's six-field, seconds-first cron (robfig/cron v1 cron.Parse)")
const ok: Array<[string, string]> = [
  ['0 3 * * *', '0 0 3 * * *'], // 03:00 daily, not "hourly at :03"
  ['*/15 * * * *', '0 */15 * * * *'],
  ['0 3 * * mon-fri', '0 0 3 * * mon-fri'],
  ['30 2 1 jan,jul *', '0 30 2 1 jan,jul *'],
  ['0 0 3 * * *', '0 0 3 * * *'], // six fields: as given
  ['15 0 3 * * 1', '15 0 3 * * 1'],
  ['@daily', '@daily'],
  ['@every 6h', '@every 6h'],
  ['  0   3 * * *  ', '0 0 3 * * *'],
]
for (const [given, want] of ok) cron(`${given} → ${want}`, () => assert.equal(kfpCron(given), {ok: true, value: want}))
const bad: Array<[string, RegExp]> = [
  ['0 3 * *', /has 4 field\(s\); give five/],
  ['0 3 * * * * *', /has 7 field/],
  ['60 3 * * *', /minute field '60' is outside 0-59/],
  ['0 24 * * *', /hour field '24' is outside 0-23/],
  ['0 3 0 * *', /day of month field '0' is outside 1-31/],
  ['0 3 * 13 *', /month field '13' is outside 1-12/],
  ['0 3 * * 7', /day of week field '7' is outside 0-6/],
  ['0 3 * * funday', /day of week field 'funday' is not a number or a name/],
  ['*/0 * * * *', /bad step/],
  ['@fortnightly', /not a cron descriptor/],
]
for (const [given, why] of bad) {
  cron(`${given} is refused`, () => {
    const r = kfpCron(given)
    assert.is(r.ok, false)
    if (!r.ok) assert.match(r.message, why)
  })
}
cron.run()

const every = suite('parseEvery and the crontab form of a trigger')
every('durations', () => {
  assert.equal(parseEvery('24h'), {ok: true, value: 86400})
  assert.equal(parseEvery('1h30m'), {ok: true, value: 5400})
  assert.equal(parseEvery('7d'), {ok: true, value: 604800})
  assert.equal(parseEvery('45s'), {ok: true, value: 45})
  assert.is(parseEvery('soon').ok, false)
  assert.is(parseEvery('0s').ok, false)
  assert.is(parseEvery('24').ok, false)
})
every('crontab lines: the seconds dropped; intervals cron can express; the rest refused', () => {
  assert.equal(crontabSchedule({kind: 'cron', cron: '0 0 3 * * *', given: '0 3 * * *'}), {ok: true, value: '0 3 * * *'})
  assert.equal(crontabSchedule({kind: 'cron', cron: '@daily', given: '@daily'}), {ok: true, value: '@daily'})
  assert.is(crontabSchedule({kind: 'cron', cron: '30 0 3 * * *', given: '30 0 3 * * *'}).ok, false)
  assert.equal(crontabSchedule({kind: 'every', seconds: 86400, given: '24h'}), {ok: true, value: '0 0 * * *'})
  assert.equal(crontabSchedule({kind: 'every', seconds: 6 * 3600, given: '6h'}), {ok: true, value: '0 */6 * * *'})
  assert.equal(crontabSchedule({kind: 'every', seconds: 900, given: '15m'}), {ok: true, value: '*/15 * * * *'})
  assert.equal(crontabSchedule({kind: 'every', seconds: 3600, given: '1h'}), {ok: true, value: '0 * * * *'})
  assert.is(crontabSchedule({kind: 'every', seconds: 7 * 3600, given: '7h'}).ok, false)
  assert.is(describeTrigger({intervalSeconds: 5400}), 'every 1h30m')
  assert.is(describeTrigger({cron: '0 0 3 * * *'}), 'cron 0 0 3 * * *')
})
every.run()
