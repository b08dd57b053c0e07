// spawnStep (src/clients/process.ts): a step program that cannot start because of the OS's argument limits or a
// NUL byte gets a plain CliError, never Node's raw error.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {spawnStep} from '../../src/clients/process.js'
import {expectCliError} from '../helpers/errors.js'

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

P.run()
