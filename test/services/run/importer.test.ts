// Importer tasks and pipeline input artifacts: local paths, gs:// through @google-cloud/storage against the project's
// GCS emulator (test/helpers/gcs-emulator.ts), reimport, metadata placeholders.
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createObjectStore} from '../../../src/clients/gcs.js'
import type {TaskInputs} from '../../../src/core/engine/inputs.js'
import {executeImporterTask, type ImporterTask} from '../../../src/services/run/importer-exec.js'
import {resolveInputArtifacts} from '../../../src/services/run/artifact-fetch.js'
import {expectCliError} from '../../helpers/errors.js'
import {startGcsEmulator, type GcsEmulator} from '../../helpers/gcs-emulator.js'
import {tmpdir} from '../../helpers/tmp.js'

const S = suite('services/run importers')
let emu: GcsEmulator
let tmp: {dir: string; cleanup: () => Promise<void>}
S.before.each(async () => {
  emu = await startGcsEmulator({buckets: ['ml-pipeline-playground']})
  tmp = await tmpdir()
})
S.after.each(async () => {
  await emu.close()
  await tmp.cleanup()
})

// The importer of test_data's pipeline_with_dynamic_importer_metadata.yaml (exec-importer), as the SDK compiles it.
const dynamic: ImporterTask = {
  key: 'importer',
  displayName: 'importer',
  component: {
    inputDefinitions: {parameters: {metadata: {parameterType: 'STRING'}, 'metadata-2': {parameterType: 'STRING'}, uri: {parameterType: 'STRING'}}},
    outputDefinitions: {artifacts: {artifact: {artifactType: {schemaTitle: 'system.Dataset', schemaVersion: '0.0.1'}}}},
  },
  importer: {
    artifactUri: {runtimeParameter: 'uri'},
    metadata: {containerSpec: {imageUri: "{{$.inputs.parameters['metadata-2']}}"}, name: ["{{$.inputs.parameters['metadata']}}", 'alias-name']},
    typeSchema: {schemaTitle: 'system.Dataset', schemaVersion: '0.0.1'},
  },
}

const inputsOf = (parameters: Record<string, string>): TaskInputs => ({parameters, formatted: parameters, artifacts: {}})

function ctxFor(dir: string) {
  const lines: string[] = []
  return {
    lines,
    ctx: {
      stateDir: path.join(dir, '.kfp'),
      run: {id: 'r1', name: 'run-1', pipelineName: 'p', pipelineRoot: path.join(dir, 'root'), createdAt: '2026-01-01T00:00:00.000Z'},
      runDir: path.join(dir, '.kfp', 'runs', 'r1'),
      onStart: () => {},
      onLine: (l: string) => lines.push(l),
      objectStore: () => createObjectStore({}, {apiEndpoint: emu.url}),
    },
  }
}

S('a gs:// URI from a parameter is downloaded with the storage client; metadata placeholders are filled in', async () => {
  // Given
  emu.put('ml-pipeline-playground', 'shakespeare1.txt', 'To be, or not to be')
  const {ctx, lines} = ctxFor(tmp.dir)
  // When
  const out = await executeImporterTask(dynamic, inputsOf({uri: 'gs://ml-pipeline-playground/shakespeare1.txt', metadata: 'my-name', 'metadata-2': 'img:1'}), ctx)
  // Then
  assert.is(out.status, 'succeeded', out.message)
  const a = out.outputs!.artifacts.artifact
  assert.is(a.uri, 'gs://ml-pipeline-playground/shakespeare1.txt')
  assert.equal(a.type, {schemaTitle: 'system.Dataset', schemaVersion: '0.0.1'})
  assert.equal(a.metadata, {containerSpec: {imageUri: 'img:1'}, name: ['my-name', 'alias-name']})
  assert.is(readFileSync(a.customPath!, 'utf8'), 'To be, or not to be')
  assert.ok(emu.requests.some((r) => r.method === 'GET' && r.path.endsWith('/o/shakespeare1.txt') && r.query.alt === 'media'))
  assert.match(lines.join('\n'), 'Imported gs://ml-pipeline-playground/shakespeare1.txt (downloaded to')
  assert.match(readFileSync(path.join(ctx.runDir, out.log), 'utf8'), 'Imported gs://')
})

S('reimport false reuses the earlier download of the same URI; reimport true downloads again', async () => {
  emu.put('ml-pipeline-playground', 'shakespeare1.txt', 'v1')
  const {ctx} = ctxFor(tmp.dir)
  const constant: ImporterTask = {...dynamic, importer: {artifactUri: {constant: 'gs://ml-pipeline-playground/shakespeare1.txt'}, typeSchema: {schemaTitle: 'system.Dataset'}}}
  const first = await executeImporterTask(constant, inputsOf({}), ctx)
  emu.put('ml-pipeline-playground', 'shakespeare1.txt', 'v2')
  const gets = () => emu.requests.filter((r) => r.query.alt === 'media').length
  const before = gets()
  const again = await executeImporterTask(constant, inputsOf({}), ctx)
  assert.is(gets(), before, 'no second download')
  assert.is(readFileSync(again.outputs!.artifacts.artifact.customPath!, 'utf8'), 'v1')
  assert.is(again.outputs!.artifacts.artifact.customPath, first.outputs!.artifacts.artifact.customPath)
  const re = await executeImporterTask({...constant, importer: {...constant.importer, reimport: true}}, inputsOf({}), ctx)
  assert.is(readFileSync(re.outputs!.artifacts.artifact.customPath!, 'utf8'), 'v2')
  assert.ok(re.outputs!.artifacts.artifact.customPath!.startsWith(path.join(tmp.dir, 'root', 'importer')))
})

