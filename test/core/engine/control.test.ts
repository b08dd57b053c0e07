import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {
  bindCollectedArtifacts,
  bindStepInputs,
  collectIterations,
  dagOutputs,
  dagStatus,
  decideStart,
  finalStatus,
  iterationInputs,
  loopItems,
  resolveDagTaskInputs,
  type Ended,
} from '../../../src/core/engine/control.js'
import {childKey, indicesOf, iterationKey, labelOf, templatePathOf} from '../../../src/core/engine/naming.js'
import type {TaskStatus} from '../../../src/core/engine/record.js'
import {leavesOf, planTree, walkTree} from '../../../src/core/engine/tree.js'
import type {IrDag, IrInputsSpec, IrTask} from '../../../src/core/ir/types.js'
import {loadIr} from './helpers.js'

const ended = (status: TaskStatus, parameters: Record<string, unknown> = {}, extra: Partial<Ended> = {}): Ended => ({
  status,
  hasOutputs: status === 'succeeded' || status === 'cached',
  outputs: {parameters: parameters as Ended['outputs']['parameters'], artifacts: {}},
  ...extra,
})
const task = (t: Partial<IrTask> = {}): IrTask => ({taskInfo: {name: 't'}, componentRef: {name: 'c'}, ...t})

const N = suite('core/engine naming')
N('keys, labels and template paths of tasks inside loops', () => {
  const cases: Array<[string, string, string, number[]]> = [
    ['train', 'train', 'train', []],
    ['for-loop-2[0]/train', 'train[0]', 'for-loop-2/train', [0]],
    ['for-loop-2[3]/for-loop-3[1]/train', 'train[3][1]', 'for-loop-2/for-loop-3/train', [3, 1]],
    ['for-loop-2[3]', 'for-loop-2[3]', 'for-loop-2', [3]],
    ['mantle/core/condition-2/core-comp', 'core-comp', 'mantle/core/condition-2/core-comp', []],
  ]
  for (const [key, label, tpl, idx] of cases) {
    assert.is(labelOf(key), label, key)
    assert.is(templatePathOf(key), tpl, key)
    assert.equal(indicesOf(key), idx, key)
  }
  assert.is(childKey(iterationKey('for-loop-2', 4), 'train'), 'for-loop-2[4]/train')
  assert.is(childKey('', 'train'), 'train')
})

