// src/lib/backpressure.ts: how a step's output waits for a full reader (kfp's stderr, the log file).
import {Writable} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {pauser, untilAborted, whenWritable} from '../../src/lib/backpressure.js'

const B = suite('backpressure')

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return {promise, resolve}
}

B('pauser: paused from the first wait until the last settles, never for no wait', async () => {
  const calls: string[] = []
  const hold = pauser({pause: () => calls.push('pause'), resume: () => calls.push('resume')})
  hold(undefined)
  assert.equal(calls, [])
  const a = deferred()
  const b = deferred()
  hold(a.promise)
  hold(b.promise)
  assert.equal(calls, ['pause'])
  a.resolve()
  await a.promise
  await Promise.resolve()
  assert.equal(calls, ['pause'], 'still one wait pending')
  b.resolve()
  await b.promise
  await Promise.resolve()
  assert.equal(calls, ['pause', 'resume'])
})

/** A writable whose writes complete only when `release` is called, with a 4-byte buffer. */
function slowWritable() {
  const callbacks: Array<() => void> = []
  const w = new Writable({highWaterMark: 4, write: (_c, _e, cb) => callbacks.push(cb)})
  return {w, release: () => callbacks.splice(0).forEach((cb) => cb())}
}

B('whenWritable: undefined while there is room; one promise while full, settled by the drain', async () => {
  const {w, release} = slowWritable()
  assert.is(whenWritable(w), undefined)
  w.write('0123456789')
  const p = whenWritable(w)
  assert.ok(p instanceof Promise)
  assert.is(whenWritable(w), p, 'the same promise for every caller while full')
  let settled = false
  void p!.then(() => (settled = true))
  await new Promise((r) => setImmediate(r))
  assert.is(settled, false)
  release()
  await p
  assert.is(whenWritable(w), undefined)
})

B('whenWritable: a stream destroyed while full settles the wait (no hang on a closed pipe)', async () => {
  const {w} = slowWritable()
  w.on('error', () => {})
  w.write('0123456789')
  const p = whenWritable(w)!
  w.destroy(new Error('EPIPE'))
  await p
  assert.is(whenWritable(w), undefined)
})

B('untilAborted: settles on abort even if the wait never does', async () => {
  const ac = new AbortController()
  const p = untilAborted(new Promise(() => {}), ac.signal)
  ac.abort()
  await p
  await untilAborted(new Promise(() => {}), ac.signal)
})

B.run()
