// compareRuns (src/core/runs/compare.ts): rows per field with one value per run, marked when they differ.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {compareRuns, type CompareInput} from '../../../src/core/runs/compare.js'

const run = (id: string, o: Partial<CompareInput> = {}): CompareInput => ({id, name: id, status: 'succeeded', target: 'local', parameters: {}, metrics: [], steps: [], ...o})
const fmt = (ms: number | undefined) => (ms === undefined ? undefined : `${ms}ms`)
const T = suite('compareRuns')

const cases: Array<{name: string; runs: CompareInput[]; section: 'parameters' | 'metrics' | 'steps'; want: Array<[string, Array<string | undefined>, boolean]>}> = [
  {
    name: 'parameters: sorted union; a missing one differs; typed values shown as JSON',
    runs: [run('a', {parameters: {y: 1, x: 'same', l: [1, 2]}}), run('b', {parameters: {x: 'same', y: 2}})],
    section: 'parameters',
    want: [['l', ['[1,2]', undefined], true], ['x', ['same', 'same'], false], ['y', ['1', '2'], true]],
  },
  {
    name: 'metrics: step > artifact > name, in order of first appearance',
    runs: [run('a', {metrics: [{task: 't', artifact: 'm', metrics: {acc: 0.9, loss: 0.1}}]}), run('b', {metrics: [{task: 't', artifact: 'm', metrics: {acc: 0.9}}]}), run('c')],
    section: 'metrics',
    want: [['t > m > acc', ['0.9', '0.9', undefined], true], ['t > m > loss', ['0.1', undefined, undefined], true]],
  },
  {
    name: 'steps: status and outputs marked, durations never',
    runs: [
      run('a', {steps: [{name: 's', status: 'succeeded', durationMs: 5, outputs: {o: '1'}}]}),
      run('b', {steps: [{name: 's', status: 'cached', durationMs: 9, outputs: {o: '1'}}]}),
    ],
    section: 'steps',
    want: [['s status', ['succeeded', 'cached'], true], ['s duration', ['5ms', '9ms'], false], ['s > o', ['1', '1'], false]],
  },
]
for (const c of cases) {
  T(c.name, () => {
    const got = compareRuns(c.runs, fmt)[c.section].map((r) => [r.field, r.values, r.differs])
    assert.equal(got, c.want)
  })
}

T.run()
