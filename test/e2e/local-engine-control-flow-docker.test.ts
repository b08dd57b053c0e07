// Control flow under the Docker runner against the real daemon: the SDK-compiled loops, nested pipelines with
// dsl.OneOf, dsl.Collected and an exit handler (test/fixtures/ir/sdk, busybox executors) run their steps in
// containers, which are all removed afterwards. Run `npm run build` first.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createDockerClient} from '../../src/clients/docker.js'
import {CONTAINER_LABEL} from '../../src/services/run/runners.js'
import {ensureBusyboxImage} from '../helpers/busybox-images.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {tmpdir} from '../helpers/tmp.js'

const SDK = path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk')
const docker = createDockerClient(process.env)
let tmp: {dir: string; cleanup: () => Promise<void>}

const run = (file: string) => runCli(['run', '--local', path.join(SDK, `${file}.yaml`), '--runner', 'docker', '--no-cache', '--json'], {cwd: tmp.dir})
const log = (res: any, key: string) => readFileSync(path.join(res.runDir, 'tasks', key, 'log.txt'), 'utf8')
const leftovers = async (runId: string) => (await docker.listContainers(`${CONTAINER_LABEL}=${runId}`)).length

const D = suite('local engine control flow (docker runner)')
D.before(async () => {
  await ensureBusyboxImage({tag: 'kfp-test/busybox:latest'})
})
D.before.each(async () => {
  tmp = await tmpdir('kfp-docker-cf-')
})
D.after.each(async () => {
  await tmp.cleanup()
})

D('loops over a parameter, an upstream output and struct items run each iteration in its own container', async () => {
  const r = await run('pipeline_with_loops')
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  assert.is(res.run.runner, 'docker')
  assert.is(log(res, 'for-loop-1[1]/print-text').trim(), 'b')
  assert.is(log(res, 'for-loop-2[1]/print-text-2').trim(), '10')
  assert.is(log(res, 'for-loop-4[0]/print-text-5').trim(), '2')
  assert.is(await leftovers(res.run.id), 0)
})

D('nested pipelines with dsl.OneOf and dsl.Collected pass values through DAG outputs between containers', async () => {
  const oneof = await run('parameter_oneof')
  assert.is(oneof.code, 0, oneof.stderr)
  assert.is(log(oneof.json.result, 'crust-comp').trim(), 'input : Got heads!')
  const collected = await run('collected_parameters')
  assert.is(collected.code, 0, collected.stderr)
  assert.is(log(collected.json.result, 'consume-ids').trim(), 'Consuming: ["model_id_s1","model_id_s2","model_id_s3"]')
  assert.is(await leftovers(collected.json.result.run.id), 0)
})

D('an exit handler runs in its container after the body failed and gets the final status; exit 7', async () => {
  const r = await run('pipeline_with_task_final_status')
  assert.is(r.code, 7, r.stderr)
  const rec = r.json.error.data.run
  const exitLog = readFileSync(path.join(tmp.dir, '.kfp', 'runs', rec.id, 'tasks', 'exit-op', 'log.txt'), 'utf8')
  assert.match(exitLog, '"state":"FAILED"')
  assert.match(exitLog, '"pipelineTaskName":"exit-handler-1"')
  assert.is(await leftovers(rec.id), 0)
})

if (!skipWithoutDocker('local engine control flow (docker runner)', 3)) D.run()
