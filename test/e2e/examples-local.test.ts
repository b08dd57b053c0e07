/**
 * Both examples on the local engine with the process runner, as a user runs them:
 * - babyweight (issue 11 item 1): the data and the model pass as artifacts in folders of their own run, so a retrain
 *   with a new start year gives the same RMSE as a fresh project run with that year, and no step whose inputs' content
 *   differs is reused; the same year again is reused whole. deploy runs only when the RMSE is under maxRmse.
 * - tuning: the loop's iterations, the collected RMSEs, the release group run or skipped, the exit handler with the run
 *   status, and --start-step into the loop's successor.
 */
import {execFileSync} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

type Task = {name: string; number?: number; status: string; outputs?: {parameters?: Record<string, unknown>; artifacts?: Record<string, {uri: string}>}}

const byName = (tasks: Task[], name: string) => {
  const t = tasks.find((x) => x.name === name || x.name.endsWith(`/${name}`))
  assert.ok(t, `no task ${name} in ${tasks.map((x) => x.name).join(', ')}`)
  return t!
}

async function init(dir: string, example: string, name: string): Promise<string> {
  const r = await runCli(['init', name, '--example', example, '--yes'], {cwd: dir})
  assert.is(r.code, 0, r.stderr)
  return path.join(dir, name)
}

async function run(cwd: string, ...args: string[]): Promise<{run: {id: string; tasks: Task[]; status: string}}> {
  const r = await runCli(['run', '--runner', 'process', '--json', ...args], {cwd})
  assert.is(r.code, 0, r.stderr)
  return r.json.result
}

const bw = suite('babyweight: retraining on a new year (issue 11 item 1)')
let tmp: {dir: string; cleanup: () => Promise<void>}
bw.before(async () => {
  tmp = await tmpdir('kfp-examples-')
})
bw.after(async () => tmp.cleanup())

bw('a retrain with startYear=2003 equals a fresh 2003 run; nothing with changed inputs is reused; 2000 again is all cached', async () => {
  const a = await init(tmp.dir, 'babyweight', 'bw-a')
  const b = await init(tmp.dir, 'babyweight', 'bw-b')
  const first = (await run(a, '--param', 'startYear=2000')).run
  const retrain = (await run(a, '--param', 'startYear=2003')).run
  const fresh = (await run(b, '--param', 'startYear=2003')).run
  const rmse = (r: {tasks: Task[]}) => byName(r.tasks, 'traintuned').outputs!.parameters!.rmse as number
  // The retrain trains on 2003's data only: the same RMSE as a project that never saw 2000.
  assert.is(rmse(retrain), rmse(fresh))
  assert.is.not(rmse(retrain), rmse(first))
  // Every step's data input changed, so none is reused from the 2000 run.
  for (const s of ['preprocess', 'hypertrain', 'traintuned', 'deploy']) assert.is(byName(retrain.tasks, s).status, 'succeeded', s)
  // The data lives in this run's own folder: only 2003's files.
  const data = byName(retrain.tasks, 'preprocess').outputs!.artifacts!.data.uri
  assert.match(data, retrain.id)
  const files = execFileSync('ls', [data], {encoding: 'utf8'}).trim().split('\n')
  assert.equal(files, ['eval.2003.csv', 'train.2003.csv'])
  // The same inputs as the first run: reused whole (caching still works when the content is the same).
  const again = (await run(a, '--param', 'startYear=2000')).run
  for (const s of ['preprocess', 'hypertrain', 'traintuned']) assert.is(byName(again.tasks, s).status, 'cached', s)
  assert.is(rmse(again), rmse(first))
})

bw('deploy runs only when the RMSE is under maxRmse; otherwise it is recorded as skipped, and the run succeeds', async () => {
  const a = path.join(tmp.dir, 'bw-a')
  const strict = (await run(a, '--param', 'maxRmse=0.5')).run
  assert.is(strict.status, 'succeeded')
  const cond = strict.tasks.find((t) => /^condition-\d+$/.test(t.name))
  assert.ok(cond)
  assert.is(cond!.status, 'skipped')
  assert.not.ok(strict.tasks.some((t) => t.name.endsWith('/deploy') && t.status === 'succeeded'))
})

const tuning = suite('tuning example on the local engine')
tuning.before(async () => {
  tmp = await tmpdir('kfp-tuning-run-')
})
tuning.after(async () => tmp.cleanup())

