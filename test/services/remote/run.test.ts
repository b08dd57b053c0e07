import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {KubeClient} from '../../../src/clients/kube.js'
import {remoteRun, type RemoteRunEvent} from '../../../src/services/remote/run.js'
import {actOnRemoteRun, getRemoteRun, listRemoteRuns} from '../../../src/services/remote/runs.js'
import {startFakeKfp, type FakeKfpServer} from '../../helpers/kfp-server.js'
import {helloSpec, remoteCtx} from '../../helpers/remote-ctx.js'
import {tmpdir} from '../../helpers/tmp.js'
import {CliError, EXIT} from '../../../src/lib/errors.js'

const r = suite('kfp run on a KFP server (service)')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
r.before.each(async () => {
  server = await startFakeKfp()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
})
r.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})

const base = {cwd: '', file: 'pipeline.yaml', params: [] as string[], pollMs: 5, logs: false}
const ok = [
  {state: 'RUNNING', tasks: [{display_name: 'hello', state: 'RUNNING'}]},
  {state: 'RUNNING', tasks: [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'RUNNING'}]},
  {state: 'SUCCEEDED', tasks: [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'SUCCEEDED'}]},
]

r('run uploads once, creates the experiment on demand, sends typed parameters; a second run reuses the version', async () => {
  // Given
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  // When
  const first = await remoteRun({...base, cwd: dir, experiment: 'blog', name: 'try1', params: ['times=3', 'who=you']}, ctx)
  const second = await remoteRun({...base, cwd: dir, experiment: 'blog', name: 'try2'}, ctx)
  // Then
  assert.is(first.run.name, 'try1')
  assert.is(first.run.status, 'pending')
  assert.is(first.pipeline.mode, 'version')
  assert.is(second.pipeline.mode === 'version' && second.pipeline.upload.created, 'none')
  assert.is(server.versions.size, 1)
  assert.equal([...server.experiments.values()].filter((e) => e.display_name === 'blog').length, 1)
  const create = server.requests.find((q) => q.method === 'POST' && q.path === '/apis/v2beta1/runs')!
  assert.equal((create.body as any).runtime_config, {parameters: {times: 3, who: 'you'}})
  assert.is((create.body as any).experiment_id, first.experiment.id)
})

r('a bad --param is a usage error listing the parameters, before any server call', async () => {
  const e = await remoteRun({...base, cwd: dir, params: ['times=many']}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'PARAM_INVALID')
  assert.is(e.exitCode, 2)
  assert.match(e.message, /times/)
  assert.is(server.requests.length, 0)
})

r('--watch reports per-task progress and returns the succeeded run', async () => {
  server.defaultRunScript = ok
  const events: RemoteRunEvent[] = []
  const res = await remoteRun({...base, cwd: dir, watch: true, onEvent: (e) => events.push(e)}, remoteCtx(dir, {KFP_ENDPOINT: server.url}))
  assert.is(res.run.status, 'succeeded')
  assert.equal(res.run.tasks.map((t) => [t.name, t.status]), [['hello', 'succeeded'], ['shout', 'succeeded']])
  const taskEvents = events.filter((e) => e.type === 'task').map((e: any) => `${e.task}:${e.status}`)
  assert.equal(taskEvents, ['hello:running', 'hello:succeeded', 'shout:running', 'shout:succeeded'])
})

r('a run that fails ends with RUN_FAILED, exit 7, naming the step and the logs command', async () => {
  server.defaultRunScript = [{state: 'RUNNING', tasks: [{display_name: 'hello', state: 'RUNNING'}]}, {state: 'FAILED', tasks: [{display_name: 'hello', state: 'FAILED'}]}]
  const e = await remoteRun({...base, cwd: dir, watch: true}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'RUN_FAILED')
  assert.is(e.exitCode, 7)
  assert.match(e.message, /step hello failed/)
  assert.match(e.hints.join('\n'), /kfp logs .* hello/)
  assert.is(e.data.run.status, 'failed')
})

