// src/ui/progress-log.ts: streamed log lines of `kfp run` leave in batches and report a full stream.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createLogBatch, prefixLines} from '../../src/ui/progress-log.js'

const L = suite('createLogBatch')

L('lines of one turn leave in one write, in order, at the end of the turn', async () => {
  const writes: string[] = []
  const b = createLogBatch((t) => writes.push(t), () => undefined)
  b.push('a\n')
  b.push('b\nc\n')
  assert.equal(writes, [])
  await new Promise((r) => setImmediate(r))
  assert.equal(writes, ['a\nb\nc\n'])
})

L('a batch at its block or size limit is written at once (bounded memory)', () => {
  const writes: string[] = []
  const b = createLogBatch((t) => writes.push(t), () => undefined, {maxBlocks: 2, maxChars: 6})
  b.push('1\n')
  b.push('2\n')
  b.push('abcdef\n')
  b.push('3\n')
  assert.equal(writes, ['1\n2\n', 'abcdef\n'])
  b.flush()
  assert.equal(writes, ['1\n2\n', 'abcdef\n', '3\n'])
})

L('flush writes what is pending before anything else is printed', () => {
  const writes: string[] = []
  const b = createLogBatch((t) => writes.push(t), () => undefined)
  b.push('log\n')
  b.flush()
  writes.push('✔ step succeeded')
  b.flush()
  assert.equal(writes, ['log\n', '✔ step succeeded'])
})

L('push returns the stream wait once a write filled it, until the wait settles', async () => {
  let full: Promise<void> | undefined
  let drain!: () => void
  const b = createLogBatch(() => {}, () => full, {maxBlocks: 1})
  assert.is(b.push('a\n'), undefined)
  full = new Promise<void>((r) => (drain = r))
  assert.is(b.push('b\n'), full, 'the write of b filled the stream')
  assert.is(b.push('c\n'), full)
  const wait = full
  full = undefined
  drain()
  await wait
  assert.is(b.push('d\n'), undefined)
})

L('prefixLines: every line of a block gets the prefix and a line end', () => {
  assert.is(prefixLines('[train] ', 'a'), '[train] a\n')
  assert.is(prefixLines('[train[1]] ', 'a\n\nb'), '[train[1]] a\n[train[1]] \n[train[1]] b\n')
  assert.is(prefixLines('[s] ', ''), '[s] \n')
})

L.run()
