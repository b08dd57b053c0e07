// Issue 11 point 8: a reader that closes kfp's output early (`kfp run 2>&1 | head -3`) does not end the run: kfp
// stops writing to the closed pipe, the run finishes and is recorded as it really ended, and the exit code is the
// run's (0 here), never 1. Needs `npm run build`.
import {spawnSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {tmpdir} from '../helpers/tmp.js'

const P = suite('closed output pipes')

P('kfp run 2>&1 | head -3: the run succeeds and is recorded succeeded, exit 0', async () => {
  const tmp = await tmpdir('kfp-pipe-')
  try {
    writeMiniProject(tmp.dir, 'name: pipe\nsteps:\n  - name: a\n  - name: b\n    after: [a]\n', {
      a: {script: 'for i in $(seq 1 3000); do echo line $i; done; sleep 0.3'},
      b: {script: 'echo b-done'},
    })
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${binPath}" run --runner process 2>&1 | head -3; exit \${PIPESTATUS[0]}`], {cwd: tmp.dir, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}})
    assert.is(r.status, 0, r.stdout + r.stderr)
    assert.is(r.stdout.trim().split('\n').length, 3)
    const rec = (await runCli(['runs', 'get', 'latest', '--json'], {cwd: tmp.dir})).json.result.run
    assert.is(rec.status, 'succeeded')
    assert.equal(rec.tasks.map((t: any) => t.status), ['succeeded', 'succeeded'])
    const json = spawnSync('bash', ['-c', `"${process.execPath}" "${binPath}" runs list --json | head -c 5; exit \${PIPESTATUS[0]}`], {cwd: tmp.dir, encoding: 'utf8'})
    assert.is(json.status, 0, json.stderr)
  } finally {
    await tmp.cleanup()
  }
})

P.run()
