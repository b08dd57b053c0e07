/**
 * `kfp run --start-step N` on a KFP server for a pipeline with control flow: the `tuning` example (a loop, a condition
 * inside an exit handler's body, an exit handler). The fake server parses and compiles every inline spec as the real
 * one does (test/helpers/fake-spec-check.ts: strict pipeline_spec.proto, argocompiler's walk, dangling references).
 */
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {initExample, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer, type FakeTask} from '../helpers/kfp-server.js'

const t = suite('kfp run --start-step on a server: loops, conditions, exit handlers (tuning example)')
let server: FakeKfpServer
let dir: string
let env: Record<string, string>
let cleanup: () => Promise<void>
let source: string

const EH = 'exit-handler-1'
const RMSE = [0.5, 0.4, 0.3, 0.6]

t.before(async () => {
  ;({dir, env, cleanup} = await initExample('tuning', {prefix: 'kfp-remote-ss-', name: 'sweep'}))
})
t.before.each(async () => {
  server = await startFakeKfp()
  const add = await runCli(['target', 'add', 'srv', '--endpoint', server.url], {cwd: dir, env})
  assert.is(add.code, 0, add.stderr)
  // A whole run on the server: four trials, the best (0.3) is good enough, so the condition's steps ran.
  const first = await runCli(['run', '--target', 'srv', '--no-watch', '--json', '--name', 'whole'], {cwd: dir, env})
  assert.is(first.code, 0, first.stderr)
  source = [...server.runs.keys()][0]
  const tasks: FakeTask[] = [
    {display_name: `${EH}/make-data`, state: 'SUCCEEDED', outputs: {rows: 200}, artifacts: {data: 'x,y\n1,2\n'}},
    ...RMSE.map((rmse, i) => ({display_name: `${EH}/for-loop-2[${i}]/trial`, state: 'SUCCEEDED', outputs: {rmse}, artifacts: {model: `m${i}`, metrics: '{}'}})),
    {display_name: `${EH}/pick-best`, state: 'SUCCEEDED', outputs: {best_rmse: 0.3, best_lr: 0.1, best_epochs: 60}, artifacts: {report: '# best'}},
    {display_name: `${EH}/condition-3/train-final`, state: 'SUCCEEDED', outputs: {rmse: 0.29}, artifacts: {model: 'final-model', metrics: '{}'}},
    {display_name: `${EH}/condition-3/deploy`, state: 'SUCCEEDED', outputs: {endpoint: 'http://old'}, artifacts: {served: 's', card: 'c'}},
    {display_name: 'summary', state: 'SUCCEEDED', artifacts: {summary: 'ok'}},
  ]
  server.setRunState(source, 'SUCCEEDED', tasks)
})
t.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
})
t.after(async () => cleanup())

const sentSpec = () => {
  const body = server.requests.filter((r) => r.method === 'POST' && r.path === '/apis/v2beta1/runs').at(-1)!.body as any
  return body.pipeline_spec.pipeline_spec ?? body.pipeline_spec
}
const uriOf = (task: string, name: string) => [...server.objects.keys()].find((u) => u.includes(`/${source}/${task}/`) && u.endsWith(`/${name}`))

