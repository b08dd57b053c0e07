import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {runCli} from '../helpers/cli.js'
import {mirrorPods} from '../helpers/fake-cluster.js'
import {startFakeKube, type FakeKube} from '../helpers/fake-kube.js'
import {startFakeKfp, type FakeKfpOptions, type FakeKfpServer, type RunStep} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const logs = suite('kfp logs on a KFP server (CLI): pods from ML Metadata; Kubernetes, the UI endpoint, executor-logs')
let server: FakeKfpServer
let kube: FakeKube
let dir: string
let cleanup: () => Promise<void>
let stopMirror: () => void
async function start(o: FakeKfpOptions = {}, mirror: Parameters<typeof mirrorPods>[2] = {}) {
  server = await startFakeKfp(o)
  stopMirror = mirrorPods(server, kube, mirror)
}
logs.before.each(async () => {
  kube = await startFakeKube()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: hello\nsteps: []\n')
})
logs.after.each(async () => {
  stopMirror()
  assert.equal(server.violations, [])
  await server.close()
  await kube.close()
  await cleanup()
})

async function newRun(spec = helloSpec()): Promise<string> {
  const parsed = parseCompiledPipeline(spec, 'pipeline.yaml').spec
  return (await createKfpApi({endpoint: server.url}).createRun({display_name: 'r', pipeline_spec: parsed})).run_id!
}
const noKube = () => path.join(dir, 'no-such-kubeconfig')
const env = async (extra: Record<string, string> = {}) => ({
  HOME: dir,
  KFP_CONFIG_DIR: path.join(dir, '.cfg'),
  KFP_ENDPOINT: server.url,
  KUBECONFIG: await kube.kubeconfig(dir),
  ...extra,
})
const done = [
  {display_name: 'hello', state: 'SUCCEEDED', log: 'hi world\ndone\n', outputs: {greeting: 'hi world'}},
  {display_name: 'shout', state: 'FAILED', log: 'boom\nTraceback\n'},
]
/** A running run whose second step starts later: hello logs h1-h3, then shout logs S1-S2, then the run ends. */
const twoStepsOneAfterTheOther = (): RunStep[] => [
  {state: 'RUNNING', tasks: [{display_name: 'hello', state: 'RUNNING', log: 'h1\nh2\nh3\n'}]},
  {state: 'RUNNING'},
  {state: 'RUNNING', tasks: [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'RUNNING', log: 'S1\nS2\n'}]},
  {state: 'RUNNING'},
  {state: 'SUCCEEDED', tasks: [{display_name: 'shout', state: 'SUCCEEDED'}]},
]
/** The folder holds the hello pipeline's project (steps hello, shout), so step numbers are the project's. */
async function helloProject(): Promise<void> {
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: hello\nsteps:\n  - name: hello\n  - name: shout\n')
  for (const c of ['hello', 'shout']) {
    await mkdir(path.join(dir, 'components', c), {recursive: true})
    await writeFile(path.join(dir, 'components', c, 'component.yaml'), `name: ${c}\nimplementation:\n  container:\n    image: busybox\n    command: [echo, ${c}]\n`)
  }
}
const settle = () => new Promise((r) => setTimeout(r, 60))

logs("a finished run: each step's pod (named by ML Metadata) through Kubernetes, prefixed with the step", async () => {
  // Given a run whose task_details name no pods (as on a real server) and pods that ML Metadata names
  await start()
  const id = await newRun()
  server.setRunState(id, 'FAILED', done)
  await settle()
  // When
  const all = await runCli(['logs', id], {cwd: dir, env: await env()})
  const one = await runCli(['logs', id, 'hello', '--json'], {cwd: dir, env: await env()})
  // Then
  assert.is(all.code, 0, all.stderr)
  assert.is(all.stdout, '[hello] hi world\n[hello] done\n[shout] boom\n[shout] Traceback\n')
  assert.is(one.code, 0, one.stderr)
  assert.equal(one.json.result.lines, [{step: 'hello', line: 'hi world'}, {step: 'hello', line: 'done'}])
  assert.is(one.json.result.source, 'kubernetes')
  assert.ok(server.mlmd.calls.includes('GetExecutionsByContext'))
  assert.not.ok(kube.requests.some((q) => q.query.labelSelector), 'no pod listing by label: ML Metadata names them')
})

