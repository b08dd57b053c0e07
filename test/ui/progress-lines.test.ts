import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createProgressLines} from '../../src/ui/progress-lines.js'

const plain = suite('progress lines (not a terminal)')

plain('one plain line per change, none for byte progress of the same push, symbols for final states', () => {
  // Given
  const out: string[] = []
  const p = createProgressLines(false, (t) => out.push(t))
  // When
  p.set('prep', 'prep: building x:1')
  p.set('prep', 'prep: pushing x:1 1.0MB/2.0MB')
  p.set('prep', 'prep: pushing x:1 1.5MB/2.0MB')
  p.set('train', 'train: x:2 up to date', 'skip')
  p.set('prep', 'prep: x:1 built, pushed', 'ok')
  p.log('a log line')
  p.stop()
  // Then
  assert.equal(out.join(''), 'prep: building x:1\nprep: pushing x:1 1.0MB/2.0MB\n• train: x:2 up to date\n✔ prep: x:1 built, pushed\na log line\n')
  assert.not.match(out.join(''), '\u001B[')
})

const tty = suite('progress lines (terminal)')

tty('redraws the block in place, one line per image', () => {
  // Given
  const out: string[] = []
  const p = createProgressLines(true, (t) => out.push(t), 80)
  // When
  p.set('a', 'a: building')
  p.set('b', 'b: building')
  p.set('a', 'a: done', 'ok')
  p.stop()
  // Then the last frame moves up two lines and rewrites both
  const last = out[out.length - 1]
  assert.ok(last.startsWith('\u001B[2A'))
  assert.match(last, '✔ a: done')
  assert.match(last, 'b: building')
})

plain.run()
tty.run()
