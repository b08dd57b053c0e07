import {readFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'uvu'
import * as assert from 'uvu/assert'
import {parseDocument} from 'yaml'
import {loadIrDocuments} from '../../../src/core/ir/read.js'
import {isCliError} from '../../../src/lib/errors.js'
import {fixturesDir} from '../engine/helpers.js'
import {yamlFiles} from '../../helpers/yaml-corpus.js'

const sdkDir = path.join(fixturesDir, 'sdk', 'valid')
const files = yamlFiles(sdkDir)

test('the SDK corpus is all there (test_data/sdk_compiled_pipelines/valid at 7b70c7b has 150 files)', () => {
  assert.is(files.length, 150)
})

test('every file the SDK writes loads as a PipelineSpec (PyYAML-compatible reading)', () => {
  for (const f of files) {
    const docs = loadIrDocuments(readFileSync(f, 'utf8'), f)
    const spec = docs[0] as {pipelineInfo?: {name?: string}; root?: unknown}
    assert.type(spec?.pipelineInfo?.name, 'string', f)
    assert.ok(spec.root, f)
  }
})

test('a single-quoted scalar continued at the sequence indent (PyYAML output the yaml package refuses) reads as PyYAML reads it', () => {
  const f = path.join(sdkDir, 'essential', 'placeholder_with_if_placeholder_none_input_value.yaml')
  const text = readFileSync(f, 'utf8')
  // The yaml package refuses this valid file: the reason kfp reads IR with js-yaml.
  assert.ok(parseDocument(text).errors.length > 0)
  const spec = loadIrDocuments(text, f)[0] as any
  const args = spec.deploymentSpec.executors['exec-component-with-optional-inputs'].container.args
  // The value PyYAML 6.0.3 gives (yaml.safe_load): the line break folds into one space.
  assert.is(
    args[3],
    `{"IfPresent": {"InputName": "optional_input_2", "Then": ["--arg2", "{{$.inputs.parameters['optional_input_2']}}"], "Else": ["--arg2", "default value"]}}`,
  )
})

test('the platform spec is the second document', () => {
  const f = path.join(sdkDir, 'critical', 'pipeline_with_secret_as_env.yaml')
  const docs = loadIrDocuments(readFileSync(f, 'utf8'), f) as any[]
  assert.is(docs.length, 2)
  assert.ok(docs[1].platforms.kubernetes)
})

const bad: Array<[string, string, string]> = [
  ['unclosed flow sequence', 'a: [1, 2\nb: c\n', 'p.yaml:2:1: '],
  ['unclosed quote', "root:\n  x: 'abc\n", 'p.yaml:3:1: '],
  ['bad indentation', 'a:\n  b: 1\n c: 2\n', 'p.yaml:3:'],
]
for (const [name, text, where] of bad) {
  test(`really invalid YAML (${name}) fails with file:line:col, exit 3`, () => {
    try {
      loadIrDocuments(text, 'p.yaml')
      assert.unreachable('should fail')
    } catch (err) {
      assert.ok(isCliError(err), String(err))
      assert.is(err.kfpCode, "YAML_SYNTAX")
      assert.is(err.exitCode, 3)
      assert.ok(err.message.startsWith(where), err.message)
    }
  })
}

test('a duplicated key keeps its last value, as PyYAML does; dates stay strings (JSON-shaped IR)', () => {
  assert.equal(loadIrDocuments('a: 1\na: 2\nd: 2026-01-01\nb: yes\n', 'p.yaml'), [{a: 2, d: '2026-01-01', b: 'yes'}])
})

test('JSON pipeline files load too', () => {
  assert.equal(loadIrDocuments('{"pipelineInfo": {"name": "x"}, "n": 1.5}', 'p.json'), [{pipelineInfo: {name: 'x'}, n: 1.5}])
})

test.run()
