/**
 * Where human output goes: results to stdout, progress/warnings/logs to stderr.
 * Colour is off when NO_COLOR is set or the stream is not a TTY.
 */
export interface Io {
  out(text: string): void
  err(text: string): void
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  readonly color: boolean
}

export function createIo(env: Record<string, string | undefined> = process.env): Io {
  const color = !env.NO_COLOR && env.FORCE_COLOR !== '0' && Boolean(process.stderr.isTTY)
  return {
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    color,
  }
}

const codes = {red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22], cyan: [36, 39]} as const
export type Style = keyof typeof codes

/** Wraps text in an ANSI style when colour is on. */
export function style(io: Pick<Io, 'color'>, s: Style, text: string): string {
  if (!io.color) return text
  const [a, b] = codes[s]
  return `\u001B[${a}m${text}\u001B[${b}m`
}
