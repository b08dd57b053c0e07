// kfp run --dry-run on the built CLI (process runner): the plan per step, why a step misses the cache, --start-step
// reuse with its values, --json, and that nothing runs or is recorded.
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {processShimDir, runCase} from '../helpers/sdk-corpus-cases.js'
import {tmpdir} from '../helpers/tmp.js'

const metricsIr = path.join(repoRoot, 'test', 'fixtures', 'ir', 'insight', 'metrics.yaml')
let tmp: {dir: string; cleanup: () => Promise<void>}
const D = suite('kfp run --dry-run')
D.before.each(async () => {
  tmp = await tmpdir('kfp-dryrun-')
})
D.after.each(async () => {
  await tmp.cleanup()
})

const runsIn = (dir: string) => (existsSync(path.join(dir, '.kfp', 'runs')) ? readdirSync(path.join(dir, '.kfp', 'runs')).length : 0)
const rows = (stdout: string) => stdout.trimEnd().split('\n').slice(2).map((l) => l.split('\t'))

D('before any run: every step runs; nothing is started or recorded', async () => {
  const r = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--dry-run'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Dry run of metrics on the process runner: nothing was started\.\n#\tstep\twill\tfrom run\twhy\n/)
  assert.equal(rows(r.stdout), [
    ['1', 'train', 'run', '', 'not in the cache: no earlier run of this step had these inputs'],
    ['2', 'evaluate', 'run', '', 'its inputs come from step train, which runs first: the cache is checked once they are known'],
  ])
  assert.is(runsIn(tmp.dir), 0)
  assert.not.match(r.stderr, /started|\[train\]/)
})

D('after a run: cached from that run; a changed parameter names the input and the run it is compared with; --json', async () => {
  const first = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--name', 'first', '--param', 'lr=0.25', '--json'], {cwd: tmp.dir})
  assert.is(first.code, 0, first.stderr)
  const id = first.json.result.run.id
  const same = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--param', 'lr=0.25', '--dry-run'], {cwd: tmp.dir})
  assert.equal(rows(same.stdout).map((x) => [x[1], x[2], x[3]]), [['train', 'cached', `first (${id})`], ['evaluate', 'cached', `first (${id})`]])
  assert.match(rows(same.stdout)[0][4], `same image, command and inputs as step train of run first (${id})`)
  // A new value: train misses the cache because of lr, and evaluate waits for train
  const changed = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--param', 'lr=0.5', '--dry-run'], {cwd: tmp.dir})
  assert.is(changed.code, 0, changed.stderr)
  assert.equal(rows(changed.stdout)[0], ['1', 'train', 'run', '', `input lr changed: 0.25 → 0.5 (since run first, ${id})`])
  assert.is(rows(changed.stdout)[1][2], 'run')
  // --json: the plan's steps, and still no new run
  const js = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--param', 'lr=0.5', '--dry-run', '--json'], {cwd: tmp.dir})
  assert.is(js.json.status, 0)
  const plan = js.json.result
  assert.is(plan.dryRun, true)
  assert.is(plan.runner, 'process')
  assert.equal(plan.parameters, {lr: '0.5'})
  assert.equal(plan.steps[0], {task: 'train', number: 1, step: 'train', action: 'run', comparedWith: {id, name: 'first'}, reasons: ['input lr changed: 0.25 → 0.5']})
  assert.is(runsIn(tmp.dir), 1)
})

D('--start-step: the steps before it are reused from the run they come from, with their values; the start step runs', async () => {
  const first = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--name', 'first', '--json'], {cwd: tmp.dir})
  const id = first.json.result.run.id
  const r = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--start-step', 'evaluate', '--dry-run'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const [train, evaluate] = rows(r.stdout)
  assert.equal(train.slice(0, 4), ['1', 'train', 'reused', `first (${id})`])
  assert.match(train[4], `before --start-step: reuses outputs of run first (${id}); metrics=${tmp.dir}`)
  assert.match(train[4], /model=\S+\/train\/model/)
  assert.equal(evaluate.slice(2), ['run', '', 'the --start-step step always runs'])
  // --no-cache and a changed image
  const nc = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--no-cache', 'train', '--dry-run'], {cwd: tmp.dir})
  assert.equal(rows(nc.stdout).map((x) => [x[1], x[2], x[4]]), [['train', 'run', '--no-cache'], ['evaluate', 'run', 'its inputs come from step train, which runs first: the cache is checked once they are known']])
  const copy = path.join(tmp.dir, 'metrics-v2.yaml')
  writeFileSync(copy, readFileSync(metricsIr, 'utf8').replace(/kfp-test\/busybox:latest/g, 'kfp-test/busybox:v2'))
  const img = await runCli(['run', '--local', copy, '--runner', 'process', '--dry-run'], {cwd: tmp.dir})
  assert.match(rows(img.stdout)[0][4], 'the image changed: kfp-test/busybox:latest → kfp-test/busybox:v2')
})

