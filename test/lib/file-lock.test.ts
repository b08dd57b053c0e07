// src/lib/file-lock.ts: the lock beside a shared file (.kfp/builds.json, a run's run.json) between kfp processes.
import {existsSync, utimesSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {isCliError} from '../../src/lib/errors.js'
import {withFileLock} from '../../src/lib/file-lock.js'
import {withTmp} from '../helpers/tmp.js'

/** `fn` on a `shared.json` (not created) in a fresh temp dir. */
const withShared = (fn: (file: string) => Promise<void>) => withTmp('kfp-lock-', (dir) => fn(path.join(dir, 'shared.json')))

const L = suite('file lock')

L('two holders take turns; the lock is gone after', () =>
  withShared(async (file) => {
    const order: string[] = []
    const hold = (n: string) => withFileLock(file, async () => {
      order.push(`${n}+`)
      await new Promise((r) => setTimeout(r, 30))
      order.push(`${n}-`)
    })
    await Promise.all([hold('a'), hold('b')])
    assert.ok(order.join() === 'a+,a-,b+,b-' || order.join() === 'b+,b-,a+,a-', order.join())
    assert.not.ok(existsSync(`${file}.lock`))
  }))

L('a lock left by a dead process, or an old one, is taken over', () =>
  withShared(async (file) => {
    writeFileSync(`${file}.lock`, '2147483646')
    assert.is(await withFileLock(file, async () => 'dead', {timeoutMs: 1000}), 'dead')
    writeFileSync(`${file}.lock`, String(process.pid))
    utimesSync(`${file}.lock`, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    assert.is(await withFileLock(file, async () => 'old', {timeoutMs: 1000}), 'old')
  }))

L('a lock a live process keeps for the whole wait: exit 5 naming the lock, with a hint, and fn never runs', () =>
  withShared(async (file) => {
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
  }))

L.run()
