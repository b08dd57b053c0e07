import {stripAnsi} from './output.js'

export type Cell = string | number | boolean | undefined | null

export interface TableOptions {
  /** stdout is a terminal: aligned columns with upper-case headers; otherwise tab-separated lines (safe for cut/awk). */
  tty: boolean
  /** Terminal width. On a terminal the table is fitted to it, long cells cut with `…` (default: no limit). */
  columns?: number
  /** --wide: never cut a cell. */
  wide?: boolean
  /** Indexes of columns never cut (default: [0], the id or name a user copies). */
  keep?: number[]
  /** Indexes of free-text columns (names, descriptions, outputs) that are cut first, before the others. */
  flex?: number[]
}

const width = (s: string) => [...stripAnsi(s)].length

/** Cuts to `w` visible characters ending in `…`, keeping the cell's colour codes (the … gets the colour too). */
function cut(s: string, w: number): string {
  if (width(s) <= w) return s
  let out = ''
  let shown = 0
  // eslint-disable-next-line no-control-regex
  for (const part of s.split(/(\u001B\[[0-9;]*[A-Za-z])/)) {
    if (part.startsWith('\u001B[')) out += part
    else
      for (const ch of part) {
        if (shown < w - 1) out += ch
        else if (shown === w - 1) out += '…'
        shown++
      }
  }
  return out
}

/** Column widths that fit `columns`: the widest cuttable column gives up a character until the table fits. */
export function fitWidths(natural: number[], minimum: number[], columns: number, keep: number[]): number[] {
  const w = [...natural]
  const total = () => w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1)
  while (total() > columns) {
    let widest = -1
    for (let i = 0; i < w.length; i++) if (!keep.includes(i) && w[i] > minimum[i] && (widest < 0 || w[i] > w[widest])) widest = i
    if (widest < 0) break
    w[widest]--
  }
  return w
}

/**
 * Renders rows as a table for stdout. Every kfp list/get table goes through here (use BaseCommand.table()):
 * - on a terminal: aligned, headers upper-cased, fitted to `columns` by cutting the widest columns with `…`
 *   (never the `keep` columns; `wide` turns cutting off). Cells may carry ANSI colour (ui/status.ts paintStatus).
 * - piped: plain TSV, one header line, no colour, tabs/newlines inside cells turned into spaces.
 */
export function renderTable(headers: string[], rows: Cell[][], opts: TableOptions): string {
  const flat = (c: Cell) => (c === undefined || c === null ? '' : String(c)).replace(/[\t\r\n]+/g, ' ')
  const cells = rows.map((r) => headers.map((_, i) => flat(r[i])))
  if (!opts.tty) return [headers.join('\t'), ...cells.map((r) => r.map(stripAnsi).join('\t'))].join('\n')
  const natural = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => width(r[i]))))
  const minimum = headers.map((h, i) => Math.min(natural[i], Math.max(h.length, 8)))
  const keep = opts.keep ?? [0]
  const others = headers.map((_, i) => i).filter((i) => opts.flex?.length && !opts.flex.includes(i))
  let widths = opts.columns && !opts.wide ? fitWidths(natural, minimum, opts.columns, [...keep, ...others]) : natural
  if (opts.columns && !opts.wide && others.length) widths = fitWidths(widths, minimum, opts.columns, keep)
  // Still too wide at the comfortable minimums (a narrow terminal): cut headers too, down to 3 characters.
  if (opts.columns && !opts.wide && widths.reduce((a, b) => a + b + 2, -2) > opts.columns) widths = fitWidths(widths, widths.map((w) => Math.min(w, 3)), opts.columns, keep)
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const v = cut(c, widths[i])
        return i === r.length - 1 ? v : v + ' '.repeat(Math.max(0, widths[i] - width(v)))
      })
      .join('  ')
      .trimEnd()
  return [line(headers.map((h) => h.toUpperCase())), ...cells.map(line)].join('\n')
}

/** Formats a duration in ms as 1.2s / 3m04s / 1h02m. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return ''
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
