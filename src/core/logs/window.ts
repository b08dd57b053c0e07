/**
 * Which part of a step's log `kfp logs` prints: `--tail N`, `--since 10m|TIME`, `--timestamps`. Shared by the local
 * reader (src/services/runs/log-read.ts) and the server side (src/services/remote/logs.ts), which maps it to the
 * Kubernetes log API's `tailLines`, `sinceSeconds`/`sinceTime` and `timestamps` (the same semantics as
 * `kubectl logs --tail/--since/--timestamps`).
 */
import {CliError, EXIT} from '../../lib/errors.js'
import {parseDurationMs} from '../duration.js'

/** The part of each step's log to print. Pure data; every field optional. */
export interface LogWindow {
  /** At most this many last lines of each step's log (then follow on with -f). 0 prints none. */
  tail?: number
  /** Only lines written at or after this time (epoch ms). */
  sinceMs?: number
  /** Prefix each line with the time it was written (RFC 3339, UTC, milliseconds). */
  timestamps?: boolean
}

/**
 * `--since` as epoch ms: a duration back from `now` (`10m`, `1h30m`, `2d`) or an absolute time
 * (`2025-01-01T12:00:00Z`, any ISO 8601 form with a date). Throws a usage error naming the flag otherwise.
 */
export function parseSince(text: string, now: Date): number {
  const d = parseDurationMs(text)
  if (d !== undefined) return now.getTime() - d
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const t = Date.parse(text.trim())
    if (Number.isFinite(t)) return t
  }
  throw new CliError('USAGE', `--since ${text}: expected a duration such as 30s, 10m, 1h30m or 2d, or a time such as 2025-01-01T12:00:00Z.`, {
    exit: EXIT.USAGE,
    hints: ['kfp logs latest --since 10m'],
  })
}

/** True when the window restricts or decorates anything. */
export function windowIsSet(w: LogWindow): boolean {
  return w.tail !== undefined || w.sinceMs !== undefined || Boolean(w.timestamps)
}

/** A line as printed with `--timestamps` (`kubectl logs --timestamps` puts the time first, then one space). */
export function stampLine(line: string, timeMs: number | undefined): string {
  return `${timeMs === undefined ? '-' : new Date(timeMs).toISOString()} ${line}`
}