S('a gs:// prefix is a folder artifact: every object under it is downloaded', async () => {
  emu.put('ml-pipeline-playground', 'model/saved_model.pb', 'pb')
  emu.put('ml-pipeline-playground', 'model/variables/v.index', 'idx')
  const {ctx} = ctxFor(tmp.dir)
  const out = await executeImporterTask({...dynamic, importer: {artifactUri: {constant: 'gs://ml-pipeline-playground/model'}}}, inputsOf({}), ctx)
  assert.is(out.status, 'succeeded', out.message)
  const dir = out.outputs!.artifacts.artifact.customPath!
  assert.is(readFileSync(path.join(dir, 'saved_model.pb'), 'utf8'), 'pb')
  assert.is(readFileSync(path.join(dir, 'variables', 'v.index'), 'utf8'), 'idx')
})

S('a local path is used in place; missing files, empty URIs and other schemes fail the task with the reason', async () => {
  const file = path.join(tmp.dir, 'data.csv')
  writeFileSync(file, 'a,b\n')
  const {ctx} = ctxFor(tmp.dir)
  const ok = await executeImporterTask(dynamic, inputsOf({uri: file, metadata: 'm', 'metadata-2': 'i'}), ctx)
  assert.is(ok.status, 'succeeded')
  assert.is(ok.outputs!.artifacts.artifact.uri, file)
  assert.is(ok.outputs!.artifacts.artifact.customPath, undefined)
  const cases: Array<[string, string]> = [
    [path.join(tmp.dir, 'nope.csv'), 'does not exist'],
    ['', 'empty'],
    ['s3://bucket/x', 'not s3://'],
    ['gs://ml-pipeline-playground/missing', 'does not exist'],
  ]
  for (const [uri, why] of cases) {
    const r = await executeImporterTask(dynamic, inputsOf({uri, metadata: 'm', 'metadata-2': 'i'}), ctx)
    assert.is(r.status, 'failed', uri)
    assert.match(r.message!, why)
  }
})

S("a log that cannot be written fails the task with the path and the cause, as a fault that stops the run", async () => {
  const {ctx} = ctxFor(tmp.dir)
  const file = path.join(tmp.dir, 'data.csv')
  writeFileSync(file, 'a,b\n')
  const logFile = path.join(ctx.runDir, 'tasks', 'importer', 'log.txt')
  mkdirSync(path.dirname(logFile), {recursive: true})
  // Every write to /dev/full fails with ENOSPC, as on a full disk.
  symlinkSync('/dev/full', logFile)
  const out = await executeImporterTask({...dynamic, importer: {artifactUri: {constant: file}, typeSchema: {schemaTitle: 'system.Dataset'}}}, inputsOf({}), ctx)
  assert.is(out.status, 'failed')
  assert.is(out.message, `Cannot write ${logFile}: the disk is full (ENOSPC).`)
  assert.equal(out.fault, {code: 'ENOSPC', path: logFile, message: out.message})
  assert.is(out.outputs, undefined)
})

S('pipeline input artifacts: relative paths from the working folder, gs:// downloaded; a missing one is a usage error', async () => {
  mkdirSync(path.join(tmp.dir, 'in'))
  writeFileSync(path.join(tmp.dir, 'in', 'd.csv'), 'x')
  emu.put('ml-pipeline-playground', 'b.csv', 'remote')
  const defs = {a: {artifactType: {schemaTitle: 'system.Dataset'}}, b: {artifactType: {schemaTitle: 'system.Dataset'}}}
  const o = {cwd: tmp.dir, stateDir: path.join(tmp.dir, '.kfp'), runDir: path.join(tmp.dir, 'run'), objectStore: () => createObjectStore({}, {apiEndpoint: emu.url})}
  const got = await resolveInputArtifacts(defs, {a: 'in/d.csv', b: 'gs://ml-pipeline-playground/b.csv'}, o)
  assert.equal(got.a, {uri: path.join(tmp.dir, 'in', 'd.csv'), name: 'a', type: {schemaTitle: 'system.Dataset'}, metadata: {}})
  assert.is(got.b.uri, 'gs://ml-pipeline-playground/b.csv')
  assert.is(readFileSync(got.b.customPath!, 'utf8'), 'remote')
  const err = await expectCliError(resolveInputArtifacts(defs, {a: 'in/none.csv'}, o))
  assert.is(err.exitCode, 2)
  assert.match(err.message, '--artifact a:')
})

S.run()
