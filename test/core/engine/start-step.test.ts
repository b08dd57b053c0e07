import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {planTasks} from '../../../src/core/engine/dag.js'
import type {RunRecord, TaskRecord} from '../../../src/core/engine/record.js'
import {missingOutputsError, planStartStep} from '../../../src/core/engine/start-step.js'
import {loadIr, runRecord} from './helpers.js'

const tasks = planTasks(loadIr('engine/diamond'))

function run(id: string, params: Record<string, unknown>, outputs: Record<string, Partial<TaskRecord>>): RunRecord {
  const records = tasks.map((t) => ({name: t.name, displayName: t.name, number: t.number, status: 'succeeded' as const, outputs: {parameters: {}, artifacts: {}}, ...outputs[t.name]}))
  return runRecord(id, params, records, 'diamond')
}

const params = {greeting: 'hello', count: 2, flag: true, items: [1, 2]}
const full = run('r2', params, {
  a: {outputs: {parameters: {msg: 'hi from a'}, artifacts: {data: {uri: '/runs/r2/a/data'}}}},
  b: {outputs: {parameters: {out: 'B'}, artifacts: {}}},
  c: {outputs: {parameters: {n: 3}, artifacts: {}}},
})
const failedAtB = run('r3', params, {
  a: {outputs: {parameters: {msg: 'newer a'}, artifacts: {data: {uri: '/runs/r3/a/data'}}}},
  b: {status: 'failed'},
  c: {outputs: {parameters: {n: 4}, artifacts: {}}},
})

const S = suite('core/engine planStartStep')

S('skips the steps before N and reuses their outputs from the latest run that has them', () => {
  // Given runs newest first: r3 (b failed), r2 (all succeeded)
  // When starting at step 4 (d needs b.out and c.n)
  const plan = planStartStep({tasks, startStep: '4', params, setOutputs: [], candidates: [failedAtB, full], fromRunExplicit: false})
  // Then r2 is the source (r3 lacks b.out), a/b/c are skipped with r2's outputs
  assert.is(plan.sourceRun?.id, 'r2')
  assert.equal(Object.keys(plan.skipped), ['a', 'b', 'c'])
  assert.equal(plan.skipped.b, {outputs: {parameters: {out: 'B'}, artifacts: {}}, reusedFrom: {runId: 'r2', runName: 'run-r2', task: 'b'}})
  assert.equal(plan.missing, [])
  assert.equal(plan.warnings, [])
  assert.is(plan.startTask, 'd')
})

S('starting at a failed step takes the newest run that has the needed outputs', () => {
  const plan = planStartStep({tasks, startStep: 'b', params, setOutputs: [], candidates: [failedAtB, full], fromRunExplicit: false})
  assert.is(plan.sourceRun?.id, 'r3')
  assert.equal(plan.skipped.a.outputs.parameters, {msg: 'newer a'})
})

S('lists every missing output with the exact --set-output flag', () => {
  // Given no earlier run
  const plan = planStartStep({tasks, startStep: '4', params, setOutputs: [], candidates: [], fromRunExplicit: false})
  // Then
  assert.equal(plan.missing.map((m) => m.flag), ['--set-output b.out=VALUE', '--set-output c.n=VALUE'])
  const err = missingOutputsError(plan.missing)
  assert.is(err.kfpCode, 'OUTPUTS_MISSING')
  assert.is(err.exitCode, 2)
  assert.match(err.message, 'The steps from --start-step on need outputs that no earlier run of this pipeline has:\n  - b.out: pass --set-output b.out=VALUE\n  - c.n: pass --set-output c.n=VALUE')
  // And an artifact asks for a PATH, with project step names when given
  const p2 = planStartStep({tasks, startStep: 'c', params, setOutputs: [], candidates: [], fromRunExplicit: false, stepNames: {a: 'prep'}})
  // (d still runs and needs b.out too)
  assert.equal(p2.missing.map((m) => m.flag), ['--set-output prep.data=PATH', '--set-output b.out=VALUE'])
})

S('--set-output supplies values (typed) and overrides the source run', () => {
  const plan = planStartStep({tasks, startStep: '4', params, setOutputs: ['b.out=manual', 'c.n=7'], candidates: [], fromRunExplicit: false})
  assert.equal(plan.missing, [])
  assert.equal(plan.skipped.b.outputs.parameters, {out: 'manual'})
  assert.equal(plan.skipped.c.outputs.parameters, {n: 7})
  assert.equal(plan.skipped.c.reusedFrom, {setOutputs: ['n']})
  const mixed = planStartStep({tasks, startStep: '4', params, setOutputs: ['b.out=manual'], candidates: [full], fromRunExplicit: false})
  assert.equal(mixed.skipped.b.outputs.parameters, {out: 'manual'})
  assert.equal(mixed.skipped.b.reusedFrom, {runId: 'r2', runName: 'run-r2', task: 'b', setOutputs: ['out']})
  assert.equal(mixed.skipped.c.outputs.parameters, {n: 3})
})

S('rejects bad --set-output flags', () => {
  const p = (s: string) => () => planStartStep({tasks, startStep: '4', params, setOutputs: [s], candidates: [], fromRunExplicit: false})
  assert.throws(p('b.out'), /expected STEP.OUTPUT=VALUE/)
  assert.throws(p('zz.out=1'), /no step 'zz'/)
  assert.throws(p('d.x=1'), /step 'd' runs in this run/)
  assert.throws(p('b.nope=1'), (e: Error & {hints: string[]}) => /has no output 'nope'/.test(e.message) && e.hints[0] === 'Its outputs: out')
  assert.throws(p('c.n=seven'), /'seven' is not an integer/)
  assert.throws(() => planStartStep({tasks, startStep: '9', params, setOutputs: [], candidates: [], fromRunExplicit: false}), /No step '9'.*\n  1\. a/s)
})

S('warns when a parameter read by a skipped step differs from the source run', () => {
  // Given the source run used greeting=hello; this run passes greeting=bonjour
  const plan = planStartStep({tasks, startStep: '4', params: {...params, greeting: 'bonjour'}, setOutputs: [], candidates: [full], fromRunExplicit: false})
  // Then one warning names the parameter, both values and the skipped step that reads it
  assert.equal(plan.warnings, [
    'Parameter greeting is bonjour in this run but was hello in run run-r2 (r2), whose outputs are reused; skipped step a reads it and will not see the new value. Use --start-step 1 to recompute.',
  ])
})

S('uses --from-run even when it lacks outputs (and reports them missing)', () => {
  const plan = planStartStep({tasks, startStep: '4', params, setOutputs: [], candidates: [failedAtB], fromRunExplicit: true})
  assert.is(plan.sourceRun?.id, 'r3')
  assert.equal(plan.missing.map((m) => `${m.task}.${m.output}`), ['b.out'])
  assert.match(missingOutputsError(plan.missing, plan.sourceRun).message, 'run run-r3 (r3) does not have')
})

S.run()