tuning('the sweep: 4 iterations (2 at a time), collected RMSEs, pick-best, release, the exit handler with the status', async () => {
  const dir = await init(tmp.dir, 'tuning', 'sweep')
  const r = (await run(dir)).run
  const trials = r.tasks.filter((t) => /trial$/.test(t.name) && t.name.includes('for-loop-2['))
  assert.is(trials.length, 4)
  const rmses = trials.map((t) => t.outputs!.parameters!.rmse as number)
  const best = byName(r.tasks, 'pick-best').outputs!.parameters!
  assert.is(best.best_rmse, Math.min(...rmses))
  assert.is(byName(r.tasks, 'deploy').status, 'succeeded')
  const summary = byName(r.tasks, 'summary')
  assert.is(summary.status, 'succeeded')
  const text = await readFile(summary.outputs!.artifacts!.summary.uri, 'utf8')
  assert.match(text, /^# sweep: (SUCCEEDED|COMPLETE)/)
  const logs = await runCli(['logs', 'latest', 'summary'], {cwd: dir})
  assert.match(logs.stdout, 'sweep finished:')
})

tuning('--start-step 4: make-data, every trial iteration and pick-best reuse the latest run; the release group runs', async () => {
  const dir = path.join(tmp.dir, 'sweep')
  const r = (await run(dir, '--start-step', '4')).run
  for (const t of r.tasks.filter((x) => !(x as {kind?: string}).kind && x.number !== undefined && x.number < 4)) assert.is(t.status, 'skipped', t.name)
  assert.is(r.tasks.filter((t) => /trial$/.test(t.name) && t.status === 'skipped').length, 4)
  assert.is(byName(r.tasks, 'train-final').status, 'succeeded')
  assert.is(byName(r.tasks, 'summary').status, 'succeeded')
  // What the user reads: the start step by its name, and counts of the 9 step instances (make-data, 4 trials,
  // pick-best, train-final, deploy, summary), not of the group records (exit handler, loop, iterations, condition)
  const get = await runCli(['runs', 'get', 'latest'], {cwd: dir})
  assert.match(get.stdout, /^Started at step 4 \(train-final\), reusing outputs of run \S+$/m)
  const list = await runCli(['runs', 'list'], {cwd: dir})
  const counts = Object.fromEntries(list.stdout.split('\n')[1].split('\t').at(-1)!.split(', ').map((c) => [c.split(' ')[1], Number(c.split(' ')[0])]))
  assert.is(counts.skipped, 6, list.stdout)
  assert.is(Object.values(counts).reduce((a, b) => a + b, 0), 9, list.stdout)
})

tuning('too strict a maxRmse: the release group is skipped, the exit handler still runs', async () => {
  const dir = path.join(tmp.dir, 'sweep')
  const r = (await run(dir, '--param', 'maxRmse=0.01')).run
  assert.is(r.status, 'succeeded')
  const cond = r.tasks.find((t) => /(^|\/)condition-\d+$/.test(t.name))
  assert.is(cond?.status, 'skipped')
  assert.not.ok(r.tasks.some((t) => t.name.endsWith('/deploy')))
  assert.is(byName(r.tasks, 'summary').status, 'succeeded')
  const get = await runCli(['runs', 'get', 'latest'], {cwd: dir})
  assert.match(get.stdout, /condition-3\tskipped\t\tcondition false/)
})

tuning('a failing trial fails the run, and the exit handler reports it', async () => {
  const dir = path.join(tmp.dir, 'sweep')
  const r = await runCli(['run', '--runner', 'process', '--json', '--param', 'trials=[{"lr": 0.1, "epochs": 5}, {"lr": 0.1}]'], {cwd: dir})
  assert.is(r.code, 7, r.stderr)
  const tasks: Task[] = r.json.error?.data?.run?.tasks ?? JSON.parse(await readFile(path.join(dir, '.kfp', 'runs', (await runCli(['runs', 'list', '-q'], {cwd: dir})).stdout.split('\n')[0].trim(), 'run.json'), 'utf8')).tasks
  const summary = byName(tasks, 'summary')
  assert.is(summary.status, 'succeeded')
  const text = await readFile(summary.outputs!.artifacts!.summary.uri, 'utf8')
  assert.match(text, /FAILED/)
})

let python = true
try {
  execFileSync('python3', ['--version'])
} catch {
  python = false
}
if (python) {
  bw.run()
  tuning.run()
} else {
  console.log('SKIPPED: examples on the local engine: python3 is not installed')
  console.log('KFP_TEST_SKIPPED=1')
}
