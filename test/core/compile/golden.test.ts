import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {compilePipeline} from '../../../src/core/compile/index.js'
import {checkPipelineSpec, formatProblems} from '../../helpers/proto.js'
import {producerConsumerProject, project, resourceSpecProject, step, twoStepProject, component, io} from './projects.js'

const IR_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ir')

function golden(name: string): any {
  return parse(readFileSync(path.join(IR_DIR, name), 'utf8'))
}

/** v1 components have no `{inputUri}`/`{outputUri}`; the goldens use `.uri` where a v1 component writes `.path`. */
function uriToPath(value: unknown): any {
  return JSON.parse(JSON.stringify(value).replaceAll(`'].uri}}`, `'].path}}`))
}

const shape = suite('compiled IR has the shape the Python SDK produces')

shape('producer_consumer_param_pipeline: components, executors and root DAG equal the golden', () => {
  // Given the golden pipeline written as a kfp project
  const expected = golden('producer_consumer_param_pipeline.yaml')
  // When
  const {spec} = compilePipeline(producerConsumerProject(), {images: {}})
  // Then
  assert.equal(spec.components, expected.components)
  assert.equal(spec.deploymentSpec, expected.deploymentSpec)
  assert.equal(spec.root, expected.root)
  assert.equal(spec.pipelineInfo, expected.pipelineInfo)
  assert.is(spec.schemaVersion, expected.schemaVersion)
})

shape('two_step_pipeline: artifact passing with taskOutputArtifact equals the golden (display names aside)', () => {
  // Given
  const expected = uriToPath(golden('two_step_pipeline.yaml'))
  // The SDK pipeline sets display names ('Producer'/'Consumer'); kfp steps are named by their key.
  for (const [key, task] of Object.entries<any>(expected.root.dag.tasks)) task.taskInfo.name = key
  // When
  const {spec} = compilePipeline(twoStepProject(), {images: {}})
  // Then
  assert.equal(spec.components, expected.components)
  assert.equal(spec.deploymentSpec, expected.deploymentSpec)
  assert.equal(spec.root, expected.root)
})

shape('pipeline_with_resource_spec: resources (string and deprecated double fields), accelerator, typed artifacts, int default', () => {
  // Given
  const expected = uriToPath(golden('pipeline_with_resource_spec.yaml'))
  // When
  const {spec} = compilePipeline(resourceSpecProject(), {images: {}})
  // Then
  assert.equal(spec.components, expected.components)
  assert.equal(spec.deploymentSpec, expected.deploymentSpec)
  assert.equal(spec.root, expected.root)
  assert.equal(spec.pipelineInfo, expected.pipelineInfo)
})

shape('pipeline_with_retry: the root DAG (float params, retryPolicy with the SDK defaults) equals the golden', () => {
  // Given a container step equivalent to the SDK's `add` task with retries=3
  const expected = golden('pipeline_with_retry.yaml')
  const p = project('test-pipeline', {
    params: [
      {name: 'a', type: 'float', default: 1},
      {name: 'b', type: 'float', default: 7},
    ],
    components: [component('add', {inputs: [io('a', 'Float'), io('b', 'Float')], outputs: [io('Output', 'Float')], command: ['add']})],
    steps: [step(1, 'add', {retries: 3, inputs: {a: {kind: 'param', param: 'a'}, b: {kind: 'param', param: 'b'}}})],
  })
  // When
  const {spec} = compilePipeline(p, {images: {}})
  // Then
  assert.equal(spec.root, expected.root)
  // The golden's component is a Python function (output 'Output'); a v1 component's names are sanitized like the SDK's.
  assert.equal(spec.components['comp-add'].inputDefinitions, expected.components['comp-add'].inputDefinitions)
  assert.equal(Object.keys(spec.components['comp-add'].outputDefinitions!.parameters!), ['output'])
})

shape('every golden-equivalent project compiles to a spec that is strictly valid against pipeline_spec.proto', () => {
  for (const [name, make] of [['producer_consumer', producerConsumerProject], ['two_step', twoStepProject], ['resource_spec', resourceSpecProject]] as const) {
    // When
    const {spec} = compilePipeline(make(), {images: {}})
    // Then
    const problems = checkPipelineSpec(spec)
    assert.is(problems.length, 0, `${name}: ${formatProblems(problems)}`)
  }
})

shape.run()
