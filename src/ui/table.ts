/**
 * Renders rows as an aligned table on a terminal, or as tab-separated lines when not a TTY (safe for cut/awk).
 */
export function renderTable(headers: string[], rows: (string | number | undefined)[][], opts: {tty: boolean}): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))))
  if (!opts.tty) return [headers.join('\t'), ...cells.map((r) => r.join('\t'))].join('\n')
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
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
