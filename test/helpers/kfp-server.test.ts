import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {startFakeKfp, type FakeKfpServer} from './kfp-server.js'

// The fake KFP server is the only stand-in for a real one here, so it must catch a client that strays from the swagger.
const fake = suite('fake KFP server: every request and answer is checked against the v2beta1 swagger')
let server: FakeKfpServer
fake.before.each(async () => {
  server = await startFakeKfp()
})
fake.after.each(async () => {
  await server.close()
})

const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(server.url + p, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body: JSON.stringify(body)})

fake('a body with an unknown field, a wrong type or a bad enum is answered 400 (googleRpcStatus) and recorded as a violation', async () => {
  // When
  const unknown = await post('/apis/v2beta1/experiments', {display_name: 'x', colour: 'red'})
  const nested = await post('/apis/v2beta1/runs', {display_name: 'r', pipeline_spec: {}, runtime_config: {parameters: {}, bogus: 1}})
  const type = await post('/apis/v2beta1/runs', {display_name: 5})
  // Then
  assert.equal([unknown.status, nested.status, type.status], [400, 400, 400])
  const body = await unknown.json()
  assert.is(body.code, 3)
  assert.match(body.message, 'additionalProperty')
  assert.is(server.violations.length, 3)
  assert.match(server.violations[0], 'POST /apis/v2beta1/experiments')
  assert.match(server.violations[1], 'runtime_config')
  assert.is(server.experiments.size, 1, 'nothing was created (only the Default experiment)')
})

fake('unknown or mistyped query parameters, bad auth headers, bodies on GETs and unknown paths are violations', async () => {
  // When
  const q = await fetch(`${server.url}/apis/v2beta1/runs?pageSize=3&page_size=ten`)
  const auth = await fetch(`${server.url}/apis/v2beta1/runs`, {headers: {authorization: 'Token abc'}})
  const path = await fetch(`${server.url}/apis/v2beta1/nothing-here`)
  // Then
  assert.is(q.status, 400)
  assert.is(auth.status, 400)
  assert.is(path.status, 404)
  assert.match(server.violations.join('\n'), 'unknown query parameter "pageSize"')
  assert.match(server.violations.join('\n'), 'query "page_size" must be an integer')
  assert.match(server.violations.join('\n'), 'authorization header must be "Bearer <token>"')
  assert.match(server.violations.join('\n'), 'no swagger operation for GET /apis/v2beta1/nothing-here')
})

fake('requests answered by an injected 503 or 401, or refused for a missing token, are still validated', async () => {
  // Given
  server.inject({kind: '503', match: /experiments/})
  server.inject({kind: '401', match: /runs/})
  // When
  const a = await post('/apis/v2beta1/experiments', {display_name: 'x', colour: 'red'})
  const b = await fetch(`${server.url}/apis/v2beta1/runs?colour=red`)
  // Then
  assert.equal([a.status, b.status], [503, 401])
  assert.match(server.violations.join('\n'), 'additionalProperty')
  assert.match(server.violations.join('\n'), 'unknown query parameter "colour"')
  // And a server that needs a token checks the refused request too
  await server.close()
  server = await startFakeKfp({token: 't'})
  const c = await fetch(`${server.url}/apis/v2beta1/experiments?colour=red`)
  assert.is(c.status, 401)
  assert.match(server.violations.join('\n'), 'unknown query parameter "colour"')
})

fake('the client kfp ships sends nothing the swagger does not allow (a full flow leaves no violation)', async () => {
  // Given
  const c = createKfpApi({endpoint: server.url})
  // When
  const e = await c.createExperiment({display_name: 'blog', description: 'd'})
  await c.listExperiments({pageSize: 5, sortBy: 'created_at desc', filter: {predicates: [{operation: 'NOT_EQUALS', key: 'storage_state', string_value: 'ARCHIVED'}]}})
  await c.archiveExperiment(e.experiment_id!)
  // Then
  assert.equal(server.violations, [])
})

