/**
 * Schedules of recurring runs. Pure.
 *
 * KFP reads `trigger.cron_schedule.cron` with robfig/cron v1 `cron.Parse` (backend/src/apiserver/server/api_converter.go
 * `toModelJob`; the controller's backend/src/crd/controller/scheduledworkflow/util/cron_schedule.go): **six fields,
 * seconds first** (second minute hour day-of-month month [day-of-week]; a fifth field set reads as "no day of week").
 * So the standard five-field `0 3 * * *` would mean "03 minutes past every hour". `--cron` takes the standard form and
 * prefixes the seconds; a six-field expression and the descriptors (`@daily`, `@every 6h`) go as given.
 */

import {parseDuration} from '../duration.js'

export type Trigger = {kind: 'cron'; cron: string; given: string} | {kind: 'every'; seconds: number; given: string}

export type Parsed<T> = {ok: true; value: T} | {ok: false; message: string}

const FIELDS: Array<{name: string; lo: number; hi: number; names?: string[]}> = [
  {name: 'second', lo: 0, hi: 59},
  {name: 'minute', lo: 0, hi: 59},
  {name: 'hour', lo: 0, hi: 23},
  {name: 'day of month', lo: 1, hi: 31},
  {name: 'month', lo: 1, hi: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']},
  {name: 'day of week', lo: 0, hi: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']},
]
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'])

/** The cron KFP stores for `--cron EXPR`: five fields get seconds `0` in front; six fields and descriptors are kept. */
export function kfpCron(expr: string): Parsed<string> {
  const t = expr.trim().replace(/\s+/g, ' ')
  if (t.startsWith('@')) {
    if (DESCRIPTORS.has(t)) return {ok: true, value: t}
    const every = /^@every (.+)$/.exec(t)
    if (every && parseEvery(every[1]).ok) return {ok: true, value: t}
    return {ok: false, message: `'${expr}' is not a cron descriptor (@yearly, @monthly, @weekly, @daily, @hourly, @every DURATION)`}
  }
  const parts = t.split(' ')
  if (parts.length !== 5 && parts.length !== 6) {
    return {ok: false, message: `'${expr}' has ${parts.length} field(s); give five (minute hour day-of-month month day-of-week) or six (seconds first)`}
  }
  const six = parts.length === 5 ? ['0', ...parts] : parts
  for (let i = 0; i < 6; i++) {
    const problem = fieldProblem(six[i], FIELDS[i])
    if (problem) return {ok: false, message: `'${expr}': ${FIELDS[i].name} field '${six[i]}' ${problem}`}
  }
  return {ok: true, value: six.join(' ')}
}

function fieldProblem(field: string, f: (typeof FIELDS)[number]): string | undefined {
  const value = (v: string): number => {
    const n = f.names?.indexOf(v.toLowerCase()) ?? -1
    if (n >= 0) return n + f.lo
    return /^\d+$/.test(v) ? Number(v) : Number.NaN
  }
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/')
    if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return 'has a bad step (/N)'
    if (range === '*' || range === '?') continue
    const [a, b, more] = range.split('-')
    const x = value(a)
    const y = b === undefined ? x : value(b)
    if (more !== undefined || Number.isNaN(x) || Number.isNaN(y)) return `is not a number${f.names ? ' or a name' : ''}, a range or *`
    if (x < f.lo || y > f.hi || y < x) return `is outside ${f.lo}-${f.hi}`
  }
  return undefined
}

/** `--every 24h` → seconds. Units s, m, h, d; combined like `1h30m` (core/duration.ts). */
export function parseEvery(text: string): Parsed<number> {
  const seconds = parseDuration(text, {s: 1, m: 60, h: 3600, d: 86400})
  if (seconds === undefined) return {ok: false, message: `'${text}' is not a duration like 30m, 6h, 24h, 7d or 1h30m`}
  if (!Number.isInteger(seconds) || seconds < 1) return {ok: false, message: `'${text}' must be a whole number of seconds, at least 1s`}
  return {ok: true, value: seconds}
}

/** What a trigger means, for people: `cron 0 0 3 * * * (from '0 3 * * *')` or `every 24h`. */
export function describeTrigger(t: {cron?: string; intervalSeconds?: number}): string {
  if (t.cron) return `cron ${t.cron}`
  if (t.intervalSeconds) return `every ${formatSeconds(t.intervalSeconds)}`
  return 'no trigger'
}

export function formatSeconds(s: number): string {
  const parts: string[] = []
  for (const [unit, n] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (s >= n) {
      parts.push(`${Math.floor(s / n)}${unit}`)
      s %= n
    }
  }
  return parts.join('') || '0s'
}

/**
 * The five-field crontab schedule of a trigger, for running it locally with cron: the KFP cron without its seconds
 * (which must be 0), or an interval that cron can express (minutes dividing an hour, hours dividing a day, or a day).
 */
export function crontabSchedule(t: Trigger): Parsed<string> {
  if (t.kind === 'cron') {
    if (t.cron.startsWith('@')) {
      return t.cron.startsWith('@every') ? {ok: false, message: 'cron has no @every; use --every with a whole number of minutes or hours'} : {ok: true, value: t.cron}
    }
    const [sec, ...rest] = t.cron.split(' ')
    if (sec !== '0') return {ok: false, message: `crontab has no seconds field; '${t.given}' runs at second ${sec}`}
    return {ok: true, value: rest.join(' ')}
  }
  const s = t.seconds
  if (s % 60 === 0 && s < 3600 && 60 % (s / 60) === 0) return {ok: true, value: `*/${s / 60} * * * *`}
  if (s === 3600) return {ok: true, value: '0 * * * *'}
  if (s % 3600 === 0 && s < 86400 && 24 % (s / 3600) === 0) return {ok: true, value: `0 */${s / 3600} * * *`}
  if (s === 86400) return {ok: true, value: '0 0 * * *'}
  return {ok: false, message: `cron cannot run every ${formatSeconds(s)}; use an interval that divides an hour or a day`}
}
