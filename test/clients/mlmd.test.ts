import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {createMlmdClient, mlmdBaseUrl} from '../../src/clients/mlmd.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'

const mlmd = suite('ML Metadata client: gRPC-web with the ml_metadata protos, against the fake UI proxy')
let server: FakeKfpServer
mlmd.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
})

async function run(): Promise<string> {
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  return (await createKfpApi({endpoint: server.url}).createRun({display_name: 'r', pipeline_spec: spec, runtime_config: {pipeline_root: 'gs://b/root'}})).run_id!
}

mlmd('executions of a run: state, task, pod name, outputs; a cache hit reuses the earlier outputs and artifacts', async () => {
  // Given a finished run and a second run whose hello step was a cache hit
  server = await startFakeKfp({token: 't', basePath: '/pipeline'})
  const api = createKfpApi({endpoint: server.url, headers: async () => ({authorization: 'Bearer t'})})
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const first = (await api.createRun({display_name: 'a', pipeline_spec: spec, runtime_config: {pipeline_root: 'gs://b/root'}})).run_id!
  server.setRunState(first, 'SUCCEEDED', [
    {display_name: 'hello', state: 'SUCCEEDED', outputs: {greeting: 'hi world'}, artifacts: {model: 'weights'}, log: 'said hi\n'},
    {display_name: 'shout', state: 'SUCCEEDED', log: 'HI\n'},
  ])
  const second = (await api.createRun({display_name: 'b', pipeline_spec: spec})).run_id!
  server.setRunState(second, 'RUNNING', [{display_name: 'hello', state: 'SUCCEEDED', cached: true}, {display_name: 'shout', state: 'RUNNING'}])
  // When
  const client = createMlmdClient({endpoint: server.url, headers: async () => ({authorization: 'Bearer t'})})
  const a = (await client.runExecutions(first))!.filter((e) => e.type === 'system.ContainerExecution')
  const b = (await client.runExecutions(second))!.filter((e) => e.type === 'system.ContainerExecution')
  const arts = await client.outputArtifacts([b[0].id])
  const none = await client.runExecutions('no-such-run')
  // Then
  assert.is(mlmdBaseUrl(server.url), new URL(server.url).origin, 'MLMD is at the origin, not under /pipeline')
  assert.equal(a.map((e) => [e.taskName, e.state, e.outputs]), [['hello', 'COMPLETE', {greeting: 'hi world'}], ['shout', 'COMPLETE', {}]])
  assert.match(a[0].podName!, /-system-container-impl-/)
  assert.is(a[0].namespace, 'kubeflow')
  assert.equal(b.map((e) => [e.taskName, e.state]), [['hello', 'CACHED'], ['shout', 'RUNNING']])
  assert.equal(b[0].outputs, {greeting: 'hi world'})
  assert.is(b[0].cachedExecutionId, String(a[0].id))
  assert.equal(arts.map((x) => x.name).sort(), ['executor-logs', 'model'])
  assert.match(arts.find((x) => x.name === 'model')!.uri, new RegExp(`^gs://b/root/hello/${first}/hello/[0-9a-f]+/model$`))
  assert.is(none, undefined)
  assert.ok(server.mlmd.calls.includes('GetContextByTypeAndName'))
})

mlmd('a refused credential is SERVER_AUTH (exit 4); no MLMD behind the endpoint is MLMD_UNAVAILABLE (exit 6)', async () => {
  server = await startFakeKfp({token: 't'})
  const id = await run().catch(() => '')
  const bad = createMlmdClient({endpoint: server.url, headers: async () => ({authorization: 'Bearer wrong'})})
  const e1 = await bad.runExecutions(id || 'x').then(() => undefined, (e) => e)
  assert.is(e1.kfpCode, 'SERVER_AUTH')
  assert.is(e1.exitCode, 4)
  const nothing = createMlmdClient({endpoint: 'http://127.0.0.1:9', timeoutMs: 2000})
  const e2 = await nothing.runExecutions('x').then(() => undefined, (e) => e)
  assert.is(e2.kfpCode, 'MLMD_UNAVAILABLE')
  assert.is(e2.exitCode, 6)
  assert.match(e2.message, 'ml_metadata.MetadataStoreService/GetContextByTypeAndName')
})

mlmd('task_details hold every Argo node by display name with retry wrappers, child node ids, no pod names, no errors', async () => {
  server = await startFakeKfp()
  const id = await run()
  server.setRunState(id, 'FAILED', [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'FAILED'}])
  const r = await createKfpApi({endpoint: server.url}).getRun(id)
  const names = r.run_details!.task_details!.map((t) => t.display_name).sort()
  const wf = server.models.get(id)!.wf
  assert.equal(names, [wf, `${wf}(0)`, 'executor', 'executor', 'executor(0)', 'executor(0)', 'hello', 'hello(0)', 'hello-driver', 'hello-driver(0)', 'root', 'root(0)', 'root-driver', 'root-driver(0)', 'shout', 'shout(0)', 'shout-driver', 'shout-driver(0)'].sort())
  assert.ok(r.run_details!.task_details!.every((t) => !t.pod_name && !t.error))
  assert.is(r.error, undefined)
  assert.is(r.run_details!.task_details!.find((t) => t.display_name === 'shout')!.state, 'FAILED')
})

mlmd.run()
