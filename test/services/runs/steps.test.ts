// services/runs/steps.ts: the step references `kfp logs RUN STEP` and `kfp artifacts list RUN --step` take, and
// the one STEP_NOT_FOUND both give.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {RunRecord, TaskRecord} from '../../../src/core/engine/record.js'
import {findSteps, stepNotFound, stepsInOrder} from '../../../src/services/runs/steps.js'

const S = suite('services/runs steps')

const task = (name: string, number: number, over: Partial<TaskRecord> = {}): TaskRecord => ({
  name,
  displayName: name.split('/').at(-1)!.replace(/\[\d+\]$/, ''),
  number,
  status: 'succeeded',
  outputs: {parameters: {}, artifacts: {}},
  ...over,
})
const run = {
  name: 'r',
  tasks: [
    task('prep', 1),
    task('for-loop-2', 2, {kind: 'loop'}),
    task('for-loop-2[0]', 2, {kind: 'iteration', parent: 'for-loop-2'}),
    task('for-loop-2[1]', 2, {kind: 'iteration', parent: 'for-loop-2'}),
    task('for-loop-2[0]/train', 2, {parent: 'for-loop-2[0]'}),
    task('for-loop-2[1]/train', 2, {parent: 'for-loop-2[1]'}),
    task('deploy', 3, {displayName: 'Deploy it'}),
  ],
} as RunRecord

for (const [ref, want] of [
  ['2', ['for-loop-2[0]/train', 'for-loop-2[1]/train']],
  ['for-loop-2[1]/train', ['for-loop-2[1]/train']],
  ['train[0]', ['for-loop-2[0]/train']],
  ['prep', ['prep']],
  ['Deploy it', ['deploy']],
  ['for-loop-2', []],
  ['9', []],
] as const) {
  S(`'${ref}' names ${want.length ? want.join(', ') : 'no step'}`, () => {
    assert.equal(
      findSteps(stepsInOrder(run), ref).map((t) => t.name),
      want,
    )
  })
}

S('a reference naming no step: exit 2, the steps listed with their labels', () => {
  const e = stepNotFound(run, 'nope')
  assert.is(e.kfpCode, 'STEP_NOT_FOUND')
  assert.is(e.exitCode, 2)
  assert.is(e.message, "Run r has no step 'nope'. Steps: 1. prep, 2. train[0], 2. train[1], 3. deploy")
})

S('a run of 35 steps: the first 30 listed, then how many more (as every name list of kfp says it)', () => {
  const tasks = Array.from({length: 35}, (_, i) => task(`s${i + 1}`, i + 1))
  const e = stepNotFound({...run, tasks}, 'nope')
  const shown = Array.from({length: 30}, (_, i) => `${i + 1}. s${i + 1}`).join(', ')
  assert.is(e.message, `Run r has no step 'nope'. Steps: ${shown} and 5 more`)
})

S.run()