r('a run cancelled on the server while watching exits 7 (RUN_CANCELLED)', async () => {
  server.defaultRunScript = [{state: 'RUNNING'}, {state: 'CANCELED'}]
  const e = await remoteRun({...base, cwd: dir, watch: true}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'RUN_CANCELLED')
  assert.is(e.exitCode, 7)
})

r('Ctrl-C while watching stops watching, leaves the run going, and says how to cancel', async () => {
  server.defaultRunScript = Array.from({length: 1000}, () => ({state: 'RUNNING'}))
  const abort = new AbortController()
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url}, {signal: abort.signal})
  const e = await remoteRun({...base, cwd: dir, watch: true, onEvent: (ev) => ev.type === 'run-state' && abort.abort()}, ctx).catch((x) => x)
  assert.is(e.kfpCode, 'INTERRUPTED')
  assert.is(e.exitCode, 130)
  assert.match(e.hints.join('\n'), /kfp runs cancel run-/)
  const run = [...server.runs.values()][0]
  assert.is(run.state, 'RUNNING')
})

r('Ctrl-C with --cancel-on-interrupt cancels the run', async () => {
  server.defaultRunScript = Array.from({length: 1000}, () => ({state: 'RUNNING'}))
  const abort = new AbortController()
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url}, {signal: abort.signal})
  const e = await remoteRun({...base, cwd: dir, watch: true, cancelOnInterrupt: true, onEvent: (ev) => ev.type === 'run-state' && abort.abort()}, ctx).catch((x) => x)
  assert.is(e.exitCode, 130)
  assert.ok(e.data.cancelled)
  assert.ok(server.requests.some((q) => q.path.endsWith(':terminate')))
  assert.is([...server.runs.values()][0].state, 'CANCELING')
})

r('auth failure, login page and 503-then-success through the run flow', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  server.inject({kind: '401'})
  const auth = await remoteRun({...base, cwd: dir}, ctx).catch((x) => x)
  assert.is(auth.kfpCode, 'SERVER_AUTH')
  assert.is(auth.exitCode, 4)
  server.inject({kind: 'login'})
  const login = await remoteRun({...base, cwd: dir}, ctx).catch((x) => x)
  assert.is(login.kfpCode, 'SERVER_NOT_JSON')
  server.inject({kind: '503', match: /^GET/, times: 2})
  const okRun = await remoteRun({...base, cwd: dir, name: 'after-503'}, {...ctx, env: {...ctx.env}})
  assert.is(okRun.run.name, 'after-503')
  assert.is(server.runs.size, 1)
})

r('--watch streams step logs from Kubernetes, prefixed by step: the pods ML Metadata names, read in their namespace', async () => {
  server.defaultRunScript = ok
  const read: string[] = []
  const kube: KubeClient = {
    async listPods() {
      throw new Error('pods are found through ML Metadata, not by label')
    },
    async streamLog(ns, pod, container, o) {
      assert.is(container, 'main')
      read.push(`${ns}/${pod}`)
      const task = server.pods.get(pod)?.task
      if (task === 'hello') {
        o.onChunk('hi wo')
        o.onChunk('rld\nbye\n')
      }
    },
  }
  const lines: string[] = []
  await remoteRun({...base, cwd: dir, watch: true, logs: true, pollMs: 200, onEvent: (e) => e.type === 'log' && lines.push(`${e.task}| ${e.line}`)}, remoteCtx(dir, {KFP_ENDPOINT: server.url}, {clients: {kube: async () => kube}}))
  assert.equal(lines, ['hello| hi world', 'hello| bye'])
  assert.equal(read.map((x) => x.replace(/-system-container-impl-\w+$/, '-impl')).sort(), [`kubeflow/${[...server.models.values()][0].wf}-impl`, `kubeflow/${[...server.models.values()][0].wf}-impl`])

  // One poll loop: the streams open from the watch's own reads, so the run is read once per poll (each read moves
  // the fake's script one step on; the last one ends the run).
  const runId = [...server.runs.keys()][0]
  assert.is(server.requests.filter((q) => q.method === 'GET' && q.path === `/apis/v2beta1/runs/${runId}`).length, ok.length)
})