D('steps inside groups and loops (the tuning example): cached per iteration; a changed item says what changed since which run', async () => {
  const project = path.join(tmp.dir, 'sweep')
  assert.is((await runCli(['init', project, '--example', 'tuning', '-y'], {cwd: tmp.dir})).code, 0)
  const first = await runCli(['run', '--runner', 'process', '--name', 'first', '--json'], {cwd: project})
  assert.is(first.code, 0, first.stderr)
  const id = first.json.result.run.id
  const same = await runCli(['run', '--runner', 'process', '--dry-run'], {cwd: project})
  assert.is(same.code, 0, same.stderr)
  const byStep = (out: string) => Object.fromEntries(rows(out).map((x) => [x[1], x]))
  for (const step of ['make-data', 'trial[0]', 'trial[1]', 'trial[2]', 'trial[3]']) assert.equal(byStep(same.stdout)[step].slice(2, 4), ['cached', `first (${id})`], step)
  assert.match(byStep(same.stdout)['trial[2]'][4], `same image, command and inputs as step trial[2] of run first (${id})`)
  // The loop's collected outputs are known when every iteration is: the steps after it are looked up too
  for (const step of ['pick-best', 'train-final', 'deploy']) assert.equal(byStep(same.stdout)[step].slice(2, 4), ['cached', `first (${id})`], step)
  assert.equal(byStep(same.stdout).summary.slice(2), ['run', '', "it reads this run's final status (PipelineTaskFinalStatus), which names the run: new in every run"])
  // One trial's epochs change: that iteration alone misses the cache, and says why (its item field, not the item)
  const trials = '[{"lr":0.01,"epochs":30},{"lr":0.05,"epochs":31},{"lr":0.1,"epochs":60},{"lr":0.3,"epochs":60}]'
  const changed = await runCli(['run', '--runner', 'process', '--dry-run', '--param', `trials=${trials}`, '--json'], {cwd: project})
  assert.is(changed.code, 0, changed.stderr)
  const plan = Object.fromEntries(changed.json.result.steps.map((x: {step: string}) => [x.step, x]))
  assert.equal(plan['trial[1]'], {task: 'exit-handler-1/for-loop-2[1]/trial', number: 2, step: 'trial[1]', action: 'run', comparedWith: {id, name: 'first'}, reasons: ['input epochs changed: 30 → 31']})
  assert.equal(['trial[0]', 'trial[2]', 'trial[3]'].map((s) => plan[s].action), ['cached', 'cached', 'cached'])
})

D('a step reading a loop\'s collected artifacts (dsl.Collected) after a cached loop is looked up in the cache too', async () => {
  // The SDK's pipeline_with_collected_artifacts, its Python functions as busybox scripts (test/helpers/sdk-corpus.ts).
  const c = {file: 'sdk/valid/local_execution/pipeline_with_collected_artifacts', check: () => {}}
  const env = {PATH: `${processShimDir(tmp.dir)}:${process.env.PATH}`}
  const first = await runCase(c, tmp.dir, 'process', env)
  assert.is(first.code, 0, first.stderr)
  const file = path.join(tmp.dir, 'pipeline.json')
  const r = await runCli(['run', '--local', file, '--runner', 'process', '--dry-run', '--json'], {cwd: tmp.dir, env})
  assert.is(r.code, 0, r.stderr)
  const plan = Object.fromEntries(r.json.result.steps.map((x: {step: string}) => [x.step, x]))
  for (const step of ['write-artifact[0]', 'write-artifact[1]', 'write-artifact[2]', 'read-and-join']) assert.is(plan[step]?.action, 'cached', `${step}: ${JSON.stringify(plan[step])}`)
  assert.equal(plan['read-and-join'].fromRun, {id: first.run.id, name: first.run.name})
})

