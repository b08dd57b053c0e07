/**
 * Control flow and artifacts compiled from kfp.yaml against the Python SDK's own compiled files for the same pipelines
 * (test/fixtures/ir/sdk-golden/, see its README). Compared structurally (parsed YAML, deep equality) over the DAGs,
 * the component interfaces and the root; the executors of the SDK's Python components are Python code and are not
 * compared (importer executors are). Each normalization below is one documented difference of a v1 container
 * component or of a kfp.yaml name, never of the control-flow shape.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse as parseYaml} from 'yaml'
import {compilePipeline, renderPipelineYaml} from '../../../src/core/compile/index.js'
import type {PipelineSpec} from '../../../src/core/ir/types.js'
import {checkPipelineSpec, formatProblems} from '../../helpers/proto.js'
import {comp, compileYaml} from './control-helpers.js'

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ir', 'sdk-golden')

function golden(name: string): any {
  // v1 component outputs are sanitized like the SDK's `sanitize_input_name` ('Output' → 'output'); a Python
  // component's return value keeps the name 'Output'.
  const text = readFileSync(path.join(DIR, name), 'utf8').replace(/\bOutput\b/g, 'output')
  return parseYaml(text)
}

/** Everything but the executors of Python components. */
function shapeOf(spec: any): any {
  const importers = Object.fromEntries(Object.entries<any>(spec.deploymentSpec.executors).filter(([, e]) => e.importer))
  return {components: spec.components, root: spec.root, importers, pipelineInfo: spec.pipelineInfo}
}

function expectValid(spec: PipelineSpec): void {
  const problems = checkPipelineSpec(parseYaml(renderPipelineYaml(spec)))
  assert.equal(problems, [], formatProblems(problems))
}

const test = suite('control flow compiles to the SDK shape (golden files)')

test('dsl.If (essential/pipeline_with_condition.yaml): condition-1 with pipelinechannel inputs and the CEL condition', () => {
  const spec = compileYaml(
    `name: single-condition-pipeline
params:
  text: {type: string, default: condition test}
steps:
  - name: flip-coin-op
    cache: false
  - name: print-op
    inputs: {msg: "\${{ steps.flip-coin-op.outputs.Output }}"}
  - group: condition-1
    when: \${{ steps.flip-coin-op.outputs.Output }} == 'heads'
    steps:
      - {name: flip-coin-op-2, component: flip-coin-op, cache: false}
      - name: print-op-2
        component: print-op
        inputs: {msg: "\${{ steps.flip-coin-op-2.outputs.Output }}"}
      - name: print-op-3
        component: print-op
        inputs: {msg: "\${{ params.text }}"}
`,
    {'flip-coin-op': comp([], [['Output', 'String']]), 'print-op': comp([['msg', 'String']])},
  )
  assert.equal(shapeOf(spec), shapeOf(golden('pipeline_with_condition.yaml')))
  expectValid(spec)
})

test('nested dsl.If (essential/pipeline_with_nested_conditions.yaml): a condition comparing two outputs, inside another', () => {
  const spec = compileYaml(
    `name: nested-conditions-pipeline
steps:
  - name: flip-coin-op
  - {name: print-op, inputs: {msg: "\${{ steps.flip-coin-op.outputs.Output }}"}}
  - {name: flip-coin-op-2, component: flip-coin-op}
  - {name: print-op-2, component: print-op, inputs: {msg: "\${{ steps.flip-coin-op-2.outputs.Output }}"}}
  - group: condition-1
    when: \${{ steps.flip-coin-op.outputs.Output }} != 'no-such-result'
    steps:
      - {name: flip-coin-op-3, component: flip-coin-op}
      - {name: print-op-3, component: print-op, inputs: {msg: "\${{ steps.flip-coin-op-3.outputs.Output }}"}}
      - group: condition-2
        when: \${{ steps.flip-coin-op-2.outputs.Output }} == \${{ steps.flip-coin-op-3.outputs.Output }}
        steps:
          - {name: flip-coin-op-4, component: flip-coin-op}
          - {name: print-op-4, component: print-op, inputs: {msg: "\${{ steps.flip-coin-op-4.outputs.Output }}"}}
`,
    {'flip-coin-op': comp([], [['Output', 'String']]), 'print-op': comp([['msg', 'String']])},
  )
  assert.equal(shapeOf(spec), shapeOf(golden('pipeline_with_nested_conditions.yaml')))
  expectValid(spec)
})

