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
  /** Where the chunk's own lines start: the \r that ended the last chunk was a line end (\r\n) or a redraw. */
  const resume = (text: string): number => {
    if (!pendingCr) return 0
    pendingCr = false
    // Either way the line it ended is shown now.
    if (redrawn !== undefined) out.push(redrawn)
    redrawn = undefined
    return text.startsWith('\n') ? 1 : 0
  }
  /** Collects the lines `text` ends from `pos` on; returns where the unended rest starts. */
  const splitLines = (text: string, pos: number): number => {
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
        return last + 1
      }
      const end = nl < 0 ? cr : Math.min(nl, cr)
      if (end < 0) return pos
      const line = rest + text.slice(pos, end)
      rest = ''
      if (text[end] === '\n' || text[end + 1] === '\n') {
        out.push(line)
        redrawn = undefined
        pos = end + (text[end] === '\n' ? 1 : 2)
      } else {
        // A bare \r: the line is redrawn; remember its latest state.
        if (line !== '') redrawn = line
        if (end + 1 === text.length) pendingCr = true
        pos = end + 1
      }
    }
  }
  /** Keeps the unended rest of `text` (shown in `maxLine` pieces when too long) and shows this chunk's last redraw. */
  const keepRest = (text: string, pos: number) => {
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
  const push = (text: string) => keepRest(text, splitLines(text, resume(text)))
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
