import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../../src/core/remote/spec.js'
import {writeRun} from '../../../src/services/run/store.js'
import {getServerArtifact, listServerArtifacts} from '../../../src/services/artifacts/remote.js'
import {remoteRun} from '../../../src/services/remote/run.js'
import {repoRoot} from '../../helpers/cli.js'
import {startGcsEmulator, type GcsEmulator} from '../../helpers/gcs-emulator.js'
import {startFakeKfp, type FakeKfpServer} from '../../helpers/kfp-server.js'
import {helloSpec, remoteCtx} from '../../helpers/remote-ctx.js'
import {startS3StandIn, type S3StandIn} from '../../helpers/s3-stand-in.js'
import {tmpdir} from '../../helpers/tmp.js'

const ss = suite('--start-step on a KFP server: outputs of an earlier server run from ML Metadata (cache hits too); artifacts from gs:// and minio://')
let emu: GcsEmulator
let s3: S3StandIn
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
ss.before.each(async () => {
  emu = await startGcsEmulator({buckets: ['b']})
  s3 = await startS3StandIn({buckets: ['mlpipeline']})
  server = await startFakeKfp()
  // The launcher writes to the bucket of the run's pipeline root.
  server.onObject = (uri, data) => {
    const m = /^(gs|minio):\/\/([^/]+)\/(.*)$/.exec(uri)!
    if (m[1] === 'gs') emu.put(m[2], m[3], data)
    else s3.put(m[2], m[3], data)
  }
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
})
ss.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await emu.close()
  await s3.close()
  await cleanup()
})

const ctxFor = () => remoteCtx(dir, {KFP_ENDPOINT: server.url, STORAGE_EMULATOR_HOST: emu.url, KFP_S3_ENDPOINT: s3.url, AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey})

/** A first run that computes hello's outputs, then a second whose hello is a cache hit and whose shout fails. */
async function runsWithCachedStep(root?: string): Promise<{first: string; second: string}> {
  const api = createKfpApi({endpoint: server.url})
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const runtime_config = root ? {pipeline_root: root} : {}
  const first = (await api.createRun({display_name: 'first', pipeline_spec: spec, runtime_config})).run_id!
  server.setRunState(first, 'SUCCEEDED', [
    {display_name: 'hello', state: 'SUCCEEDED', outputs: {greeting: 'hi you'}, artifacts: {model: 'weights-1'}, log: 'hi\n'},
    {display_name: 'shout', state: 'SUCCEEDED', log: 'HI\n'},
  ])
  const second = (await api.createRun({display_name: 'second', pipeline_spec: spec, runtime_config})).run_id!
  server.setRunState(second, 'FAILED', [{display_name: 'hello', state: 'SUCCEEDED', cached: true}, {display_name: 'shout', state: 'FAILED', log: 'boom\n'}])
  return {first, second}
}

for (const [label, root, scheme] of [
  ['gs://', 'gs://b/root', 'gs'],
  ['minio:// (the server default root)', undefined, 'minio'],
] as const) {
  ss(`${label}: --from-run a run whose step was a cache hit: the reused outputs become constants; its artifact downloads with the user's credentials`, async () => {
    // Given
    const {first, second} = await runsWithCachedStep(root)
    const ctx = ctxFor()
    // When
    const res = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', fromRun: second, pollMs: 5, logs: false}, ctx)
    const listed = await listServerArtifacts({run: second, step: 'hello'}, ctx)
    const got = await getServerArtifact({run: second, step: 'hello', name: 'model'}, ctx)
    // Then
    assert.equal(res.startStep?.skipped, ['hello'])
    assert.equal(res.startStep?.constants, {hello: {greeting: 'hi you'}})
    assert.equal(res.startStep?.fromRun, {id: second, name: 'second', where: 'server'})
    const create = server.requests.filter((r) => r.method === 'POST' && r.path === '/apis/v2beta1/runs').at(-1)!
    const sent = (create.body as any).pipeline_spec
    assert.equal(Object.keys(sent.root.dag.tasks), ['shout'])
    assert.equal(sent.root.dag.tasks.shout.inputs.parameters.text, {runtimeValue: {constant: 'hi you'}})
    // The cache hit's artifact is the first run's object (cache.go reuses the earlier execution's artifacts).
    assert.equal(listed.artifacts.map((a) => [a.step, a.name, a.cached]), [['hello', 'model', true]])
    assert.match(listed.artifacts[0].uri, new RegExp(`^${scheme}://[^/]+/.*/${first}/hello/[0-9a-f]+/model$`))
    assert.is(got.data.toString(), 'weights-1')
    if (scheme === 'minio') assert.ok(s3.requests.some((q) => q.method === 'GET' && q.accessKey === 'minio' && q.path.endsWith('/model')))
    else assert.ok(emu.requests.some((q) => q.path.includes('model')))
    // Nothing was wrapped: the step commands ran as written.
    assert.not.match(JSON.stringify(sent), /kfp_outputs|kfp-record-outputs/)
  })
}

