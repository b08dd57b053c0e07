/**
 * Splits a byte stream (a step's stdout or stderr) into display lines in linear time and bounded memory:
 * - `\n` and `\r\n` end a line; UTF-8 characters split across chunks are kept whole (StringDecoder);
 * - a bare `\r` (a progress bar redrawing itself) replaces the line being built, so a chunk of redraws yields at
 *   most one line, its latest state (what a terminal would show), never millions;
 * - text without a line end is emitted in pieces of `maxLine` characters, so one endless line never piles up.
 * The lines a chunk completes leave together, as one block (the lines joined with `\n`, none at its end): a chunk
 * costs one call, not one per line (a step printing 200 MB has 2 million lines). A block holds no `\r`.
 * The raw bytes are the log file's business; this only decides what is shown as lines.
 */
import {StringDecoder} from 'node:string_decoder'

export interface LineSplitter {
  push(chunk: Buffer): void
  /** Emits what is left (a last line without a line end). */
  flush(): void
}

export function createLineSplitter(onLines: (block: string) => void, o: {maxLine?: number} = {}): LineSplitter {
  const maxLine = o.maxLine ?? 64 * 1024
  const decoder = new StringDecoder('utf8')
  let rest = ''
  /** The last chunk ended with `\r`: a `\n` starting the next one belongs to it. */
  let pendingCr = false
  /** The latest state of a line redrawn with `\r` in this chunk, shown once at the end of the chunk. */
  let redrawn: string | undefined
  /** The lines (or runs of `\n`-separated lines) of the chunk being split, emitted as one block at its end. */
  let out: string[] = []
  const emit = () => {
    if (out.length === 0) return
    const block = out.length === 1 ? out[0] : out.join('\n')
    out = []
    onLines(block)
  }
  const push = (text: string) => {
    let pos = 0
    if (pendingCr) {
      // The \r that ended the last chunk was a line end (\r\n) or a redraw: either way its line is shown now.
      if (text.startsWith('\n')) pos = 1
      if (redrawn !== undefined) out.push(redrawn)
      redrawn = undefined
    }
    pendingCr = false
    // The next \n and \r at or after pos, each searched again only once passed (-1: none left in this chunk), so a
    // chunk is scanned once whatever mix of line ends it has.
    let nl = text.indexOf('\n', pos)
    let cr = text.indexOf('\r', pos)
    for (;;) {
      if (nl >= 0 && nl < pos) nl = text.indexOf('\n', pos)
      if (cr >= 0 && cr < pos) cr = text.indexOf('\r', pos)
      if (cr < 0 && nl >= 0) {
        // Only \n line ends from here on: their lines are one slice of the chunk.
        const last = text.lastIndexOf('\n')
        out.push(rest + text.slice(pos, last))
        rest = ''
        redrawn = undefined
        pos = last + 1
        break
      }
      const end = nl < 0 ? cr : Math.min(nl, cr)
      if (end < 0) break
      const line = rest + text.slice(pos, end)
      rest = ''
      if (text[end] === '\n') {
        out.push(line)
        redrawn = undefined
        pos = end + 1
      } else if (text[end + 1] === '\n') {
        out.push(line)
        redrawn = undefined
        pos = end + 2
      } else {
        // A bare \r: the line is redrawn; remember its latest state.
        if (line !== '') redrawn = line
        if (end + 1 === text.length) pendingCr = true
        pos = end + 1
      }
    }
    rest += text.slice(pos)
    if (redrawn !== undefined && !pendingCr) {
      if (rest === '') out.push(redrawn)
      redrawn = undefined
    }
    while (rest.length > maxLine) {
      out.push(rest.slice(0, maxLine))
      rest = rest.slice(maxLine)
    }
  }
  return {
    push(chunk) {
      push(decoder.write(chunk))
      emit()
    },
    flush() {
      push(decoder.end())
      if (redrawn !== undefined && rest === '') out.push(redrawn)
      else if (rest !== '') out.push(rest)
      rest = ''
      redrawn = undefined
      pendingCr = false
      emit()
    },
  }
}
