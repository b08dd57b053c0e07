import {style, type Style} from './output.js'

/**
 * The one look of a status everywhere (run progress, run tables, doctor): a symbol and a colour.
 * ✔ green = succeeded/ok · ✖ red = failed · ↺ dim = cached/reused · – dim = skipped/not applicable ·
 * ⊘ yellow = cancelled/interrupted · ▶ = running · … = pending.
 */
const LOOK: Record<string, {mark: string; style?: Style}> = {
  succeeded: {mark: '✔', style: 'green'},
  ok: {mark: '✔', style: 'green'},
  failed: {mark: '✖', style: 'red'},
  fail: {mark: '✖', style: 'red'},
  error: {mark: '✖', style: 'red'},
  cached: {mark: '↺', style: 'dim'},
  reused: {mark: '↺', style: 'dim'},
  skipped: {mark: '–', style: 'dim'},
  skip: {mark: '–', style: 'dim'},
  cancelled: {mark: '⊘', style: 'yellow'},
  interrupted: {mark: '⊘', style: 'yellow'},
  warning: {mark: '!', style: 'yellow'},
  running: {mark: '▶'},
  pending: {mark: '…'},
}

/** The symbol of a status (`✔` for succeeded); `•` for a status kfp does not know. */
export function statusMark(status: string): string {
  return LOOK[status.toLowerCase()]?.mark ?? '•'
}

/** The status word (or `text`) in the status's colour, when `c.color` is on. */
export function paintStatus(c: {color: boolean}, status: string, text: string = status): string {
  const s = LOOK[status.toLowerCase()]?.style
  return s ? style(c, s, text) : text
}

/** `✔ text` with symbol and text coloured by the status (a progress line or a table cell). */
export function statusLine(c: {color: boolean}, status: string, text: string): string {
  return paintStatus(c, status, `${statusMark(status)} ${text}`)
}
