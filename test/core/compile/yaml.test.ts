import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {compilePipeline, pythonFloat, pythonRepr, renderPipelineYaml, renderSdkYaml} from '../../../src/core/compile/index.js'
import {everythingProject, producerConsumerProject, resourceSpecProject} from './projects.js'

const IR_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'ir')

const floats = suite('pythonFloat: numbers as Python/PyYAML print floats')

for (const [input, expected] of [
  [2000, '2000.0'],
  [200, '200.0'],
  [0, '0.0'],
  [-3, '-3.0'],
  [0.25, '0.25'],
  [15.032385536, '15.032385536'],
  [4.294967296, '4.294967296'],
  [0.0001, '0.0001'],
  [0.00001, '1.0e-05'],
  [1.5e-7, '1.5e-07'],
  [1e16, '1.0e+16'],
  [123456789012345680000, '1.2345678901234568e+20'],
  [Number.NaN, '.nan'],
  [Number.POSITIVE_INFINITY, '.inf'],
] as Array<[number, string]>) {
  floats(`${input} → ${expected}`, () => {
    assert.is(pythonFloat(input), expected)
  })
}

const repr = suite("pythonRepr: defaults in the header as Python's repr")

for (const [input, expected] of [
  ['Hello world', "'Hello world'"],
  ["it's", `"it's"`],
  ['a\nb', "'a\\nb'"],
  [2000, '2000.0'],
  [true, 'True'],
  [null, 'None'],
  [['a', 'b'], "['a', 'b']"],
  [{b: 1, a: 'x'}, "{'a': 'x', 'b': 1.0}"],
] as const) {
  repr(`${JSON.stringify(input)} → ${expected}`, () => {
    assert.is(pythonRepr(input as never), expected)
  })
}

const render = suite('renderPipelineYaml: SDK-style file')

render('the header is the SDK one, line for line, for the same pipeline', () => {
  // Given
  const goldenText = readFileSync(path.join(IR_DIR, 'pipeline_with_resource_spec.yaml'), 'utf8')
  // When
  const text = renderPipelineYaml(compilePipeline(resourceSpecProject(), {images: {}}).spec)
  // Then
  const header = (t: string) => t.split('\n').filter((l) => l.startsWith('#'))
  assert.equal(header(text), header(goldenText))
  assert.equal(header(text), [
    '# PIPELINE DEFINITION',
    '# Name: two-step-pipeline-with-resource-spec',
    '# Description: A linear two-step pipeline with resource specification.',
    '# Inputs:',
    "#    input_location: str [Default: 'gs://test-bucket/pipeline_root']",
    '#    n_epochs: int [Default: 200.0]',
    "#    optimizer: str [Default: 'sgd']",
  ])
})

render('keys are sorted at every level and sequences are not indented, as yaml.dump(sort_keys=True) writes them', () => {
  // When
  const text = renderPipelineYaml(compilePipeline(producerConsumerProject(), {images: {}}).spec)
  // Then
  const top = text.split('\n').filter((l) => /^[a-zA-Z]/.test(l))
  assert.equal(top, ['components:', 'deploymentSpec:', 'pipelineInfo:', 'root:', 'schemaVersion: 2.1.0', 'sdkVersion: kfp-cli'])
  assert.match(text, /\n {8}dependentTasks:\n {8}- producer\n/)
  assert.match(text, /\n {10}cachingOptions:\n {12}enableCache: true\n|\n {8}cachingOptions:\n {10}enableCache: true\n/)
})

render('doubles are written as floats (defaults, constants, resources, backoffFactor); integer fields stay integers', () => {
  // When
  const text = renderPipelineYaml(compilePipeline(everythingProject(), {images: {}}).spec)
  // Then
  assert.match(text, /\n {8}defaultValue: 2000\.0\n/)
  assert.match(text, /\n {10}depth: 3\.0\n/)
  assert.match(text, /\n {10}cpuLimit: 1\.0\n/)
  assert.match(text, /\n {10}memoryRequest: 2\.0\n/)
  assert.match(text, /\n {10}memoryLimit: 15\.032385536\n/)
  assert.match(text, /\n {10}backoffFactor: 2\.0\n/)
  assert.match(text, /\n {10}maxRetryCount: 3\n/)
  assert.match(text, /\n {12}count: '2'\n/)
})

render('strings a YAML 1.1 reader (PyYAML, the Go server) would read as booleans, numbers or dates are quoted', () => {
  // Given
  const values = ['yes', 'No', 'on', 'OFF', 'y', '0755', '1:20', '2020-01-01', '1_000', '1e5', '.5', 'null', '~', '3', 'true']
  // When
  const text = renderSdkYaml({values})
  // Then
  for (const v of values) assert.ok(text.includes(`- '${v}'\n`), `${v} is not quoted in:\n${text}`)
  assert.equal(parse(text, {version: '1.1'}), {values})
})

render('multi-line strings round-trip exactly (the wrapper script, SDK-style shell snippets)', () => {
  // Given
  const spec = compilePipeline(everythingProject(), {images: {}}).spec
  // When
  const back = parse(renderPipelineYaml(spec))
  // Then
  assert.is(back.deploymentSpec.executors['exec-tutorial'].container.command[2], spec.deploymentSpec.executors['exec-tutorial'].container!.command![2])
  assert.is(back.pipelineInfo.description, 'Every feature at once.\nSecond line.')
})

render('a multi-line description continues in the header as comment lines', () => {
  // When
  const text = renderPipelineYaml(compilePipeline(everythingProject(), {images: {}}).spec)
  // Then
  assert.ok(text.startsWith('# PIPELINE DEFINITION\n# Name: everything\n# Description: Every feature at once.\n#              Second line.\n# Inputs:\n'))
  assert.match(text, /#    bucket: str\n/)
  assert.match(text, /#    config: dict \[Default: \{'depth': 3\.0, 'name': 'mlp'\}\]\n/)
  assert.match(text, /#    dryRun: bool \[Default: False\]\n/)
})

floats.run()
repr.run()
render.run()
