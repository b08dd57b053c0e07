/**
 * The `tuning` example end to end on the built CLI, as a user meets it: kfp init --example tuning, validate, steps
 * (the structure: loop, group with a condition, exit handler; numbered as --start-step counts), compile (strictly valid
 * IR with the SDK's control-flow shape, the same bytes twice) and upload to the fake KFP server.
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {initExample, runCli} from '../helpers/cli.js'
import {startFakeKfp} from '../helpers/kfp-server.js'
import {checkPipelineSpec, formatProblems} from '../helpers/proto.js'

const t = suite('kfp init --example tuning')
let dir: string
let cleanup: () => Promise<void>
let env: Record<string, string>

t.before(async () => {
  ;({dir, env, cleanup} = await initExample('tuning', {prefix: 'kfp-tuning-', name: 'sweep'}))
})
t.after(async () => cleanup())

t('validate: six steps; steps: the flow column shows the loop, the release group and its condition, the exit handler', async () => {
  const v = await runCli(['validate'], {cwd: dir, env})
  assert.is(v.code, 0, v.stderr)
  assert.match(v.stdout, 'is valid: 6 steps, 3 params')
  const r = await runCli(['steps'], {cwd: dir, env})
  assert.is(r.code, 0, r.stderr)
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'))
  assert.equal(rows[0], ['#', 'step', 'component', 'flow', 'inputs', 'outputs', 'after'])
  assert.equal(rows.slice(1).map((x) => [x[0], x[1], x[2], x[3]]), [
    ['1', 'make-data', 'make-data', ''],
    ['2', 'trial', 'trial', 'for each params.trials (2 at a time)'],
    ['3', 'pick-best', 'pick-best', ''],
    ['4', 'train-final', 'trial', 'group release: when pick-best.best_rmse < params.maxRmse'],
    ['5', 'deploy', 'deploy', 'group release: when pick-best.best_rmse < params.maxRmse'],
    ['6', 'summary', 'summary', 'finally'],
  ])
  assert.is(rows[2][4], 'data ← make-data.data, lr ← item.lr, epochs ← item.epochs')
  assert.is(rows[6][4], 'status ← run.status, pipeline ← "sweep"')
})

t('steps --json: the tree (groups carry no number) and each step\'s own control flow', async () => {
  const r = await runCli(['steps', '--json'], {cwd: dir, env})
  assert.is(r.code, 0, r.stderr)
  const {structure, steps} = r.json.result
  assert.equal(structure, [
    {kind: 'step', number: 1, name: 'make-data'},
    {kind: 'step', number: 2, name: 'trial'},
    {kind: 'step', number: 3, name: 'pick-best'},
    {
      kind: 'group',
      name: 'release',
      when: 'pick-best.best_rmse < params.maxRmse',
      children: [
        {kind: 'step', number: 4, name: 'train-final'},
        {kind: 'step', number: 5, name: 'deploy'},
      ],
    },
    {kind: 'step', number: 6, name: 'summary'},
  ])
  assert.equal(steps[1].forEach, {items: 'params.trials', parallelism: 2})
  assert.equal(steps[3].groups, ['release'])
  assert.is(steps[5].finally, true)
})

t('compile: the SDK shape (exit handler, loop with iterator policy, collected rmse, condition), strictly valid, deterministic', async () => {
  const a = await runCli(['compile', '--json'], {cwd: dir, env})
  assert.is(a.code, 0, a.stderr)
  assert.is(a.json.result.steps, 6)
  const first = await readFile(path.join(dir, 'pipeline.yaml'), 'utf8')
  const b = await runCli(['compile'], {cwd: dir, env})
  assert.is(b.code, 0, b.stderr)
  assert.is(await readFile(path.join(dir, 'pipeline.yaml'), 'utf8'), first)
  const spec = parse(first)
  assert.equal(checkPipelineSpec(spec), [], formatProblems(checkPipelineSpec(spec)))
  assert.equal(Object.keys(spec.root.dag.tasks).sort(), ['exit-handler-1', 'summary'])
  const eh = spec.components['comp-exit-handler-1'].dag.tasks
  assert.equal(Object.keys(eh).sort(), ['condition-3', 'for-loop-2', 'make-data', 'pick-best'])
  assert.equal(eh['for-loop-2'].iteratorPolicy, {parallelismLimit: 2})
  assert.equal(eh['for-loop-2'].parameterIterator, {itemInput: 'pipelinechannel--trials-loop-item', items: {inputParameter: 'pipelinechannel--trials'}})
  assert.equal(eh['pick-best'].inputs.parameters.rmses, {taskOutputParameter: {outputParameterKey: 'pipelinechannel--trial-rmse', producerTask: 'for-loop-2'}})
  assert.is(eh['condition-3'].taskInfo.name, 'release')
  assert.is(eh['condition-3'].triggerPolicy.condition, "inputs.parameter_values['pipelinechannel--pick-best-best_rmse'] < inputs.parameter_values['pipelinechannel--maxRmse']")
  assert.equal(spec.root.dag.tasks.summary.inputs.parameters.status, {taskFinalStatus: {producerTask: 'exit-handler-1'}})
  assert.equal(spec.components['comp-trial'].outputDefinitions.artifacts.metrics.artifactType, {schemaTitle: 'system.Metrics', schemaVersion: '0.0.1'})
})

t('upload: the fake KFP server (swagger-checked) accepts the control-flow pipeline', async () => {
  const server = await startFakeKfp({})
  try {
    const r = await runCli(['upload', '--json'], {cwd: dir, env: {...env, KFP_ENDPOINT: server.url}})
    assert.is(r.code, 0, r.stderr)
    assert.is(r.json.result.created, 'pipeline')
    assert.equal(server.violations, [])
    const spec = [...server.versions.values()][0].pipeline_spec
    assert.ok(spec.components['comp-for-loop-2'].dag, 'the loop DAG is uploaded')
    assert.equal(checkPipelineSpec(spec), [], formatProblems(checkPipelineSpec(spec)))
  } finally {
    await server.close()
  }
})

t.run()
