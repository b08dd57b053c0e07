/**
 * Control-flow compilation beyond the SDK goldens: the example pipeline (every construct at once) is strictly
 * valid against pipeline_spec.proto and deterministic; CEL for and/or/not with int()/double() casts; item conditions;
 * collected outputs through nested loops; a finally group; text bindings with the loop item; import URIs.
 */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse as parseYaml} from 'yaml'
import {renderPipelineYaml} from '../../../src/core/compile/index.js'
import {checkPipelineSpec, formatProblems} from '../../helpers/proto.js'
import {comp, compileYaml, CONTROL_COMPONENTS} from './control-helpers.js'

const C = CONTROL_COMPONENTS

const EXAMPLE = `name: p
params:
  rates: {type: list, default: [0.01, 0.1]}
  maxRmse: 1.2
  n: 3
  flag: true
  bucket: b
steps:
  - name: prep
  - name: train
    forEach: \${{ params.rates }}
    parallelism: 2
    inputs: {rate: "\${{ item }}", data: "\${{ steps.prep.outputs.train }}"}
  - {name: pick, inputs: {rmses: "\${{ steps.train.outputs.rmse }}"}}
  - name: deploy
    when: \${{ steps.pick.outputs.best }} < \${{ params.maxRmse }} and (\${{ params.n }} > 2.5 or not \${{ params.flag }})
    inputs: {model: {import: "gs://\${{ params.bucket }}/model", type: Model}}
  - group: report
    finally: true
    steps:
      - name: notify
        inputs: {status: "\${{ run.status }}", note: "\${{ params.bucket }}"}
  - group: evaluate
    when: \${{ params.flag }} == true
    steps:
      - {name: score, component: echo, inputs: {msg: "\${{ steps.pick.outputs.name }}"}}
`

const t = suite('control flow: compiled IR')

t('the issue example: strictly valid against pipeline_spec.proto, byte-identical on every compile', () => {
  const a = renderPipelineYaml(compileYaml(EXAMPLE, C))
  const b = renderPipelineYaml(compileYaml(EXAMPLE, C))
  assert.is(a, b)
  assert.not.match(a, /&a\d|\*a\d/, 'no YAML anchors or aliases')
  const problems = checkPipelineSpec(parseYaml(a))
  assert.equal(problems, [], formatProblems(problems))
})

t('and/or/not with int() and double(): the condition task carries every operand as a pipelinechannel input', () => {
  const spec = compileYaml(EXAMPLE, C)
  const cond = spec.components['comp-exit-handler-1'].dag!.tasks['condition-3']
  assert.is(
    cond.triggerPolicy!.condition,
    "inputs.parameter_values['pipelinechannel--pick-best'] < inputs.parameter_values['pipelinechannel--maxRmse'] && " +
      "(double(int(inputs.parameter_values['pipelinechannel--n'])) > 2.5 || !(inputs.parameter_values['pipelinechannel--flag'] == true))",
  )
  assert.equal(Object.keys(cond.inputs!.parameters!).sort(), ['pipelinechannel--bucket', 'pipelinechannel--flag', 'pipelinechannel--maxRmse', 'pipelinechannel--n', 'pipelinechannel--pick-best'])
  assert.equal(cond.dependentTasks, ['pick'])
})

