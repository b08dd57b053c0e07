/**
 * Lines of a program's or a server's output that arrives in pieces. `push` takes text (already decoded) or bytes:
 * bytes go through a StringDecoder, so a UTF-8 character cut between two pieces is kept whole. `\n` ends a line;
 * `flush` emits a last line that has no line end (and the bytes of a character the output left unfinished).
 */
import {StringDecoder} from 'node:string_decoder'

export interface TextLines {
  push(piece: string | Buffer): void
  flush(): void
}

export function textLines(onLine: (line: string) => void): TextLines {
  let decoder: StringDecoder | undefined
  let buf = ''
  const take = (text: string) => {
    buf += text
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i))
      buf = buf.slice(i + 1)
    }
  }
  return {
    push(piece) {
      take(typeof piece === 'string' ? piece : (decoder ??= new StringDecoder('utf8')).write(piece))
    },
    flush() {
      if (decoder) take(decoder.end())
      if (buf) onLine(buf)
      buf = ''
    },
  }
}
