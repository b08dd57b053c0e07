import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const pl = suite('kfp pipelines list|get|delete and kfp experiments list|create|archive (CLI)')
let server: FakeKfpServer
let dir: string
let cleanup: () => Promise<void>
pl.before.each(async () => {
  server = await startFakeKfp()
  ;({dir, cleanup} = await tmpdir())
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: hello\nsteps: []\n')
  await writeFile(path.join(dir, 'a.yaml'), helloSpec('hello', 'hi'))
  await writeFile(path.join(dir, 'b.yaml'), helloSpec('hello', 'hey'))
})
pl.after.each(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await cleanup()
})
const env = () => ({HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg'), KFP_ENDPOINT: server.url})

pl('pipelines list, get (versions) and delete (needs --yes without a terminal)', async () => {
  // Given two versions of one pipeline
  assert.is((await runCli(['upload', 'a.yaml', '--version', 'v1'], {cwd: dir, env: env()})).code, 0)
  assert.is((await runCli(['upload', 'b.yaml', '--version', 'v2'], {cwd: dir, env: env()})).code, 0)
  // When
  const list = await runCli(['pipelines', 'list'], {cwd: dir, env: env()})
  const get = await runCli(['pipelines', 'get', 'hello', '--json'], {cwd: dir, env: env()})
  const noYes = await runCli(['pipelines', 'delete', 'hello'], {cwd: dir, env: env()})
  const del = await runCli(['pipelines', 'delete', 'hello', '--yes'], {cwd: dir, env: env()})
  const missing = await runCli(['pipelines', 'get', 'hello', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(list.code, 0, list.stderr)
  assert.match(list.stdout, /^id\tname\tcreated\tdescription\n[^\t]+\thello\t/)
  assert.equal(get.json.result.versions.map((v: any) => v.name).sort(), ['v1', 'v2'])
  assert.not.equal(noYes.code, 0)
  assert.match(noYes.stderr, /--yes/)
  assert.is(del.code, 0, del.stderr)
  assert.match(del.stdout, 'Deleted pipeline hello (2 version(s))')
  assert.is(server.pipelines.size, 0)
  assert.not.equal(missing.code, 0)
})

pl('experiments create is idempotent by name; list shows them; archive archives', async () => {
  // When
  const c1 = await runCli(['experiments', 'create', 'blog', '--description', 'Blog runs'], {cwd: dir, env: env()})
  const c2 = await runCli(['experiments', 'create', 'blog', '--json'], {cwd: dir, env: env()})
  const list = await runCli(['experiments', 'list'], {cwd: dir, env: env()})
  const archive = await runCli(['experiments', 'archive', 'blog'], {cwd: dir, env: env()})
  // Then
  assert.is(c1.code, 0, c1.stderr)
  assert.match(c1.stdout, /^Created: experiment blog \(/)
  assert.is(c2.json.result.created, false)
  assert.is([...server.experiments.values()].filter((e) => e.display_name === 'blog').length, 1)
  assert.match(list.stdout, /\tblog\t/)
  assert.is(archive.code, 0, archive.stderr)
  assert.match(archive.stdout, /^Archived experiment blog/)
  assert.is([...server.experiments.values()].find((e) => e.display_name === 'blog').storage_state, 'ARCHIVED')
})

pl('experiments create with a description over 255 characters on MySQL (KFP\'s default database): the server\'s 500 comes with a hint to shorten it (exit 6, not 1)', async () => {
  const r = await runCli(['experiments', 'create', 'blog', '--description', 'd'.repeat(300)], {cwd: dir, env: env()})
  assert.is(r.code, 6, r.stderr)
  assert.match(r.stderr, "Data too long for column 'Description'")
  assert.match(r.stderr, "The server's database (MySQL, KFP's default) keeps at most 255 characters of a description: pass a shorter --description.")
  assert.not.match(r.stderr, '    at ')
})

pl('on the local target these commands say a KFP server target is needed (exit 3)', async () => {
  const r = await runCli(['experiments', 'list', '--json'], {cwd: dir, env: {HOME: dir, KFP_CONFIG_DIR: path.join(dir, '.cfg')}})
  assert.is(r.code, 3)
  assert.is(r.json.error.code, 'TARGET_INVALID')
  assert.ok(r.json.error.hints.some((h: string) => h.includes('kfp target add')))
})

pl.run()
