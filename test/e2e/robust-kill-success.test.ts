// Issue 11 point 12 (last part): kfp SIGKILLed right after a step's success, before run.json heard of it, must not
// record that step as cancelled: `kfp runs get` shows it succeeded with its outputs, `kfp runs cancel` keeps it, and
// `--start-step` reuses them. The step's task folder holds its result (tasks/<key>/result.json) before the run
// record is written. The built CLI; needs `npm run build`.
import {spawn} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const K = suite('SIGKILL right after a step succeeded')

const YAML = `name: ks
steps:
  - name: make
    cache: false
  - name: use
    cache: false
    inputs: {msg: "\${{ steps.make.outputs.msg }}"}
`

K('the step reads back as succeeded with its outputs, and --start-step 2 reuses them', async () => {
  const tmp = await tmpdir('kfp-killsuccess-')
  try {
    writeMiniProject(tmp.dir, YAML, {
      make: {outputs: ['msg'], script: 'printf made-before-kill > "$1"'},
      // The second step kills its kfp (its parent) for good, as a kill -9 from elsewhere would.
      use: {inputs: ['msg'], script: 'echo "got $1"; kill -9 $PPID; sleep 30'},
    })
    const kfp = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME}, stdio: 'ignore'})
    const signal = await new Promise((r) => kfp.once('close', (_code, sig) => r(sig)))
    assert.is(signal, 'SIGKILL')
    const id = readdirSync(path.join(tmp.dir, '.kfp', 'runs'))[0]
    // The last run.json write before the kill had not yet covered the success of `make` (writes are coalesced and
    // not awaited): the record says what such a kill leaves.
    const file = path.join(tmp.dir, '.kfp', 'runs', id, 'run.json')
    const rec = JSON.parse(readFileSync(file, 'utf8'))
    assert.is(rec.status, 'running')
    const make = rec.tasks.find((t: any) => t.name === 'make')
    Object.assign(make, {status: 'running', pid: rec.pid, outputs: {parameters: {}, artifacts: {}}})
    delete make.exitCode
    delete make.finishedAt
    writeFileSync(file, JSON.stringify(rec))

    const get = await runCli(['runs', 'get', id, '--json'], {cwd: tmp.dir})
    assert.is(get.code, 0, get.stderr)
    const got = get.json.result.run
    assert.is(got.status, 'interrupted')
    const gm = got.tasks.find((t: any) => t.name === 'make')
    assert.is(gm.status, 'succeeded', JSON.stringify(gm))
    assert.is(gm.exitCode, 0)
    assert.equal(gm.outputs.parameters, {msg: 'made-before-kill'})
    assert.is(got.tasks.find((t: any) => t.name === 'use').status, 'cancelled')

    const cancel = await runCli(['runs', 'cancel', id, '--json'], {cwd: tmp.dir})
    assert.is(cancel.code, 0, cancel.stderr)
    assert.is(cancel.json.result.run.tasks.find((t: any) => t.name === 'make').status, 'succeeded')

    writeMiniProject(tmp.dir, YAML, {make: {outputs: ['msg'], script: 'printf rerun > "$1"'}, use: {inputs: ['msg'], script: 'echo "got $1"'}})
    const again = await runCli(['run', '--runner', 'process', '--start-step', '2', '--from-run', id], {cwd: tmp.dir})
    assert.is(again.code, 0, again.stderr)
    assert.match(again.stdout + again.stderr, 'got made-before-kill')
  } finally {
    await tmp.cleanup()
  }
})

K.run()