t('--start-step 3 (after the loop): the loop and make-data are not sent; the loop output is the list of the iterations\' values; make-data\'s Dataset comes from an importer; the condition and the exit handler stay', async () => {
  // When
  const r = await runCli(['run', '--target', 'srv', '--start-step', '3', '--no-watch'], {cwd: dir, env})
  // Then
  assert.is(r.code, 0, r.stderr)
  const spec = sentSpec()
  assert.equal(Object.keys(spec.root.dag.tasks).sort(), [EH, 'summary'])
  assert.equal(spec.root.dag.tasks.summary.inputs.parameters.status, {taskFinalStatus: {producerTask: EH}})
  const body = spec.components[spec.root.dag.tasks[EH].componentRef.name].dag.tasks
  assert.equal(Object.keys(body).sort(), ['condition-3', 'importer-make-data-data', 'pick-best'])
  assert.equal(body['pick-best'].inputs.parameters.rmses, {runtimeValue: {constant: RMSE}})
  assert.equal(body['pick-best'].dependentTasks, undefined)
  // The condition is evaluated anew by the server, on its own (unchanged) inputs from pick-best, which runs.
  assert.ok(body['condition-3'].triggerPolicy.condition.includes('pick-best-best_rmse'))
  assert.equal(body['condition-3'].inputs.artifacts['pipelinechannel--make-data-data'], {taskOutputArtifact: {producerTask: 'importer-make-data-data', outputArtifactKey: 'data'}})
  assert.equal(body['condition-3'].dependentTasks, ['importer-make-data-data', 'pick-best'])
  const importer = spec.deploymentSpec.executors[spec.components[body['importer-make-data-data'].componentRef.name].executorLabel].importer
  assert.equal(importer, {artifactUri: {constant: uriOf('make-data', 'data')}, typeSchema: {schemaTitle: 'system.Dataset', schemaVersion: '0.0.1'}})
  assert.not.ok(spec.components['comp-for-loop-2'] || spec.components['comp-make-data'])
  assert.not.ok(spec.deploymentSpec.executors['exec-make-data'])
  // What the user sees
  assert.match(r.stderr, `Starting at step 3 (pick-best); steps before it are not run: outputs of make-data, trial[0], trial[1], trial[2], trial[3] from run whole (${source}).`)
  assert.match(r.stderr, `make-data.data: imported from ${uriOf('make-data', 'data')} (task ${EH}/importer-make-data-data)`)
  // Run whole was created without parameters: its steps saw the defaults, which this run has too, so no warning
  assert.not.match(r.stderr, /Parameter \w+ is/)
})

t('--start-step 3 with a parameter the reused steps read set otherwise than the source run saw (its default): a warning says so', async () => {
  const r = await runCli(['run', '--target', 'srv', '--start-step', '3', '--param', 'seed=8', '--no-watch'], {cwd: dir, env})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, `Parameter seed is 8 in this run but was 7 in run whole (${source}), whose outputs are reused; skipped step make-data reads it and will not see the new value. Use --start-step 1 to recompute.`)
  assert.not.match(r.stderr, 'Parameter trials')
})

