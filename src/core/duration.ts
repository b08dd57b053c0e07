/**
 * Durations as people type them on the command line: numbers each followed by a unit, no spaces (`90s`, `10m`,
 * `1h30m`, `2d`; Go's duration syntax as kubectl takes it, plus `d`). Pure. The one parser behind `kfp logs --since`
 * (core/logs/window.ts) and `kfp schedule create --every` (core/remote/schedule.ts), each with its own units.
 */

/** Each unit's size in the scale the caller wants back (milliseconds, seconds, ...). */
export type DurationUnits = Readonly<Record<string, number>>

/** The sum of `text`'s parts in the units' scale; undefined when it is not such a duration (or uses another unit). */
export function parseDuration(text: string, units: DurationUnits): number | undefined {
  // Longest unit names first, so `ms` is not read as `m` followed by garbage.
  const names = Object.keys(units).sort((a, b) => b.length - a.length).join('|')
  const s = text.trim()
  if (!new RegExp(`^(\\d+(\\.\\d+)?(${names}))+$`).test(s)) return undefined
  let total = 0
  for (const m of s.matchAll(new RegExp(`(\\d+(?:\\.\\d+)?)(${names})`, 'g'))) total += Number(m[1]) * units[m[2]]
  return total
}

const MS_UNITS: DurationUnits = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** A duration (`90s`, `10m`, `1h30m`, `2d`, `500ms`) in milliseconds; undefined when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  return parseDuration(text, MS_UNITS)
}
