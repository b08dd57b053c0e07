import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../../src/clients/kfp-api.js'
import {createObjectStore} from '../../../src/clients/gcs.js'
import {parseCompiledPipeline} from '../../../src/core/remote/spec.js'
import {remoteRun} from '../../../src/services/remote/run.js'
import {isOutputsRecordPath, readServerRunOutputs} from '../../../src/services/remote/start-step.js'
import {startGcsEmulator, type GcsEmulator} from '../../helpers/gcs-emulator.js'
import {startFakeKfp, type FakeKfpServer} from '../../helpers/kfp-server.js'
import {helloSpec, remoteCtx} from '../../helpers/remote-ctx.js'
import {tmpdir} from '../../helpers/tmp.js'

const reader = suite('readServerRunOutputs: kfp_outputs records in the pipeline root (GCS emulator)')
let emu: GcsEmulator
reader.before.each(async () => {
  emu = await startGcsEmulator({pageSize: 3, buckets: ['b']})
})
reader.after.each(async () => {
  await emu.close()
})

reader('finds each task record of the run in the KFP 2.x layout and converts the text by parameter type', async () => {
  // Given records of two runs, and unrelated artifacts of this run
  emu.put('b', 'root/p/run-1/prep/kfp_outputs', JSON.stringify({outputs: {bucket: 'gs://data\n', year: '2001\n', flags: '["a"]', ok: 'true'}}))
  emu.put('b', 'root/p/run-1/prep/model', 'binary')
  emu.put('b', 'root/p/run-1/train/kfp_outputs', JSON.stringify({outputs: {jobname: 'job-7'}}))
  emu.put('b', 'root/p/run-2/prep/kfp_outputs', JSON.stringify({outputs: {bucket: 'other'}}))
  const store = await createObjectStore({}, {apiEndpoint: emu.url})
  // When
  const outs = await readServerRunOutputs(store, {
    pipelineRoot: 'gs://b/root/',
    runId: 'run-1',
    pipelineName: 'p',
    tasks: [
      {name: 'prep', types: {bucket: 'STRING', year: 'NUMBER_INTEGER', flags: 'LIST', ok: 'BOOLEAN'}},
      {name: 'train', types: {jobname: 'STRING'}},
      {name: 'deploy'},
    ],
  })
  // Then
  assert.equal(outs, {prep: {bucket: 'gs://data', year: 2001, flags: ['a'], ok: true}, train: {jobname: 'job-7'}})
  assert.ok(emu.requests.some((r) => r.query.prefix === 'root/p/run-1/'))
})

reader('another layout (execution id after the task, no pipeline name) is found by listing the whole root', async () => {
  // Given
  emu.put('b', 'root/run-9/prep/123/kfp_outputs', JSON.stringify({outputs: {bucket: 'x'}}))
  const store = await createObjectStore({}, {apiEndpoint: emu.url})
  // When
  const outs = await readServerRunOutputs(store, {pipelineRoot: 'gs://b/root', runId: 'run-9', pipelineName: 'p', tasks: [{name: 'prep'}]})
  // Then
  assert.equal(outs, {prep: {bucket: 'x'}})
})

reader('a record that is not JSON is an OUTPUTS_MISSING error naming it', async () => {
  emu.put('b', 'root/p/run-1/prep/kfp_outputs', '{oops')
  const store = await createObjectStore({}, {apiEndpoint: emu.url})
  const e = await readServerRunOutputs(store, {pipelineRoot: 'gs://b/root', runId: 'run-1', pipelineName: 'p', tasks: [{name: 'prep'}]}).catch((x) => x)
  assert.is(e.kfpCode, 'OUTPUTS_MISSING')
  assert.match(e.message, 'gs://b/root/p/run-1/prep/kfp_outputs')
})

reader('isOutputsRecordPath needs the run id, then the task, then kfp_outputs', () => {
  assert.ok(isOutputsRecordPath('p/run-1/prep/kfp_outputs', 'run-1', 'prep'))
  assert.ok(isOutputsRecordPath('run-1/prep/7/kfp_outputs/data', 'run-1', 'prep'))
  assert.not.ok(isOutputsRecordPath('p/run-1/train/kfp_outputs', 'run-1', 'prep'))
  assert.not.ok(isOutputsRecordPath('p/run-2/prep/kfp_outputs', 'run-1', 'prep'))
  assert.not.ok(isOutputsRecordPath('prep/run-1/kfp_outputs', 'run-1', 'prep'))
  assert.not.ok(isOutputsRecordPath('p/run-1/prep/model', 'run-1', 'prep'))
})

const e2e = suite('kfp run --start-step --from-run <server run> (fake KFP server + GCS emulator)')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
e2e.before.each(async () => {
  emu = await startGcsEmulator({buckets: ['b']})
  server = await startFakeKfp()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
})
e2e.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await emu.close()
  await cleanup()
})

e2e("the skipped step's output comes from the earlier server run's record and is sent as a constant", async () => {
  // Given an earlier server run whose hello step recorded its greeting in the pipeline root
  const api = createKfpApi({endpoint: server.url})
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const earlier = await api.createRun({display_name: 'first', pipeline_spec: spec, runtime_config: {pipeline_root: 'gs://b/root'}})
  server.setRunState(earlier.run_id!, 'FAILED', [{display_name: 'hello', state: 'SUCCEEDED'}, {display_name: 'shout', state: 'FAILED'}])
  emu.put('b', `root/hello/${earlier.run_id}/hello/kfp_outputs`, JSON.stringify({outputs: {greeting: 'hi you\n'}}))
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url, STORAGE_EMULATOR_HOST: emu.url})
  // When
  const res = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', fromRun: earlier.run_id, pollMs: 5, logs: false}, ctx)
  // Then
  assert.equal(res.startStep?.skipped, ['hello'])
  assert.equal(res.startStep?.constants, {hello: {greeting: 'hi you'}})
  const create = server.requests.filter((r) => r.method === 'POST' && r.path === '/apis/v2beta1/runs').at(-1)!
  const sent = (create.body as any).pipeline_spec
  assert.equal(Object.keys(sent.root.dag.tasks), ['shout'])
  assert.equal(sent.root.dag.tasks.shout.inputs.parameters.text, {runtimeValue: {constant: 'hi you'}})
})

e2e('a server run without records names the --set-output flag to pass', async () => {
  // Given
  const api = createKfpApi({endpoint: server.url})
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const earlier = await api.createRun({display_name: 'first', pipeline_spec: spec, runtime_config: {pipeline_root: 'gs://b/root'}})
  const ctx = remoteCtx(dir, {KFP_ENDPOINT: server.url, STORAGE_EMULATOR_HOST: emu.url})
  // When
  const e = await remoteRun({cwd: dir, file: 'pipeline.yaml', params: [], startStep: 'shout', fromRun: earlier.run_id, pollMs: 5, logs: false}, ctx).catch((x) => x)
  // Then
  assert.match(e.message, /hello/)
  assert.ok([e.message, ...(e.hints ?? [])].join('\n').includes('--set-output hello.greeting='), e.message)
})

reader.run()
e2e.run()