t('--start-step 5 (inside the condition): the condition stays with deploy only, its inputs from pick-best are constants, so the server evaluates it anew; train-final\'s model is imported inside it', async () => {
  // When
  const r = await runCli(['run', '--target', 'srv', '--start-step', 'deploy', '--no-watch', '--json'], {cwd: dir, env})
  // Then
  assert.is(r.code, 0, r.stderr)
  const spec = sentSpec()
  const body = spec.components[spec.root.dag.tasks[EH].componentRef.name].dag.tasks
  assert.equal(Object.keys(body).sort(), ['condition-3', 'importer-make-data-data'])
  const cond = body['condition-3']
  assert.equal(cond.inputs.parameters['pipelinechannel--pick-best-best_rmse'], {runtimeValue: {constant: 0.3}})
  assert.equal(cond.inputs.parameters['pipelinechannel--maxRmse'], {componentInputParameter: 'pipelinechannel--maxRmse'})
  assert.equal(cond.dependentTasks, ['importer-make-data-data'])
  const inner = spec.components[cond.componentRef.name].dag.tasks
  assert.equal(Object.keys(inner).sort(), ['deploy', 'importer-train-final-model'])
  assert.equal(inner.deploy.inputs.parameters.rmse, {runtimeValue: {constant: 0.29}})
  assert.equal(inner.deploy.inputs.artifacts.model, {taskOutputArtifact: {producerTask: 'importer-train-final-model', outputArtifactKey: 'model'}})
  assert.equal(inner.deploy.dependentTasks, ['importer-train-final-model'])
  assert.equal(spec.root.dag.tasks.summary.triggerPolicy, {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'})
  assert.equal(r.json.result.startStep.skipped.length, 8 - 4, 'make-data, trial, pick-best, train-final (template paths)')
  assert.equal(r.json.result.startStep.imported.map((a: any) => `${a.step}.${a.output}`).sort(), ['make-data.data', 'train-final.model'])
})

t('--start-step 6 (the exit handler alone) is refused before anything is sent: its final status would name a task that does not run', async () => {
  const before = server.runs.size
  const r = await runCli(['run', '--target', 'srv', '--start-step', 'summary', '--no-watch'], {cwd: dir, env})
  assert.is(r.code, 2, r.stderr)
  assert.match(r.stderr, `--start-step 6: the exit handler step summary reports the final status of '${EH}', whose steps all come before 6`)
  assert.match(r.stderr, '--start-step 5')
  assert.is(server.runs.size, before)
})

t('--start-step 2 (the loop\'s first step): every iteration runs again; only make-data is reused', async () => {
  const r = await runCli(['run', '--target', 'srv', '--start-step', 'trial', '--no-watch'], {cwd: dir, env})
  assert.is(r.code, 0, r.stderr)
  const spec = sentSpec()
  const body = spec.components[spec.root.dag.tasks[EH].componentRef.name].dag.tasks
  assert.equal(Object.keys(body).sort(), ['condition-3', 'for-loop-2', 'importer-make-data-data', 'pick-best'])
  assert.equal(body['for-loop-2'].parameterIterator, {itemInput: 'pipelinechannel--trials-loop-item', items: {inputParameter: 'pipelinechannel--trials'}})
  assert.equal(body['for-loop-2'].inputs.artifacts['pipelinechannel--make-data-data'].taskOutputArtifact.producerTask, 'importer-make-data-data')
})

t.run()

const b = suite('kfp run --start-step 4 on a server: babyweight, whose deploy runs only when traintuned.rmse < maxRmse')
let bdir: string
b.before(async () => {
  bdir = path.join(path.dirname(dir), 'bw')
  const init = await runCli(['init', bdir, '--example', 'babyweight', '--yes'], {env})
  assert.is(init.code, 0, init.stderr)
})
b.before.each(async () => {
  server = await startFakeKfp()
  assert.is((await runCli(['target', 'add', 'srv', '--endpoint', server.url], {cwd: bdir, env})).code, 0)
  assert.is((await runCli(['run', '--target', 'srv', '--no-watch', '--name', 'whole'], {cwd: bdir, env})).code, 0)
  source = [...server.runs.keys()][0]
  server.setRunState(source, 'SUCCEEDED', [
    {display_name: 'preprocess', state: 'SUCCEEDED', outputs: {bucket: 'gs://b'}, artifacts: {data: 'rows'}},
    {display_name: 'hypertrain', state: 'SUCCEEDED', outputs: {jobname: 'job-1'}, artifacts: {job: '{}'}},
    {display_name: 'traintuned', state: 'SUCCEEDED', outputs: {rmse: 1.1, train: 'gs://b/train'}, artifacts: {model: 'weights'}},
    {display_name: 'condition-1/deploy', state: 'SUCCEEDED', outputs: {model: 'babyweight', version: 'mlp'}},
  ])
})
b.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
})

b('the condition is sent with traintuned\'s values as constants (the server decides again with this run\'s maxRmse); its model is imported', async () => {
  // When
  const r = await runCli(['run', '--target', 'srv', '--start-step', '4', '--param', 'maxRmse=2', '--no-watch'], {cwd: bdir, env})
  // Then
  assert.is(r.code, 0, r.stderr)
  const spec = sentSpec()
  assert.equal(Object.keys(spec.root.dag.tasks).sort(), ['condition-1', 'importer-traintuned-model'])
  const cond = spec.root.dag.tasks['condition-1']
  assert.equal(cond.inputs.parameters['pipelinechannel--traintuned-rmse'], {runtimeValue: {constant: 1.1}})
  assert.equal(cond.inputs.parameters['pipelinechannel--maxRmse'], {componentInputParameter: 'maxRmse'})
  assert.equal(cond.inputs.parameters['pipelinechannel--traintuned-train'], {runtimeValue: {constant: 'gs://b/train'}})
  assert.ok(cond.triggerPolicy.condition.includes("pipelinechannel--traintuned-rmse'] < "))
  assert.equal(cond.inputs.artifacts['pipelinechannel--traintuned-model'], {taskOutputArtifact: {producerTask: 'importer-traintuned-model', outputArtifactKey: 'model'}})
  const body = server.requests.filter((q) => q.method === 'POST' && q.path === '/apis/v2beta1/runs').at(-1)!.body as any
  assert.equal(body.runtime_config.parameters, {maxRmse: 2})
  assert.match(r.stderr, `Starting at step 4 (deploy); steps before it are not run: outputs of preprocess, hypertrain, traintuned from run whole (${source}).`)
  assert.match(r.stderr, `traintuned.model: imported from ${uriOf('traintuned', 'model')} (task importer-traintuned-model)`)
})

