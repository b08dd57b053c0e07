import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {buildExecutorInput} from '../../../src/core/engine/executor-io.js'
import {findPlaceholders, isSupportedPlaceholder, jobValues, PlaceholderError, resolveArgs, runResourceName, type PlaceholderValues} from '../../../src/core/engine/placeholders.js'

const P = suite('core/engine placeholders')

const executorInput = buildExecutorInput({
  component: {
    inputDefinitions: {parameters: {text: {parameterType: 'STRING'}, n: {parameterType: 'NUMBER_INTEGER'}}, artifacts: {data: {artifactType: {schemaTitle: 'system.Dataset'}}}},
    outputDefinitions: {parameters: {out: {parameterType: 'STRING'}}, artifacts: {model: {artifactType: {schemaTitle: 'system.Model', schemaVersion: '0.0.1'}}}},
  },
  parameters: {text: 'Hello KFP!', n: 3},
  artifacts: {
    data: [{uri: '/runs/r0/a/data', name: 'data', metadata: {rows: 3, kind: 'csv'}}],
    gcs: [{uri: 'gs://b/x.csv', customPath: '/runs/r1/imports/x.csv'}],
    many: [{uri: '/a/0'}, {uri: '/a/1'}],
  },
  outputParameterFile: (n) => `/runs/r1/tasks/t/outputs/parameters/${n}`,
  outputArtifactUri: (n) => `/runs/r1/t/${n}`,
  outputFile: '/runs/r1/tasks/t/outputs/executor_output.json',
})

const values: PlaceholderValues = {
  inputParameters: {text: 'Hello KFP!', n: '3'},
  executorInput,
  pipelineJobName: 'my-run',
  pipelineJobResourceName: 'my-pipeline-r1',
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
      '{{$.pipeline_job_resource_name}}',
    ],
    values,
  )
  assert.equal(out, ['Hello KFP!', '--out=/runs/r1/tasks/t/outputs/parameters/out', '/runs/r0/a/data', '/runs/r1/t/model', 'my-run/r1/train/r1-train//p/root', 'my-pipeline-r1'])
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

// Artifact and executor-contract placeholders: [placeholder, value] (launcher_v2.go getPlaceholders; kfp.local
// placeholder_utils.py for .metadata, {{$.outputs.output_file}}).
const table: Array<[string, string]> = [
  ["{{$.inputs.artifacts['data'].path}}", '/runs/r0/a/data'],
  ["{{$.inputs.artifacts['data'].uri}}", '/runs/r0/a/data'],
  ["{{$.inputs.artifacts['data'].metadata}}", '{"rows":3,"kind":"csv"}'],
  ["{{$.inputs.artifacts['data'].metadata['kind']}}", 'csv'],
  ["{{$.inputs.artifacts['data'].metadata['rows']}}", '3'],
  ["{{$.inputs.artifacts['gcs'].uri}}", 'gs://b/x.csv'],
  ["{{$.inputs.artifacts['gcs'].path}}", '/runs/r1/imports/x.csv'],
  ["{{$.inputs.artifacts['many'].uri}}", '/a/0'],
  ["{{$.outputs.artifacts['model'].uri}}", '/runs/r1/t/model'],
  ["{{$.outputs.artifacts['model'].path}}", '/runs/r1/t/model'],
  ["{{$.outputs.artifacts['model'].metadata}}", '{}'],
  ['{{$.outputs.output_file}}', '/runs/r1/tasks/t/outputs/executor_output.json'],
  ["--model={{$.outputs.artifacts['model'].path}}/x", '--model=/runs/r1/t/model/x'],
]
for (const [p, want] of table) {
  P(`resolves ${p}`, () => {
    assert.ok(isSupportedPlaceholder(p.replace(/^--model=|\/x$/g, '')), p)
    assert.equal(resolveArgs([p], values), [want])
  })
}

P('the list form of an input artifact is the JSON list of its RuntimeArtifacts', () => {
  const [out] = resolveArgs(["{{$.inputs.artifacts['many']}}"], values)
  assert.equal(
    JSON.parse(out).map((a: {uri: string; name: string}) => [a.name, a.uri]),
    [
      ['many', '/a/0'],
      ['many', '/a/1'],
    ],
  )
})

P('{{$}} is the ExecutorInput JSON (protojson field names), outputs.outputFile included', () => {
  const [out] = resolveArgs(['{{$}}'], values)
  const ei = JSON.parse(out)
  assert.equal(ei.inputs.parameterValues, {text: 'Hello KFP!', n: 3})
  assert.equal(ei.inputs.artifacts.data.artifacts[0], {name: 'data', type: {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'}, uri: '/runs/r0/a/data', metadata: {rows: 3, kind: 'csv'}})
  assert.equal(ei.outputs.parameters.out, {outputFile: '/runs/r1/tasks/t/outputs/parameters/out'})
  assert.equal(ei.outputs.artifacts.model.artifacts, [{name: 'model', type: {schemaTitle: 'system.Model', schemaVersion: '0.0.1'}, uri: '/runs/r1/t/model', metadata: {}}])
  assert.is(ei.outputs.outputFile, '/runs/r1/tasks/t/outputs/executor_output.json')
})

P('IfPresent sees input artifacts too (kfp.local resolve_struct_placeholders)', () => {
  assert.equal(resolveArgs(['{"IfPresent": {"InputName": "data", "Then": ["--data"], "Else": ["--none"]}}'], values), ['--data'])
  assert.equal(resolveArgs(['{"IfPresent": {"InputName": "nodata", "Then": ["--data"], "Else": ["--none"]}}'], values), ['--none'])
})

P('unknown placeholders stay unsupported', () => {
  for (const p of ['{{$.pipeline_google_cloud_project_id}}', '{{$.workspace_path}}', "{{$.inputs.artifacts['a'].size}}"]) assert.is(isSupportedPlaceholder(p), false, p)
})

P('the resource name is unique per run while the display name may repeat (driver.go RunName vs RunDisplayName)', () => {
  const run = (id: string) => ({id, name: 'sweep-20261201-124500', pipelineName: 'sweep', pipelineRoot: '/p', createdAt: '2026-12-01T12:45:00.000Z'})
  const a = jobValues(run('20261201-124500-aaaaaa'), {key: 'summary', displayName: 'summary'})
  const b = jobValues(run('20261201-124500-bbbbbb'), {key: 'summary', displayName: 'summary'})
  assert.is(a.pipelineJobName, b.pipelineJobName)
  assert.is(a.pipelineJobResourceName, 'sweep-20261201-124500-aaaaaa')
  assert.is.not(a.pipelineJobResourceName, b.pipelineJobResourceName)
  assert.is(runResourceName({id: 'x', pipelineName: 'p'}), 'p-x')
})

P.run()
