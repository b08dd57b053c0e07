/**
 * Multi-user servers, older servers and upload limits, against the fake server's models of them (test/helpers/kfp-server.ts:
 * experiment_server.go / run_server.go empty-namespace 400s, pipeline_server.go `createPipeline` vs
 * pipeline_upload_server.go `canUploadVersionedPipeline`, resource_manager.go `DeletePipeline` without cascade,
 * common/const.go MaxFileLength).
 */
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {deletePipeline, ensureExperiment, listExperiments} from '../../../src/services/remote/resources.js'
import {connectRemote} from '../../../src/services/remote/connect.js'
import {uploadPipeline} from '../../../src/services/remote/upload.js'
import {expectCliError} from '../../helpers/errors.js'
import {startFakeKfp, type FakeKfpOptions, type FakeKfpServer} from '../../helpers/kfp-server.js'
import {helloSpec, remoteCtx} from '../../helpers/remote-ctx.js'
import {tmpdir} from '../../helpers/tmp.js'

let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
async function setup(o: FakeKfpOptions) {
  server = await startFakeKfp(o)
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
}
async function teardown() {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
}
// alice is a contributor of her profile only; the token maps to her (a TokenReview).
const multiUser: FakeKfpOptions = {multiUser: true, access: {'alice@example.com': ['alice']}, tokenUsers: {'tok-alice': 'alice@example.com'}}
const aliceEnv = (extra: Record<string, string> = {}) => ({KFP_ENDPOINT: server.url, KFP_TOKEN: 'tok-alice', ...extra})

const mu = suite('multi-user server (healthz multi_user: true)')
mu.after.each(teardown)

mu('without a namespace: experiments and runs are refused before any request, naming what to set', async () => {
  await setup(multiUser)
  const ctx = remoteCtx(dir, aliceEnv())
  const e = await expectCliError(listExperiments({}, ctx))
  assert.is(e.kfpCode, 'NAMESPACE_REQUIRED')
  assert.is(e.exitCode, 3)
  assert.match(e.message, /multi-user \(healthz multi_user: true\): experiments need a profile namespace, and target 'env' has none/)
  assert.match(e.hints.join('\n'), /--namespace PROFILE/)
  assert.match(e.hints.join('\n'), /KFP_NAMESPACE=PROFILE/)
  assert.equal(server.requests.map((r) => r.path), ['/apis/v2beta1/healthz'])
})

mu('the server itself refuses an empty namespace with 400 (as experiment_server.go does), and kfp says to set one', async () => {
  await setup(multiUser)
  // A client that skips the check (e.g. a single-user assumption) gets the server's 400 with the hint.
  const s = await connectRemote({}, remoteCtx(dir, aliceEnv()))
  const e = await expectCliError(s.api.listExperiments({}))
  assert.is(e.data?.status, 400)
  assert.match(e.message, /An experiment cannot have an empty namespace in multi-user mode/)
  assert.match(e.hints.join('\n'), /--namespace PROFILE/)
})

mu('with KFP_NAMESPACE the experiment is created in that profile', async () => {
  await setup(multiUser)
  const s = await connectRemote({}, remoteCtx(dir, aliceEnv({KFP_NAMESPACE: 'alice'})))
  const r = await ensureExperiment(s, 'blog')
  assert.is(r.experiment.namespace, 'alice')
})

mu('a namespaced upload: metadata create + upload_version in that namespace', async () => {
  await setup(multiUser)
  const r = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, aliceEnv({KFP_NAMESPACE: 'alice'})))
  assert.is(r.created, 'pipeline')
  assert.is([...server.pipelines.values()][0].namespace, 'alice')
  assert.ok(server.requests.some((q) => q.method === 'POST' && q.path === '/apis/v2beta1/pipelines'))
})

mu('a shared upload (no namespace) goes through the multipart upload, which the server does not check against its own namespace', async () => {
  await setup(multiUser)
  const r = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, aliceEnv()))
  assert.is(r.created, 'pipeline')
  assert.is(r.versionName, 'hello')
  assert.ok(r.versionId)
  assert.is([...server.pipelines.values()][0].namespace, '')
  // Never the metadata-only create, which needs rights in the server's namespace (kubeflow) that alice lacks.
  assert.not.ok(server.requests.some((q) => q.method === 'POST' && q.path === '/apis/v2beta1/pipelines'))
  // The same content again: found by hash, nothing new.
  const again = await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, aliceEnv()))
  assert.is(again.created, 'none')
})

mu("an upload into a profile one may not write is the server's 400, read as a possible authorization problem", async () => {
  await setup(multiUser)
  const e = await expectCliError(uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, aliceEnv({KFP_NAMESPACE: 'bob'}))))
  // The metadata-only create is a 403 (canAccessPipeline); kfp's message names the namespace hint.
  assert.ok([400, 403].includes(Number(e.data?.status)), String(e.data?.status))
  // No pipeline is left behind.
  assert.is(server.pipelines.size, 0)
})

