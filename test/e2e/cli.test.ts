import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'

const cli = suite('kfp binary')

cli('--version prints the version and exits 0', async () => {
  // When
  const r = await runCli(['--version'])
  // Then
  assert.is(r.code, 0)
  assert.match(r.stdout, /kfp-cli\/\d+\.\d+\.\d+/)
})

cli('version --json prints the success envelope', async () => {
  const r = await runCli(['version', '--json'])
  assert.is(r.code, 0)
  assert.is(r.json.status, 0)
  assert.type(r.json.result.version, 'string')
  assert.equal(r.json.warnings, [])
})

cli('an unknown command is a usage error (exit 2) with a hint', async () => {
  const r = await runCli(['no-such-command'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Unknown command: kfp no-such-command')
  assert.match(r.stderr, 'kfp --help')
})

cli('a flag given without its value is a usage error (exit 2) naming the flag', async () => {
  // When
  const r = await runCli(['target', 'add', 'prod', '--endpoint'])
  // Then
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Flag --endpoint expects a value')
})

cli('under --json a flag error is the error envelope with status 2 and exit code 2', async () => {
  // When
  const r = await runCli(['run', '--bogus', '--json'])
  // Then
  assert.is(r.code, 2)
  assert.is(r.json.status, 2)
  assert.is(r.json.error.code, 'USAGE')
  assert.match(r.json.error.message, 'Unknown flag for kfp run: --bogus')
})

cli.run()