t('a finally group: a DAG of its own name after exit-handler-1, with the TASK_FINAL_STATUS input passed inside', () => {
  const spec = compileYaml(EXAMPLE, C)
  const task = spec.root.dag!.tasks.report
  assert.equal(task.dependentTasks, ['exit-handler-1'])
  assert.equal(task.triggerPolicy, {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'})
  assert.equal(task.inputs!.parameters!.status, {taskFinalStatus: {producerTask: 'exit-handler-1'}})
  assert.equal(spec.components['comp-report'].inputDefinitions!.parameters!.status, {isOptional: true, parameterType: 'TASK_FINAL_STATUS'})
  assert.equal(spec.components['comp-report'].dag!.tasks.notify.inputs!.parameters!.status, {componentInputParameter: 'status'})
})

t('the importer: a text URI with references is a runtime parameter fed by pipelinechannel inputs', () => {
  const spec = compileYaml(EXAMPLE, C)
  assert.equal(spec.deploymentSpec.executors['exec-importer'], {importer: {artifactUri: {runtimeParameter: 'uri'}, typeSchema: {schemaTitle: 'system.Model', schemaVersion: '0.0.1'}}})
  assert.equal(spec.components['comp-condition-3'].dag!.tasks.importer.inputs!.parameters!.uri, {runtimeValue: {constant: "gs://{{$.inputs.parameters['pipelinechannel--bucket']}}/model"}})
})

t('a condition on the loop item runs inside the loop: the item field is selected on the way in', () => {
  const spec = compileYaml(
    `name: p
steps:
  - name: echo
    forEach: [{lr: 0.1, tag: a}, {lr: 0.5, tag: b}]
    when: \${{ item.lr }} > 0.2
    inputs: {msg: "tag=\${{ item.tag }}"}
`,
    C,
  )
  const loop = spec.root.dag!.tasks['for-loop-2']
  assert.equal(loop.parameterIterator, {itemInput: 'pipelinechannel--loop-item-param-1', items: {raw: '[{"lr": 0.1, "tag": "a"}, {"lr": 0.5, "tag": "b"}]'}})
  const cond = spec.components['comp-for-loop-2'].dag!.tasks['condition-3']
  assert.is(cond.triggerPolicy!.condition, "inputs.parameter_values['pipelinechannel--loop-item-param-1-subvar-lr'] > 0.2")
  assert.equal(cond.inputs!.parameters!['pipelinechannel--loop-item-param-1-subvar-lr'], {
    componentInputParameter: 'pipelinechannel--loop-item-param-1',
    parameterExpressionSelector: 'parseJson(string_value)["lr"]',
  })
  const echo = spec.components['comp-condition-3'].dag!.tasks.echo
  assert.equal(echo.inputs!.parameters!.msg, {runtimeValue: {constant: "tag={{$.inputs.parameters['pipelinechannel--loop-item-param-1-subvar-tag']}}"}})
  const problems = checkPipelineSpec(parseYaml(renderPipelineYaml(spec)))
  assert.equal(problems, [], formatProblems(problems))
})

t('an output collected through nested loops is surfaced on each loop DAG as a LIST', () => {
  const spec = compileYaml(
    `name: p
steps:
  - group: outer
    forEach: [1, 2]
    steps:
      - name: train
        forEach: [0.1, 0.2]
        inputs: {rate: "\${{ item }}", data: {import: gs://b/d, type: Dataset}}
  - {name: pick, inputs: {rmses: "\${{ steps.train.outputs.rmse }}"}}
`,
    C,
  )
  assert.equal(spec.components['comp-for-loop-4'].dag!.outputs, {parameters: {'pipelinechannel--train-rmse': {valueFromParameter: {outputParameterKey: 'rmse', producerSubtask: 'train'}}}})
  assert.equal(spec.components['comp-for-loop-2'].dag!.outputs, {parameters: {'pipelinechannel--train-rmse': {valueFromParameter: {outputParameterKey: 'pipelinechannel--train-rmse', producerSubtask: 'for-loop-4'}}}})
  assert.equal(spec.components['comp-for-loop-2'].outputDefinitions, {parameters: {'pipelinechannel--train-rmse': {parameterType: 'LIST'}}})
  assert.equal(spec.root.dag!.tasks.pick.inputs!.parameters!.rmses, {taskOutputParameter: {outputParameterKey: 'pipelinechannel--train-rmse', producerTask: 'for-loop-2'}})
  assert.equal(spec.root.dag!.tasks.pick.dependentTasks, ['for-loop-2'])
  assert.is(spec.root.dag!.tasks['for-loop-2'].taskInfo.name, 'outer')
})

t('after: a step inside a loop waits for the whole loop (the SDK allows .after across a ParallelFor)', () => {
  const spec = compileYaml(
    `name: p
steps:
  - {name: echo, forEach: [a, b], inputs: {msg: "\${{ item }}"}}
  - {name: done, component: echo, after: [echo], inputs: {msg: x}}
`,
    C,
  )
  assert.equal(spec.root.dag!.tasks.done.dependentTasks, ['for-loop-2'])
})

t.run()
