// Issue 11 point 10: kfp SIGKILLed just as a step starts, before the step's pid reached run.json: `kfp runs cancel`
// still finds the step (process-runner steps carry KFP_LOCAL_STEP=<run>/<task>, found through /proc like Docker
// steps through their label) and stops it. Needs `npm run build` and Linux /proc.
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {findMarkedProcesses} from '../../src/clients/process.js'
import {binPath, runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const K = suite('SIGKILL as a step starts')

K('runs cancel stops a step whose pid was never recorded', async () => {
  if (!existsSync('/proc/self/environ')) return console.log('SKIPPED: no /proc')
  const tmp = await tmpdir('kfp-killstart-')
  let id = ''
  try {
    writeMiniProject(tmp.dir, 'name: ks\nsteps:\n  - name: slow\n    cache: false\n', {slow: {script: 'echo started; sleep 60'}})
    const kfp = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME}, stdio: 'ignore'})
    for (let i = 0; i < 600 && !id; i++) {
      await new Promise((r) => setTimeout(r, 50))
      const runs = path.join(tmp.dir, '.kfp', 'runs')
      const ids = existsSync(runs) ? readdirSync(runs) : []
      if (ids.length && findMarkedProcesses(`${ids[0]}/`).length) id = ids[0]
    }
    assert.ok(id, 'the step started')
    kfp.kill('SIGKILL')
    await new Promise((r) => kfp.once('close', r))
    // As if kfp died before the step's pid was written: the record knows nothing of the process.
    const file = path.join(tmp.dir, '.kfp', 'runs', id, 'run.json')
    const rec = JSON.parse(readFileSync(file, 'utf8'))
    for (const t of rec.tasks) {
      delete t.pid
      delete t.processStart
      t.status = 'running'
    }
    writeFileSync(file, JSON.stringify(rec))
    const cancel = await runCli(['runs', 'cancel', id, '--json'], {cwd: tmp.dir})
    assert.is(cancel.code, 0, cancel.stderr)
    assert.equal(cancel.json.result.stoppedSteps.map((s: any) => s.task), ['slow'])
    // The stopped process leaves /proc once reaped: poll (a loaded machine takes longer), never a fixed sleep.
    for (let i = 0; i < 100 && findMarkedProcesses(`${id}/`).length; i++) await new Promise((r) => setTimeout(r, 100))
    assert.equal(findMarkedProcesses(`${id}/`), [], 'the step process is gone')
  } finally {
    if (id)
      for (const p of findMarkedProcesses(`${id}/`)) {
        try {
          process.kill(-p.pgid, 'SIGKILL')
        } catch {}
      }
    await tmp.cleanup()
  }
})

K.run()
