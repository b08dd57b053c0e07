/** A word as a POSIX shell reads it back: quoted unless plainly safe (`train[1]` is quoted: brackets glob). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}
