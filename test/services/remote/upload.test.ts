import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {uploadPipeline} from '../../../src/services/remote/upload.js'
import {startFakeKfp, type FakeKfpServer} from '../../helpers/kfp-server.js'
import {fakeExec, helloSpec, remoteCtx} from '../../helpers/remote-ctx.js'
import {tmpdir} from '../../helpers/tmp.js'

const up = suite('kfp upload (service) against the fake server')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
up.before.each(async () => {
  server = await startFakeKfp()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
})
up.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})

up('a new pipeline is created with a version named after the content hash', async () => {
  // When
  const r = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, {KFP_ENDPOINT: server.url}))
  // Then
  assert.is(r.created, 'pipeline')
  assert.is(r.pipelineName, 'hello')
  assert.match(r.versionName, /^[0-9a-f]{12}$/)
  assert.is(r.versionName, r.specHash.slice(0, 12))
  assert.is(server.pipelines.size, 1)
  assert.is(server.versions.size, 1)
  const upload = server.requests.find((q) => q.path.endsWith('/upload_version'))!
  assert.is(upload.filename, 'hello.yaml')
  assert.is(upload.query.name, r.versionName)
})

up('uploading the same spec twice does not create a second version', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  const first = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, ctx)
  // Reformatted but identical content: same hash
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec().replace('# Name: hello\n', ''))
  // When
  const second = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, ctx)
  // Then
  assert.is(second.created, 'none')
  assert.is(second.versionId, first.versionId)
  assert.is(server.versions.size, 1)
})

up('a changed spec adds a version to the existing pipeline', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  const first = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, ctx)
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec('hello', 'hello there'))
  const second = await uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v2'}, ctx)
  assert.is(second.created, 'version')
  assert.is(second.pipelineId, first.pipelineId)
  assert.is(second.versionName, 'v2')
  assert.is(server.versions.size, 2)
})

up('--version naming an existing version with other content is refused', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  await uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v1'}, ctx)
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec('hello', 'changed'))
  const e = await uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v1'}, ctx).catch((x) => x)
  assert.is(e.kfpCode, 'USAGE')
  assert.match(e.message, /already has a version named v1/)
})

up('in a git repository the version name carries the short commit', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url}, {
    exec: fakeExec({'git rev-parse --short HEAD': {stdout: 'a1b2c3d\n'}, 'git status --porcelain -- .': {stdout: ' M pipeline.yaml\n'}}),
  })
  const r = await uploadPipeline({cwd: dir, file: 'pipeline.yaml', name: 'babyweight'}, ctx)
  assert.match(r.versionName, /^[0-9a-f]{12}-git-a1b2c3d-dirty$/)
  assert.is(r.pipelineName, 'babyweight')
})

up('an Argo workflow (KFP v1) is refused before contacting the server', async () => {
  await writeFile(path.join(dir, 'old.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: x-}\nspec: {}\n')
  const e = await uploadPipeline({cwd: dir, file: 'old.yaml'}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'IR_UNSUPPORTED')
  assert.is(server.requests.length, 0)
})

up('a YAML syntax error names file, line and column', async () => {
  await writeFile(path.join(dir, 'bad.yaml'), 'pipelineInfo:\n  name: [x\n')
  const e = await uploadPipeline({cwd: dir, file: 'bad.yaml'}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'YAML_SYNTAX')
  assert.match(e.message, /^bad\.yaml:\d+:\d+/)
})

up.run()
