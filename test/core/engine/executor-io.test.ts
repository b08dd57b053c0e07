import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {buildExecutorInput, mergeExecutorOutputs, parseExecutorOutput} from '../../../src/core/engine/executor-io.js'
import type {IrComponentSpec} from '../../../src/core/ir/types.js'

const component: IrComponentSpec = {
  inputDefinitions: {parameters: {a: {parameterType: 'STRING'}, k: {parameterType: 'NUMBER_INTEGER', defaultValue: 5, isOptional: true}}},
  outputDefinitions: {
    parameters: {Output: {parameterType: 'NUMBER_INTEGER'}, note: {parameterType: 'STRING'}},
    artifacts: {model: {artifactType: {schemaTitle: 'system.Model', schemaVersion: '0.0.1'}}, metrics: {artifactType: {schemaTitle: 'system.Metrics', schemaVersion: '0.0.1'}}},
  },
}
const ei = buildExecutorInput({
  component,
  parameters: {a: 'x'},
  artifacts: {},
  outputParameterFile: (n) => `/t/p/${n}`,
  outputArtifactUri: (n) => `/root/t/${n}`,
  outputFile: '/t/executor_output.json',
})

const B = suite('core/engine buildExecutorInput')
B('adds the component defaults for inputs without a value (launcher_v2.go addDefaultParams)', () => {
  assert.equal(ei.inputs.parameterValues, {a: 'x', k: 5})
})
B('provisions every output (driver.go provisionOutputs)', () => {
  assert.equal(ei.outputs.parameters, {Output: {outputFile: '/t/p/Output'}, note: {outputFile: '/t/p/note'}})
  assert.equal(ei.outputs.artifacts.metrics.artifacts, [{name: 'metrics', type: {schemaTitle: 'system.Metrics', schemaVersion: '0.0.1'}, uri: '/root/t/metrics', metadata: {}}])
})
B.run()

const P = suite('core/engine parseExecutorOutput')
const parseCases: Array<[string, string | undefined, boolean | string]> = [
  ['a missing file is an empty output', undefined, true],
  ['an empty object', '{}', true],
  ['parameterValues and artifacts', '{"parameterValues": {"Output": 3}, "artifacts": {"model": {"artifacts": [{"metadata": {"acc": 0.9}}]}}}', true],
  ['not JSON', '{oops', 'not JSON'],
  ['an array', '[]', 'does not hold a JSON object'],
  ['an unknown field (protojson.Unmarshal refuses it)', '{"parameter_values": {}}', 'unknown fields: parameter_values'],
  ['artifacts without a list', '{"artifacts": {"model": {"uri": "x"}}}', `artifacts['model'] must be`],
]
for (const [name, text, want] of parseCases) {
  P(name, () => {
    const r = parseExecutorOutput(text)
    if (want === true) assert.ok(r.ok)
    else assert.match((r as {error: string}).error, want as string)
  })
}
P.run()

const M = suite('core/engine mergeExecutorOutputs (launcher_v2.go collectOutputParameters, mergeRuntimeArtifacts)')
type Case = [string, string | undefined, Record<string, string | undefined>, (m: ReturnType<typeof mergeExecutorOutputs>) => void]
const cases: Case[] = [
  [
    'parameter files by type, no executor output',
    undefined,
    {Output: ' 42\n', note: 'hello\n'},
    (m) => {
      assert.equal(m.problems, [])
      assert.equal(m.parameters, {Output: 42, note: 'hello'})
    },
  ],
  [
    'the executor output wins over the files ("output metadata file has the highest priority")',
    '{"parameterValues": {"Output": 7}}',
    {Output: '42', note: 'n'},
    (m) => assert.equal(m.parameters, {Output: 7, note: 'n'}),
  ],
  [
    'a parameter in the executor output needs no file',
    '{"parameterValues": {"Output": 7, "note": "from-eo"}}',
    {},
    (m) => {
      assert.equal(m.problems, [])
      assert.equal(m.parameters, {Output: 7, note: 'from-eo'})
    },
  ],
  [
    'a missing output parameter fails the task',
    undefined,
    {Output: '1'},
    (m) => assert.equal(m.problems, ["did not write output parameter 'note' (expected the file /t/p/note)"]),
  ],
  ['a malformed typed value fails the task', undefined, {Output: 'x', note: ''}, (m) => assert.match(m.problems.join(), "output parameter 'Output': 'x' is not an integer")],
  [
    'artifacts keep the provisioned URI, name and type; metadata merges key by key; uri and customPath override when non-empty',
    '{"parameterValues": {"Output": 1, "note": ""}, "artifacts": {"model": {"artifacts": [{"uri": "", "metadata": {"framework": "sk"}}]}, "metrics": {"artifacts": [{"uri": "gs://b/m", "customPath": "/local/m", "metadata": {"acc": 0.5}}]}}}',
    {},
    (m) => {
      assert.equal(m.artifacts.model, {uri: '/root/t/model', name: 'model', type: {schemaTitle: 'system.Model', schemaVersion: '0.0.1'}, metadata: {framework: 'sk'}})
      assert.equal(m.artifacts.metrics, {uri: 'gs://b/m', name: 'metrics', type: {schemaTitle: 'system.Metrics', schemaVersion: '0.0.1'}, metadata: {acc: 0.5}, customPath: '/local/m'})
    },
  ],
]
for (const [name, eoText, texts, check] of cases) {
  M(name, () => {
    const eo = parseExecutorOutput(eoText)
    if (!eo.ok) throw new Error(eo.error)
    check(mergeExecutorOutputs(ei, eo.value, component, texts))
  })
}
M.run()