mu('upload_version refused with 400 into a pipeline of another profile carries the authorization hint', async () => {
  await setup({...multiUser, access: {'alice@example.com': ['alice'], 'bob@example.com': ['bob']}, tokenUsers: {'tok-alice': 'alice@example.com', 'tok-bob': 'bob@example.com'}})
  await uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, {KFP_ENDPOINT: server.url, KFP_TOKEN: 'tok-bob', KFP_NAMESPACE: 'bob'}))
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec('hello', 'changed'))
  // Alice finds bob's pipeline only if she looks in bob's namespace.
  const e = await expectCliError(uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, aliceEnv({KFP_NAMESPACE: 'bob'}))))
  assert.is(e.data?.status, 400)
  assert.match(e.message, /Failed to create a pipeline version/)
  assert.match(e.hints.join('\n'), /answer an authorization refusal with this same 400.*namespace 'bob'/)
  assert.is(server.versions.size, 1)
})
mu.run()

const old = suite('older server (2.5-like: no cascade, no name)')
old.after.each(teardown)

old('pipelines delete removes the versions first, then the pipeline', async () => {
  await setup({older: true, tagName: '2.5.0'})
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  await uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v1'}, ctx)
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec('hello', 'two'))
  await uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v2'}, ctx)
  const r = await deletePipeline({ref: 'hello', yes: true}, ctx)
  assert.is(r.deletedVersions, 2)
  assert.is(server.pipelines.size, 0)
  assert.is(server.versions.size, 0)
  const deletes = server.requests.filter((q) => q.method === 'DELETE').map((q) => q.path.replace(/[^/]+-[0-9a-f]{4}-[0-9a-f]+/g, 'ID'))
  assert.equal(deletes, ['/apis/v2beta1/pipelines/ID/versions/ID', '/apis/v2beta1/pipelines/ID/versions/ID', '/apis/v2beta1/pipelines/ID'])
})

old('a version name that exists with other content is found without the name field', async () => {
  await setup({older: true})
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  await uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v1'}, ctx)
  // The older server does not say `name`.
  const s = await connectRemote({}, ctx)
  const pid = (await s.api.listPipelines()).items[0].pipeline_id!
  assert.equal((await s.api.listPipelineVersions(pid)).items.map((v) => [v.name, v.display_name]), [[undefined, 'v1']])
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec('hello', 'changed'))
  const e = await expectCliError(uploadPipeline({cwd: dir, file: 'pipeline.yaml', version: 'v1'}, ctx))
  assert.is(e.kfpCode, 'USAGE')
  assert.match(e.message, /already has a version named v1 with different content/)
  // Refused by kfp, not by the server.
  assert.is(server.requests.filter((q) => q.path.endsWith('/upload_version')).length, 1)
})
old.run()

const up = suite('upload limits and failures')
up.after.each(teardown)

up('over 32 MiB is refused before sending, with the size', async () => {
  await setup({})
  const big = helloSpec().replace('pipelineInfo:', `# ${'x'.repeat(33 * 2 ** 20)}\npipelineInfo:`)
  await writeFile(path.join(dir, 'pipeline.yaml'), big)
  const e = await expectCliError(uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, {KFP_ENDPOINT: server.url})))
  assert.is(e.kfpCode, 'PIPELINE_TOO_LARGE')
  assert.is(e.exitCode, 2)
  assert.match(e.message, /pipeline\.yaml compiles to 33\.0 MiB; KFP servers read at most 32\.0 MiB/)
  assert.not.ok(server.requests.some((q) => q.path.includes('upload')))
})

up('the fake server, like the real one, answers a larger file only with "Failed to read a pipeline spec file"', async () => {
  await setup({maxUploadBytes: 100})
  const s = await connectRemote({}, remoteCtx(dir, {KFP_ENDPOINT: server.url}))
  const e = await expectCliError(s.api.uploadPipeline({content: helloSpec(), filename: 'hello.yaml'}, {name: 'hello'}))
  assert.is(e.data?.status, 400)
  assert.match(e.message, /Failed to read a pipeline spec file/)
})

up('a failed upload_version after creating the pipeline leaves no empty pipeline behind, and says so', async () => {
  await setup({})
  server.inject({match: /upload_version/, kind: '503'})
  const e = await expectCliError(uploadPipeline({cwd: dir, file: 'pipeline.yaml'}, remoteCtx(dir, {KFP_ENDPOINT: server.url})))
  assert.is(e.data?.status, 503)
  assert.is(server.pipelines.size, 0)
  assert.match(e.hints.join('\n'), /The empty pipeline hello created for this upload was removed again/)
})
up.run()