fake('answers are validated too: a response that does not match the swagger is recorded', async () => {
  // Given a run the fake stores with a state the swagger does not know
  const c = createKfpApi({endpoint: server.url})
  const run = await c.createRun({display_name: 'r', pipeline_spec: {pipelineInfo: {name: 'x'}, root: {dag: {tasks: {}}}, schemaVersion: '2.1.0'}})
  server.runs.get(run.run_id!).state = 'DONE'
  // When
  await c.getRun(run.run_id!)
  // Then
  assert.match(server.violations.join('\n'), /response 200 of RunService_GetRun: \/state must be equal to one of the allowed values/)
})

fake('an inline spec is parsed strictly (400), compiled (500) and checked for what would fail once started, as the server does', async () => {
  // Given specs with an unknown field, a task whose component is missing, and a task that depends on a task not in its DAG
  const c = createKfpApi({endpoint: server.url})
  const base = {pipelineInfo: {name: 'x'}, schemaVersion: '2.1.0', deploymentSpec: {executors: {'exec-a': {container: {image: 'busybox'}}}}, components: {'comp-a': {executorLabel: 'exec-a'}}}
  const task = (extra: object) => ({taskInfo: {name: 'a'}, componentRef: {name: 'comp-a'}, ...extra})
  // When
  const unknown = await c.createRun({display_name: 'r', pipeline_spec: {...base, root: {dag: {tasks: {a: task({dependsOn: ['b']})}}}}}).catch((e) => e)
  const noComp = await c.createRun({display_name: 'r', pipeline_spec: {...base, root: {dag: {tasks: {a: task({componentRef: {name: 'comp-gone'}})}}}}}).catch((e) => e)
  const before = server.violations.length
  await c.createRun({display_name: 'r', pipeline_spec: {...base, root: {dag: {tasks: {a: task({dependentTasks: ['b']})}}}}})
  // Then
  assert.match(unknown.message, /400.*invalid v2 pipeline spec: .*dependsOn/)
  assert.match(noComp.message, /500.*Failed to compile job: error processing component name="root": cannot find component ref name="comp-gone"/)
  assert.match(server.violations.slice(before).join('\n'), /the run would fail once started: root: task a depends on b/)
  server.violations.length = 0
})

fake("the UI's /k8s/pod/logs: live pods; after the run is gone, archived logs only when the key format matches and with createdat; multi-user needs podnamespace", async () => {
  // Given a finished run whose pods were garbage-collected, on a server whose archive key format matches
  await server.close()
  server = await startFakeKfp({archiveKeyMatches: true})
  const api = createKfpApi({endpoint: server.url})
  const run = await api.createRun({display_name: 'r', pipeline_spec: {pipelineInfo: {name: 'p'}, root: {dag: {tasks: {}}}, schemaVersion: '2.1.0'}})
  server.setRunState(run.run_id!, 'SUCCEEDED', [{display_name: 'a', state: 'SUCCEEDED', log: 'hello\n'}])
  const pod = [...server.pods.keys()][0]
  const live = await fetch(`${server.url}/k8s/pod/logs?podname=${pod}&runid=${run.run_id}`)
  server.endRun(run.run_id!)
  const noDate = await fetch(`${server.url}/k8s/pod/logs?podname=${pod}&runid=${run.run_id}`)
  const day = new Date().toISOString().slice(0, 10)
  const withDate = await fetch(`${server.url}/k8s/pod/logs?podname=${pod}&runid=${run.run_id}&createdat=${day}`)
  // Then
  assert.equal([live.status, await live.text()], [200, 'hello\n'])
  assert.is(noDate.status, 500)
  assert.equal([withDate.status, await withDate.text()], [200, 'hello\n'])
  await server.close()
  server = await startFakeKfp({multiUser: true})
  const mu = await fetch(`${server.url}/k8s/pod/logs?podname=x`, {headers: {'kubeflow-userid': 'alice@example.com'}})
  assert.equal([mu.status, await mu.text()], [422, 'podnamespace argument is required'])
})

fake.run()