b('afterwards kfp runs get, on any machine, lists steps 1-3 as not run with the run (and --set-output) whose outputs they reused; deploy keeps its number 4', async () => {
  // Given a --start-step run on the server, one of whose values is given by hand
  const r = await runCli(['run', '--target', 'srv', '--start-step', '4', '--set-output', 'traintuned.rmse=0.9', '--no-watch', '--json'], {cwd: bdir, env})
  assert.is(r.code, 0, r.stderr)
  const id = r.json.result.run.id
  const model = uriOf('traintuned', 'model')!
  server.setRunState(id, 'SUCCEEDED', [
    {display_name: 'importer-traintuned-model', state: 'SUCCEEDED', imports: model},
    {display_name: 'condition-1/deploy', state: 'SUCCEEDED', outputs: {model: 'babyweight', version: 'mlp'}},
  ])
  // The run's description, which the KFP UI shows, says it in a sentence (MySQL, KFP's default database, keeps 255
  // characters of it); the record kfp reads back is in the run's own pruned spec, stored whole with the run
  const description = (server.runs.get(id) as {description: string}).description
  assert.is(description, `Started by kfp run --start-step at step 4 (deploy); the steps before it were not run and reuse outputs of run whole (${source}) and --set-output traintuned.rmse.`)
  const [own, record] = sentSpec().pipelineInfo.description.split('\n')
  assert.is(own, "Predict a baby's weight from the natality data.", 'the pipeline\'s own description is kept first')
  assert.ok(record.startsWith('kfp-start-step/v1 {"start":{"number":4,'), record)
  assert.not.match(record, '0.9')
  // When another machine (no local runs, its own config) reads the run
  const elsewhere = path.join(path.dirname(bdir), 'elsewhere')
  const otherEnv = {HOME: elsewhere, KFP_CONFIG_DIR: path.join(elsewhere, '.cfg')}
  const added = await runCli(['target', 'add', 'srv', '--endpoint', server.url, '--user'], {cwd: path.dirname(bdir), env: otherEnv})
  assert.is(added.code, 0, added.stderr)
  const got = await runCli(['runs', 'get', id, '--target', 'srv'], {cwd: path.dirname(bdir), env: otherEnv})
  const json = await runCli(['runs', 'get', id, '--target', 'srv', '--json'], {cwd: path.dirname(bdir), env: otherEnv})
  // Then it says where the run started and whose outputs the steps before it reused, as a local run's record does
  assert.is(got.code, 0, got.stderr)
  assert.match(got.stdout, `Started at step 4 (deploy), reusing outputs of run whole (${source})\n`)
  const rows = got.stdout.split('\n').filter((l) => l.includes('\t')).slice(1).map((l) => l.split('\t'))
  assert.equal(rows.map((x) => [x[0], x[1], x[4]]), [
    ['1', 'preprocess', `(from run ${source})`],
    ['2', 'hypertrain', `(from run ${source})`],
    ['3', 'traintuned', `(from run ${source} + --set-output rmse)`],
    ['', 'importer-traintuned-model', 'imports traintuned.model for --start-step 4'],
    ['4', 'deploy', 'model=babyweight, version=mlp'],
  ])
  // The importer's own execution (system.ImporterExecution) says it ran
  assert.equal(rows.map((x) => x[2]), ['skipped', 'skipped', 'skipped', 'succeeded', 'succeeded'])
  const run = json.json.result.run
  assert.equal(run.startStep, {number: 4, task: 'condition-1/deploy', step: 'deploy', fromRun: {id: source, name: 'whole', where: 'server'}})
  assert.equal(run.tasks[2], {key: 'traintuned', name: 'traintuned', displayName: 'traintuned', number: 3, status: 'skipped', outputs: {}, reusedFrom: {runId: source, runName: 'whole', setOutputs: ['rmse']}})
  // A run started whole has no such record
  const wholeRun = await runCli(['runs', 'get', source, '--target', 'srv', '--json'], {cwd: path.dirname(bdir), env: otherEnv})
  assert.is(wholeRun.json.result.run.startStep, undefined)
})