const R = suite('core/engine decideStart')
R('waits for upstream success; exit tasks run whatever happened; Ctrl-C and --fail-fast stop the rest', () => {
  const exit = task({triggerPolicy: {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'}})
  const up = (s: TaskStatus, message?: string) => [{name: 'u', label: 'u[1]', ended: ended(s, {}, message ? {message} : {})}]
  const calm: {interrupted: boolean; failFastStopped: boolean; stoppedBy?: string} = {interrupted: false, failFastStopped: false}
  const cases: Array<[string, IrTask, ReturnType<typeof up>, typeof calm, unknown]> = [
    ['upstream succeeded', task(), up('succeeded'), calm, {run: true}],
    ['upstream cached', task(), up('cached'), calm, {run: true}],
    ['upstream failed', task(), up('failed'), calm, {run: false, status: 'skipped', message: 'not run: upstream step u[1] failed'}],
    ['upstream condition false', task(), up('skipped', 'condition false: x'), calm, {run: false, status: 'skipped', message: 'not run: upstream step u[1] was skipped'}],
    ['upstream cancelled', task(), up('cancelled', 'x'), calm, {run: false, status: 'skipped', message: 'not run: upstream step u[1] cancelled'}],
    ['exit task after a failure', exit, up('failed'), calm, {run: true}],
    ['exit task after --fail-fast', exit, up('cancelled'), {interrupted: false, failFastStopped: true}, {run: true}],
    ['after --fail-fast', task(), up('succeeded'), {interrupted: false, failFastStopped: true}, {run: false, status: 'cancelled', message: 'not run: stopped by --fail-fast'}],
    ['after the disk filled', task(), up('succeeded'), {interrupted: false, failFastStopped: true, stoppedBy: 'stopped: disk full'}, {run: false, status: 'cancelled', message: 'not run: stopped: disk full'}],
    ['after Ctrl-C, even an exit task', exit, up('succeeded'), {interrupted: true, failFastStopped: false}, {run: false, status: 'cancelled', message: 'cancelled'}],
  ]
  for (const [what, t, ups, state, want] of cases) assert.equal(decideStart(t, ups, state), want, what)
  assert.is(dagStatus(['succeeded', 'skipped', 'cached']), 'succeeded')
  assert.is(dagStatus(['succeeded', 'cancelled']), 'cancelled')
  assert.is(dagStatus(['cancelled', 'failed']), 'failed')
})

const O = suite('core/engine DAG outputs and loops')
O('valueFromParameter, valueFromOneof (first branch that succeeded) and artifactSelectors, as resolve.go resolves them', () => {
  const dag: IrDag = {
    tasks: {},
    outputs: {
      parameters: {
        direct: {valueFromParameter: {producerSubtask: 'a', outputParameterKey: 'Output'}},
        oneof: {valueFromOneof: {parameterSelectors: [{producerSubtask: 'c1', outputParameterKey: 'Output'}, {producerSubtask: 'c2', outputParameterKey: 'out'}]}},
        none: {valueFromParameter: {producerSubtask: 'skipped', outputParameterKey: 'Output'}},
      },
      artifacts: {
        one: {artifactSelectors: [{producerSubtask: 'a', outputArtifactKey: 'model'}]},
        either: {artifactSelectors: [{producerSubtask: 'c1', outputArtifactKey: 'm'}, {producerSubtask: 'c2', outputArtifactKey: 'm'}]},
        list: {artifactSelectors: [{producerSubtask: 'loop', outputArtifactKey: 'models'}]},
      },
    },
  }
  const kids: Record<string, Ended> = {
    a: {...ended('succeeded', {Output: 'A'}), outputs: {parameters: {Output: 'A'}, artifacts: {model: {uri: '/m'}}}},
    c1: ended('skipped', {}, {message: 'condition false'}),
    c2: {...ended('succeeded', {out: 'B'}), outputs: {parameters: {out: 'B'}, artifacts: {m: {uri: '/c2'}}}},
    skipped: ended('skipped', {}, {message: 'x'}),
    loop: {...ended('succeeded'), artifactLists: {models: [{uri: '/0'}, {uri: '/1'}]}},
  }
  const r = dagOutputs(dag, (n) => kids[n])
  assert.equal(r.outputs, {parameters: {direct: 'A', oneof: 'B'}, artifacts: {one: {uri: '/m'}, either: {uri: '/c2'}}})
  assert.equal(r.artifactLists, {list: [{uri: '/0'}, {uri: '/1'}]})
})

O('expands loops over raw items, an input list, JSON text and artifacts (driver/util.go getItems)', () => {
  const raw = task({parameterIterator: {items: {raw: '[{"A_a": "1"}, {"A_a": "10"}]'}, itemInput: 'item'}})
  assert.equal(loopItems(raw, {parameters: {}, artifacts: {}}), {kind: 'parameter', items: [{A_a: '1'}, {A_a: '10'}]})
  const over = task({parameterIterator: {items: {inputParameter: 'list'}, itemInput: 'list-loop-item'}})
  assert.equal(loopItems(over, {parameters: {list: ['a', 'b']}, artifacts: {}}).items, ['a', 'b'])
  assert.equal(loopItems(over, {parameters: {list: '["x"]'}, artifacts: {}}).items, ['x'])
  assert.throws(() => loopItems(over, {parameters: {list: 'a,b'}, artifacts: {}}), /not a JSON list: a,b/)
  assert.throws(() => loopItems(over, {parameters: {list: {a: 1}}, artifacts: {}}), /not a list/)
  assert.throws(() => loopItems(over, {parameters: {}, artifacts: {}}), /have no value/)
  // The iteration's inputs: the items input is replaced by the item (resolve.go resolveInputs)
  assert.equal(iterationInputs(over, {parameters: {list: ['a', 'b'], other: 1}, artifacts: {}}, 'b'), {parameters: {other: 1, 'list-loop-item': 'b'}, artifacts: {}})
  const arts = task({artifactIterator: {items: {inputArtifact: 'models'}, itemInput: 'model'}})
  const inputs = {parameters: {}, artifacts: {models: [{uri: '/a'}, {uri: '/b'}]}}
  assert.equal(loopItems(arts, inputs), {kind: 'artifact', items: [{uri: '/a'}, {uri: '/b'}]})
  assert.equal(iterationInputs(arts, inputs, {uri: '/b'}), {parameters: {}, artifacts: {model: [{uri: '/b'}]}})
})

O('collects every iteration output in item order (dsl.Collected), leaving out iterations without one', () => {
  const dag: IrDag = {tasks: {}, outputs: {parameters: {p: {valueFromParameter: {producerSubtask: 'x', outputParameterKey: 'o'}}}, artifacts: {a: {artifactSelectors: []}}}}
  const its: Parameters<typeof collectIterations>[0] = [
    {outputs: {parameters: {p: 'i0'}, artifacts: {a: {uri: '/0'}}}},
    {outputs: {parameters: {}, artifacts: {}}},
    {outputs: {parameters: {p: 'i2'}, artifacts: {a: {uri: '/2'}}}},
  ]
  assert.equal(collectIterations(its, dag), {outputs: {parameters: {p: ['i0', 'i2']}, artifacts: {}}, artifactLists: {a: [{uri: '/0'}, {uri: '/2'}]}})
})

O('resolves a DAG task inputs from the scope, siblings, constants, selectors and defaults', () => {
  const t = task({
    inputs: {
      parameters: {
        fromScope: {componentInputParameter: 'p'},
        field: {componentInputParameter: 'item', parameterExpressionSelector: 'parseJson(string_value)["A_a"]'},
        fromSibling: {taskOutputParameter: {producerTask: 's', outputParameterKey: 'Output'}},
        constant: {runtimeValue: {constant: 3}},
        missing: {taskOutputParameter: {producerTask: 'f', outputParameterKey: 'Output'}},
      },
      artifacts: {art: {componentInputArtifact: 'data'}},
    },
  })
  const r = resolveDagTaskInputs(t, {parameters: {opt: {parameterType: 'STRING', defaultValue: 'd', isOptional: true}}}, {parameters: {p: 'P', item: {A_a: '1'}}, artifacts: {data: [{uri: '/d'}]}}, (n) =>
    n === 's' ? ended('succeeded', {Output: 'S'}) : ended('failed'),
  )
  assert.equal(r.inputs, {parameters: {fromScope: 'P', field: '1', fromSibling: 'S', constant: 3, opt: 'd'}, artifacts: {art: [{uri: '/d'}]}})
  assert.equal(r.unresolved, [{input: 'missing', reason: 'f did not produce Output'}])
})

O('PipelineTaskFinalStatus as kfp.local / Vertex write it', () => {
  assert.equal(finalStatus({name: 'exit-handler-1', status: 'succeeded'}, 'run-1'), {state: 'SUCCEEDED', pipelineJobResourceName: 'run-1', pipelineTaskName: 'exit-handler-1', error: {}})
  assert.equal(finalStatus({name: 'exit-handler-1', status: 'failed'}, 'run-1'), {
    state: 'FAILED',
    pipelineJobResourceName: 'run-1',
    pipelineTaskName: 'exit-handler-1',
    error: {code: 1, message: 'Task exit-handler-1 failed.'},
  })
  assert.is((finalStatus({name: 'e', status: 'cancelled'}, 'r') as {state: string}).state, 'CANCELLED')
})

O('bindCollectedArtifacts: an input from a loop\'s collected list reads the list; other inputs stay as they are', () => {
  const list = [{uri: '/r/a'}, {uri: '/r/b'}]
  const siblings: Record<string, Pick<Ended, 'artifactLists'>> = {'for-loop-2': {artifactLists: {'pipelinechannel--out': list}}, train: {}}
  const r = bindCollectedArtifacts(
    {
      all: {taskOutputArtifact: {producerTask: 'for-loop-2', outputArtifactKey: 'pipelinechannel--out'}},
      one: {taskOutputArtifact: {producerTask: 'train', outputArtifactKey: 'model'}},
      data: {componentInputArtifact: 'dataset'},
    },
    {dataset: [{uri: '/d'}]},
    (n) => siblings[n],
  )
  assert.equal(r.artifacts, {
    all: {componentInputArtifact: 'for-loop-2.pipelinechannel--out (collected)'},
    one: {taskOutputArtifact: {producerTask: 'train', outputArtifactKey: 'model'}},
    data: {componentInputArtifact: 'dataset'},
  })
  assert.equal(r.available, {dataset: [{uri: '/d'}], 'for-loop-2.pipelinechannel--out (collected)': list})
})

O('bindStepInputs: an ignore_upstream_failure task takes the defaults of the outputs its upstream did not produce; other tasks keep their bindings', () => {
  const defs: IrInputsSpec = {parameters: {message: {parameterType: 'STRING', defaultValue: 'default', isOptional: true}, count: {parameterType: 'NUMBER_INTEGER'}}, artifacts: {data: {artifactType: {schemaTitle: 'system.Dataset'}, isOptional: true}}}
  const inputs = {
    parameters: {message: {taskOutputParameter: {producerTask: 'up', outputParameterKey: 'Output'}}, count: {taskOutputParameter: {producerTask: 'up', outputParameterKey: 'n'}}},
    artifacts: {data: {taskOutputArtifact: {producerTask: 'up', outputArtifactKey: 'data'}}},
  }
  const whatever = task({inputs, triggerPolicy: {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'}})
  const cases: Array<[string, IrTask, Ended, string[], string[]]> = [
    ['upstream failed: every input with a default is left to it', whatever, ended('failed'), ['count'], []],
    ['upstream skipped by its condition', whatever, ended('skipped', {}, {message: 'condition false'}), ['count'], []],
    ['upstream produced all', whatever, {...ended('succeeded', {Output: 'x', n: 1}), outputs: {parameters: {Output: 'x', n: 1}, artifacts: {data: {uri: '/d'}}}}, ['count', 'message'], ['data']],
    ['a task that waits for success keeps its bindings (it does not start otherwise)', task({inputs}), ended('failed'), ['count', 'message'], ['data']],
  ]
  for (const [what, t, up, params, artifacts] of cases) {
    const r = bindStepInputs(t, defs, {parameters: {}, artifacts: {}}, () => up)
    assert.equal(Object.keys(r.task.inputs!.parameters!).sort(), params, what)
    assert.equal(Object.keys(r.task.inputs!.artifacts!), artifacts, what)
  }
})

const T = suite('core/engine planTree')
T('walks every sub-DAG; numbers steps depth-first where their group stands', () => {
  const cases: Array<[string, string[]]> = [
    ['pipeline_with_condition', ['1:flip-coin-op', '2:condition-1/flip-coin-op-2', '3:condition-1/print-op-2', '4:condition-1/print-op-3', '5:print-op']],
    [
      'nested_pipeline_opt_inputs_parent_level_compiled',
      [
        '1:nested-pipeline-nil-defaults/component-nil-bool-default',
        '2:nested-pipeline-nil-defaults/component-nil-int-default',
        '3:nested-pipeline-nil-defaults/component-nil-str-default',
        '4:nested-pipeline-non-nil-defaults/component-bool-default',
        '5:nested-pipeline-non-nil-defaults/component-int-default',
        '6:nested-pipeline-non-nil-defaults/component-str-default',
      ],
    ],
  ]
  for (const [name, want] of cases) assert.equal(leavesOf(planTree(loadIr(name))).map((l) => `${l.number}:${l.path}`), want, name)
  const loops = planTree(loadIr('pipeline_with_loops'))
  assert.equal(
    walkTree(loops).map((n) => `${n.kind}:${n.path}`),
    [
      'container:args-generator-op',
      'loop:for-loop-1',
      'container:for-loop-1/print-text',
      'loop:for-loop-2',
      'container:for-loop-2/print-struct',
      'container:for-loop-2/print-text-2',
      'container:for-loop-2/print-text-3',
      'loop:for-loop-4',
      'container:for-loop-4/print-struct-2',
      'container:for-loop-4/print-text-4',
      'container:for-loop-4/print-text-5',
    ],
  )
  // A group stands where its first step is
  assert.is(loops.find((n) => n.name === 'for-loop-2')!.number, 3)
})

T('rejects a DAG that depends on an unknown task, naming its path', () => {
  const spec = loadIr('pipeline_with_condition')
  spec.components['comp-condition-1'].dag!.tasks['print-op-2'].dependentTasks = ['nope']
  assert.throws(() => planTree(spec), /Task 'condition-1\/print-op-2' depends on 'nope', which is not a task of 'condition-1'/)
})

N.run()
R.run()
O.run()
T.run()