logs('a line with non-ASCII characters arrives whole, with and without -f, though Kubernetes sends it cut inside characters', async () => {
  // Given a step whose log body reaches kfp cut inside é (bytes 3-4), 日 (6-8) and 🎉 (13-16)
  const line = 'café 日本 🎉'
  kube.split.push({pod: /./, atBytes: [4, 7, 15]})
  await start()
  const id = await newRun()
  server.setRunState(id, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED', log: `${line}\nend\n`}, {display_name: 'shout', state: 'SUCCEEDED', log: 'ok\n'}])
  await settle()
  // When
  const read = await runCli(['logs', id, 'hello'], {cwd: dir, env: await env()})
  const follow = await runCli(['logs', id, '-f'], {cwd: dir, env: await env()})
  // Then
  assert.is(read.code, 0, read.stderr)
  assert.is(read.stdout, `${line}\nend\n`)
  assert.is(follow.code, 0, follow.stderr)
  // (the steps' streams are followed side by side: lines of different steps may interleave)
  const lines = follow.stdout.trimEnd().split('\n')
  assert.equal(lines.filter((l) => l.startsWith('[hello]')), [`[hello] ${line}`, '[hello] end'])
  assert.equal(lines.filter((l) => !l.startsWith('[hello]')), ['[shout] ok'])
  assert.ok(kube.requests.some((q) => q.path.endsWith('/log') && q.query.follow === 'true'), 'followed through the Kubernetes API')
})

logs('-f on a running run follows each step as its pod starts, until the run ends, and exits 0', async () => {
  // Given a running run whose second step starts later
  await start()
  const id = await newRun()
  server.runScripts.set(id, twoStepsOneAfterTheOther())
  // When
  const r = await runCli(['logs', id, '-f'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.filter((l) => l.startsWith('[hello]')), ['[hello] h1', '[hello] h2', '[hello] h3'])
  assert.equal(lines.filter((l) => l.startsWith('[shout]')), ['[shout] S1', '[shout] S2'])
  assert.ok(kube.requests.some((q) => q.path.endsWith('/log') && q.query.follow === 'true'))
})

logs('-f when one pod is gone from Kubernetes: that step alone is read through the UI, and no line is printed twice', async () => {
  // Given a running run whose second step's pod Kubernetes does not know (deleted early)
  await start({}, {missing: (step) => step === 'shout'})
  const id = await newRun()
  server.runScripts.set(id, twoStepsOneAfterTheOther())
  // When
  const r = await runCli(['logs', id, '-f'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '[hello] h1\n[hello] h2\n[hello] h3\n[shout] S1\n[shout] S2\n')
  assert.match(r.stderr, /^shout: reading the log through the KFP UI's \/k8s\/pod\/logs: Kubernetes: reading the log of \S+ failed/m)
  assert.not.match(r.stderr, /^hello:/m)
  assert.ok(server.requests.some((q) => q.path === '/k8s/pod/logs'))
})

logs("without cluster access: the UI's /k8s/pod/logs with runid, podnamespace and createdat, and the user is told", async () => {
  // Given a running run, and no kubeconfig
  await start()
  const id = await newRun()
  server.setRunState(id, 'RUNNING', [done[0], {display_name: 'shout', state: 'RUNNING', log: 'working\n'}])
  // When
  const r = await runCli(['logs', id], {cwd: dir, env: await env({KUBECONFIG: noKube()})})
  const tail = await runCli(['logs', id, 'hello', '--tail', '1'], {cwd: dir, env: await env({KUBECONFIG: noKube()})})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '[hello] hi world\n[hello] done\n[shout] working\n')
  assert.match(r.stderr, "reading the log through the KFP UI's /k8s/pod/logs")
  const asked = server.requests.filter((q) => q.path === '/k8s/pod/logs')
  const today = new Date().toISOString().slice(0, 10)
  assert.equal(asked[0].query, {podname: [...server.pods.values()][0].name, runid: id, podnamespace: 'kubeflow', createdat: today})
  assert.is(tail.stdout, 'done\n')
})

logs('after the run is gone (pods and workflow deleted, archive key format mismatched), the executor-logs artifact is read through /artifacts/get', async () => {
  // Given a finished run whose pods were garbage-collected
  await start()
  const id = await newRun()
  server.setRunState(id, 'FAILED', done)
  await settle()
  server.endRun(id)
  kube.pods.clear()
  // When: with a kubeconfig (pods are gone) and without one
  const withKube = await runCli(['logs', id, 'shout'], {cwd: dir, env: await env()})
  const asJson = await runCli(['logs', id, 'shout', '--json'], {cwd: dir, env: await env()})
  const without = await runCli(['logs', id], {cwd: dir, env: await env({KUBECONFIG: noKube()})})
  // Then
  assert.is(withKube.code, 0, withKube.stderr)
  assert.is(withKube.stdout, 'boom\nTraceback\n')
  assert.equal(asJson.json.result.lines.map((l: {line: string}) => l.line), ['boom', 'Traceback'])
  assert.is(asJson.json.result.source, 'executor-logs')
  assert.match(withKube.stderr, /shout: reading the log through the KFP UI's \/k8s\/pod\/logs: pod .* is gone/)
  assert.match(withKube.stderr, /shout: reading the log from the step's executor-logs artifact/)
  assert.is(without.code, 0, without.stderr)
  assert.is(without.stdout, '[hello] hi world\n[hello] done\n[shout] boom\n[shout] Traceback\n')
  const got = server.requests.filter((q) => q.path === '/artifacts/get').map((q) => q.query)
  assert.equal(got[0].source, 'minio')
  assert.equal(got[0].bucket, 'mlpipeline')
  assert.match(got[0].key, new RegExp(`^v2/artifacts/hello/${id}/shout/[0-9a-f]+/executor-logs$`))
})

logs('--tail, --since and --timestamps go to the Kubernetes log API (tailLines, sinceSeconds, timestamps)', async () => {
  await start()
  const id = await newRun()
  server.setRunState(id, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED', log: 'a\nb\nc\n'}, {display_name: 'shout', state: 'SUCCEEDED', log: 'X\n'}])
  await settle()
  const tail = await runCli(['logs', id, 'hello', '--tail', '2'], {cwd: dir, env: await env()})
  const stamped = await runCli(['logs', id, 'hello', '--timestamps', '--since', '1h', '--json'], {cwd: dir, env: await env()})
  assert.is(tail.code, 0, tail.stderr)
  assert.is(tail.stdout, 'b\nc\n')
  assert.ok(kube.requests.some((q) => q.query.tailLines === '2'))
  assert.is(stamped.code, 0, stamped.stderr)
  assert.equal(stamped.json.result.lines.map((l: {line: string}) => l.line), ['a', 'b', 'c'])
  assert.ok(stamped.json.result.lines.every((l: {time?: string}) => /^\d{4}-\d\d-\d\dT/.test(l.time ?? '')))
  assert.ok(kube.requests.some((q) => q.query.timestamps === 'true' && Number(q.query.sinceSeconds) >= 3599))
})

logs('a cached step has no log of its own (said on stderr); an unknown step exits 2 listing the steps', async () => {
  await start()
  const first = await newRun()
  server.setRunState(first, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED', log: 'hi\n', outputs: {greeting: 'hi'}}, {display_name: 'shout', state: 'SUCCEEDED', log: 'HI\n'}])
  const id = await newRun()
  server.setRunState(id, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED', cached: true}, {display_name: 'shout', state: 'SUCCEEDED', log: 'HI again\n'}])
  await settle()
  const r = await runCli(['logs', id], {cwd: dir, env: await env()})
  const bad = await runCli(['logs', id, 'nope', '--json'], {cwd: dir, env: await env()})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '[shout] HI again\n')
  assert.match(r.stderr, '(hello: this step output is taken from cache (no log in this run))')
  assert.is(bad.code, 2)
  assert.is(bad.json.error.code, 'STEP_NOT_FOUND')
  assert.match(bad.json.error.message, '(steps: hello, shout)')
})

logs('multi-user: the UI endpoints get the profile namespace (podnamespace, namespace) with the session that authorizes them', async () => {
  // Given a multi-user server behind a session cookie (Istio turns it into kubeflow-userid) and a gone run
  await start({multiUser: true, cookie: 'authservice_session=s3cret'})
  const cookieFile = path.join(dir, 'cookie')
  await writeFile(cookieFile, 'authservice_session=s3cret\n', {mode: 0o600})
  const api = createKfpApi({endpoint: server.url, headers: async () => ({cookie: 'authservice_session=s3cret'})})
  const exp = await api.createExperiment({display_name: 'e', namespace: 'alice'})
  const id = (await api.createRun({display_name: 'r', experiment_id: exp.experiment_id, pipeline_spec: parseCompiledPipeline(helloSpec(), 'p.yaml').spec})).run_id!
  server.setRunState(id, 'FAILED', done)
  server.endRun(id)
  const add = await runCli(['target', 'add', 'team', '--endpoint', server.url, '--namespace', 'alice', '--cookie-file', cookieFile], {cwd: dir, env: await env()})
  assert.is(add.code, 0, add.stderr)
  // When
  const r = await runCli(['logs', id, 'shout', '--target', 'team'], {cwd: dir, env: await env({KUBECONFIG: noKube(), KFP_ENDPOINT: ''})})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'boom\nTraceback\n')
  const ui = server.requests.filter((q) => q.path === '/k8s/pod/logs' || q.path === '/artifacts/get')
  assert.equal(ui.map((q) => q.query.podnamespace ?? q.query.namespace), ['alice', 'alice'])
  assert.not.match(r.stdout + r.stderr, 's3cret')
})

logs("STEP may be a step number: the project's numbering when the folder holds the run's pipeline, else the spec's", async () => {
  await helloProject()
  await start()
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const pruned = structuredClone(spec) as any
  delete pruned.root.dag.tasks.hello
  delete pruned.root.dag.tasks.shout.dependentTasks
  pruned.root.dag.tasks.shout.inputs.parameters.text = {runtimeValue: {constant: 'hi'}}
  const id = (await createKfpApi({endpoint: server.url}).createRun({display_name: 'from-2', pipeline_spec: pruned})).run_id!
  server.setRunState(id, 'SUCCEEDED', [{display_name: 'shout', state: 'SUCCEEDED', log: 'HI\n'}])
  await settle()
  const two = await runCli(['logs', id, '2'], {cwd: dir, env: await env()})
  const one = await runCli(['logs', id, '1'], {cwd: dir, env: await env()})
  assert.is(two.code, 0, two.stderr)
  assert.is(two.stdout, 'HI\n')
  assert.is(one.code, 2)
  assert.match(one.stderr, 'has no step 1. Steps: 2. shout')
})

logs('STEP_NOT_FOUND on a run of 35 steps lists the first 30 and says how many more, as every name list does', async () => {
  await start()
  // hello's spec with 35 independent copies of its shout task
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const wide = structuredClone(spec) as any
  const shout = wide.root.dag.tasks.shout
  wide.root.dag.tasks = Object.fromEntries(Array.from({length: 35}, (_, i) => [`s${i + 1}`, {...structuredClone(shout), dependentTasks: undefined, inputs: {parameters: {text: {runtimeValue: {constant: 'hi'}}}}, taskInfo: {name: `s${i + 1}`}}]))
  const id = (await createKfpApi({endpoint: server.url}).createRun({display_name: 'wide', pipeline_spec: wide})).run_id!
  server.setRunState(id, 'SUCCEEDED', Array.from({length: 35}, (_, i) => ({display_name: `s${i + 1}`, state: 'SUCCEEDED' as const, log: 'hi\n'})))
  await settle()
  const byName = await runCli(['logs', id, 'nope'], {cwd: dir, env: await env()})
  const byNumber = await runCli(['logs', id, '99'], {cwd: dir, env: await env()})
  assert.is(byName.code, 2, byName.stderr)
  assert.match(byName.stderr, `has no step 'nope' (steps: ${Array.from({length: 30}, (_, i) => `s${i + 1}`).join(', ')} and 5 more).`)
  assert.is(byNumber.code, 2, byNumber.stderr)
  assert.match(byNumber.stderr, `has no step 99. Steps: ${Array.from({length: 30}, (_, i) => `${i + 1}. s${i + 1}`).join(', ')} and 5 more.`)
})

logs('-f with a step number follows that step alone, from when its pod starts to the end of the run', async () => {
  await helloProject()
  await start()
  const id = await newRun()
  server.runScripts.set(id, twoStepsOneAfterTheOther())
  const r = await runCli(['logs', id, '2', '-f'], {cwd: dir, env: await env()})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, 'S1\nS2\n')
})

logs("-f reads the run's spec (its pipeline version) and its ML Metadata context once, however often it polls the run; its executions at each poll", async () => {
  // Given two running runs of an uploaded pipeline version (a run holds no spec of its own), whose second step starts later
  await helloProject()
  await start()
  const api = createKfpApi({endpoint: server.url})
  const pipeline = await api.uploadPipeline({content: helloSpec(), filename: 'hello.yaml'}, {name: 'hello'})
  const version = (await api.listPipelineVersions(pipeline.pipeline_id!)).items[0]
  const ref = {pipeline_id: pipeline.pipeline_id!, pipeline_version_id: version.pipeline_version_id}
  const ids = [(await api.createRun({display_name: 'a', pipeline_version_reference: ref})).run_id!, (await api.createRun({display_name: 'b', pipeline_version_reference: ref})).run_id!]
  for (const id of ids) server.runScripts.set(id, twoStepsOneAfterTheOther())
  // When: step 2 by number (looked up in the spec) of one, all steps of the other
  const asked: Array<typeof server.requests> = []
  const follow = async (args: string[]) => {
    const from = server.requests.length
    const r = await runCli(['logs', ...args, '-f'], {cwd: dir, env: await env()})
    asked.push(server.requests.slice(from))
    return r
  }
  const two = await follow([ids[0], '2'])
  const all = await follow([ids[1]])
  // Then: the logs as before
  assert.is(two.code, 0, two.stderr)
  assert.is(two.stdout, 'S1\nS2\n')
  assert.is(all.code, 0, all.stderr)
  assert.equal(all.stdout.split('\n').filter((l) => l.startsWith('[shout]')), ['[shout] S1', '[shout] S2'])
  // And each command read the version once, while it polled the run (and ML Metadata) until the run ended (5 states)
  const count = (reqs: typeof server.requests, method: string, p: string) => reqs.filter((q) => q.method === method && q.path === p).length
  const versionPath = `/apis/v2beta1/pipelines/${pipeline.pipeline_id}/versions/${version.pipeline_version_id}`
  ids.forEach((id, i) => {
    assert.is(count(asked[i], 'GET', `/apis/v2beta1/runs/${id}`), 5, `run ${i}`)
    assert.is(count(asked[i], 'POST', '/ml_metadata.MetadataStoreService/GetExecutionsByContext'), 5, `run ${i}`)
    assert.is(count(asked[i], 'POST', '/ml_metadata.MetadataStoreService/GetContextByTypeAndName'), 1, `run ${i}: the run's context, once found`)
    assert.is(count(asked[i], 'GET', versionPath), 1, `run ${i}`)
  })
})

logs('-f asks ML Metadata again at the next poll after it failed: a step that starts while MLMD is down is still followed', async () => {
  // Given a running run whose second step starts while ML Metadata is unreachable for two polls
  await start()
  const id = await newRun()
  const script = twoStepsOneAfterTheOther()
  script[2].then = () => server.inject({kind: 'mlmd-down', match: /GetExecutionsByContext/, times: 2})
  server.runScripts.set(id, script)
  // When
  const r = await runCli(['logs', id, '-f'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.equal(lines.filter((l) => l.startsWith('[hello]')), ['[hello] h1', '[hello] h2', '[hello] h3'])
  assert.equal(lines.filter((l) => l.startsWith('[shout]')), ['[shout] S1', '[shout] S2'])
  assert.is(server.requests.filter((q) => q.path.endsWith('/GetExecutionsByContext')).length, 5)
})

logs.run()
