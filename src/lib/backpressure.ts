/**
 * Backpressure between a producer (a step's output pipe, a container's log stream) and a slower consumer (kfp's
 * stderr read by a terminal or a pipe, the log file on disk): the producer waits while the consumer's buffer is full,
 * so memory stays bounded and the step blocks on its own write, as it would writing to that terminal itself.
 */
import type {Writable} from 'node:stream'

const waiting = new WeakMap<Writable, Promise<void>>()

/**
 * A promise while `s` is over its buffer limit, settled by its next 'drain', or when it can take nothing more
 * ('close', 'error': waiting longer would hang); undefined when it takes writes now. One promise per full spell, so
 * a thousand lines written in a burst add one set of listeners, not a thousand.
 */
export function whenWritable(s: Writable): Promise<void> | undefined {
  if (!s.writableNeedDrain || s.destroyed) return undefined
  let p = waiting.get(s)
  if (!p) {
    p = new Promise<void>((resolve) => {
      const done = () => {
        s.off('drain', done)
        s.off('close', done)
        s.off('error', done)
        waiting.delete(s)
        resolve()
      }
      s.on('drain', done)
      s.on('close', done)
      s.on('error', done)
    })
    waiting.set(s, p)
  }
  return p
}

/** `p`, settled early once `signal` aborts (Ctrl-C never waits for a reader). */
export function untilAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, {once: true})
    p.then(done, done)
  })
}

/**
 * Holds `source` paused while any promise given to the returned function is pending (one for each chunk whose
 * consumer asked to wait; resumed when the last settles). A paused stream emits nothing, so chunks keep their order;
 * a paused pipe fills and its writer blocks.
 */
export function pauser(source: {pause(): unknown; resume(): unknown}): (wait: void | Promise<void>) => void {
  let pending = 0
  const settle = () => {
    if (--pending === 0) source.resume()
  }
  return (wait) => {
    if (!wait) return
    if (pending++ === 0) source.pause()
    wait.then(settle, settle)
  }
}