ss('by default the newest server run of the pipeline that has the outputs; a local run is used only with --local-outputs, with a warning naming it and the values', async () => {
  // Given server runs, and a local run of the same pipeline with other values
  await runsWithCachedStep('gs://b/root')
  const local = {
    version: 1, id: '20260101-000000-aaaaaa', name: 'laptop', experiment: 'Default', pipelineName: 'hello', status: 'succeeded', createdAt: new Date().toISOString(), pid: 0, runner: 'process',
    source: {kind: 'ir', file: 'pipeline.yaml'}, parameters: {who: 'me'}, explicitParameters: {}, spec: '', pipelineRoot: '',
    tasks: [{name: 'hello', displayName: 'hello', number: 1, status: 'succeeded', outputs: {parameters: {greeting: 'from my laptop'}, artifacts: {}}}, {name: 'shout', displayName: 'shout', number: 2, status: 'succeeded', outputs: {parameters: {}, artifacts: {}}}],
  }
  await writeRun(path.join(dir, '.kfp'), local as never)
  const ctx = ctxFor()
  // When
  const byDefault = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', pollMs: 5, logs: false}, ctx)
  const named = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', fromRun: local.id, pollMs: 5, logs: false}, ctx).catch((e) => e)
  const warned: string[] = []
  const withLocal = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', localOutputs: true, pollMs: 5, logs: false, onEvent: (e) => e.type === 'warning' && warned.push(e.message)}, ctx)
  // Then
  assert.equal(byDefault.startStep?.constants, {hello: {greeting: 'hi you'}})
  assert.is(byDefault.startStep?.fromRun?.where, 'server')
  assert.is(named.kfpCode, 'RUN_NOT_FOUND')
  assert.match(named.hints.join('\n'), '--local-outputs')
  assert.equal(withLocal.startStep?.constants, {hello: {greeting: 'from my laptop'}})
  assert.ok(warned.some((w) => w.includes(`LOCAL run laptop (${local.id})`) && w.includes('hello.greeting=from my laptop')), warned.join('\n'))
})

ss('no earlier server run with the outputs: the --set-output flag to pass', async () => {
  const ctx = ctxFor()
  const e = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', pollMs: 5, logs: false}, ctx).catch((x) => x)
  assert.is(e.kfpCode, 'OUTPUTS_MISSING')
  assert.ok([e.message, ...(e.hints ?? [])].join('\n').includes('--set-output hello.greeting='), e.message)
})

ss('ignore_upstream_failure: --start-step at the step after a failed one sends it alone, as a plain task taking its input default (a KFP server runs an exit-hook task only after a task it waits for)', async () => {
  // Given a server run of the SDK's pipeline whose fail-op failed (no outputs)
  const ir = path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk', 'pipeline_with_task_using_ignore_upstream_failure.yaml')
  await writeFile(path.join(dir, 'ignore.yaml'), await readFile(ir))
  const api = createKfpApi({endpoint: server.url})
  const first = (await api.createRun({display_name: 'first', pipeline_spec: parseCompiledPipeline(await readFile(ir, 'utf8'), 'ignore.yaml').spec, runtime_config: {}})).run_id!
  server.setRunState(first, 'FAILED', [{display_name: 'fail-op', state: 'FAILED'}, {display_name: 'print-op', state: 'SUCCEEDED'}])
  // When
  const res = await remoteRun({cwd: dir, file: 'ignore.yaml', params: [], startStep: 'print-op', pollMs: 5, logs: false}, ctxFor())
  // Then print-op is sent alone, without the binding to fail-op and without the exit-hook trigger
  assert.equal(res.startStep?.skipped, ['fail-op'])
  const sent = (server.requests.filter((r) => r.method === 'POST' && r.path === '/apis/v2beta1/runs').at(-1)!.body as any).pipeline_spec
  assert.equal(Object.keys(sent.root.dag.tasks), ['print-op'])
  assert.equal(sent.root.dag.tasks['print-op'].inputs ?? {parameters: {}}, {parameters: {}})
  assert.is(sent.root.dag.tasks['print-op'].triggerPolicy, undefined)
})

ss.run()
