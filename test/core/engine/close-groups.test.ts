// core/engine/close-groups.ts: groups a killed kfp left open although their tasks all ended (issue 11 point 12).
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {closeEndedGroups} from '../../../src/core/engine/close-groups.js'
import type {TaskRecord, TaskStatus} from '../../../src/core/engine/record.js'
import type {IrDag} from '../../../src/core/ir/types.js'

const C = suite('core/engine closeEndedGroups')

const rec = (name: string, status: TaskStatus, o: Partial<TaskRecord> = {}): TaskRecord => ({name, displayName: name, number: 1, status, outputs: {parameters: {}, artifacts: {}}, ...o})
const out = (v: string) => ({parameters: {msg: v}, artifacts: {}})

// for-loop-1 runs a DAG of make → shout (output `loud` from shout); dag-2 runs deep and use.
const loopDag: IrDag = {
  tasks: {make: {taskInfo: {name: 'make'}, componentRef: {name: 'comp-make'}}, shout: {taskInfo: {name: 'shout'}, componentRef: {name: 'comp-shout'}}},
  outputs: {parameters: {loud: {valueFromParameter: {producerSubtask: 'shout', outputParameterKey: 'msg'}}}},
}
const groupDag: IrDag = {tasks: {deep: {taskInfo: {name: 'deep'}, componentRef: {name: 'c'}}, use: {taskInfo: {name: 'use'}, componentRef: {name: 'c'}}}}
const dagOf = (p: string) => ({'for-loop-1': loopDag, 'dag-2': groupDag})[p]

const loop = (iterationStatus: TaskStatus, leaves: Array<[string, TaskStatus]>, iterations = 2): TaskRecord[] => [
  rec('for-loop-1', 'running', {kind: 'loop', iterations, startedAt: 't0'}),
  ...Array.from({length: 2}, (_, i) => rec(`for-loop-1[${i}]`, iterationStatus, {kind: 'iteration', iteration: i, parent: 'for-loop-1', startedAt: 't0'})),
  ...leaves.map(([n, s], i) => rec(n, s, {parent: n.split('/')[0], finishedAt: `t${i + 1}`, outputs: s === 'succeeded' ? out(n) : {parameters: {}, artifacts: {}}})),
]
const allLeaves = (s: TaskStatus): Array<[string, TaskStatus]> => ['for-loop-1[0]/make', 'for-loop-1[0]/shout', 'for-loop-1[1]/make', 'for-loop-1[1]/shout'].map((n) => [n, s])

const cases: Array<{what: string; tasks: TaskRecord[]; closed: string[]; status: Record<string, TaskStatus>}> = [
  {
    what: 'every step of every iteration succeeded: iterations, then the loop',
    tasks: loop('running', allLeaves('succeeded')),
    closed: ['for-loop-1[0]', 'for-loop-1[1]', 'for-loop-1'],
    status: {'for-loop-1': 'succeeded', 'for-loop-1[0]': 'succeeded', 'for-loop-1[1]': 'succeeded'},
  },
  {
    what: 'a step of an iteration failed: that iteration and the loop failed',
    tasks: loop('running', [...allLeaves('succeeded').slice(0, 3), ['for-loop-1[1]/shout', 'failed']]),
    closed: ['for-loop-1[0]', 'for-loop-1[1]', 'for-loop-1'],
    status: {'for-loop-1': 'failed', 'for-loop-1[0]': 'succeeded', 'for-loop-1[1]': 'failed'},
  },
  {
    what: 'a step still running: its iteration and the loop stay open',
    tasks: loop('running', [...allLeaves('succeeded').slice(0, 3), ['for-loop-1[1]/shout', 'running']]),
    closed: ['for-loop-1[0]'],
    status: {'for-loop-1': 'running', 'for-loop-1[0]': 'succeeded', 'for-loop-1[1]': 'running'},
  },
  {
    what: 'a step not in the record: its iteration stays open',
    tasks: loop('running', allLeaves('succeeded').slice(0, 3)),
    closed: ['for-loop-1[0]'],
    status: {'for-loop-1': 'running', 'for-loop-1[0]': 'succeeded', 'for-loop-1[1]': 'running'},
  },
  {
    what: 'a loop with fewer iteration records than items stays open',
    tasks: loop('succeeded', allLeaves('succeeded'), 3),
    closed: [],
    status: {'for-loop-1': 'running', 'for-loop-1[0]': 'succeeded', 'for-loop-1[1]': 'succeeded'},
  },
  {
    what: 'a sub-DAG whose tasks all ended (one skipped)',
    tasks: [rec('dag-2', 'running', {kind: 'dag'}), rec('dag-2/deep', 'succeeded', {parent: 'dag-2'}), rec('dag-2/use', 'skipped', {parent: 'dag-2'})],
    closed: ['dag-2'],
    status: {'dag-2': 'succeeded'},
  },
  {
    what: 'a sub-DAG without any task record stays open',
    tasks: [rec('dag-2', 'running', {kind: 'dag'})],
    closed: [],
    status: {'dag-2': 'running'},
  },
  {
    what: 'a group without its DAG (spec unknown) stays open',
    tasks: [rec('other', 'running', {kind: 'dag'}), rec('other/x', 'succeeded', {parent: 'other'})],
    closed: [],
    status: {other: 'running'},
  },
]
for (const c of cases)
  C(c.what, () => {
    assert.equal(closeEndedGroups(c.tasks, dagOf), c.closed)
    const groups = Object.fromEntries(c.tasks.filter((t) => t.kind !== undefined).map((t) => [t.name, t.status]))
    assert.equal(groups, c.status)
  })

C('outputs as the scheduler gives them: an iteration its DAG outputs, the loop the list in item order', () => {
  const tasks = loop('running', allLeaves('succeeded'))
  closeEndedGroups(tasks, dagOf)
  const by = (n: string) => tasks.find((t) => t.name === n)!
  assert.equal(by('for-loop-1[1]').outputs, {parameters: {loud: 'for-loop-1[1]/shout'}, artifacts: {}})
  assert.equal(by('for-loop-1').outputs.parameters, {loud: ['for-loop-1[0]/shout', 'for-loop-1[1]/shout']})
  assert.is(by('for-loop-1').finishedAt, 't4')
})

C.run()
