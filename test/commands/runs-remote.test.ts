import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi, type KfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const runs = suite('kfp runs list|get|cancel|retry|archive on a KFP server (CLI)')
let server: FakeKfpServer
let api: KfpApi
let dir: string
let cleanup: () => Promise<void>
runs.before.each(async () => {
  server = await startFakeKfp()
  api = createKfpApi({endpoint: server.url})
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: hello\nsteps: []\n')
})
runs.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})

const env = () => ({KFP_CONFIG_DIR: path.join(dir, '.cfg'), KFP_ENDPOINT: server.url})

async function createRun(name: string, state: string, tasks: Array<{display_name: string; state: string}> = []): Promise<string> {
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const exp = [...server.experiments.values()].find((e) => e.display_name === 'blog') ?? (await api.createExperiment({display_name: 'blog'}))
  const run = await api.createRun({display_name: name, experiment_id: exp.experiment_id, pipeline_spec: spec, runtime_config: {parameters: {who: 'you'}}})
  server.setRunState(run.run_id!, state, tasks)
  return run.run_id!
}

runs('list: the local table columns, tab-separated without a TTY; --json has the runs; experiment by name', async () => {
  // Given
  const failed = await createRun('try1', 'FAILED', [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'FAILED'}])
  // When
  const table = await runCli(['runs', 'list'], {cwd: dir, env: env()})
  const json = await runCli(['runs', 'list', '--json', '--status', 'failed'], {cwd: dir, env: env()})
  // Then
  assert.is(table.code, 0, table.stderr)
  const [head, row] = table.stdout.trim().split('\n')
  assert.is(head, 'id\tname\tstatus\texperiment\tcreated\tduration\tsteps')
  const cells = row.split('\t')
  assert.equal(cells.slice(0, 4), [failed, 'try1', 'failed', 'blog'])
  assert.match(cells[6], /1 succeeded, 1 failed|1 failed, 1 succeeded/)
  assert.is(json.code, 0, json.stderr)
  assert.is(json.json.result.runs.length, 1)
  assert.is(json.json.result.runs[0].id, failed)
  assert.is(json.json.result.runs[0].state, 'FAILED')
})

runs('list on an empty server says so on stderr and prints nothing on stdout', async () => {
  const r = await runCli(['runs', 'list'], {cwd: dir, env: env()})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /No runs on target env yet/)
})