test('dsl.ParallelFor over a literal list + dsl.Collected (critical/parameters_simple.yaml)', () => {
  const spec = compileYaml(
    `name: math-pipeline
steps:
  - name: double
    forEach: [1, 2, 3]
    inputs: {num: "\${{ item }}"}
  - {name: add, inputs: {nums: "\${{ steps.double.outputs.Output }}"}}
  - {name: add-container, inputs: {nums: "\${{ steps.double.outputs.Output }}"}}
`,
    {
      double: comp([['num', 'Integer']], [['Output', 'Integer']]),
      add: comp([['nums', 'JsonArray']], [['Output', 'Integer']]),
      'add-container': comp([['nums', 'JsonArray']], [['sum', 'Integer']]),
    },
  )
  const expected = golden('parameters_simple.yaml')
  // The SDK pipeline also returns the collected list as a pipeline output; kfp.yaml has no pipeline outputs.
  delete expected.root.dag.outputs
  delete expected.root.outputDefinitions
  assert.equal(shapeOf(spec), shapeOf(expected))
  expectValid(spec)
})

test('parallelism, nested loops, item fields, loops over outputs (pipeline_with_parallelfor_parallelism.yaml)', () => {
  const makers = ['list-dict-maker-0', 'list-dict-maker-1', 'list-dict-maker-2', 'list-dict-maker-3']
  const spec = compileYaml(
    `name: pipeline-with-loops
params:
  loop_parameter: {type: list}
steps:
  - group: for-loop-1
    forEach: \${{ params.loop_parameter }}
    parallelism: 2
    steps:
      - {name: print-text, inputs: {msg: "\${{ item }}"}}
      - name: print-text-2
        component: print-text
        forEach: \${{ params.loop_parameter }}
        inputs: {msg: "\${{ item }}"}
  - group: for-loop-4
    forEach: [{A_a: '1', B_b: '2'}, {A_a: '10', B_b: '20'}]
    steps:
      - {name: print-text-3, component: print-text, inputs: {msg: "\${{ item.A_a }}"}}
      - {name: print-text-4, component: print-text, inputs: {msg: "\${{ item.B_b }}"}}
      - group: for-loop-6
        forEach: [{A_a: '10', B_b: '20'}, {A_a: '100', B_b: '200'}]
        parallelism: 1
        steps:
          - {name: print-text-5, component: print-text, inputs: {msg: "\${{ item.A_a }}"}}
          - {name: print-text-6, component: print-text, inputs: {msg: "\${{ item.B_b }}"}}
  - name: print-int
    forEach: [{a: 1, b: 2}, {a: 2, b: 3}, {a: 3, b: 4}]
    parallelism: 1
    inputs: {x: "\${{ item.a }}"}
  - name: list-dict-maker-0
  - {name: print-int-2, component: print-int, forEach: "\${{ steps.list-dict-maker-0.outputs.Output }}", inputs: {x: "\${{ item.a }}"}}
  - name: list-dict-maker-1
  - {name: print-int-3, component: print-int, forEach: "\${{ steps.list-dict-maker-1.outputs.Output }}", inputs: {x: "\${{ item.a }}"}}
  - name: list-dict-maker-2
  - {name: print-int-4, component: print-int, forEach: "\${{ steps.list-dict-maker-2.outputs.Output }}", inputs: {x: "\${{ item.a }}"}}
  - name: list-dict-maker-3
  - {name: print-int-5, component: print-int, forEach: "\${{ steps.list-dict-maker-3.outputs.Output }}", inputs: {x: "\${{ item.a }}"}}
  - {name: list-dict-maker-1-2, component: list-dict-maker-1}
  - {name: print-int-6, component: print-int, forEach: "\${{ steps.list-dict-maker-1-2.outputs.Output }}", inputs: {x: "\${{ item.a }}"}}
`,
    {
      'print-text': comp([['msg', 'String']]),
      'print-int': comp([['x', 'Integer']]),
      ...Object.fromEntries(makers.map((m) => [m, comp([], [['Output', 'JsonArray']])])),
    },
  )
  const expected = golden('pipeline_with_parallelfor_parallelism.yaml')
  // Python components returning List[Dict[str, int]] make the SDK type their loop items STRUCT; a v1 JsonArray output
  // has no element type, so the item is the SDK's default for a loop over a channel, STRING.
  for (const n of [9, 10, 11]) {
    const defs = expected.components[`comp-for-loop-${n}`].inputDefinitions.parameters
    for (const [k, v] of Object.entries<any>(defs)) if (k.endsWith('-loop-item')) v.parameterType = 'STRING'
  }
  assert.equal(shapeOf(spec), shapeOf(expected))
  expectValid(spec)
})

