// src/ui/progress-log.ts: streamed log lines of `kfp run` leave in batches and report a full stream.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createLogBatch} from '../../src/ui/progress-log.js'

const L = suite('createLogBatch')

L('lines of one turn leave in one write, in order, at the end of the turn', async () => {
  const writes: string[] = []
  const b = createLogBatch((t) => writes.push(t), () => undefined)
  b.push('a')
  b.push('b')
  assert.equal(writes, [])
  await new Promise((r) => setImmediate(r))
  assert.equal(writes, ['a\nb'])
})

L('a batch at its line or size limit is written at once (bounded memory)', () => {
  const writes: string[] = []
  const b = createLogBatch((t) => writes.push(t), () => undefined, {maxLines: 2, maxChars: 5})
  b.push('1')
  b.push('2')
  b.push('abcdef')
  b.push('3')
  assert.equal(writes, ['1\n2', 'abcdef'])
  b.flush()
  assert.equal(writes, ['1\n2', 'abcdef', '3'])
})

L('flush writes what is pending before anything else is printed', () => {
  const writes: string[] = []
  const b = createLogBatch((t) => writes.push(t), () => undefined)
  b.push('log')
  b.flush()
  writes.push('✔ step succeeded')
  b.flush()
  assert.equal(writes, ['log', '✔ step succeeded'])
})

L('push returns the stream wait once a write filled it, until the wait settles', async () => {
  let full: Promise<void> | undefined
  let drain!: () => void
  const b = createLogBatch(() => {}, () => full, {maxLines: 1})
  assert.is(b.push('a'), undefined)
  full = new Promise<void>((r) => (drain = r))
  assert.is(b.push('b'), full, 'the write of b filled the stream')
  assert.is(b.push('c'), full)
  const wait = full
  full = undefined
  drain()
  await wait
  assert.is(b.push('d'), undefined)
})

L.run()