r('--start-step with --set-output sends an inline pruned spec with constants', async () => {
  const res = await remoteRun({...base, cwd: dir, startStep: 'shout', setOutputs: ['hello.greeting=hey']}, remoteCtx(dir, {KFP_ENDPOINT: server.url}))
  assert.is(res.pipeline.mode, 'inline')
  const body = server.requests.find((q) => q.method === 'POST' && q.path === '/apis/v2beta1/runs')!.body as any
  assert.equal(Object.keys(body.pipeline_spec.root.dag.tasks), ['shout'])
  assert.equal(body.pipeline_spec.root.dag.tasks.shout.inputs.parameters.text, {runtimeValue: {constant: 'hey'}})
  assert.is(body.pipeline_spec.root.dag.tasks.shout.dependentTasks, undefined)
  assert.is(body.pipeline_spec.components['comp-hello'], undefined)
  assert.equal(res.startStep?.skipped, ['hello'])
})

r('--start-step without a source for the outputs names the flag to pass', async () => {
  const e = await remoteRun({...base, cwd: dir, startStep: '2'}, remoteCtx(dir, {KFP_ENDPOINT: server.url})).catch((x) => x)
  assert.is(e.kfpCode, 'OUTPUTS_MISSING')
  assert.match(e.message, /--set-output hello.greeting=VALUE/)
})

const runs = suite('kfp runs list|get|cancel|retry|archive on a server')
runs.before.each(async () => {
  server = await startFakeKfp()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
})
runs.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})

runs('list, get, cancel (twice is a no-op), retry, archive', async () => {
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url})
  const a = await remoteRun({...base, cwd: dir, name: 'a', experiment: 'blog'}, ctx)
  await remoteRun({...base, cwd: dir, name: 'b'}, ctx)
  assert.equal((await listRemoteRuns({}, ctx)).runs.map((x) => x.name).sort(), ['a', 'b'])
  assert.equal((await listRemoteRuns({experiment: 'blog'}, ctx)).runs.map((x) => x.name), ['a'])
  assert.is((await getRemoteRun({runId: a.run.id}, ctx)).status, 'pending')
  const c1 = await actOnRemoteRun({runId: a.run.id, action: 'cancel'}, ctx)
  assert.ok(c1.changed)
  assert.is(c1.run.status, 'cancelled')
  const c2 = await actOnRemoteRun({runId: a.run.id, action: 'cancel'}, ctx)
  assert.not.ok(c2.changed)
  const rt = await actOnRemoteRun({runId: a.run.id, action: 'retry'}, ctx)
  assert.is(rt.run.status, 'running')
  await actOnRemoteRun({runId: a.run.id, action: 'archive'}, ctx)
  assert.equal((await listRemoteRuns({}, ctx)).runs.map((x) => x.name), ['b'])
  const missing = await getRemoteRun({runId: 'nope'}, ctx).catch((x) => x)
  assert.is(missing.kfpCode, 'RUN_NOT_FOUND')
})

runs('without ML Metadata (the API port alone), runs get takes the states from the task_details rows named like the steps, and says so', async () => {
  // Given a run whose task_details are Argo nodes with retry wrappers, and an ML Metadata that cannot be reached
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url}, {
    clients: {
      mlmd: () => ({
        runExecutions: async () => {
          throw new CliError('MLMD_UNAVAILABLE', 'Cannot read ML Metadata at http://127.0.0.1:8888: Unimplemented.', {exit: EXIT.REMOTE})
        },
        outputArtifacts: async () => [],
      }),
    },
  })
  const a = await remoteRun({...base, cwd: dir, name: 'a'}, ctx)
  server.setRunState(a.run.id, 'RUNNING', [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'RUNNING'}])
  // When
  const info = await getRemoteRun({runId: a.run.id}, ctx)
  // Then
  assert.is(info.stepsFrom, 'task-details')
  assert.equal(info.tasks.map((t) => [t.name, t.status]), [['hello', 'succeeded'], ['shout', 'running']])
  assert.match(info.warnings[0], 'Step states come from the run\'s task details: Cannot read ML Metadata')
})

r.run()
runs.run()
