import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {runCli} from '../helpers/cli.js'
import {startFakeKube, type FakeKube} from '../helpers/fake-kube.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const logs = suite('kfp logs on a KFP server (CLI): Kubernetes pods, follow, UI fallback')
let server: FakeKfpServer
let kube: FakeKube
let dir: string
let cleanup: () => Promise<void>
logs.before.each(async () => {
  server = await startFakeKfp()
  kube = await startFakeKube()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: hello\nsteps: []\n')
})
logs.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await kube.close()
  await cleanup()
})

async function newRun(): Promise<string> {
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const run = await createKfpApi({endpoint: server.url}).createRun({display_name: 'r', pipeline_spec: spec})
  return run.run_id!
}

const env = async (extra: Record<string, string> = {}) => ({
  HOME: dir,
  KFP_CONFIG_DIR: path.join(dir, '.cfg'),
  KFP_ENDPOINT: server.url,
  KUBECONFIG: await kube.kubeconfig(dir),
  ...extra,
})

logs("every step's main container, each line prefixed with the step; drivers and other runs left out", async () => {
  // Given
  const id = await newRun()
  server.setRunState(id, 'SUCCEEDED')
  kube.addPod({name: 'impl-hello', runId: id, step: 'hello', log: ['hi world', 'done'], lineIntervalMs: 1})
  kube.addPod({name: 'driver-hello', runId: id, step: 'hello', role: 'driver', log: ['driver noise'], lineIntervalMs: 1})
  kube.addPod({name: 'impl-other', runId: 'run-other', step: 'hello', log: ['other run'], lineIntervalMs: 1})
  await new Promise((r) => setTimeout(r, 20))
  // When
  const all = await runCli(['logs', id], {cwd: dir, env: await env()})
  const one = await runCli(['logs', id, 'hello', '--json'], {cwd: dir, env: await env()})
  // Then
  assert.is(all.code, 0, all.stderr)
  assert.is(all.stdout, '[hello] hi world\n[hello] done\n')
  assert.is(one.code, 0, one.stderr)
  assert.equal(one.json.result.lines, [{step: 'hello', line: 'hi world'}, {step: 'hello', line: 'done'}])
  assert.is(one.json.result.source, 'kubernetes')
})

logs('-f follows each step as its pod starts, until the run ends, and exits 0', async () => {
  // Given a running run whose second step's pod appears later
  const id = await newRun()
  server.runScripts.set(id, [{state: 'RUNNING'}, {state: 'RUNNING'}, {state: 'RUNNING'}, {state: 'SUCCEEDED'}])
  kube.addPod({name: 'impl-hello', runId: id, step: 'hello', log: ['h1', 'h2', 'h3'], lineIntervalMs: 200})
  setTimeout(() => kube.addPod({name: 'impl-shout', runId: id, step: 'shout', log: ['S1', 'S2'], lineIntervalMs: 200}), 700)
  // When
  const r = await runCli(['logs', id, '-f'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.filter((l) => l.startsWith('[hello]')), ['[hello] h1', '[hello] h2', '[hello] h3'])
  assert.equal(lines.filter((l) => l.startsWith('[shout]')), ['[shout] S1', '[shout] S2'])
  assert.ok(kube.requests.some((q) => q.path.endsWith('/impl-shout/log') && q.query.follow === 'true'))
})

logs("without cluster access, the KFP UI's pod-log endpoint is used and the user is told", async () => {
  // Given no kubeconfig, and the server naming the pods in task details
  const id = await newRun()
  server.setRunState(id, 'FAILED', [
    {display_name: 'hello', state: 'SUCCEEDED', pod_name: 'pod-hello'},
    {display_name: 'shout', state: 'FAILED', pod_name: 'pod-shout'},
  ])
  server.podLogs.set('pod-hello', 'hi\n')
  server.podLogs.set('pod-shout', 'boom\nTraceback\n')
  // When
  const r = await runCli(['logs', id], {cwd: dir, env: await env({KUBECONFIG: path.join(dir, 'no-such-kubeconfig')})})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '[hello] hi\n[shout] boom\n[shout] Traceback\n')
  assert.match(r.stderr, /reading whole logs through the KFP UI/)
  const asked = server.requests.filter((q) => q.path === '/k8s/pod/logs')
  assert.equal(asked.map((q) => [q.query.podname, q.query.runid, q.query.podnamespace]), [['pod-hello', id, 'kubeflow'], ['pod-shout', id, 'kubeflow']])
})

