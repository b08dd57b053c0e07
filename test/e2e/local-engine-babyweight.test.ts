// The "done when": from a fresh `kfp init --example babyweight`, `kfp run` succeeds with the process runner,
// `kfp run --start-step 4 --param startYear=2001` reuses steps 1–3 and runs only step 4, and `kfp runs list`,
// `kfp runs get latest` and `kfp logs latest traintuned` show it. Needs python3. Run `npm run build` first.
import {execFileSync} from 'node:child_process'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const BW = suite('babyweight example on the local engine')
let tmp: {dir: string; cleanup: () => Promise<void>}
BW.before(async () => {
  tmp = await tmpdir('kfp-bw-')
})
BW.after(async () => {
  await tmp.cleanup()
})

BW('init → run (process) → run --start-step 4 --param startYear=2001 → runs list / get / logs', async () => {
  // Given a new project from the example
  const init = await runCli(['init', 'bw', '--example', 'babyweight', '--yes'], {cwd: tmp.dir})
  assert.is(init.code, 0, init.stderr)
  const cwd = path.join(tmp.dir, 'bw')
  // When it runs with the process runner
  const first = await runCli(['run', '--runner', 'process', '--json'], {cwd})
  // Then every step succeeds, in its component folder, with outputs under the project's pipeline root
  assert.is(first.code, 0, first.stderr)
  const run1 = first.json.result.run
  // deploy sits in the condition of its when: (RMSE under maxRmse), recorded as a task of its own
  assert.equal(run1.tasks.map((t: any) => `${t.number}.${t.name}:${t.status}`), ['1.preprocess:succeeded', '2.hypertrain:succeeded', '3.traintuned:succeeded', '4.condition-1:succeeded', '4.condition-1/deploy:succeeded'])
  assert.ok(run1.tasks[2].outputs.parameters.rmse < 1.2, 'the default maxRmse lets the model deploy')
  assert.is(run1.pipelineRoot, path.join(cwd, '.kfp', 'pipeline-root', 'bw', run1.id))
  assert.match(String(run1.tasks[0].outputs.parameters.bucket), run1.pipelineRoot)

  // When re-running from step 4 with a new startYear
  const second = await runCli(['run', '--runner', 'process', '--start-step', '4', '--param', 'startYear=2001', '--json'], {cwd})
  // Then steps 1–3 are skipped with run 1's outputs, only step 4 runs, and the parameter change is called out
  assert.is(second.code, 0, second.stderr)
  const run2 = second.json.result.run
  assert.equal(run2.tasks.map((t: any) => t.status), ['skipped', 'skipped', 'skipped', 'succeeded', 'succeeded'])
  for (const t of run2.tasks.slice(0, 3)) {
    assert.is(t.reusedFrom.runId, run1.id)
    assert.equal(t.outputs, run1.tasks.find((x: any) => x.name === t.name).outputs)
  }
  assert.is(run2.parameters.startYear, 2001)
  assert.ok(second.json.warnings.some((w: string) => w.startsWith('Parameter startYear is 2001 in this run but was 2000') && w.includes('skipped step preprocess reads it')), JSON.stringify(second.json.warnings))

  // And the history shows it
  const list = await runCli(['runs', 'list'], {cwd})
  assert.is(list.code, 0)
  const lines = list.stdout.trim().split('\n')
  assert.is(lines.length, 3)
  assert.match(lines[1], new RegExp(`^${run2.id}\\t\\S+\\tsucceeded\\tDefault\\t.*\\t3 skipped, 1 succeeded$`), 'the condition group is not counted as a step')
  assert.match(lines[2], new RegExp(`^${run1.id}\\t`))
  const get = await runCli(['runs', 'get', 'latest'], {cwd})
  assert.match(get.stdout, `Started at step 4 (deploy), reusing outputs of run ${run1.id}`)
  assert.match(get.stdout, /\n3\ttraintuned\tskipped\t\ttrain=\S+, rmse=\S+, model=\S+ \(from run \S+\)\n\tcondition-1\tsucceeded\t.*\n4\t  deploy\tsucceeded\t/)
  const logs = await runCli(['logs', 'latest', 'traintuned'], {cwd})
  assert.is(logs.code, 0, logs.stderr)
  assert.match(logs.stdout, 'trained with')
  assert.match(logs.stderr, `traintuned was skipped in this run; log from run ${run1.id}`)
})

let python = true
try {
  execFileSync('python3', ['--version'])
} catch {
  python = false
}
if (python) BW.run()
else {
  console.log('SKIPPED: babyweight example: python3 is not installed')
  console.log('KFP_TEST_SKIPPED=1')
}
