import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi, listAll, normalizeEndpoint, equalsFilter} from '../../src/clients/kfp-api.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'

const SPEC = `# PIPELINE DEFINITION
# Name: hello
components:
  comp-hello:
    executorLabel: exec-hello
deploymentSpec:
  executors:
    exec-hello:
      container:
        image: busybox
        command: [echo, hi]
pipelineInfo:
  name: hello
root:
  dag:
    tasks:
      hello:
        componentRef: {name: comp-hello}
        taskInfo: {name: hello}
  inputDefinitions:
    parameters:
      who: {parameterType: STRING, defaultValue: world}
schemaVersion: 2.1.0
sdkVersion: kfp-2.17.0
`

const api = suite('kfp-api client against the swagger-validating fake server')
let server: FakeKfpServer
api.before.each(async () => {
  server = await startFakeKfp()
})
api.after.each(async () => {
  await server.close()
})

api('upload → version → run → get is a valid flow, every request conforms to the swagger', async () => {
  // Given
  const c = createKfpApi({endpoint: server.url, retryBaseMs: 1})
  // When
  const pl = await c.uploadPipeline({content: SPEC, filename: 'hello.yaml'}, {name: 'hello', description: 'd'})
  const v = await c.uploadPipelineVersion({content: SPEC, filename: 'hello.yaml'}, {pipelineid: pl.pipeline_id!, name: 'v2'})
  const exp = await c.createExperiment({display_name: 'blog'})
  const run = await c.createRun({
    display_name: 'try1',
    experiment_id: exp.experiment_id,
    pipeline_version_reference: {pipeline_id: pl.pipeline_id!, pipeline_version_id: v.pipeline_version_id},
    runtime_config: {parameters: {who: 'you'}},
  })
  server.setRunState(run.run_id!, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED'}])
  const got = await c.getRun(run.run_id!)
  // Then
  assert.is(got.state, 'SUCCEEDED')
  assert.ok(got.run_details?.task_details?.some((t) => t.display_name === 'hello' && t.state === 'SUCCEEDED'))
  assert.is(server.requests.find((r) => r.path.endsWith('/upload'))?.filename, 'hello.yaml')
  assert.equal(server.violations, [])
})

api('findPipelineByName returns undefined for a missing pipeline', async () => {
  const c = createKfpApi({endpoint: server.url})
  assert.is(await c.findPipelineByName('nope'), undefined)
  assert.equal(server.violations, [])
})

api('listAll follows next_page_token', async () => {
  // Given 25 experiments (+ Default)
  const c = createKfpApi({endpoint: server.url})
  for (let i = 0; i < 25; i++) await c.createExperiment({display_name: `e${i}`})
  // When
  const all = await listAll((t) => c.listExperiments({pageToken: t, pageSize: 10}))
  // Then
  assert.is(all.length, 26)
  assert.is(server.requests.filter((r) => r.path === '/apis/v2beta1/experiments' && r.method === 'GET').length, 3)
  assert.equal(server.violations, [])
})

api('filters are sent as JSON the server accepts', async () => {
  const c = createKfpApi({endpoint: server.url})
  await c.createExperiment({display_name: 'x'})
  const page = await c.listExperiments({filter: equalsFilter('display_name', 'x')})
  assert.is(page.items.length, 1)
  assert.equal(server.violations, [])
})

api('401 becomes SERVER_AUTH naming the credential source, exit 4', async () => {
  // Given a server that needs a token
  await server.close()
  server = await startFakeKfp({token: 'sekret'})
  const c = createKfpApi({endpoint: server.url, authSource: 'the token from $KFP_TOKEN', headers: async () => ({authorization: 'Bearer wrong'})})
  // When
  const e = await c.healthz().catch((x) => x)
  // Then
  assert.is(e.kfpCode, 'SERVER_AUTH')
  assert.is(e.exitCode, 4)
  assert.match(e.message, /401 Unauthorized/)
  assert.match(e.message, /\$KFP_TOKEN/)
  assert.not.match(e.message + e.hints.join(' '), /wrong/)
})

api('the right bearer token gets through', async () => {
  await server.close()
  server = await startFakeKfp({token: 'sekret'})
  const c = createKfpApi({endpoint: server.url, headers: async () => ({authorization: 'Bearer sekret'})})
  assert.is((await c.healthz()).pipeline_store, 'database')
})

api('a login page instead of JSON becomes SERVER_NOT_JSON with cookie/IAP hints', async () => {
  server.inject({kind: 'login'})
  const c = createKfpApi({endpoint: server.url})
  const e = await c.listPipelines().catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_NOT_JSON')
  assert.match(e.message, /login page/)
  assert.match(e.hints.join('\n'), /--cookie-file/)
})

api('a redirect to Dex becomes SERVER_NOT_JSON', async () => {
  await server.close()
  server = await startFakeKfp({cookie: 'oauth2_proxy_kubeflow=abc'})
  const c = createKfpApi({endpoint: server.url})
  const e = await c.healthz().catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_NOT_JSON')
  const ok = createKfpApi({endpoint: server.url, headers: async () => ({cookie: 'oauth2_proxy_kubeflow=abc'})})
  assert.is((await ok.healthz()).pipeline_store, 'database')
})

api('503 then success: GET retries with backoff', async () => {
  server.inject({kind: '503', times: 2})
  const retries: string[] = []
  const c = createKfpApi({endpoint: server.url, retryBaseMs: 1, onRetry: (i) => retries.push(i.reason)})
  const page = await c.listPipelines()
  assert.equal(page.items, [])
  assert.equal(retries, ['HTTP 503', 'HTTP 503'])
})

api('a create is never retried on 503', async () => {
  server.inject({kind: '503', match: /^POST/})
  const c = createKfpApi({endpoint: server.url, retryBaseMs: 1})
  const e = await c.createExperiment({display_name: 'once'}).catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_ERROR')
  assert.is(e.exitCode, 6)
  assert.is(server.requests.filter((r) => r.method === 'POST').length, 0)
  assert.is([...server.experiments.values()].filter((x) => x.display_name === 'once').length, 0)
})

api('a slow answer becomes SERVER_TIMEOUT', async () => {
  server.inject({kind: 'slow', delayMs: 500})
  const c = createKfpApi({endpoint: server.url, timeoutMs: 100})
  const e = await c.healthz().catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_TIMEOUT')
})

api('404 text means wrong base path', async () => {
  const c = createKfpApi({endpoint: server.url + '/wrong'})
  const e = await c.healthz().catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_NOT_FOUND')
  assert.match(e.message, /wrong base path\?/)
})

api('an unreachable server becomes SERVER_UNREACHABLE after retries', async () => {
  const c = createKfpApi({endpoint: 'http://127.0.0.1:9', retryBaseMs: 1})
  const e = await c.healthz().catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_UNREACHABLE')
  assert.match(e.hints.join('\n'), /kfp ui. forwards the UI to http:\/\/localhost:8085.*--endpoint http:\/\/localhost:8085\/pipeline/)
})

api('server error messages are passed on', async () => {
  const c = createKfpApi({endpoint: server.url})
  const e = await c.getRun('missing').catch((x) => x)
  assert.is(e.kfpCode, 'SERVER_NOT_FOUND')
  assert.match(e.message, /Run missing not found/)
  assert.is(e.data.grpcCode, 5)
})

api('the UI /pipeline proxy base path works', async () => {
  await server.close()
  server = await startFakeKfp({basePath: '/pipeline'})
  const c = createKfpApi({endpoint: server.url + '/'})
  assert.is((await c.healthz()).pipeline_store, 'database')
})

api('the fake rejects what the real server rejects: unknown body fields, bad query types', async () => {
  // Given
  const v = server.validator
  // Then
  assert.ok(v.validateDefinition('v2beta1Run', {display_name: 'x', bogus: 1}).length > 0)
  assert.ok(v.validateDefinition('v2beta1Run', {display_name: 'x', state: 'DONE'}).length > 0)
  assert.equal(v.validateDefinition('v2beta1Run', {display_name: 'x', runtime_config: {parameters: {a: 1}}}), [])
  const bad = v.validateRequest({method: 'GET', path: '/apis/v2beta1/runs', query: new URLSearchParams('page_size=ten&colour=red'), headers: {}, rawBody: Buffer.alloc(0)})
  assert.equal(bad.errors.length, 2)
})

const norm = suite('normalizeEndpoint')
norm('adds a scheme and strips UI fragments and API paths', () => {
  assert.is(normalizeEndpoint('localhost:8080'), 'http://localhost:8080')
  assert.is(normalizeEndpoint('kf.example.com/pipeline/'), 'https://kf.example.com/pipeline')
  assert.is(normalizeEndpoint('https://kf.example.com/pipeline/#/runs'), 'https://kf.example.com/pipeline')
  assert.is(normalizeEndpoint('http://h:8888/apis/v2beta1/healthz'), 'http://h:8888')
})

api.run()
norm.run()
