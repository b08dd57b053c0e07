import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {findPlaceholders, PlaceholderError, resolveArgs, type PlaceholderValues} from '../../../src/core/engine/placeholders.js'

const P = suite('core/engine placeholders')

const values: PlaceholderValues = {
  inputParameters: {text: 'Hello KFP!', n: '3'},
  outputParameterFiles: {out: '/runs/r1/tasks/t/outputs/parameters/out'},
  inputArtifacts: {data: {path: '/runs/r0/a/data', uri: '/runs/r0/a/data'}},
  outputArtifacts: {model: {path: '/runs/r1/t/model', uri: '/runs/r1/t/model'}},
  pipelineJobName: 'my-run',
  pipelineJobUuid: 'r1',
  pipelineTaskName: 'train',
  pipelineTaskUuid: 'r1-train',
  pipelineRoot: '/p/root',
  createTime: '2025-01-01T00:00:00.000Z',
}

P('resolves parameters, output files, artifacts and pipeline placeholders', () => {
  const out = resolveArgs(
    [
      "{{$.inputs.parameters['text']}}",
      "--out={{$.outputs.parameters['out'].output_file}}",
      "{{$.inputs.artifacts['data'].uri}}",
      "{{$.outputs.artifacts['model'].path}}",
      '{{$.pipeline_job_name}}/{{$.pipeline_job_uuid}}/{{$.pipeline_task_name}}/{{$.pipeline_task_uuid}}/{{$.pipeline_root}}',
    ],
    values,
  )
  assert.equal(out, ['Hello KFP!', '--out=/runs/r1/tasks/t/outputs/parameters/out', '/runs/r0/a/data', '/runs/r1/t/model', 'my-run/r1/train/r1-train//p/root'])
})

P('expands Concat and IfPresent (Then/Else, nested)', () => {
  const out = resolveArgs(
    [
      '{"Concat": ["--n=", "{{$.inputs.parameters[\'n\']}}"]}',
      '{"IfPresent": {"InputName": "text", "Then": ["--text", "{{$.inputs.parameters[\'text\']}}"]}}',
      '{"IfPresent": {"InputName": "missing", "Then": ["--missing", "x"], "Else": [{"Concat": ["no-", "missing"]}]}}',
      '{"IfPresent": {"InputName": "missing", "Then": ["--never"]}}',
    ],
    values,
  )
  assert.equal(out, ['--n=3', '--text', 'Hello KFP!', 'no-missing'])
})

P('fails clearly on an input without a value outside IfPresent', () => {
  assert.throws(() => resolveArgs(["{{$.inputs.parameters['nope']}}"], values), (e: Error) => e instanceof PlaceholderError && /'nope' has no value/.test(e.message))
})

P('finds every placeholder, including the executor input {{$}}', () => {
  assert.equal(findPlaceholders("a {{$}} b {{$.inputs.parameters['x']}}"), ['{{$}}', "{{$.inputs.parameters['x']}}"])
})

P.run()
