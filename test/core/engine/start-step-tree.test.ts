import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {RunRecord} from '../../../src/core/engine/record.js'
import {planTasks} from '../../../src/core/engine/dag.js'
import {planStartStep} from '../../../src/core/engine/start-step.js'
import {planTreeStartStep, rootParamsReadBy} from '../../../src/core/engine/start-step-tree.js'
import {leavesOf, planTree} from '../../../src/core/engine/tree.js'
import {loadIr, runRecord} from './helpers.js'

// SDK-compiled (test/fixtures/ir/sdk/pipeline_with_loops.yaml): for-loop-1 iterates the pipeline parameter
// loop_parameter, for-loop-2 an upstream task's output, for-loop-4 a literal list.
const loops = planTree(loadIr('sdk/pipeline_with_loops'))
// SDK-compiled (test/fixtures/ir/sdk/pipeline_with_condition.yaml): condition-1 passes the parameter `text` down.
const cond = planTree(loadIr('sdk/pipeline_with_condition'))

const S = suite('core/engine start-step inside control flow: changed parameters')

const leaf = (tree: typeof loops, path: string) => leavesOf(tree).find((l) => l.path === path)!

S('rootParamsReadBy follows bindings up through groups to the pipeline parameters', () => {
  const table: Array<[typeof loops, string, string[]]> = [
    // a loop body reading the item of a loop over a pipeline parameter reads that parameter
    [loops, 'for-loop-1/print-text', ['loop_parameter']],
    // items from an upstream task's output or a literal list: no pipeline parameter
    [loops, 'for-loop-2/print-text-2', []],
    [loops, 'for-loop-4/print-text-4', []],
    [loops, 'args-generator-op', []],
    // inside a condition, the group's pipelinechannel--text input resolves to the pipeline parameter text
    [cond, 'condition-1/print-op-3', ['text']],
    [cond, 'condition-1/print-op-2', []],
  ]
  for (const [tree, path, want] of table) assert.equal(rootParamsReadBy(tree, leaf(tree, path)), want, path)
})

function source(params: Record<string, unknown>): RunRecord {
  return runRecord('r1', params, [
    {name: 'args-generator-op', displayName: 'args-generator-op', number: 1, status: 'succeeded', outputs: {parameters: {Output: [{A_a: '1', B_b: '2'}]}, artifacts: {}}},
    {name: 'for-loop-1[0]/print-text', displayName: 'print-text', number: 2, status: 'succeeded', outputs: {parameters: {}, artifacts: {}}},
  ])
}

S('warns when a skipped step inside a loop read a parameter that changed; not when it is unchanged', () => {
  const startAt3 = leavesOf(loops).find((l) => l.number === 3)!
  assert.ok(startAt3.path.startsWith('for-loop-2/'), startAt3.path)
  const plan = (now: string[], stepNames?: Record<string, string>) =>
    planTreeStartStep({tree: loops, startStep: '3', params: {loop_parameter: now}, setOutputs: [], candidates: [source({loop_parameter: ['a', 'b']})], fromRunExplicit: false, stepNames})
  assert.equal(plan(['a', 'b']).warnings, [])
  assert.equal(plan(['x']).warnings, [
    'Parameter loop_parameter is ["x"] in this run but was ["a","b"] in run run-r1 (r1), whose outputs are reused; skipped step for-loop-1/print-text reads it and will not see the new value. Use --start-step 2 to recompute.',
  ])
  // project step names are what the warning names
  assert.match(plan(['x'], {'for-loop-1/print-text': 'echo'}).warnings[0], 'skipped step echo reads it')
})

// SDK-compiled (test/fixtures/ir/sdk/collected_parameters.yaml): step 4 consume-ids reads the loop's collected
// prepend-id outputs (dsl.Collected).
const collected = planTree(loadIr('sdk/collected_parameters'))

