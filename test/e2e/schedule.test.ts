/**
 * kfp schedule on the built CLI against the fake KFP server's recurring runs (test/helpers/kfp-server.ts
 * `createRecurringRun`, modelled on api_converter.go `toModelJob`), and on the local target.
 */
import {cp} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
const sch = suite('kfp schedule create|list|get|pause|resume|delete')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
sch.before.each(async () => {
  server = await startFakeKfp({token: 'tok-sched'})
  const tmp = await tmpdir('kfp-schedule-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
  const add = await runCli(['target', 'add', 'prod', '--endpoint', server.url, '--token-env', 'PROD_TOKEN', '--experiment', 'retrain'], {cwd: dir, env: env()})
  assert.is(add.code, 0, add.stderr)
})
sch.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})
const env = () => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg'), PROD_TOKEN: 'tok-sched'})
const kfp = (args: string[]) => runCli(args, {cwd: dir, env: env()})

sch('create with a five-field cron: sent as six fields, seconds first, with mode and max_concurrency, pinned to the uploaded version', async () => {
  // When
  const r = await kfp(['schedule', 'create', 'nightly', '--cron', '0 3 * * *', '--param', 'startYear=2001', '--target', 'prod', '--no-catchup', '--start', '2027-01-01'])
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^Scheduled nightly \(rr-[\w-]+\) on prod: cron 0 0 3 \* \* \*, enabled, version [0-9a-f]{12}/m)
  const create = server.requests.find((q) => q.method === 'POST' && q.path === '/apis/v2beta1/recurringruns')!
  const body = create.body as any
  assert.equal(body.trigger, {cron_schedule: {cron: '0 0 3 * * *', start_time: '2027-01-01T00:00:00Z'}})
  assert.is(body.mode, 'ENABLE')
  assert.is(body.max_concurrency, '1')
  assert.is(body.no_catchup, true)
  assert.equal(body.runtime_config.parameters, {startYear: 2001})
  const version = [...server.versions.values()][0]
  assert.equal(body.pipeline_version_reference, {pipeline_id: version.pipeline_id, pipeline_version_id: version.pipeline_version_id})
  assert.is(server.experiments.get(body.experiment_id)?.display_name, 'retrain')
  assert.not.match(r.stdout + r.stderr, /tok-sched/)
  // The compile's warnings, as kfp upload and kfp run print them: the fixture's images were never built and pushed
  assert.match(r.stderr, /^Warning: step \S+: image .* was never built and pushed/m)
})

sch('--every, list, get, pause, resume, delete', async () => {
  const c = await kfp(['schedule', 'create', 'daily', '--every', '24h', '--max-concurrency', '2', '--target', 'prod'])
  assert.is(c.code, 0, c.stderr)
  const body = server.requests.find((q) => q.path === '/apis/v2beta1/recurringruns' && q.method === 'POST')!.body as any
  assert.equal(body.trigger, {periodic_schedule: {interval_second: '86400'}})
  assert.is(body.max_concurrency, '2')
  assert.is(body.no_catchup, false)
  const list = await kfp(['schedule', 'list', '--target', 'prod', '--json'])
  assert.is(list.code, 0, list.stderr)
  assert.equal(list.json.result.schedules.map((s: any) => [s.name, s.status, s.trigger]), [['daily', 'enabled', 'every 1d']])
  const pause = await kfp(['schedule', 'pause', 'daily', '--target', 'prod'])
  assert.is(pause.code, 0, pause.stderr)
  assert.match(pause.stdout, /^Paused daily \(rr-[\w-]+\) on prod: disabled$/m)
  const get = await kfp(['schedule', 'get', 'daily', '--target', 'prod'])
  assert.match(get.stdout, /daily \(rr-[\w-]+\) on prod: disabled\ntrigger: every 1d\nmax concurrency: 2 · catchup: yes\npipeline pl-/)
  const resume = await kfp(['schedule', 'resume', 'daily', '--target', 'prod'])
  assert.match(resume.stdout, /^Resumed daily .*: enabled$/m)
  const del = await kfp(['schedule', 'delete', 'daily', '--target', 'prod'])
  assert.is(del.code, 0, del.stderr)
  assert.is(server.recurringRuns.size, 0)
  const gone = await kfp(['schedule', 'get', 'daily', '--target', 'prod'])
  assert.is(gone.code, 6)
  assert.match(gone.stderr, /No schedule named or with id 'daily' on prod/)
})

sch('bad input: both or neither trigger, a bad cron field, max concurrency out of range, a taken name', async () => {
  const both = await kfp(['schedule', 'create', 'x', '--cron', '0 3 * * *', '--every', '1h', '--target', 'prod'])
  assert.is(both.code, 2)
  assert.match(both.stderr, /exactly one of --cron EXPR or --every DURATION/)
  const badCron = await kfp(['schedule', 'create', 'x', '--cron', '0 25 * * *', '--target', 'prod'])
  assert.is(badCron.code, 2)
  assert.match(badCron.stderr, /--cron '0 25 \* \* \*': hour field '25' is outside 0-23/)
  const many = await kfp(['schedule', 'create', 'x', '--every', '1h', '--max-concurrency', '11', '--target', 'prod'])
  assert.is(many.code, 2)
  assert.match(many.stderr, /--max-concurrency 11: KFP takes 1 to 10/)
  assert.is(server.recurringRuns.size, 0)
  assert.is((await kfp(['schedule', 'create', 'x', '--every', '1h', '--target', 'prod'])).code, 0)
  const uploads = server.versions.size
  const again = await kfp(['schedule', 'create', 'x', '--every', '1h', '--target', 'prod', '--experiment', 'other'])
  assert.is(again.code, 2)
  assert.match(again.stderr, /already has a schedule named x/)
  // The refused create left nothing behind: no experiment 'other', no new upload
  assert.not.ok([...server.experiments.values()].some((e) => e.display_name === 'other'))
  assert.is(server.versions.size, uploads)
})

sch('on the local target: a clear message, and with --dry-run the crontab line', async () => {
  const r = await kfp(['schedule', 'create', 'nightly', '--cron', '0 3 * * *', '--param', 'startYear=2001'])
  assert.is(r.code, 2)
  assert.match(r.stderr, /Schedules run on a KFP server; the current target 'local' is the local engine, which has no scheduler/)
  const dry = await kfp(['schedule', 'create', 'nightly', '--cron', '0 3 * * *', '--param', 'startYear=2001', '--dry-run'])
  assert.is(dry.code, 0, dry.stderr)
  assert.is(dry.stdout, `0 3 * * * cd ${dir} && kfp run --target local --param startYear=2001\n`)
  const list = await kfp(['schedule', 'list'])
  assert.is(list.code, 2)
  assert.match(list.stderr, /Schedules are recurring runs on a KFP server; the target local is the local engine/)
  assert.is(server.requests.length, 0)
})
sch('create with a description over 255 characters on MySQL (KFP\'s default database): exit 6 with the hint to shorten it; nothing is scheduled', async () => {
  const r = await kfp(['schedule', 'create', 'nightly', '--cron', '0 3 * * *', '--target', 'prod', '--description', 'd'.repeat(256)])
  assert.is(r.code, 6, r.stderr)
  assert.match(r.stderr, 'Failed to store job nightly to table')
  assert.match(r.stderr, 'keeps at most 255 characters of a description: pass a shorter --description.')
  assert.is(server.recurringRuns.size, 0)
})
sch.run()
