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

Unsupported('runs conditions, loops, nested DAGs and Python components: nothing to report for the SDK goldens', () => {
  for (const name of ['pipeline_with_condition', 'pipeline_with_loops', 'pipeline_with_retry', 'nested_pipeline_opt_inputs_parent_level_compiled'])
    assert.equal(findUnsupportedFeatures(loadIr(name)), [], name)
  // And assertSupported throws IR_UNSUPPORTED naming the task path and the feature
  const spec = loadIr('pipeline_with_loops')
  spec.components['comp-for-loop-2'].dag!.tasks['print-text-2'].triggerPolicy = {strategy: 'ANY_UPSTREAM'}
  try {
    assertSupported(spec)
    assert.unreachable()
  } catch (e) {
    const err = e as {kfpCode: string; exitCode: number; message: string}
    assert.is(err.kfpCode, 'IR_UNSUPPORTED')
    assert.is(err.exitCode, 3)
    assert.match(err.message, "task 'for-loop-2/print-text-2': trigger strategy ANY_UPSTREAM")
  }
})

Unsupported('refuses control flow it cannot evaluate, naming the feature and the task path', () => {
  const cases: Array<[string, (s: PipelineSpec) => void, string, RegExp]> = [
    ['a condition outside the CEL subset', (s) => (s.root.dag!.tasks['condition-1'].triggerPolicy = {condition: "inputs.parameter_values['pipelinechannel--flip-coin-op-Output'].matches('h.*')"}), 'condition-1', /outside the CEL subset.*function matches\(\) is not supported|outside the CEL subset/],
    ['a condition reading a name other than inputs', (s) => (s.root.dag!.tasks['condition-1'].triggerPolicy = {condition: "outputs.x == 1"}), 'condition-1', /refers to 'outputs'/],
    ['a condition reading an input the task lacks', (s) => (s.root.dag!.tasks['condition-1'].triggerPolicy = {condition: "inputs.parameter_values['nope'] == 'x'"}), 'condition-1', /reads 'nope', which the task has no input for/],
    ['an unknown trigger strategy', (s) => (s.root.dag!.tasks['condition-1'].triggerPolicy = {strategy: 'ANY_UPSTREAM'}), 'condition-1', /trigger strategy ANY_UPSTREAM/],
  ]
  for (const [what, edit, task, feature] of cases) {
    const spec = loadIr('pipeline_with_condition')
    edit(spec)
    const issues = findUnsupportedFeatures(spec)
    assert.equal(issues.length, 1, `${what}: ${JSON.stringify(issues)}`)
    assert.is(issues[0].task, task, what)
    assert.match(issues[0].feature, feature, what)
  }
  // A loop over an input the task does not have, and a selector outside the subset, inside a nested loop body
  const loops = loadIr('pipeline_with_loops')
  loops.root.dag!.tasks['for-loop-1'].parameterIterator!.items.inputParameter = 'nope'
  const inner = loops.components['comp-for-loop-2'].dag!.tasks['print-text-2']
  if (inner?.inputs?.parameters) for (const b of Object.values(inner.inputs.parameters)) if (b.parameterExpressionSelector) b.parameterExpressionSelector = 'string_value.size() > 1'
  const issues = findUnsupportedFeatures(loops)
  assert.ok(issues.some((i) => i.task === 'for-loop-1' && /a loop over 'nope'/.test(i.feature)), JSON.stringify(issues))
  assert.ok(issues.some((i) => i.task === 'for-loop-2/print-text-2' && /selector string_value.size\(\) > 1 on input 'msg' is outside the CEL subset/.test(i.feature)), JSON.stringify(issues))
})

Unsupported('runs importers; flags unknown placeholders', () => {
  const spec = loadIr('engine/diamond')
  spec.deploymentSpec.executors['exec-d'].container!.args = ['{{$.workspace_path}}']
  spec.deploymentSpec.executors['exec-a'] = {importer: {}}
  const issues = findUnsupportedFeatures(spec)
  assert.not.ok(issues.some((i) => i.task === 'a'))
  assert.ok(issues.some((i) => i.task === 'd' && i.feature === 'the placeholder {{$.workspace_path}}'))
})

Plan.run()
Unsupported.run()
