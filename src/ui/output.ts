import {whenWritable} from '../lib/backpressure.js'

/**
 * Where human output goes: results to stdout, progress/warnings/logs to stderr.
 *
 * Colour (decided per stream by `colorEnabled`): FORCE_COLOR (any value but 0/false) forces it on; otherwise it is off
 * with NO_COLOR, in CI, or when the stream is not a terminal. `color` is for stderr, `colorOut` for stdout.
 */
export interface Io {
  out(text: string): void
  err(text: string): void
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  /** Colour on stderr (progress, warnings, errors). */
  readonly color: boolean
  /** Colour on stdout (tables, result lines). */
  readonly colorOut: boolean
  /** Width of stdout when it is a terminal (COLUMNS, else 80); undefined when piped. */
  readonly columns?: number
  /** A promise while stderr's buffer is full (its reader is slower than kfp), else undefined (backpressure). */
  errWritable?(): Promise<void> | undefined
}

/** Whether a stream gets ANSI colour: FORCE_COLOR wins (as in Node's own tty.hasColors), then NO_COLOR, CI, not a TTY. */
export function colorEnabled(isTTY: boolean, env: Record<string, string | undefined> = process.env): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '' ) return force !== '0' && force !== 'false'
  if (env.NO_COLOR) return false
  if (env.CI) return false
  return isTTY
}

export function createIo(env: Record<string, string | undefined> = process.env): Io {
  const stdoutIsTTY = Boolean(process.stdout.isTTY)
  const columns = stdoutIsTTY ? process.stdout.columns || Number(env.COLUMNS) || 80 : undefined
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    stdoutIsTTY,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    color: colorEnabled(Boolean(process.stderr.isTTY), env),
    colorOut: colorEnabled(stdoutIsTTY, env),
    columns,
    errWritable: () => whenWritable(process.stderr),
  }
}

const codes = {red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22], cyan: [36, 39]} as const
export type Style = keyof typeof codes

/** Wraps text in an ANSI style when colour is on (`{color: io.color}` for stderr, `{color: io.colorOut}` for stdout). */
export function style(io: Pick<Io, 'color'>, s: Style, text: string): string {
  if (!io.color) return text
  const [a, b] = codes[s]
  return `\u001B[${a}m${text}\u001B[${b}m`
}

/** Removes ANSI escape sequences (for widths and for plain output). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*[A-Za-z]/g, '')
}