test('dsl.ExitHandler (failing/pipeline_with_exit_handler.yaml): exit-handler-1 and the exit task after it', () => {
  const spec = compileYaml(
    `name: pipeline-with-exit-handler
params:
  message: {type: string, default: Hello World!}
steps:
  - name: print-op
    finally: true
    inputs: {message: Exit handler has worked!}
  - {name: print-op-2, component: print-op, inputs: {message: "\${{ params.message }}"}}
  - {name: fail-op, inputs: {message: Task failed.}}
`,
    {'print-op': comp([['message', 'String']]), 'fail-op': comp([['message', 'String']])},
  )
  assert.equal(shapeOf(spec), shapeOf(golden('pipeline_with_exit_handler.yaml')))
  expectValid(spec)
})

test('PipelineTaskFinalStatus (pipeline_with_task_final_status.yaml): TASK_FINAL_STATUS input and taskFinalStatus', () => {
  const spec = compileYaml(
    `name: pipeline-with-task-final-status
params:
  message: {type: string, default: Hello World!}
steps:
  - name: exit-op
    finally: true
    inputs: {user_input: "\${{ params.message }}", status: "\${{ run.status }}"}
  - {name: print-op, inputs: {message: "\${{ params.message }}"}}
  - {name: fail-op, inputs: {message: Task failed.}}
`,
    {
      'exit-op': comp([['user_input', 'String'], ['status', 'PipelineTaskFinalStatus']]),
      'print-op': comp([['message', 'String']]),
      'fail-op': comp([['message', 'String']]),
    },
  )
  const expected = golden('pipeline_with_task_final_status.yaml')
  // The SDK pipeline names its exit handler (ExitHandler(name='my-pipeline')); kfp's is unnamed.
  expected.root.dag.tasks['exit-handler-1'].taskInfo.name = 'exit-handler-1'
  assert.equal(shapeOf(spec), shapeOf(expected))
  expectValid(spec)
})

test('dsl.importer (pipeline_with_importer.yaml): importer tasks and executors, reimport, a param URI inside a condition', () => {
  const spec = compileYaml(
    `name: pipeline-with-importer
params:
  dataset2: {type: string, default: gs://ml-pipeline-playground/shakespeare2.txt}
steps:
  - name: train
    inputs:
      dataset: {import: gs://ml-pipeline-playground/shakespeare1.txt, type: Dataset}
  - group: condition-1
    when: \${{ steps.train.outputs.scalar }} == '123'
    steps:
      - name: train-2
        component: train
        inputs:
          dataset: {import: "\${{ params.dataset2 }}", type: Dataset, reimport: true}
`,
    {train: comp([['dataset', 'Dataset']], [['scalar', 'String'], ['model', 'Model']])},
  )
  const expected = golden('pipeline_with_importer.yaml')
  // kfp.yaml imports carry no metadata.
  delete expected.deploymentSpec.executors['exec-importer'].importer.metadata
  assert.equal(shapeOf(spec), shapeOf(expected))
  expectValid(spec)
})

test.run()
