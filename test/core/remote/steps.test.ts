// core/remote/steps.ts specSteps: the numbers a server run's steps are shown under.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {specSteps} from '../../../src/core/remote/steps.js'
import {readStartStepRecord, startStepDescription, startStepRecord} from '../../../src/core/remote/start-step-record.js'
import type {PipelineSpec} from '../../../src/core/ir/types.js'

const S = suite('specSteps numbers')

const spec = {
  pipelineInfo: {name: 'p'},
  root: {dag: {tasks: {constructor: {componentRef: {name: 'comp-a'}, taskInfo: {name: 'constructor'}}, train: {componentRef: {name: 'comp-a'}, taskInfo: {name: 'train'}, dependentTasks: ['constructor']}}}},
  components: {'comp-a': {executorLabel: 'exec-a'}},
  deploymentSpec: {executors: {'exec-a': {container: {image: 'busybox'}}}},
} as unknown as PipelineSpec

S('a task named like an Object.prototype property (constructor) keeps its number when the given numbers do not have it', () => {
  assert.equal(specSteps(spec, {train: 5}).map((s) => [s.path, s.number]), [['constructor', 1], ['train', 5]])
  // The numbers a --start-step run's description keeps, read back (JSON.parse objects have Object.prototype)
  const record = startStepRecord({leaves: [{path: 'constructor', number: 1}, {path: 'train', number: 2}], stepName: (p) => p, start: {path: 'train', number: 2}, reused: [], imported: []})
  const read = readStartStepRecord(startStepDescription(record))!
  assert.equal(specSteps(spec, read.numbers).map((s) => [s.path, s.number]), [['constructor', 1], ['train', 2]])
  assert.ok(specSteps(spec, {}).every((s) => typeof s.number === 'number'))
})

S.run()
