// src/lib/file-lock.ts: the lock beside a shared file (.kfp/builds.json, a run's run.json) between kfp processes.
import {existsSync, utimesSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {isCliError} from '../../src/lib/errors.js'
import {withFileLock} from '../../src/lib/file-lock.js'
import {tmpdir} from '../helpers/tmp.js'

const L = suite('file lock')

L('two holders take turns; the lock is gone after', async () => {
  const tmp = await tmpdir('kfp-lock-')
  try {
    const file = path.join(tmp.dir, 'shared.json')
    const order: string[] = []
    const hold = (n: string) => withFileLock(file, async () => {
      order.push(`${n}+`)
      await new Promise((r) => setTimeout(r, 30))
      order.push(`${n}-`)
    })
    await Promise.all([hold('a'), hold('b')])
    assert.ok(order.join() === 'a+,a-,b+,b-' || order.join() === 'b+,b-,a+,a-', order.join())
    assert.not.ok(existsSync(`${file}.lock`))
  } finally {
    await tmp.cleanup()
  }
})

L('a lock left by a dead process, or an old one, is taken over', async () => {
  const tmp = await tmpdir('kfp-lock-')
  try {
    const file = path.join(tmp.dir, 'shared.json')
    writeFileSync(`${file}.lock`, '2147483646')
    assert.is(await withFileLock(file, async () => 'dead', {timeoutMs: 1000}), 'dead')
    writeFileSync(`${file}.lock`, String(process.pid))
    utimesSync(`${file}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    assert.is(await withFileLock(file, async () => 'old', {timeoutMs: 1000}), 'old')
  } finally {
    await tmp.cleanup()
  }
})

L('a lock a live process keeps for the whole wait: exit 5 naming the lock, with a hint, and fn never runs', async () => {
  const tmp = await tmpdir('kfp-lock-')
  try {
    const file = path.join(tmp.dir, 'shared.json')
    writeFileSync(`${file}.lock`, String(process.pid))
    let ran = false
    const err = await withFileLock(file, async () => (ran = true), {timeoutMs: 100}).catch((e: unknown) => e)
    assert.ok(isCliError(err), String(err))
    assert.is(err.exitCode, 5)
    assert.is(err.kfpCode, 'FS_ERROR')
    assert.match(err.message, `${file}.lock is held by another kfp process`)
    assert.ok(err.hints.length > 0)
    assert.not.ok(ran)
    assert.ok(existsSync(`${file}.lock`), "the other holder's lock stays")
  } finally {
    await tmp.cleanup()
  }
})

L.run()