function loopRun(id: string, statuses: Array<'succeeded' | 'failed'>): RunRecord {
  return runRecord(
    id,
    {},
    statuses.map((status, i) => ({
      name: `collecting-parameters/for-loop-1[${i}]/prepend-id`,
      displayName: 'prepend-id',
      number: 2,
      status,
      outputs: {parameters: status === 'succeeded' ? {Output: `id-${i}`} : ({} as Record<string, string>), artifacts: {}},
    })),
  )
}

S('the source run is the newest whose every loop iteration has the collected output; a run with a failed iteration is passed over', () => {
  const plan = (candidates: RunRecord[]) => planTreeStartStep({tree: collected, startStep: '4', params: {}, setOutputs: [], candidates, fromRunExplicit: false})
  const table: Array<[string, RunRecord[], string | undefined, number]> = [
    // newest first, as listRunRecords gives them
    ['all iterations succeeded', [loopRun('ok', ['succeeded', 'succeeded'])], 'ok', 0],
    ['the newest failed one iteration: the older complete run', [loopRun('bad', ['succeeded', 'failed']), loopRun('ok', ['succeeded', 'succeeded'])], 'ok', 0],
    ['only a run with a failed iteration: the output is missing, with the flag that gives it', [loopRun('bad', ['succeeded', 'failed'])], 'bad', 1],
  ]
  for (const [what, candidates, source, missing] of table) {
    const p = plan(candidates)
    assert.is(p.sourceRun?.id, source, what)
    assert.is(p.missing.length, missing, what)
  }
  assert.equal(plan([loopRun('bad', ['succeeded', 'failed'])]).missing[0].flag, '--from-run RUN (a run that has it)')
})

S.run()

// ignore_upstream_failure: the step reads fail-op.Output but takes its default without it (bindStepInputs), so a
// source run whose fail-op failed is enough; the flat planner (root steps only) and the tree planner agree.
const I = suite('core/engine start-step: an ignore_upstream_failure step does without an output its upstream did not produce')
I('both planners: the output is reused when the source has it, else the step takes its default; a step that waits for success still needs it', () => {
  const ir = loadIr('sdk/pipeline_with_task_using_ignore_upstream_failure')
  const tree = planTree(ir)
  const rec = (id: string, failOp: Partial<RunRecord['tasks'][number]>) =>
    runRecord(id, {sample_input: 'message'}, [{name: 'fail-op', displayName: 'fail-op', number: 1, status: 'succeeded', outputs: {parameters: {}, artifacts: {}}, ...failOp}, {name: 'print-op', displayName: 'print-op', number: 2, status: 'succeeded', outputs: {parameters: {}, artifacts: {}}}], 'my-pipeline')
  const failed = rec('r-failed', {status: 'failed'})
  const produced = rec('r-ok', {outputs: {parameters: {Output: 'hi'}, artifacts: {}}})
  const common = {startStep: 'print-op', params: {sample_input: 'message'}, setOutputs: [], fromRunExplicit: false}
  for (const [what, candidates, source] of [
    ['the only run failed there: no source, the default', [failed], undefined],
    ['an older run has the output', [failed, produced], 'r-ok'],
  ] as const) {
    const t = planTreeStartStep({tree, ...common, candidates: [...candidates]})
    const f = planStartStep({tasks: planTasks(ir), ...common, candidates: [...candidates]})
    assert.equal([t.missing, f.missing], [[], []], what)
    assert.equal([t.sourceRun?.id, f.sourceRun?.id], [source, source], what)
  }
  assert.equal(planStartStep({tasks: planTasks(ir), ...common, candidates: [produced]}).skipped['fail-op'].outputs.parameters, {Output: 'hi'})
  // The same input on a step that waits for success (no trigger policy): the output is needed
  const strict = structuredClone(ir)
  delete strict.root.dag!.tasks['print-op'].triggerPolicy
  assert.equal(planTreeStartStep({tree: planTree(strict), ...common, candidates: [failed]}).missing.map((m) => `${m.task}.${m.output}`), ['fail-op.Output'])
  assert.equal(planStartStep({tasks: planTasks(strict), ...common, candidates: [failed]}).missing.map((m) => `${m.task}.${m.output}`), ['fail-op.Output'])
})
I.run()
