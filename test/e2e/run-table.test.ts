// The steps table `kfp run` prints after a successful local run names a loop's outputs as the steps' outputs they
// collect (`prepend-id.Output=[…]`, from the compiled pipeline): the run's result holds that pipeline (RunResult.spec),
// so the table needs no second read of pipeline.json; `kfp run --json` still prints only the run and its folder.
// The built CLI, process runner; runPipeline itself for what the result holds.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runPipeline} from '../../src/services/run/index.js'
import {testCtx} from '../helpers/build-fixtures.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const collected = path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk', 'collected_parameters.yaml')
const T = suite('kfp run: the steps table of a successful run')

T('the table names collected loop outputs by their step output; --json holds the run and its folder only', async () => {
  const tmp = await tmpdir('kfp-table-')
  try {
    const r = await runCli(['run', '--local', collected, '--runner', 'process'], {cwd: tmp.dir})
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^\tcollecting-parameters\tsucceeded\t[^\t]*\tprepend-id\.Output=\["model_id_s1","model_id_s2","model_id_s3"\]$/m)
    assert.match(r.stdout, /^\t {2}for-loop-1\tsucceeded\t[^\t]*\tprepend-id\.Output=\[/m)
    const j = await runCli(['run', '--local', collected, '--runner', 'process', '--json'], {cwd: tmp.dir})
    assert.is(j.code, 0, j.stderr)
    assert.equal(Object.keys(j.json.result).sort(), ['run', 'runDir'])
  } finally {
    await tmp.cleanup()
  }
})

T('runPipeline returns the pipeline the run ran: what its pipeline.json holds', async () => {
  const tmp = await tmpdir('kfp-table-')
  try {
    const r = await runPipeline({cwd: tmp.dir, localFile: collected, runner: 'process', params: [], artifacts: [], setOutputs: [], noCache: false, failFast: false}, testCtx(tmp.dir, {PATH: process.env.PATH, HOME: process.env.HOME}))
    assert.is(r.run.status, 'succeeded')
    assert.ok(r.spec, 'the result holds the spec')
    assert.equal(r.spec, JSON.parse(readFileSync(path.join(r.runDir, r.run.spec), 'utf8')))
  } finally {
    await tmp.cleanup()
  }
})

T.run()
