import {readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

const target = suite('kfp target add|list|use|remove (CLI)')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
const KFP_YAML = '# The team pipeline.\nname: hello # keep this comment\nsteps: []\n\n# Targets below.\n'
target.before.each(async () => {
  server = await startFakeKfp({token: 'sekret-token-123'})
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), KFP_YAML)
})
target.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})
const env = () => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg'), MY_TOKEN: 'sekret-token-123'})

target('add writes the target into kfp.yaml and keeps its comments; list shows it; the token never appears', async () => {
  // When
  const add = await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-env', 'MY_TOKEN', '--experiment', 'blog'], {cwd: dir, env: env()})
  const list = await runCli(['target', 'list'], {cwd: dir, env: env()})
  const listJson = await runCli(['target', 'list', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(add.code, 0, add.stderr)
  assert.match(add.stdout, /Added target dev \(http:\/\/127\.0\.0\.1:\d+\) in .*kfp\.yaml/)
  const text = await readFile(path.join(dir, 'kfp.yaml'), 'utf8')
  assert.match(text, /^# The team pipeline\.\nname: hello # keep this comment\n/)
  assert.match(text, /# Targets below\./)
  assert.match(text, /dev:[\s\S]*endpoint: http:\/\/127\.0\.0\.1/)
  assert.match(text, /tokenEnv: MY_TOKEN/)
  assert.is(list.code, 0, list.stderr)
  assert.match(list.stdout, /^current\tname\ttype\tendpoint\tnamespace\tauth\tdefined in\n/)
  assert.match(list.stdout, /\tdev\tkfp\thttp:\/\/127\.0\.0\.1:\d+\t/)
  const dev = listJson.json.result.targets.find((t: any) => t.name === 'dev')
  assert.ok(dev)
  for (const r of [add, list, listJson]) assert.not.match(r.stdout + r.stderr, /sekret-token-123/)
})

target('--user writes the per-user config with mode 0600, not kfp.yaml', async () => {
  // Given
  const tokenFile = path.join(dir, 'token')
  await writeFile(tokenFile, 'sekret-token-123\n')
  // When
  const add = await runCli(['target', 'add', 'mine', '--endpoint', server.url, '--token-file', tokenFile, '--user'], {cwd: dir, env: env()})
  // Then
  assert.is(add.code, 0, add.stderr)
  const userFile = path.join(dir, '.cfg', 'config.yaml')
  assert.is((await stat(userFile)).mode & 0o777, 0o600)
  assert.match(await readFile(userFile, 'utf8'), /mine:/)
  assert.is(await readFile(path.join(dir, 'kfp.yaml'), 'utf8'), KFP_YAML)
  // And the target works with its token file
  const pl = await runCli(['pipelines', 'list', '--target', 'mine'], {cwd: dir, env: env()})
  assert.is(pl.code, 0, pl.stderr)
  assert.not.match(add.stdout + add.stderr + pl.stdout + pl.stderr, /sekret-token-123/)
})

target('use makes a target current for the project; remove takes it away; unknown names exit 3', async () => {
  // Given
  await runCli(['target', 'add', 'dev', '--endpoint', server.url, '--token-env', 'MY_TOKEN'], {cwd: dir, env: env()})
  // When
  const use = await runCli(['target', 'use', 'dev'], {cwd: dir, env: env()})
  const list = await runCli(['target', 'list'], {cwd: dir, env: env()})
  const pipelines = await runCli(['pipelines', 'list', '--json'], {cwd: dir, env: env()})
  const remove = await runCli(['target', 'remove', 'dev'], {cwd: dir, env: env()})
  const after = await runCli(['target', 'use', 'dev', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(use.code, 0, use.stderr)
  assert.match(use.stdout, 'Current target: dev')
  assert.match(list.stdout, /\*\tdev\t/)
  assert.is(pipelines.code, 0, pipelines.stderr)
  assert.ok(server.requests.some((r) => r.path === '/apis/v2beta1/pipelines'))
  assert.is(remove.code, 0, remove.stderr)
  assert.match(remove.stdout, /Removed target dev from/)
  assert.not.match(await readFile(path.join(dir, 'kfp.yaml'), 'utf8'), /dev:/)
  assert.match(await readFile(path.join(dir, 'kfp.yaml'), 'utf8'), /# keep this comment/)
  assert.is(after.code, 3)
  assert.is(after.json.error.code, 'TARGET_NOT_FOUND')
})

target('a bad --endpoint is refused before anything is written', async () => {
  const r = await runCli(['target', 'add', 'bad', '--endpoint', 'not a url'], {cwd: dir, env: env()})
  assert.not.equal(r.code, 0)
  assert.match(r.stderr, /endpoint/i)
  assert.is(await readFile(path.join(dir, 'kfp.yaml'), 'utf8'), KFP_YAML)
})

target.run()
