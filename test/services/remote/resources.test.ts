import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {archiveExperiment, createExperiment, deletePipeline, getPipeline, listExperiments, listPipelines} from '../../../src/services/remote/resources.js'
import {uploadPipeline} from '../../../src/services/remote/upload.js'
import {startFakeKfp, type FakeKfpServer} from '../../helpers/kfp-server.js'
import {fakePrompter, helloSpec, remoteCtx} from '../../helpers/remote-ctx.js'
import {tmpdir} from '../../helpers/tmp.js'

const s = suite('kfp pipelines / experiments (services)')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
s.before.each(async () => {
  server = await startFakeKfp()
  ;({dir, cleanup} = await tmpdir())
})
s.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})

s('pipelines list pages through everything; get shows versions; delete needs --yes without a TTY', async () => {
  // Given 3 pipelines, one with 2 versions
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  for (const n of ['alpha', 'beta', 'gamma']) {
    await writeFile(path.join(dir, `${n}.yaml`), helloSpec(n))
    await uploadPipeline({cwd: dir, file: `${n}.yaml`}, ctx)
  }
  await writeFile(path.join(dir, 'alpha.yaml'), helloSpec('alpha', 'changed'))
  await uploadPipeline({cwd: dir, file: 'alpha.yaml'}, ctx)
  // When / Then
  const list = await listPipelines({}, ctx)
  assert.equal(list.pipelines.map((p) => p.name).sort(), ['alpha', 'beta', 'gamma'])
  const got = await getPipeline({ref: 'alpha'}, ctx)
  assert.is(got.versions.length, 2)
  const refused = await deletePipeline({ref: 'alpha'}, ctx).catch((x) => x)
  assert.is(refused.kfpCode, 'MISSING_INPUT')
  assert.match(refused.message, /--yes/)
  const del = await deletePipeline({ref: 'alpha', yes: true}, ctx)
  assert.is(del.deletedVersions, 2)
  assert.equal((await listPipelines({}, ctx)).pipelines.map((p) => p.name).sort(), ['beta', 'gamma'])
  const declined = await deletePipeline({ref: 'beta'}, {...ctx, prompter: fakePrompter(false)}).catch((x) => x)
  assert.is(declined.kfpCode, 'INTERRUPTED')
})

s('get of an unknown pipeline says so', async () => {
  const e = await getPipeline({ref: 'nope'}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_NOT_FOUND')
  assert.match(e.message, /No pipeline named or with id 'nope'/)
})

s('experiments create is idempotent by name; archive hides it from list', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  const a = await createExperiment({name: 'blog', description: 'runs for the blog'}, ctx)
  const b = await createExperiment({name: 'blog'}, ctx)
  assert.ok(a.created)
  assert.not.ok(b.created)
  assert.is(a.experiment.id, b.experiment.id)
  await archiveExperiment({ref: 'blog'}, ctx)
  assert.equal((await listExperiments({}, ctx)).experiments.map((e) => e.name), ['Default'])
  assert.equal((await listExperiments({archived: true}, ctx)).experiments.find((e) => e.name === 'blog')?.archived, true)
})

s('the namespace of the target is sent on lists and creates', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url, KFP_NAMESPACE: 'alice'})
  await createExperiment({name: 'mine'}, ctx)
  const create = server.requests.find((r) => r.method === 'POST' && r.path === '/apis/v2beta1/experiments')!
  assert.equal(create.body, {display_name: 'mine', namespace: 'alice'})
  const list = server.requests.find((r) => r.method === 'GET' && r.path === '/apis/v2beta1/experiments')!
  assert.is(list.query.namespace, 'alice')
})

s.run()
