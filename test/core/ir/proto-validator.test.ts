import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {checkMessage, checkPipelineSpec, checkPipelineYaml, formatProblems} from '../../helpers/proto.js'

const IR_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ir')
const goldenFiles = readdirSync(IR_DIR).filter((f) => f.endsWith('.yaml')).sort()

function golden(name: string): any {
  return parse(readFileSync(path.join(IR_DIR, name), 'utf8'))
}

const accepts = suite('strict validator accepts what the Python SDK writes')

accepts('there are golden files to check', () => {
  assert.ok(goldenFiles.length >= 10, `only ${goldenFiles.length} golden files`)
})

for (const file of goldenFiles) {
  accepts(`${file} has no problems`, () => {
    // When
    const problems = checkPipelineYaml(readFileSync(path.join(IR_DIR, file), 'utf8'))
    // Then
    assert.is(problems.length, 0, formatProblems(problems))
  })
}

const rejects = suite('strict validator reports every problem with its JSON path')

type Case = {name: string; file?: string; mutate: (spec: any) => void; path: string; message: RegExp}
const cases: Case[] = [
  {
    name: 'an unknown field in a task',
    mutate: (s) => (s.root.dag.tasks.producer.foo = 1),
    path: 'root.dag.tasks.producer.foo',
    message: /unknown field 'foo' in ml_pipelines.PipelineTaskSpec/,
  },
  {
    name: 'a snake_case name (only the JSON camelCase names are accepted)',
    mutate: (s) => {
      s.root.dag.tasks.producer.component_ref = s.root.dag.tasks.producer.componentRef
      delete s.root.dag.tasks.producer.componentRef
    },
    path: 'root.dag.tasks.producer.component_ref',
    message: /unknown field 'component_ref'/,
  },
  {
    name: 'an unknown field inside deploymentSpec (a Struct in the proto, checked as PipelineDeploymentConfig)',
    mutate: (s) => (s.deploymentSpec.executors['exec-producer'].container.imagePullPolicy = 'Always'),
    path: 'deploymentSpec.executors.exec-producer.container.imagePullPolicy',
    message: /unknown field 'imagePullPolicy' in ml_pipelines.PipelineDeploymentConfig.PipelineContainerSpec/,
  },
  {
    name: 'an invalid enum value',
    mutate: (s) => (s.root.inputDefinitions.parameters.text.parameterType = 'TEXT'),
    path: 'root.inputDefinitions.parameters.text.parameterType',
    message: /'TEXT' is not a value of enum ml_pipelines.ParameterType.ParameterTypeEnum/,
  },
  {
    name: 'a string where a bool is expected',
    mutate: (s) => (s.root.dag.tasks.producer.cachingOptions.enableCache = 'true'),
    path: 'root.dag.tasks.producer.cachingOptions.enableCache',
    message: /expected a boolean \(bool\), got string/,
  },
  {
    name: 'a singular value where a list is expected',
    mutate: (s) => (s.deploymentSpec.executors['exec-producer'].container.command = 'sh -c echo'),
    path: 'deploymentSpec.executors.exec-producer.container.command',
    message: /expected a list \(repeated string\), got string/,
  },
  {
    name: 'a list where a singular message is expected',
    mutate: (s) => (s.root.dag.tasks.producer.taskInfo = [{name: 'x'}]),
    path: 'root.dag.tasks.producer.taskInfo',
    message: /expected a single PipelineTaskInfo, got a list/,
  },
  {
    name: 'a number in a repeated string field',
    mutate: (s) => s.deploymentSpec.executors['exec-producer'].container.command.push(3),
    path: 'deploymentSpec.executors.exec-producer.container.command[5]',
    message: /expected a string \(string\), got number/,
  },
  {
    name: 'a map that is not an object',
    mutate: (s) => (s.components = ['comp-producer']),
    path: 'components',
    message: /expected an object \(map<string, ComponentSpec>\)/,
  },
  {
    name: 'two members of a oneof',
    mutate: (s) => (s.root.dag.tasks.consumer.inputs.parameters.input_value.componentInputParameter = 'text'),
    path: 'root.dag.tasks.consumer.inputs.parameters.input_value',
    message: /oneof 'kind' .* more than one field set: .*taskOutputParameter.*componentInputParameter|oneof 'kind' .* more than one field set: .*componentInputParameter.*taskOutputParameter/,
  },
  {
    name: 'an int32 that is not an integer',
    file: 'pipeline_with_retry.yaml',
    mutate: (s) => (s.root.dag.tasks.add.retryPolicy.maxRetryCount = 2.5),
    path: 'root.dag.tasks.add.retryPolicy.maxRetryCount',
    message: /expected an integer \(int32\)/,
  },
  {
    name: 'a Duration without the s suffix',
    file: 'pipeline_with_retry.yaml',
    mutate: (s) => (s.root.dag.tasks.add.retryPolicy.backoffDuration = 60),
    path: 'root.dag.tasks.add.retryPolicy.backoffDuration',
    message: /expected a duration string like "3600s"/,
  },
  {
    name: 'a double given as a non-numeric string',
    file: 'pipeline_with_resource_spec.yaml',
    mutate: (s) => (s.deploymentSpec.executors['exec-trainer'].container.resources.cpuLimit = '4 cores'),
    path: 'deploymentSpec.executors.exec-trainer.container.resources.cpuLimit',
    message: /expected a number \(double\)/,
  },
  {
    name: 'an int64 that is not an integer string',
    file: 'pipeline_with_resource_spec.yaml',
    mutate: (s) => (s.deploymentSpec.executors['exec-trainer'].container.resources.accelerator.count = 'one'),
    path: 'deploymentSpec.executors.exec-trainer.container.resources.accelerator.count',
    message: /expected an integer \(a number or a decimal string\) \(int64\)/,
  },
  {
    name: 'a null message',
    mutate: (s) => (s.pipelineInfo = null),
    path: 'pipelineInfo',
    message: /null is not a ml_pipelines.PipelineInfo/,
  },
]