runs('get: status line, parameters and the step table; `latest` is the newest run; unknown run exits 3', async () => {
  // Given
  await createRun('old', 'SUCCEEDED')
  await new Promise((r) => setTimeout(r, 1100))
  const id = await createRun('try2', 'RUNNING', [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'RUNNING'}])
  // When
  const byId = await runCli(['runs', 'get', id], {cwd: dir, env: env()})
  const latest = await runCli(['runs', 'get', 'latest', '--json'], {cwd: dir, env: env()})
  const missing = await runCli(['runs', 'get', 'run-nope', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(byId.code, 0, byId.stderr)
  assert.match(byId.stdout, `Run try2 (${id}): running [RUNNING]`)
  assert.match(byId.stdout, 'Parameters: who=you')
  assert.match(byId.stdout, ' · experiment blog · ')
  assert.is((await runCli(['runs', 'get', id, '--json'], {cwd: dir, env: env()})).json.result.run.experiment, 'blog')
  assert.match(byId.stdout, /#\tstep\tstatus\tduration\toutputs\n1\thello\tsucceeded\t.*\n2\tshout\trunning/)
  assert.is(latest.json.result.run.id, id)
  assert.is(missing.code, 3)
  assert.is(missing.json.error.code, 'RUN_NOT_FOUND')
})

runs('get: exactly the pipeline\'s steps whatever Argo wrapper rows task_details hold; loop iterations from ML Metadata', async () => {
  // Given a loop pipeline (the SDK's pipeline_with_loops) mid-run, whose task_details are Argo nodes with retry wrappers
  const {spec} = parseCompiledPipeline(await readFile(path.join(repoRoot, 'test/fixtures/ir/pipeline_with_loops.yaml'), 'utf8'), 'p.yaml')
  const id = (await api.createRun({display_name: 'loops', pipeline_spec: spec})).run_id!
  server.setRunState(id, 'RUNNING', [
    {display_name: 'args-generator-op', state: 'SUCCEEDED', outputs: {Output: [{A_a: '1', B_b: '2'}]}},
    {display_name: 'for-loop-1[0]/print-text', state: 'SUCCEEDED'},
    {display_name: 'for-loop-1[1]/print-text', state: 'RUNNING'},
  ])
  // When
  const table = await runCli(['runs', 'get', id], {cwd: dir, env: env()})
  const json = await runCli(['runs', 'get', id, '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(table.code, 0, table.stderr)
  const details = server.runs.get(id).run_details.task_details.map((t: {display_name: string}) => t.display_name)
  assert.ok(details.includes('executor(0)') && details.includes('root(0)') && details.includes('args-generator-op-driver(0)'), 'the server shows wrapper rows')
  const rows = table.stdout.split('\n').filter((l) => /^\d*\t/.test(l)).map((l) => l.split('\t').slice(0, 3).join(' '))
  // Steps inside loops appear once ML Metadata has their iterations (the items are only known at run time).
  assert.equal(rows, ['1 args-generator-op succeeded', '2 print-text[0] succeeded', '2 print-text[1] running'])
  assert.match(table.stdout, /args-generator-op\tsucceeded\t[^\t]*\tOutput=\[\{"A_a":"1","B_b":"2"\}\]/)
  assert.equal(json.json.result.run.tasks.map((t: {key: string}) => t.key), ['args-generator-op', 'for-loop-1[0]/print-text', 'for-loop-1[1]/print-text'])
  assert.is(json.json.result.run.stepsFrom, 'ml-metadata')
})

runs('a run another client terminated: CANCELING while stopping, then FAILED on the server, cancelled in kfp when its history says so', async () => {
  // Given two runs terminated by someone else: one whose CANCELING the persistence agent reported, one whose it did not
  server.options.reportTerminating = true
  const seen = await createRun('seen', 'RUNNING', [{display_name: 'hello', state: 'RUNNING'}])
  await api.terminateRun(seen)
  const stopping = await runCli(['runs', 'get', seen, '--json'], {cwd: dir, env: env()})
  const ended = await runCli(['runs', 'get', seen, '--json'], {cwd: dir, env: env()})
  server.options.reportTerminating = false
  const unseen = await createRun('unseen', 'RUNNING', [{display_name: 'hello', state: 'RUNNING'}])
  await api.terminateRun(unseen)
  const unseenGet = await runCli(['runs', 'get', unseen, '--json'], {cwd: dir, env: env()})
  const list = await runCli(['runs', 'list', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(stopping.json.result.run.state, 'CANCELING')
  assert.is(stopping.json.result.run.status, 'cancelled')
  assert.is(ended.json.result.run.state, 'FAILED', 'CANCELED is never set')
  assert.is(ended.json.result.run.status, 'cancelled')
  assert.equal(ended.json.result.run.tasks.map((t: {name: string; status: string; state: string}) => [t.name, t.status, t.state]), [['hello', 'cancelled', 'RUNNING'], ['shout', 'cancelled', undefined]])
  assert.is(unseenGet.json.result.run.status, 'failed', 'nothing on the server says it was cancelled')
  assert.equal(list.json.result.runs.map((r: {name: string; status: string}) => [r.name, r.status]).sort(), [['seen', 'cancelled'], ['unseen', 'failed']])
})

runs('cancel: a running run is terminated; a finished one is left alone and says so', async () => {
  // Given
  const running = await createRun('long', 'RUNNING')
  const done = await createRun('done', 'SUCCEEDED')
  // When
  const c1 = await runCli(['runs', 'cancel', running, '--json'], {cwd: dir, env: env()})
  const c2 = await runCli(['runs', 'cancel', done], {cwd: dir, env: env()})
  // Then
  assert.is(c1.code, 0, c1.stderr)
  assert.is(c1.json.result.cancelled, true)
  assert.is(server.runs.get(running).state, 'FAILED', 'the server ends a terminated run FAILED')
  const after = await runCli(['runs', 'get', running, '--json'], {cwd: dir, env: env()})
  assert.is(after.json.result.run.status, 'cancelled', 'a run kfp terminated shows cancelled')
  const listed = await runCli(['runs', 'list', '--json'], {cwd: dir, env: env()})
  assert.equal(listed.json.result.runs.filter((x: {id: string}) => [running, done].includes(x.id)).map((x: {id: string; status: string}) => [x.id, x.status]).sort(), [[done, 'succeeded'], [running, 'cancelled']].sort(), 'runs list too')
  assert.ok(server.requests.some((q) => q.method === 'POST' && q.path === `/apis/v2beta1/runs/${running}:terminate`))
  assert.is(c2.code, 0, c2.stderr)
  assert.match(c2.stdout, /had already finished \(succeeded\); nothing to cancel/)
  assert.not.ok(server.requests.some((q) => q.path === `/apis/v2beta1/runs/${done}:terminate`))
})

runs('retry: a failed run goes back to running; a succeeded one is a usage error (exit 2)', async () => {
  // Given
  const failed = await createRun('f', 'FAILED')
  const ok = await createRun('ok', 'SUCCEEDED')
  // When
  const r1 = await runCli(['runs', 'retry', failed], {cwd: dir, env: env()})
  const r2 = await runCli(['runs', 'retry', ok, '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(r1.code, 0, r1.stderr)
  assert.match(r1.stdout, `Retrying run f (${failed}): running.`)
  assert.is(server.runs.get(failed).state, 'RUNNING')
  assert.is(r2.code, 2)
  assert.match(r2.json.error.message, /only failed or cancelled runs can be retried/)
})

runs('archive: the run is archived and disappears from runs list; twice changes nothing', async () => {
  // Given
  const id = await createRun('a', 'SUCCEEDED')
  // When
  const a1 = await runCli(['runs', 'archive', id, '--json'], {cwd: dir, env: env()})
  const a2 = await runCli(['runs', 'archive', id], {cwd: dir, env: env()})
  const list = await runCli(['runs', 'list', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(a1.code, 0, a1.stderr)
  assert.is(a1.json.result.changed, true)
  assert.is(server.runs.get(id).storage_state, 'ARCHIVED')
  assert.match(a2.stdout, 'was already archived')
  assert.equal(list.json.result.runs, [])
})

runs('list --archived shows only the archived runs; --limit counts the runs shown; local runs have no archive (exit 2)', async () => {
  // Given three active runs and one archived one (the oldest)
  const old = await createRun('old', 'SUCCEEDED')
  await api.archiveRun(old)
  for (const n of ['b', 'c', 'd']) await createRun(n, 'SUCCEEDED')
  // When
  const archived = await runCli(['runs', 'list', '--archived'], {cwd: dir, env: env()})
  const active = await runCli(['runs', 'list', '--limit', '3', '--json'], {cwd: dir, env: env()})
  const local = await runCli(['runs', 'list', '--archived', '--target', 'local'], {cwd: dir, env: {KFP_CONFIG_DIR: path.join(dir, '.cfg')}})
  // Then
  assert.is(archived.code, 0, archived.stderr)
  const rows = archived.stdout.trim().split('\n').slice(1)
  assert.equal(rows.map((r) => r.split('\t').slice(0, 3)), [[old, 'old', 'succeeded']])
  assert.is(active.code, 0, active.stderr)
  assert.equal(active.json.result.runs.map((r: {name: string}) => r.name).sort(), ['b', 'c', 'd'])
  assert.ok(server.requests.some((q) => q.path === '/apis/v2beta1/runs' && /storage_state/.test(q.query.filter ?? '')), 'the server filters on storage_state')
  assert.is(local.code, 2)
  assert.match(local.stderr, /--archived lists archived runs on a KFP server/)
})

runs('list --archived with nothing archived says so on stderr', async () => {
  await createRun('a', 'SUCCEEDED')
  const r = await runCli(['runs', 'list', '--archived'], {cwd: dir, env: env()})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /No archived runs on target/)
})

runs('retry and archive on the local target are usage errors that say what to do instead', async () => {
  // When
  const r = await runCli(['runs', 'retry', 'latest', '--json'], {cwd: dir, env: {KFP_CONFIG_DIR: path.join(dir, '.cfg')}})
  const a = await runCli(['runs', 'archive', 'latest'], {cwd: dir, env: {KFP_CONFIG_DIR: path.join(dir, '.cfg')}})
  // Then
  assert.is(r.code, 2)
  assert.match(r.json.error.message, /works on runs on a KFP server; the target is 'local'/)
  assert.ok(r.json.error.hints.some((h: string) => h.includes('kfp run --start-step')))
  assert.is(a.code, 2)
  assert.match(a.stderr, /kfp runs delete/)
})

runs('--target NAME from kfp.yaml reaches the server, and KFP_TARGET does the same', async () => {
  // Given
  await writeFile(path.join(dir, 'kfp.yaml'), `name: hello\nsteps: []\ntargets:\n  dev: {type: kfp, endpoint: '${server.url}'}\n`)
  const id = await createRun('t', 'SUCCEEDED')
  const cfg = {KFP_CONFIG_DIR: path.join(dir, '.cfg')}
  // When
  const flag = await runCli(['runs', 'get', id, '--target', 'dev', '--json'], {cwd: dir, env: cfg})
  const byEnv = await runCli(['runs', 'list', '--json'], {cwd: dir, env: {...cfg, KFP_TARGET: 'dev'}})
  // Then
  assert.is(flag.code, 0, flag.stderr)
  assert.is(flag.json.result.run.target, 'dev')
  assert.is(byEnv.json.result.runs[0].id, id)
})

runs.run()
