// The metrics of a run on the fake KFP server: a system.Metrics artifact's custom properties in ML Metadata, shown by
// kfp artifacts list (remote-mlmd's listServerArtifacts) and below the steps of kfp runs get.
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {startS3StandIn, storeMinioWritesIn, type S3StandIn} from '../helpers/s3-stand-in.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const R = suite('metrics of a KFP server run: kfp artifacts list and kfp runs get')
let server: FakeKfpServer
let s3: S3StandIn
let tmp: {dir: string; cleanup: () => Promise<void>}
let runId: string
R.before(async () => {
  server = await startFakeKfp()
  s3 = await startS3StandIn({buckets: ['mlpipeline']})
  storeMinioWritesIn(server, s3)
  tmp = await tmpdir('kfp-art-remote-')
  await writeFile(path.join(tmp.dir, 'kfp.yaml'), 'name: hello\nsteps: []\n')
  const api = createKfpApi({endpoint: server.url})
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const exp = await api.createExperiment({display_name: 'blog'})
  const run = await api.createRun({display_name: 'remote-try', experiment_id: exp.experiment_id, pipeline_spec: spec, runtime_config: {parameters: {who: 'you'}}})
  runId = run.run_id!
  server.setRunState(runId, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED', artifacts: {model: 'weights v1\n'}, log: 'hi\n'}])
  // A Metrics artifact as the launcher records one: its metrics are the artifact's custom properties
  const exec = [...server.mlmd.executions.values()].find((e) => e.props.task_name === 'hello')!
  server.mlmd.putOutput(exec.id, 'metrics', {uri: 'minio://mlpipeline/v2/artifacts/hello/metrics', type: 'system.Metrics', props: {accuracy: 0.75, loss: 0.5}})
})
R.after(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await s3.close()
  await tmp.cleanup()
})
const env = () => ({KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg'), KFP_ENDPOINT: server.url, KFP_S3_ENDPOINT: s3.url, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey})

R('list: a Metrics artifact shows its metrics inline (its custom properties, display_name left out); --json has them in metadata', async () => {
  const r = await runCli(['artifacts', 'list', runId], {cwd: tmp.dir, env: env()})
  assert.is(r.code, 0, r.stderr)
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'))
  assert.equal(rows.map((x) => [x[1], x[2]]), [['name', 'type'], ['metrics', 'system.Metrics'], ['model', 'system.Artifact']])
  assert.match(rows[1][4], 'accuracy=0.75, loss=0.5')
  assert.not.match(r.stdout, 'executor-logs')
  const js = await runCli(['artifacts', 'list', runId, 'hello', '--json'], {cwd: tmp.dir, env: env()})
  assert.equal(js.json.result.artifacts.map((a: any) => [a.step, a.name, a.metadata.accuracy]), [['hello', 'metrics', 0.75], ['hello', 'model', undefined]])
})

R('runs get on the server shows the metrics below the steps; open says it is for local runs', async () => {
  const r = await runCli(['runs', 'get', runId], {cwd: tmp.dir, env: env()})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /Metrics:\nstep\tartifact\tmetric\tvalue\n[^\n]*hello\tmetrics\taccuracy\t0\.75\n[^\n]*hello\tmetrics\tloss\t0\.5/)
  const open = await runCli(['artifacts', 'open', runId, 'hello', 'model'], {cwd: tmp.dir, env: env()})
  assert.is(open.code, 2)
  assert.match(open.stderr, 'kfp artifacts open shows artifacts of local runs')
})

R('runs get on the server connects once and reads the run and each ML Metadata query once', async () => {
  const from = server.requests.length
  const r = await runCli(['runs', 'get', runId], {cwd: tmp.dir, env: env()})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, 'accuracy')
  const counts: Record<string, number> = {}
  for (const q of server.requests.slice(from)) counts[`${q.method} ${q.path}`] = (counts[`${q.method} ${q.path}`] ?? 0) + 1
  // The steps' executions (describeRun) and the metrics (their OUTPUT events) come from one session: each request once.
  assert.equal(counts, {
    'GET /apis/v2beta1/healthz': 1,
    [`GET /apis/v2beta1/runs/${runId}`]: 1,
    'POST /ml_metadata.MetadataStoreService/GetContextByTypeAndName': 1,
    'POST /ml_metadata.MetadataStoreService/GetExecutionsByContext': 1,
    [`GET /apis/v2beta1/experiments/${server.runs.get(runId)!.experiment_id}`]: 1,
    'POST /ml_metadata.MetadataStoreService/GetEventsByExecutionIDs': 1,
    'POST /ml_metadata.MetadataStoreService/GetArtifactsByID': 1,
  })
})

R.run()