for (const c of cases) {
  rejects(c.name, () => {
    // Given a valid SDK-compiled spec with one injected mistake
    const spec = golden(c.file ?? 'producer_consumer_param_pipeline.yaml')
    assert.is(checkPipelineSpec(spec).length, 0)
    c.mutate(spec)
    // When
    const problems = checkPipelineSpec(spec)
    // Then
    const hit = problems.find((p) => p.path === c.path)
    assert.ok(hit, `no problem at ${c.path}; got:\n${formatProblems(problems)}`)
    assert.match(hit!.message, c.message)
  })
}

rejects('every problem is reported, not only the first', () => {
  // Given
  const spec = golden('producer_consumer_param_pipeline.yaml')
  spec.root.dag.tasks.producer.foo = 1
  spec.root.dag.tasks.consumer.bar = 2
  spec.schemaVersion = 2
  // When
  const problems = checkPipelineSpec(spec)
  // Then
  assert.equal(problems.map((p) => p.path).sort(), ['root.dag.tasks.consumer.bar', 'root.dag.tasks.producer.foo', 'schemaVersion'])
})

rejects('google.protobuf.Value accepts any JSON (defaults and constants of every type)', () => {
  // Given
  const spec = golden('producer_consumer_param_pipeline.yaml')
  spec.root.inputDefinitions.parameters.text.defaultValue = {a: [1, 'x', true, null, {b: 2}]}
  spec.root.dag.tasks.producer.inputs.parameters.input_text = {runtimeValue: {constant: [1, 2]}}
  // When / Then
  assert.equal(checkPipelineSpec(spec), [])
})

rejects('the platform document is checked as a PlatformSpec with KubernetesExecutorConfig executors', () => {
  // Given the multi-document golden with a typo in the Kubernetes executor config
  const text = readFileSync(path.join(IR_DIR, 'pipeline_with_volume_no_cache.yaml'), 'utf8').replace('mountPath:', 'mountPth:')
  // When
  const problems = checkPipelineYaml(text)
  // Then
  assert.ok(problems.length > 0)
  assert.ok(problems.every((p) => p.path.startsWith('[platform].platforms.kubernetes.deploymentSpec.executors.')), formatProblems(problems))
  assert.match(problems[0].message, /unknown field 'mountPth' in kfp_kubernetes.PvcMount/)
})

rejects('YAML syntax errors are problems too', () => {
  assert.equal(checkPipelineYaml('a: [1,\n').length > 0, true)
})

rejects('checkMessage works for any message type', () => {
  assert.equal(checkMessage({name: 'x', displayName: 'X'}, 'ml_pipelines.PipelineInfo'), [])
  assert.equal(checkMessage({nme: 'x'}, 'ml_pipelines.PipelineInfo')[0].path, 'nme')
})

accepts.run()
rejects.run()
