/**
 * Splits a configured command line (e.g. a target's `tokenCommand: gcloud auth print-identity-token`) into argv
 * without a shell: whitespace separates words; single quotes keep text literally; double quotes keep spaces and
 * allow `\"` and `\\`; a backslash outside quotes escapes the next character. No variables, globs, pipes or `;`.
 */
export function splitCommandLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote === "'") {
      if (c === "'") quote = undefined
      else cur += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i]
      else cur += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur)
      cur = ''
      inWord = false
    } else {
      cur += c
      inWord = true
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${line}`)
  if (inWord) out.push(cur)
  return out
}