b('kfp logs RUN N on another machine: N is the pipeline\'s step number; a step before N says which run has its log', async () => {
  // Given a --start-step 4 run whose deploy has a log
  const r = await runCli(['run', '--target', 'srv', '--start-step', '4', '--no-watch', '--json'], {cwd: bdir, env})
  assert.is(r.code, 0, r.stderr)
  const id = r.json.result.run.id
  server.setRunState(id, 'SUCCEEDED', [
    {display_name: 'importer-traintuned-model', state: 'SUCCEEDED', imports: uriOf('traintuned', 'model')!},
    {display_name: 'condition-1/deploy', state: 'SUCCEEDED', log: 'deployed babyweight\n', outputs: {model: 'babyweight', version: 'mlp'}},
  ])
  // When another machine (no project to number the steps) asks for step 4, then step 1
  const elsewhere = path.join(path.dirname(bdir), 'elsewhere-logs')
  const otherEnv = {HOME: elsewhere, KFP_CONFIG_DIR: path.join(elsewhere, '.cfg')}
  assert.is((await runCli(['target', 'add', 'srv', '--endpoint', server.url, '--user'], {cwd: path.dirname(bdir), env: otherEnv})).code, 0)
  const four = await runCli(['logs', id, '4', '--target', 'srv'], {cwd: path.dirname(bdir), env: otherEnv})
  const one = await runCli(['logs', id, '1', '--target', 'srv'], {cwd: path.dirname(bdir), env: otherEnv})
  // Then step 4 is deploy, as kfp runs get numbers it (the run's own spec would call it step 1)
  assert.is(four.code, 0, four.stderr)
  assert.match(four.stdout, 'deployed babyweight')
  // and step 1 was not run there: the message names the run whose outputs it reused, and the command for its log
  assert.is(one.code, 2, one.stderr)
  assert.match(one.stderr, `Step 1 (preprocess) did not run in run ${id}: it started at step 4 (deploy) and reused the outputs of run whole (${source}).`)
  assert.match(one.stderr, `kfp logs ${source} 1 --target srv`)
})

b('on MySQL (KFP\'s default database, the fake\'s default) the run is created with a description within 255 characters; the record kept in its spec still numbers its steps as the pipeline does', async () => {
  // When
  const r = await runCli(['run', '--target', 'srv', '--start-step', '4', '--no-watch', '--json'], {cwd: bdir, env})
  // Then the run exists, its description holds the sentence for people, and nothing was lost
  assert.is(r.code, 0, r.stderr)
  const id = r.json.result.run.id
  const description = (server.runs.get(id) as {description: string}).description
  assert.ok([...description].length <= 255, description)
  assert.is(description, `Started by kfp run --start-step at step 4 (deploy); the steps before it were not run and reuse outputs of run whole (${source}).`)
  assert.not.ok(r.json.warnings.some((w: string) => w.startsWith('What --start-step reused is not kept')), r.json.warnings.join('\n'))
  server.setRunState(id, 'SUCCEEDED', [
    {display_name: 'importer-traintuned-model', state: 'SUCCEEDED', imports: uriOf('traintuned', 'model')!},
    {display_name: 'condition-1/deploy', state: 'SUCCEEDED', outputs: {model: 'babyweight', version: 'mlp'}},
  ])
  const got = await runCli(['runs', 'get', id, '--target', 'srv', '--json'], {cwd: bdir, env})
  assert.is(got.code, 0, got.stderr)
  assert.equal(got.json.result.run.startStep, {number: 4, task: 'condition-1/deploy', step: 'deploy', fromRun: {id: source, name: 'whole', where: 'server'}})
  assert.equal(got.json.result.run.tasks.map((t: {number?: number; name: string}) => [t.number, t.name]), [[1, 'preprocess'], [2, 'hypertrain'], [3, 'traintuned'], [undefined, 'importer-traintuned-model'], [4, 'deploy']])
})

b.run()

