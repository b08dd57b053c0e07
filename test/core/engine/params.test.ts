import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {formatParamValue, parseOutputText, parseParamText, resolveRunParams} from '../../../src/core/engine/params.js'
import {loadIr} from './helpers.js'

const Parse = suite('core/engine parseParamText')

const cases: Array<[string, Parameters<typeof parseParamText>[1], unknown]> = [
  ['2001', 'NUMBER_INTEGER', 2001],
  ['-3', 'NUMBER_INTEGER', -3],
  ['1.5', 'NUMBER_DOUBLE', 1.5],
  ['1e3', 'NUMBER_DOUBLE', 1000],
  ['TRUE', 'BOOLEAN', true],
  ['false', 'BOOLEAN', false],
  ['[1, "a"]', 'LIST', [1, 'a']],
  ['{"k": 1}', 'STRUCT', {k: 1}],
  [' keep spaces ', 'STRING', ' keep spaces '],
]
for (const [text, type, value] of cases) {
  Parse(`${type} ${JSON.stringify(text)}`, () => {
    assert.equal(parseParamText(text, type), {ok: true, value})
  })
}

const bad: Array<[string, Parameters<typeof parseParamText>[1], string]> = [
  ['20x1', 'NUMBER_INTEGER', "'20x1' is not an integer"],
  ['1.5', 'NUMBER_INTEGER', "'1.5' is not an integer"],
  ['99999999999999999999', 'NUMBER_INTEGER', 'too large'],
  ['abc', 'NUMBER_DOUBLE', 'not a number'],
  ['yes', 'BOOLEAN', 'use true or false'],
  ['{"a":1}', 'LIST', 'not a JSON array'],
  ['[1]', 'STRUCT', 'not a JSON object'],
  ['{oops', 'STRUCT', 'not valid JSON'],
]
for (const [text, type, msg] of bad) {
  Parse(`rejects ${type} ${text}`, () => {
    const r = parseParamText(text, type)
    assert.is(r.ok, false)
    assert.match((r as {error: string}).error, msg)
  })
}

Parse('formats values like the KFP launcher', () => {
  assert.is(formatParamValue(200, 'NUMBER_INTEGER'), '200')
  assert.is(formatParamValue(1.5, 'NUMBER_DOUBLE'), '1.5')
  assert.is(formatParamValue(true, 'BOOLEAN'), 'true')
  assert.is(formatParamValue([1, 'a'], 'LIST'), '[1,"a"]')
  assert.is(formatParamValue({k: 1}, 'STRUCT'), '{"k":1}')
})

Parse('parses output files by type and drops one trailing newline of strings', () => {
  assert.equal(parseOutputText('hello\n', 'STRING'), {ok: true, value: 'hello'})
  assert.equal(parseOutputText('a\n\n', 'STRING'), {ok: true, value: 'a\n'})
  assert.equal(parseOutputText('3\n', 'NUMBER_INTEGER'), {ok: true, value: 3})
})

const Resolve = suite('core/engine resolveRunParams')

Resolve('applies defaults (integers written as floats), the params file, then --param', () => {
  // Given the resource-spec golden (n_epochs: int, default 200.0)
  const defs = loadIr('pipeline_with_resource_spec').root.inputDefinitions!.parameters!
  // When
  const r = resolveRunParams(defs, ['optimizer=adam'], {n_epochs: 5, optimizer: 'sgd'})
  // Then
  assert.equal(r.values, {input_location: 'gs://test-bucket/pipeline_root', n_epochs: 5, optimizer: 'adam'})
  assert.equal(r.explicit, {n_epochs: '5', optimizer: 'adam'})
})

Resolve('rejects unknown names and bad values with the list of valid parameters (exit 2)', () => {
  const defs = loadIr('pipeline_with_resource_spec').root.inputDefinitions!.parameters!
  try {
    resolveRunParams(defs, ['n_epochs=lots', 'epochs=3', 'novalue'])
    assert.unreachable()
  } catch (e) {
    const err = e as {kfpCode: string; exitCode: number; message: string}
    assert.is(err.kfpCode, 'PARAM_INVALID')
    assert.is(err.exitCode, 2)
    assert.match(err.message, "Parameter 'n_epochs' (integer): 'lots' is not an integer.")
    assert.match(err.message, "Unknown parameter 'epochs'.")
    assert.match(err.message, '--param novalue: expected key=value.')
    assert.match(err.message, 'Valid parameters:\n  input_location: string (default: gs://test-bucket/pipeline_root)\n  n_epochs: integer (default: 200)\n  optimizer: string (default: sgd)')
  }
})

Resolve('requires parameters without a default', () => {
  assert.throws(
    () => resolveRunParams({x: {parameterType: 'NUMBER_DOUBLE'}}, []),
    (e: Error) => e.message.includes("Parameter 'x' (float) is required.") && e.message.includes('x: float (required)'),
  )
})

Parse.run()
Resolve.run()
