import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {startS3StandIn, storeMinioWritesIn, type S3StandIn} from '../helpers/s3-stand-in.js'
import {tmpdir} from '../helpers/tmp.js'

const art = suite('kfp artifacts list|get on a KFP server (CLI): ML Metadata + the MinIO pipeline root with your credentials')
let server: FakeKfpServer
let s3: S3StandIn
let dir: string
let cleanup: () => Promise<void>
art.before.each(async () => {
  server = await startFakeKfp()
  s3 = await startS3StandIn()
  storeMinioWritesIn(server, s3)
  ;({dir, cleanup} = await tmpdir())
})
art.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await s3.close()
  await cleanup()
})

art('list shows each step\'s output artifacts at their minio:// URIs; get prints one or writes it with -o; wrong credentials exit 4', async () => {
  // Given a finished run on the server's default (MinIO) root
  const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
  const id = (await createKfpApi({endpoint: server.url}).createRun({display_name: 'r', pipeline_spec: spec})).run_id!
  server.setRunState(id, 'SUCCEEDED', [{display_name: 'hello', state: 'SUCCEEDED', artifacts: {model: 'weights'}, log: 'x\n'}, {display_name: 'shout', state: 'SUCCEEDED', log: 'y\n'}])
  const env = {KFP_CONFIG_DIR: path.join(dir, '.cfg'), KFP_ENDPOINT: server.url, KFP_S3_ENDPOINT: s3.url, AWS_ACCESS_KEY_ID: 'minio', AWS_SECRET_ACCESS_KEY: 'minio123'}
  // When
  const list = await runCli(['artifacts', 'list', id, '--json'], {cwd: dir, env})
  const get = await runCli(['artifacts', 'get', id, 'hello', 'model'], {cwd: dir, env})
  const out = await runCli(['artifacts', 'get', id, 'hello', 'model', '-o', 'm.bin'], {cwd: dir, env})
  const denied = await runCli(['artifacts', 'get', id, 'hello', 'model', '--json'], {cwd: dir, env: {...env, AWS_ACCESS_KEY_ID: 'nobody'}})
  // Then
  assert.is(list.code, 0, list.stderr)
  assert.equal(list.json.result.artifacts.map((a: {step: string; name: string}) => [a.step, a.name]), [['hello', 'model']])
  assert.match(list.json.result.artifacts[0].uri, new RegExp(`^minio://mlpipeline/v2/artifacts/hello/${id}/hello/[0-9a-f]+/model$`))
  assert.is(get.code, 0, get.stderr)
  assert.is(get.stdout, 'weights')
  assert.is(out.code, 0, out.stderr)
  assert.is(await readFile(path.join(dir, 'm.bin'), 'utf8'), 'weights')
  assert.is(denied.code, 2, 'with --json and no -o: usage')
  const denied2 = await runCli(['artifacts', 'get', id, 'hello', 'model', '-o', 'x.bin'], {cwd: dir, env: {...env, AWS_ACCESS_KEY_ID: 'nobody'}})
  assert.is(denied2.code, 4, denied2.stderr)
  assert.match(denied2.stderr, 'InvalidAccessKeyId')
  assert.not.match(denied2.stderr, 'minio123')
})

art.run()