D('bad flags are still checked (exit 2); a server target cannot be planned here', async () => {
  const bad = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--dry-run', '--param', 'nope=1'], {cwd: tmp.dir})
  assert.is(bad.code, 2)
  const srv = await runCli(['run', '--dry-run'], {cwd: tmp.dir, env: {KFP_ENDPOINT: 'http://127.0.0.1:9', KFP_CONFIG_DIR: path.join(tmp.dir, 'cfg')}})
  assert.is(srv.code, 2, srv.stderr)
  assert.match(srv.stderr, "--dry-run plans runs on this machine; target 'env' is a KFP server")
})

D.run()

const controlIr = path.join(repoRoot, 'test', 'fixtures', 'ir', 'insight', 'control.yaml')
const Flow = suite('kfp run --dry-run: conditions and loops')
Flow.before.each(async () => {
  tmp = await tmpdir('kfp-dryrun-flow-')
})
Flow.after.each(async () => {
  await tmp.cleanup()
})

Flow('a condition on a parameter is decided (skipped, with the value it read); a loop over known items plans each iteration', async () => {
  const r = await runCli(['run', '--local', controlIr, '--runner', 'process', '--dry-run'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  assert.equal(rows(r.stdout), [
    ['1', 'heavy', 'skipped', '', `condition false: mode == 'full' (with mode="quick")`],
    ['2', 'each[0]', 'run', '', 'not in the cache: no earlier run of this step had these inputs'],
    ['2', 'each[1]', 'run', '', 'not in the cache: no earlier run of this step had these inputs'],
  ])
  // After a run with other values: the true condition's step and the known iterations come from the cache, a new item runs
  const done = await runCli(['run', '--local', controlIr, '--runner', 'process', '--param', 'mode=full', '--param', 'items=["x","y"]', '--json'], {cwd: tmp.dir})
  assert.is(done.code, 0, done.stderr)
  const id = done.json.result.run.id
  const next = await runCli(['run', '--local', controlIr, '--runner', 'process', '--param', 'mode=full', '--param', 'items=["x","y","z"]', '--dry-run', '--json'], {cwd: tmp.dir})
  assert.equal(next.json.result.steps.map((s: any) => [s.task, s.step, s.action, s.fromRun?.id]), [
    ['condition-1/heavy', 'heavy', 'cached', id],
    ['for-loop-2[0]/each', 'each[0]', 'cached', id],
    ['for-loop-2[1]/each', 'each[1]', 'cached', id],
    ['for-loop-2[2]/each', 'each[2]', 'run', undefined],
  ])
})

Flow('a step inside a condition decided at run time says so, whatever else it says (SDK pipeline_with_condition)', async () => {
  const r = await runCli(['run', '--local', path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk', 'pipeline_with_condition.yaml'), '--runner', 'process', '--dry-run'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const when = "if flip-coin-op.Output == 'heads' holds (decided at run time)"
  assert.equal(rows(r.stdout).map((x) => [x[1], x[4].endsWith(when)]), [['flip-coin-op', false], ['flip-coin-op-2', true], ['print-op-2', true], ['print-op-3', true], ['print-op', false]])
})

Flow.run()

// Exit handlers and ignore_upstream_failure (triggerPolicy ALL_UPSTREAM_TASKS_COMPLETED), on the SDK's compiled
// pipelines (test/fixtures/ir/sdk, executors as busybox sh): the plan, then the run it plans, step by step.
const sdkIr = (name: string) => path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk', `${name}.yaml`)
const Exit = suite('kfp run --dry-run: exit handlers and ignore_upstream_failure, as the run then runs them')
Exit.before.each(async () => {
  tmp = await tmpdir('kfp-dryrun-exit-')
})
Exit.after.each(async () => {
  await tmp.cleanup()
})

type PlanRow = {task: string; action: string; fromRun?: {id: string; name: string}; reasons: string[]}
const planOf = async (args: string[]): Promise<Record<string, PlanRow>> => {
  const r = await runCli(['run', '--runner', 'process', ...args, '--dry-run', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  return Object.fromEntries(r.json.result.steps.map((s: PlanRow) => [s.task, s]))
}
/** Runs it (the fixtures' fail-op fails: exit 7) and returns what `kfp runs get RUN --json` says of each step. */
const runOf = async (args: string[]): Promise<{id: string; tasks: Record<string, {status: string; reusedFrom?: {runId?: string}}>}> => {
  const r = await runCli(['run', '--runner', 'process', ...args, '--json'], {cwd: tmp.dir})
  assert.is(r.code, 7, r.stderr)
  const got = await runCli(['runs', 'get', 'latest', '--json'], {cwd: tmp.dir})
  const run = got.json.result.run
  return {id: run.id, tasks: Object.fromEntries(run.tasks.filter((t: {kind?: string}) => !t.kind).map((t: {name: string}) => [t.name, t]))}
}
/** The plan's action for each step agrees with the status the run then gave it (and a cached step's source run). */
function agrees(plan: Record<string, PlanRow>, run: Awaited<ReturnType<typeof runOf>>): void {
  assert.equal(Object.keys(plan).sort(), Object.keys(run.tasks).sort())
  const ran: Record<string, string[]> = {run: ['succeeded', 'failed'], cached: ['cached'], skipped: ['skipped'], reused: ['skipped']}
  for (const [task, p] of Object.entries(plan)) {
    assert.ok(ran[p.action].includes(run.tasks[task].status), `${task}: planned ${p.action}, the run says ${run.tasks[task].status}`)
    if (p.action === 'cached') assert.is(run.tasks[task].reusedFrom?.runId, p.fromRun!.id, task)
  }
}

Exit('an exit handler: its exit task, which only waits for the group, is looked up in the cache as the run does', async () => {
  const ir = ['--local', sdkIr('pipeline_with_exit_handler')]
  const before = await planOf(ir)
  assert.equal(Object.values(before).map((s) => [s.task, s.action]), [['exit-handler-1/fail-op', 'run'], ['exit-handler-1/print-op-2', 'run'], ['print-op', 'run']])
  const first = await runOf([...ir, '--name', 'first'])
  agrees(before, first)
  // After a run: print-op-2 and the exit task are cached from it; fail-op failed there, so it runs again
  const after = await planOf(ir)
  assert.equal(Object.values(after).map((s) => [s.task, s.action, s.fromRun?.name]), [['exit-handler-1/fail-op', 'run', undefined], ['exit-handler-1/print-op-2', 'cached', 'first'], ['print-op', 'cached', 'first']])
  assert.equal(after['print-op'].reasons, [`same image, command and inputs as step print-op of run first (${first.id})`])
  agrees(after, await runOf(ir))
})

Exit('ignore_upstream_failure: it runs after its failing upstream with the input default, and the plan says the cache hit that gives', async () => {
  const ir = ['--local', sdkIr('pipeline_with_task_using_ignore_upstream_failure')]
  const before = await planOf(ir)
  assert.equal(before['print-op'].reasons, ['it runs after step fail-op whatever it does (ignore_upstream_failure or exit handler), with input defaults for outputs not produced: the cache is checked then'])
  const first = await runOf([...ir, '--name', 'first'])
  agrees(before, first)
  assert.is(first.tasks['print-op'].status, 'succeeded')
  const after = await planOf(ir)
  assert.is(after['print-op'].action, 'run')
  assert.is(after['print-op'].reasons[1], `if step fail-op fails, it is cached: same image, command and inputs as step print-op of run first (${first.id})`)
  const second = await runOf(ir)
  assert.equal([second.tasks['fail-op'].status, second.tasks['print-op'].status, second.tasks['print-op'].reusedFrom?.runId], ['failed', 'cached', first.id])
  // --start-step print-op: fail-op, before it, has no output in any run; print-op does without it (its default)
  const from = [...ir, '--start-step', 'print-op', '--no-cache']
  const resumed = await planOf(from)
  assert.equal([resumed['fail-op'].action, resumed['print-op'].action], ['reused', 'run'])
  const r = await runCli(['run', '--runner', 'process', ...from], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, '[print-op] default')
})

Exit.run()
