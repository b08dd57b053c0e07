import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createLineSplitter} from '../../src/lib/line-splitter.js'

const L = suite('createLineSplitter')

function split(chunks: Array<string | Buffer>, maxLine?: number): string[] {
  const out: string[] = []
  const s = createLineSplitter((block) => out.push(...block.split('\n')), {maxLine})
  for (const c of chunks) s.push(Buffer.isBuffer(c) ? c : Buffer.from(c))
  s.flush()
  return out
}

const cases: Array<[string, Array<string | Buffer>, string[], number?]> = [
  ['lines across chunks', ['a\nb', 'c\nd'], ['a', 'bc', 'd']],
  ['CRLF, also split across chunks', ['a\r', '\nb\r\n'], ['a', 'b']],
  ['progress redraws in one chunk: only the latest state', ['10%\r20%\r30%\rdone\n'], ['done']],
  ['redraws ending a chunk: the latest shown once', ['10%\r20%\r', '30%\r'], ['20%', '30%']],
  ['an endless line comes in pieces', ['x'.repeat(10)], ['xxxx', 'xxxx', 'xx'], 4],
  ['a UTF-8 character split across chunks', [Buffer.from([0xe2, 0x9c]), Buffer.from([0x94, 0x0a])], ['✔']],
  ['a last line without newline', ['a\nb'], ['a', 'b']],
  ['lines and redraws mixed in one chunk', ['a\nb\r c\nd\re\rf\n', 'x\ry\nz\n'], ['a', ' c', 'f', 'y', 'z']],
  ['CRLF lines among LF lines in one chunk', ['1\r\n2\n3\r\n4'], ['1', '2', '3', '4']],
  ['empty lines are lines', ['\n\na\n', '\n'], ['', '', 'a', '']],
  ['LF lines after a redraw in one chunk', ['a\rb\nc\nd'], ['b', 'c', 'd']],
  ['an endless line after lines in one chunk', ['a\nb\n' + 'x'.repeat(5)], ['a', 'b', 'xxxx', 'x'], 4],
]
for (const [name, chunks, expected, max] of cases) L(name, () => assert.equal(split(chunks, max), expected))

L('the lines a chunk completes leave as one block, joined with \\n', () => {
  const blocks: string[] = []
  const s = createLineSplitter((b) => blocks.push(b))
  s.push(Buffer.from('a\nb\r\nc\nd'))
  s.push(Buffer.from('e\n\nf\n'))
  s.push(Buffer.from('g'))
  s.flush()
  assert.equal(blocks, ['a\nb\nc', 'de\n\nf', 'g'])
})

L('80 MB of \\r redraws without a newline: a line per chunk at most', () => {
  const chunk = Buffer.from('progress 42%\r'.repeat(5000))
  let n = 0
  const s = createLineSplitter(() => n++)
  for (let i = 0; i < 1250; i++) s.push(chunk)
  s.flush()
  assert.ok(n <= 1251, String(n))
})

L.run()
