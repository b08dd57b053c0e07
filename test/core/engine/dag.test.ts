import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {findTask, findUnsupportedFeatures, planTasks, assertSupported, downstreamOf} from '../../../src/core/engine/dag.js'
import type {PipelineSpec} from '../../../src/core/ir/types.js'
import {loadIr} from './helpers.js'

const Plan = suite('core/engine planTasks')

Plan('orders the SDK goldens by their data dependencies and dependentTasks', () => {
  // Given the SDK-compiled two-step pipelines
  const cases: Array<[string, string[]]> = [
    ['hello_world', ['echo']],
    ['two_step_pipeline', ['write-to-gcs', 'read-from-gcs']],
    ['producer_consumer_param_pipeline', ['producer', 'consumer']],
    ['pipeline_with_resource_spec', ['ingestion', 'trainer']],
  ]
  for (const [name, order] of cases) {
    // When planned
    const tasks = planTasks(loadIr(name))
    // Then producers come first and steps are numbered in that order
    assert.equal(tasks.map((t) => t.name), order, name)
    assert.equal(tasks.map((t) => t.number), order.map((_, i) => i + 1), name)
  }
})

Plan('derives upstream tasks from taskOutputParameter/Artifact even without dependentTasks', () => {
  // Given the diamond fixture: a → (b, c) → d
  const tasks = planTasks(loadIr('engine/diamond'))
  // Then
  assert.equal(tasks.map((t) => t.name), ['a', 'b', 'c', 'd'])
  assert.equal(tasks.find((t) => t.name === 'd')!.upstream, ['b', 'c'])
  assert.equal(tasks.find((t) => t.name === 'c')!.upstream, ['a'])
  assert.equal(downstreamOf(tasks, 'b'), ['d'])
})

Plan('uses the project step numbers when given', () => {
  const tasks = planTasks(loadIr('engine/diamond'), {a: 1, c: 2, b: 3, d: 4})
  assert.equal(tasks.map((t) => `${t.number}:${t.name}`), ['1:a', '2:c', '3:b', '4:d'])
})

Plan('rejects cycles and references to unknown tasks with IR_INVALID', () => {
  // Given a spec where two tasks depend on each other
  const spec = loadIr('engine/diamond') as PipelineSpec
  spec.root.dag!.tasks.a.dependentTasks = ['d']
  // Then
  assert.throws(() => planTasks(spec), (e: Error) => /cycle: a, b, c, d/.test(e.message))
  const spec2 = loadIr('engine/diamond')
  spec2.root.dag!.tasks.d.dependentTasks = ['nope']
  assert.throws(() => planTasks(spec2), /'d' depends on 'nope'/)
})

Plan('finds tasks by number, key, display name and step name', () => {
  const tasks = planTasks(loadIr('two_step_pipeline'))
  assert.is(findTask(tasks, '2')!.name, 'read-from-gcs')
  assert.is(findTask(tasks, 'write-to-gcs')!.name, 'write-to-gcs')
  assert.is(findTask(tasks, 'Consumer')!.name, 'read-from-gcs')
  assert.is(findTask(tasks, 'train', {'read-from-gcs': 'train'})!.name, 'read-from-gcs')
  assert.is(findTask(tasks, '9'), undefined)
})

const Unsupported = suite('core/engine findUnsupportedFeatures')

Unsupported('accepts the container-only goldens', () => {
  for (const name of ['hello_world', 'two_step_pipeline', 'producer_consumer_param_pipeline', 'pipeline_with_resource_spec', 'engine/diamond']) {
    assert.equal(findUnsupportedFeatures(loadIr(name)), [], name)
  }
})

Unsupported('names the task and the feature for conditions, loops and nested DAGs; Python components run', () => {
  // Given SDK goldens using features the local engine does not run
  const cond = findUnsupportedFeatures(loadIr('pipeline_with_condition'))
  const loops = findUnsupportedFeatures(loadIr('pipeline_with_loops'))
  const retry = findUnsupportedFeatures(loadIr('pipeline_with_retry'))
  // Then each is named with its task
  assert.ok(cond.some((i) => i.task === 'condition-1' && i.feature.startsWith('a condition')))
  assert.ok(cond.some((i) => i.task === 'condition-1' && i.feature.includes('nested pipeline')))
  assert.ok(loops.some((i) => i.task === 'for-loop-1' && i.feature.includes('loop')))
  // Python-function components run (the launcher's executor contract, task-exec.ts)
  assert.equal(retry, [])
  // And assertSupported throws IR_UNSUPPORTED with every line
  try {
    assertSupported(loadIr('pipeline_with_condition'))
    assert.unreachable()
  } catch (e) {
    const err = e as {kfpCode: string; exitCode: number; message: string}
    assert.is(err.kfpCode, 'IR_UNSUPPORTED')
    assert.is(err.exitCode, 3)
    assert.match(err.message, "task 'condition-1': a condition")
  }
})

Unsupported('flags importers and unknown placeholders', () => {
  const spec = loadIr('engine/diamond')
  spec.deploymentSpec.executors['exec-d'].container!.args = ['{{$.workspace_path}}']
  spec.deploymentSpec.executors['exec-a'] = {importer: {}}
  const issues = findUnsupportedFeatures(spec)
  assert.ok(issues.some((i) => i.task === 'a' && i.feature === 'an importer (dsl.importer)'))
  assert.ok(issues.some((i) => i.task === 'd' && i.feature === 'the placeholder {{$.workspace_path}}'))
})

Plan.run()
Unsupported.run()
