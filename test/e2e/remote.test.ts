import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const e2e = suite('kfp binary against the fake KFP server')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
e2e.before.each(async () => {
  server = await startFakeKfp({token: 'sekret-token'})
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'pipeline.yaml'), helloSpec())
  await writeFile(path.join(dir, 'kfp.yaml'), '# my project\nname: hello\nsteps: []\n')
})
e2e.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})

const env = () => ({KFP_CONFIG_DIR: path.join(dir, '.cfg'), MY_TOKEN: 'sekret-token'})

e2e('target add + upload --json twice + pipelines list; the token never shows', async () => {
  // Given
  const add = await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-env', 'MY_TOKEN'], {cwd: dir, env: env()})
  assert.is(add.code, 0, add.stderr)
  // When
  const first = await runCli(['upload', 'pipeline.yaml', '--target', 'dev', '--json'], {cwd: dir, env: env()})
  const second = await runCli(['upload', 'pipeline.yaml', '--target', 'dev', '--json'], {cwd: dir, env: env()})
  const list = await runCli(['pipelines', 'list', '--target', 'dev'], {cwd: dir, env: env()})
  // Then
  assert.is(first.code, 0, first.stderr)
  assert.is(first.json.result.created, 'pipeline')
  assert.is(second.json.result.created, 'none')
  assert.match(list.stdout, /\thello\t/)
  for (const r of [add, first, second, list]) assert.not.match(r.stdout + r.stderr, /sekret-token/)
})

e2e('a wrong token exits 4 with SERVER_AUTH naming the variable', async () => {
  const r = await runCli(['pipelines', 'list', '--json'], {cwd: dir, env: {...env(), KFP_ENDPOINT: server.url, KFP_TOKEN: 'nope'}})
  assert.is(r.code, 4)
  assert.is(r.json.error.code, 'SERVER_AUTH')
  assert.match(r.json.error.message, /KFP_TOKEN/)
})

e2e('experiments create through a target from kfp.yaml', async () => {
  await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-env', 'MY_TOKEN'], {cwd: dir, env: env()})
  const r = await runCli(['experiments', 'create', 'blog', '--target', 'dev', '--json'], {cwd: dir, env: env()})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.json.result.experiment.name, 'blog')
})

e2e.run()
