// spawnStep (src/clients/process.ts): a step program that cannot start because of the OS's argument limits or a
// NUL byte gets a plain CliError, never Node's raw error; a consumer that waits pauses the step's output.
import {existsSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {spawnStep} from '../../src/clients/process.js'
import {expectCliError} from '../helpers/errors.js'
import {settled} from '../helpers/settled.js'
import {tmpdir} from '../helpers/tmp.js'

const P = suite('spawnStep start failures')

P('arguments over the OS limit: E2BIG in words', async () => {
  const args = Array.from({length: 40}, () => 'x'.repeat(100_000))
  const e = await expectCliError(spawnStep('true', args, {cwd: '/', env: {PATH: process.env.PATH}}))
  assert.is(e.kfpCode, 'EXTERNAL_COMMAND_FAILED')
  assert.match(e.message, /^Could not start true: its arguments \(3906 KiB\) are more than the operating system passes to a program \(E2BIG\)/)
})

P('a NUL byte in an argument', async () => {
  const e = await expectCliError(spawnStep('true', ['a\0b'], {cwd: '/', env: {PATH: process.env.PATH}}))
  assert.is(e.message, 'Could not start true: an argument contains a NUL byte, which no program argument can hold')
})

P('a chunk whose consumer waits pauses the step: it blocks on its own write, then every byte arrives in order', async () => {
  const tmp = await tmpdir('kfp-bp-')
  try {
    const done = path.join(tmp.dir, 'done')
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const chunks: Buffer[] = []
    let bytes = 0
    const exit = spawnStep('sh', ['-c', `seq 1 500000; echo finished > ${done}`], {
      cwd: tmp.dir,
      env: {PATH: process.env.PATH},
      onData: (c) => {
        chunks.push(c)
        bytes += c.length
        return gate
      },
    })
    // Nothing more arrives while the first chunk's wait is pending; the step (3.4 MB to write) cannot finish.
    const held = await settled(() => bytes)
    assert.ok(held > 0 && held <= 1 << 20, String(held))
    assert.is(existsSync(done), false, 'the step finished while its output was paused')
    release()
    assert.is((await exit).exitCode, 0)
    const text = Buffer.concat(chunks).toString()
    assert.is(text, Array.from({length: 500_000}, (_, i) => `${i + 1}\n`).join(''))
    assert.is(existsSync(done), true)
  } finally {
    await tmp.cleanup()
  }
})

P.run()
