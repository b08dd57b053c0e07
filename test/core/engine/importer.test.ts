import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {importedArtifact, importerUri, importSource, resolveMetadata} from '../../../src/core/engine/importer.js'
import {resolveRunArtifacts} from '../../../src/core/engine/params.js'
import {isCliError} from '../../../src/lib/errors.js'

const I = suite('core/engine importer')
const sources: Array<[string, ReturnType<typeof importSource>]> = [
  ['/data/x.csv', {kind: 'local', path: '/data/x.csv'}],
  ['file:///data/a%20b.csv', {kind: 'local', path: '/data/a b.csv'}],
  ['gs://b/o', {kind: 'gcs', uri: 'gs://b/o'}],
  ['s3://b/o', {kind: 'unsupported', scheme: 's3'}],
  ['oci://reg/img', {kind: 'unsupported', scheme: 'oci'}],
  ['rel/x.csv', {kind: 'local', path: 'rel/x.csv'}],
]
for (const [uri, want] of sources) I(`source of ${uri}`, () => assert.equal(importSource(uri), want))

const uris: Array<[string, Parameters<typeof importerUri>[0], Record<string, unknown>, unknown]> = [
  ['constant', {artifactUri: {constant: 'gs://b/x'}}, {}, {uri: 'gs://b/x'}],
  ['older constantValue', {artifactUri: {constantValue: {stringValue: 'gs://b/y'}}}, {}, {uri: 'gs://b/y'}],
  ['runtime parameter', {artifactUri: {runtimeParameter: 'uri'}}, {uri: '/d'}, {uri: '/d'}],
  ['runtime parameter without a value', {artifactUri: {runtimeParameter: 'uri'}}, {}, {error: "the importer's URI input 'uri' has no value"}],
  ['empty constant (importer_launcher.go: must be non-empty)', {artifactUri: {constant: ''}}, {}, {error: `the importer's URI is empty or not a string ("")`}],
  ['no artifactUri', {}, {}, {error: 'the importer has no artifactUri'}],
]
for (const [name, spec, params, want] of uris) I(`URI: ${name}`, () => assert.equal(importerUri(spec, params as never), want))

I('metadata: placeholders resolved in keys and values, other values kept', () => {
  const r = resolveMetadata({'{{k}}': ['{{v}}', 3, true, null], n: {m: '{{v}}'}}, (s) => s.replace('{{k}}', 'key').replace('{{v}}', 'val'))
  assert.equal(r, {key: ['val', 3, true, null], n: {m: 'val'}})
})

I('the output artifact: type from typeSchema, a local copy as customPath', () => {
  assert.equal(importedArtifact({typeSchema: {schemaTitle: 'system.Model'}}, 'gs://b/m', {a: 1}, '/copy/m'), {
    uri: 'gs://b/m',
    name: 'artifact',
    type: {schemaTitle: 'system.Model'},
    metadata: {a: 1},
    customPath: '/copy/m',
  })
  assert.is(importedArtifact({}, '/d', {}, '/d').customPath, undefined)
})
I.run()

const A = suite('core/engine resolveRunArtifacts (--artifact)')
const defs = {data: {artifactType: {schemaTitle: 'system.Dataset'}}, extra: {artifactType: {schemaTitle: 'system.Model'}, isOptional: true}}
A('given and optional left out', () => assert.equal(resolveRunArtifacts(defs, ['data=/x.csv']), {data: '/x.csv'}))
A('a value may contain =', () => assert.equal(resolveRunArtifacts(defs, ['data=gs://b/a=b']), {data: 'gs://b/a=b'}))
const bad: Array<[string[], string]> = [
  [[], "Input artifact 'data' (system.Dataset) is required."],
  [['nope=/x', 'data=/y'], "Unknown input artifact 'nope'."],
  [['data'], '--artifact data: expected NAME=PATH'],
  [['data='], '--artifact data=: expected NAME=PATH'],
]
for (const [flags, msg] of bad) {
  A(`refuses ${JSON.stringify(flags)} (exit 2, listing the input artifacts)`, () => {
    try {
      resolveRunArtifacts(defs, flags)
      assert.unreachable()
    } catch (e) {
      assert.ok(isCliError(e))
      assert.is(e.exitCode, 2)
      assert.match(e.message, msg)
      assert.match(e.message, 'extra: system.Model (optional)')
    }
  })
}
A.run()
