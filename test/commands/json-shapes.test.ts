// One concept, one shape (issue 12 item 3): `kfp artifacts list --json` and `kfp runs cancel --json` of a local run
// and of a run on the fake KFP server have the same fields, as docs/json.md lists them; steps are named by the label
// users see in `kfp runs get` on both sides.
import {readFileSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {startS3StandIn, storeMinioWritesIn, type S3StandIn} from '../helpers/s3-stand-in.js'
import {tmpdir} from '../helpers/tmp.js'

const metricsIr = path.join(repoRoot, 'test', 'fixtures', 'ir', 'insight', 'metrics.yaml')
const J = suite('--json shapes: local and server runs alike')
let server: FakeKfpServer
let s3: S3StandIn
let tmp: {dir: string; cleanup: () => Promise<void>}
let serverRun: string
J.before(async () => {
  server = await startFakeKfp()
  s3 = await startS3StandIn({buckets: ['mlpipeline']})
  storeMinioWritesIn(server, s3)
  tmp = await tmpdir('kfp-json-shapes-')
  await writeFile(path.join(tmp.dir, 'kfp.yaml'), `name: metrics\nsteps: []\ntargets:\n  local: {type: local}\n  kfp: {type: kfp, endpoint: '${server.url}'}\ndefaultTarget: local\n`)
  const local = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--name', 'here'], {cwd: tmp.dir})
  assert.is(local.code, 0, local.stderr)
  const {spec} = parseCompiledPipeline(readFileSync(metricsIr, 'utf8'), 'metrics.yaml')
  serverRun = (await createKfpApi({endpoint: server.url}).createRun({display_name: 'there', pipeline_spec: spec})).run_id!
  server.setRunState(serverRun, 'SUCCEEDED', [
    {display_name: 'train', state: 'SUCCEEDED', artifacts: {metrics: '{}', model: 'w'}, log: 'x\n'},
    {display_name: 'evaluate', state: 'SUCCEEDED', artifacts: {scores: '{}', report: '<p>', notes: '# n'}, log: 'y\n'},
  ])
})
J.after(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await s3.close()
  await tmp.cleanup()
})
const env = () => ({KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg'), KFP_S3_ENDPOINT: s3.url, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey})
const onServer = () => ({...env(), KFP_TARGET: 'kfp'})
const keys = (o: object) => Object.keys(o).sort()
/** The fields every artifact has, whichever side it comes from. */
const ALWAYS = ['cached', 'kind', 'metadata', 'name', 'number', 'step', 'task', 'type', 'uri']

J('artifacts list --json: {run: {id, name, status, target}, artifacts: [...]} locally and on a server; steps by label', async () => {
  const here = await runCli(['artifacts', 'list', 'here', '--json'], {cwd: tmp.dir, env: env()})
  const there = await runCli(['artifacts', 'list', serverRun, '--json'], {cwd: tmp.dir, env: onServer()})
  assert.is(here.code, 0, here.stderr)
  assert.is(there.code, 0, there.stderr)
  assert.equal(keys(here.json.result), ['artifacts', 'run'])
  assert.equal(keys(there.json.result), ['artifacts', 'run'])
  assert.equal(here.json.result.run, {id: here.json.result.run.id, name: 'here', status: 'succeeded', target: 'local'})
  assert.equal(there.json.result.run, {id: serverRun, name: 'there', status: 'succeeded', target: 'kfp'})
  for (const a of [...here.json.result.artifacts, ...there.json.result.artifacts]) {
    assert.ok(ALWAYS.every((k) => k in a), `${JSON.stringify(a)} lacks one of ${ALWAYS}`)
    assert.is(typeof a.cached, 'boolean')
    assert.is(typeof a.metadata, 'object')
  }
  const named = (r: typeof here) => r.json.result.artifacts.map((a: {step: string; name: string}) => `${a.step}.${a.name}`).sort()
  assert.equal(named(here), named(there))
  // A local file has its path, kind and size; a server artifact is remote (read with kfp artifacts get)
  assert.ok(here.json.result.artifacts.every((a: {kind: string; path?: string}) => a.kind !== 'remote' && a.path))
  assert.ok(there.json.result.artifacts.every((a: {kind: string}) => a.kind === 'remote'))
})

J('runs cancel --json of a finished run: {run, action, changed, cancelled, stoppedSteps} on both sides', async () => {
  const here = await runCli(['runs', 'cancel', 'here', '--json'], {cwd: tmp.dir, env: env()})
  const there = await runCli(['runs', 'cancel', serverRun, '--json'], {cwd: tmp.dir, env: onServer()})
  assert.is(here.code, 0, here.stderr)
  assert.is(there.code, 0, there.stderr)
  for (const r of [here, there]) {
    assert.equal(keys(r.json.result), ['action', 'cancelled', 'changed', 'run', 'stoppedSteps'])
    assert.equal([r.json.result.action, r.json.result.changed, r.json.result.cancelled, r.json.result.stoppedSteps], ['cancel', false, false, []])
    assert.is(r.json.result.run.status, 'succeeded')
  }
})

J.run()
