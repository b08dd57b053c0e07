import {cp, writeFile} from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKube, type FakeKube} from '../helpers/fake-kube.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {mirrorPods} from '../helpers/fake-cluster.js'
import {tmpdir} from '../helpers/tmp.js'

const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
const e2e = suite('kfp run --target NAME --watch with a compiled project (fake KFP server + fake Kubernetes)')
let server: FakeKfpServer
let kube: FakeKube
let dir: string
let cleanup: () => Promise<void>
e2e.before.each(async () => {
  server = await startFakeKfp({token: 'tok-e2e'})
  kube = await startFakeKube()
  const tmp = await tmpdir('kfp-remote-run-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
  const add = await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-env', 'DEV_TOKEN', '--experiment', 'blog'], {cwd: dir, env: await env()})
  assert.is(add.code, 0, add.stderr)
})
e2e.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await kube.close()
  await cleanup()
})
const env = async () => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg'), DEV_TOKEN: 'tok-e2e', KUBECONFIG: await kube.kubeconfig(dir)})
const steps = ['preprocess', 'hypertrain', 'traintuned', 'deploy']
const tasks = (done: number, last = 'RUNNING') => steps.slice(0, done + 1).map((s, i) => ({display_name: s, state: i < done ? 'SUCCEEDED' : last}))

/** Calls `f` with the id of the first run the server gets. */
function onRunCreated(f: (id: string) => void): void {
  const t = setInterval(() => {
    const run = [...server.runs.values()][0]
    if (run) {
      clearInterval(t)
      f(run.run_id)
    }
  }, 20)
}

e2e('uploads once, creates the run with typed params, shows per-task progress and logs, exits 0', async () => {
  // Given a run that goes through the four steps
  server.defaultRunScript = [
    {state: 'RUNNING', tasks: tasks(0)},
    {state: 'RUNNING', tasks: tasks(1)},
    {state: 'RUNNING', tasks: tasks(3)},
    {state: 'SUCCEEDED', tasks: tasks(4).slice(0, 4).map((t) => ({...t, state: 'SUCCEEDED'}))},
  ]
  server.defaultRunScript[0].tasks![0].log = 'reading natality data\nwrote gs://my-bucket/pre\n'
  const stop = mirrorPods(server, kube, {lineIntervalMs: 100})
  // When
  const r = await runCli(['run', '--target', 'dev', '--param', 'startYear=2001', '--name', 'try1'], {cwd: dir, env: await env()})
  const again = await runCli(['run', '--target', 'dev', '--no-watch', '--json'], {cwd: dir, env: await env()})
  stop()
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Run try1 \(run-[\w-]+\) succeeded\.$/m)
  assert.match(r.stderr, /Uploading babyweight version [0-9a-f]{12}/)
  assert.match(r.stderr, /▶ preprocess running/)
  assert.match(r.stderr, /✔ deploy succeeded/)
  assert.match(r.stderr, /\[preprocess\] reading natality data/)
  const creates = server.requests.filter((q) => q.method === 'POST' && q.path === '/apis/v2beta1/runs')
  assert.is(creates.length, 2)
  const body = creates[0].body as any
  assert.equal(body.runtime_config.parameters, {startYear: 2001})
  assert.is(body.display_name, 'try1')
  assert.ok(body.pipeline_version_reference.pipeline_version_id)
  assert.is([...server.experiments.values()].filter((e) => e.display_name === 'blog').length, 1)
  // Upload happened once: the second run reused the version
  assert.is(again.code, 0, again.stderr)
  assert.is(server.versions.size, 1)
  assert.is(again.json.result.pipeline.upload.created, 'none')
  assert.not.match(r.stdout + r.stderr, /tok-e2e/)
})