logs('an unknown step exits 2 and lists the steps that have pods', async () => {
  const id = await newRun()
  server.setRunState(id, 'SUCCEEDED')
  kube.addPod({name: 'impl-hello', runId: id, step: 'hello', log: ['x'], lineIntervalMs: 1})
  const r = await runCli(['logs', id, 'nope', '--json'], {cwd: dir, env: await env()})
  assert.is(r.code, 2)
  assert.is(r.json.error.code, 'STEP_NOT_FOUND')
  assert.match(r.json.error.message, /steps with pods: hello/)
})

logs('STEP may be a step number: the run spec\'s steps are numbered as kfp steps numbers them; an unknown number exits 2 listing them', async () => {
  // Given a run of hello (1) → shout (2), with pods, and the same run seen only through the UI
  const id = await newRun()
  server.setRunState(id, 'SUCCEEDED', [
    {display_name: 'hello', state: 'SUCCEEDED', pod_name: 'pod-hello'},
    {display_name: 'shout', state: 'SUCCEEDED', pod_name: 'pod-shout'},
  ])
  kube.addPod({name: 'impl-hello', runId: id, step: 'hello', log: ['hi'], lineIntervalMs: 1})
  kube.addPod({name: 'impl-shout', runId: id, step: 'shout', log: ['HI', 'WORLD'], lineIntervalMs: 1})
  server.podLogs.set('pod-shout', 'HI (ui)\n')
  await new Promise((r) => setTimeout(r, 20))
  // When
  const two = await runCli(['logs', id, '2'], {cwd: dir, env: await env()})
  const viaUi = await runCli(['logs', id, '2'], {cwd: dir, env: await env({KUBECONFIG: path.join(dir, 'no-such-kubeconfig')})})
  const nine = await runCli(['logs', id, '9', '--json'], {cwd: dir, env: await env()})
  // Then
  assert.is(two.code, 0, two.stderr)
  assert.is(two.stdout, 'HI\nWORLD\n')
  assert.is(viaUi.code, 0, viaUi.stderr)
  assert.is(viaUi.stdout, 'HI (ui)\n')
  assert.is(nine.code, 2)
  assert.is(nine.json.error.code, 'STEP_NOT_FOUND')
  assert.match(nine.json.error.message, 'has no step 9. Steps: 1. hello, 2. shout')
})

logs('a step number keeps the project\'s numbering for a --start-step run whose spec lost the skipped steps', async () => {
  // Given a project hello (1) → shout (2), and a run of a spec pruned to shout alone
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: hello\nsteps:\n  - name: hello\n  - name: shout\n')
  for (const c of ['hello', 'shout']) {
    await mkdir(path.join(dir, 'components', c), {recursive: true})
    await writeFile(path.join(dir, 'components', c, 'component.yaml'), `name: ${c}\nimplementation:\n  container:\n    image: busybox\n    command: [echo, ${c}]\n`)
  }
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const pruned = structuredClone(spec) as any
  delete pruned.root.dag.tasks.hello
  delete pruned.root.dag.tasks.shout.dependentTasks
  pruned.root.dag.tasks.shout.inputs.parameters.text = {runtimeValue: {constant: 'hi'}}
  const id = (await createKfpApi({endpoint: server.url}).createRun({display_name: 'from-2', pipeline_spec: pruned})).run_id!
  server.setRunState(id, 'SUCCEEDED')
  kube.addPod({name: 'impl-shout', runId: id, step: 'shout', log: ['HI'], lineIntervalMs: 1})
  await new Promise((r) => setTimeout(r, 20))
  // When
  const two = await runCli(['logs', id, '2'], {cwd: dir, env: await env()})
  const one = await runCli(['logs', id, '1'], {cwd: dir, env: await env()})
  // Then
  assert.is(two.code, 0, two.stderr)
  assert.is(two.stdout, 'HI\n')
  assert.is(one.code, 2)
  assert.match(one.stderr, 'has no step 1. Steps: 2. shout')
})

logs.run()