e2e('a run that fails exits 7 naming the failed step, its ML Metadata execution and the last lines of its log', async () => {
  // Given a failing step (the server sets no error text anywhere)
  server.defaultRunScript = [{state: 'RUNNING', tasks: tasks(1)}, {state: 'FAILED', tasks: tasks(1, 'FAILED').map((t) => (t.state === 'FAILED' ? {...t, log: 'loading\nValueError: bad learning rate\n'} : t))}]
  // When
  const r = await runCli(['run', '--target', 'dev', '--json'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 7)
  assert.is(r.json.error.code, 'RUN_FAILED')
  assert.match(r.json.error.message, /step hypertrain failed \(ML Metadata execution \d+: FAILED\)/)
  assert.match(r.json.error.message, "Last lines of hypertrain's log (ui):\n  loading\n  ValueError: bad learning rate")
  assert.ok(r.json.error.hints.some((h: string) => h.startsWith('Logs: kfp logs ') && h.includes('hypertrain')))
})

e2e('a run another client cancels while watching shows cancelled and exits 7 (RUN_CANCELLED), though the server ends it FAILED', async () => {
  // Given a run that would keep running, terminated by someone else once it started; the persistence agent reports CANCELING
  server.options.reportTerminating = true
  server.defaultRunScript = Array.from({length: 50}, () => ({state: 'RUNNING', tasks: tasks(0)}))
  onRunCreated((id) => setTimeout(() => void createKfpApi({endpoint: server.url, headers: async () => ({authorization: 'Bearer tok-e2e'})}).terminateRun(id), 300))
  // When
  const r = await runCli(['run', '--target', 'dev', '--json'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 7, r.stderr)
  assert.is(r.json.error.code, 'RUN_CANCELLED')
  assert.match(r.json.error.message, /was cancelled \(the server shows it FAILED\)/)
  const id = [...server.runs.values()][0].run_id
  assert.equal(server.runs.get(id)!.state_history.map((h: {state: string}) => h.state).slice(-2), ['CANCELING', 'FAILED'])
})

e2e('Ctrl-C while watching stops watching (exit 130) and says how to cancel; the run goes on on the server', async () => {
  // Given a run that keeps running
  server.defaultRunScript = Array.from({length: 200}, () => ({state: 'RUNNING', tasks: tasks(0)}))
  let pid = 0
  onRunCreated(() => setTimeout(() => process.kill(pid, 'SIGINT'), 400))
  // When
  const r = await runCli(['run', '--target', 'dev'], {cwd: dir, env: await env(), onSpawn: (p) => (pid = p)})
  // Then
  assert.is(r.code, 130, r.stderr)
  const id = [...server.runs.values()][0].run_id
  assert.match(r.stderr, new RegExp(`kfp runs cancel ${id} --target dev`))
  assert.is(server.runs.get(id)!.state, 'RUNNING')
  assert.not.ok(server.requests.some((q) => q.path.endsWith(':terminate')))
})

e2e('with --cancel-on-interrupt, Ctrl-C also cancels the run on the server', async () => {
  // Given
  server.defaultRunScript = Array.from({length: 200}, () => ({state: 'RUNNING', tasks: tasks(0)}))
  let pid = 0
  onRunCreated(() => setTimeout(() => process.kill(pid, 'SIGINT'), 400))
  // When
  const r = await runCli(['run', '--target', 'dev', '--cancel-on-interrupt'], {cwd: dir, env: await env(), onSpawn: (p) => (pid = p)})
  // Then
  assert.is(r.code, 130, r.stderr)
  assert.ok(server.requests.some((q) => q.method === 'POST' && q.path.endsWith(':terminate')), 'the run was cancelled on the server')
})

e2e('a watch without a kube context uses no Kubernetes client (client-node would default to localhost:8080), prints no TLS or connection warnings, and says once why it shows no logs', async () => {
  // Given no KUBECONFIG and no ~/.kube/config, and something (not Kubernetes) on localhost:8080, client-node's default
  const hits: string[] = []
  const other = http.createServer((q, res) => {
    hits.push(q.url ?? '')
    res.writeHead(404).end('not kubernetes')
  })
  const bound = await new Promise<boolean>((resolve) => {
    other.once('error', () => resolve(false))
    other.listen({port: 8080, host: '::', ipv6Only: false}, () => resolve(true))
  })
  server.defaultRunScript = [{state: 'RUNNING', tasks: tasks(0)}, {state: 'SUCCEEDED', tasks: tasks(4).slice(0, 4).map((t) => ({...t, state: 'SUCCEEDED'}))}]
  server.defaultRunScript[0].tasks![0].log = 'reading natality data\n'
  try {
    // When
    const {KUBECONFIG: _k, ...noKube} = await env()
    const r = await runCli(['run', '--target', 'dev'], {cwd: dir, env: {...noKube, NODE_TLS_REJECT_UNAUTHORIZED: '0'}})
    // Then
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, /✔ deploy succeeded/)
    assert.is(r.stderr.match(/No Kubernetes context/g)?.length, 1, r.stderr)
    assert.match(r.stderr, /Cannot stream logs: No Kubernetes context .* `kfp logs run-[\w-]+` reads them through the KFP UI\./)
    assert.not.match(r.stderr, /TLS|NODE_TLS|localhost:8080|ECONNREFUSED/)
    if (bound) assert.equal(hits, [], 'no request went to localhost:8080')
    else console.log('NOTE: port 8080 busy; not checking that no request went there')
  } finally {
    other.close()
  }
})

e2e('--watch: a log stream that breaks midway goes on after the lines already printed (none twice); a pod Kubernetes does not know is skipped for that step alone, said once', async () => {
  // Given a run whose first step's stream is cut twice, and whose second step's pod Kubernetes never had
  server.defaultRunScript = [
    {state: 'RUNNING', tasks: tasks(0)},
    {state: 'RUNNING'},
    {state: 'RUNNING'},
    {state: 'RUNNING', tasks: tasks(1)},
    {state: 'RUNNING', tasks: tasks(2)},
    {state: 'RUNNING'},
    {state: 'SUCCEEDED', tasks: tasks(4).slice(0, 4).map((t) => ({...t, state: 'SUCCEEDED'}))},
  ]
  server.defaultRunScript[0].tasks![0].log = 'p1\np2\np3\np4\np5\n'
  server.defaultRunScript[3].tasks![1].log = 'h1\n'
  server.defaultRunScript[4].tasks![2].log = 't1\nt2\n'
  kube.cut.push({pod: /./, afterLines: 2, times: 1}, {pod: /./, afterLines: 1, times: 1})
  const stop = mirrorPods(server, kube, {lineIntervalMs: 150, missing: (step) => step === 'hypertrain'})
  // When
  const r = await runCli(['run', '--target', 'dev'], {cwd: dir, env: await env()})
  stop()
  // Then
  assert.is(r.code, 0, r.stderr)
  const lines = r.stderr.split('\n').filter((l) => /^\[(preprocess|hypertrain|traintuned)\] /.test(l))
  assert.equal(lines.filter((l) => l.startsWith('[preprocess]')), ['[preprocess] p1', '[preprocess] p2', '[preprocess] p3', '[preprocess] p4', '[preprocess] p5'])
  assert.equal(lines.filter((l) => l.startsWith('[traintuned]')), ['[traintuned] t1', '[traintuned] t2'])
  assert.equal(lines.filter((l) => l.startsWith('[hypertrain]')), [])
  assert.is(r.stderr.match(/Step hypertrain: Kubernetes has no pod/g)?.length, 1, r.stderr)
  assert.match(r.stderr, /`kfp logs run-[\w-]+ hypertrain` reads it through the KFP UI/)
  assert.ok(kube.requests.filter((q) => q.path.endsWith('/log') && q.query.follow === 'true').length >= 4, 'the cut streams were opened again')
})

e2e('--watch: a log line with non-ASCII characters is shown whole though Kubernetes sends it cut inside characters', async () => {
  // Given a run whose first step logs a line that reaches kfp cut inside é (bytes 3-4), 日 (6-8) and 🎉 (13-16)
  const line = 'café 日本 🎉'
  server.defaultRunScript = [
    {state: 'RUNNING', tasks: tasks(0)},
    {state: 'RUNNING'},
    {state: 'SUCCEEDED', tasks: tasks(4).slice(0, 4).map((t) => ({...t, state: 'SUCCEEDED'}))},
  ]
  server.defaultRunScript[0].tasks![0].log = `${line}\nend\n`
  kube.split.push({pod: /./, atBytes: [4, 7, 15]})
  const stop = mirrorPods(server, kube, {lineIntervalMs: 50})
  // When
  const r = await runCli(['run', '--target', 'dev'], {cwd: dir, env: await env()})
  stop()
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('[preprocess]')), [`[preprocess] ${line}`, '[preprocess] end'])
})

e2e('a bad value in --params-file is a usage error at file:line:col, before anything reaches the server', async () => {
  // Given a params file whose second key has a value of the wrong type, and an unknown third
  await writeFile(path.join(dir, 'p.yaml'), 'project: p1\nstartYear: lots\ncolour: red\n')
  // When
  const r = await runCli(['run', '--target', 'dev', '--params-file', 'p.yaml'], {cwd: dir, env: await env()})
  // Then
  assert.is(r.code, 2, r.stderr)
  assert.match(r.stderr, "p.yaml:2:1: Parameter 'startYear' (integer): 'lots' is not an integer.")
  assert.match(r.stderr, "p.yaml:3:1: Unknown parameter 'colour'.")
  assert.not.match(r.stderr, /at .*\.js:\d+/)
  assert.is(server.requests.filter((q) => q.method === 'POST').length, 0, 'nothing was uploaded or run')
})

e2e.run()
