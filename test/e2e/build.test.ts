import {execFileSync} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {writeBusyboxProjectFiles} from '../helpers/build-fixtures.js'
import {runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {registryManifest, startRegistry, type TestRegistry} from '../helpers/registry.js'
import {tmpdir} from '../helpers/tmp.js'

// The whole flow a user sees: build and push with --password-stdin, the registry has the digest, nothing is rebuilt
// or pushed again, compile pins image@sha256, a changed file gives a new tag, a wrong password is refused politely.
const TESTS = 4
if (skipWithoutDocker('kfp build end to end (daemon + registry)', TESTS)) process.exit(0)

const e2e = suite('kfp build end to end')
const pipeline = `ke${Date.now().toString(36)}`
let reg: TestRegistry
let dir = ''
let cleanup = async () => {}

e2e.before(async () => {
  reg = await startRegistry()
  ;({dir, cleanup} = await tmpdir('kfp-build-e2e-'))
  await writeBusyboxProjectFiles(dir, pipeline, ['prep', 'train'], reg.host)
})
e2e.after(async () => {
  await reg.stop()
  await cleanup()
  const ids = execFileSync('docker', ['image', 'ls', '-q', '--filter', `label=dev.kfp.pipeline=${pipeline}`], {encoding: 'utf8'}).split('\n').filter(Boolean)
  if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
})

const env = () => ({DOCKER_CONFIG: path.join(dir, 'no-docker-config')})

e2e('build --push --registry-username --password-stdin --json: pushed, digest in the registry and in .kfp/builds.json', async () => {
  // When
  const r = await runCli(['build', '--push', '--registry-username', reg.username, '--password-stdin', '--json'], {cwd: dir, env: env(), input: `${reg.password}\n`})
  // Then
  assert.is(r.code, 0, r.stderr + r.stdout)
  const images = r.json.result.images
  assert.is(images.length, 2)
  const builds = JSON.parse(await readFile(path.join(dir, '.kfp', 'builds.json'), 'utf8'))
  for (const img of images) {
    assert.is(img.pushed, true)
    assert.is(img.skipped, false)
    const m = await registryManifest(reg, `${pipeline}-${img.component}`, img.tag)
    assert.is(m.status, 200)
    assert.is(m.digest, img.digest)
    assert.is(builds.components[img.component].digest, img.digest)
  }
  assert.not.ok((r.stdout + r.stderr).includes(reg.password))
})

e2e('again with no change: nothing built or pushed; compile pins image@sha256', async () => {
  // When
  const r = await runCli(['build', '--push', '--registry-username', reg.username, '--password-stdin', '--json'], {cwd: dir, env: env(), input: reg.password})
  const c = await runCli(['compile', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.json.result.images.map((i: {skipped: boolean; pushed: boolean}) => [i.skipped, i.pushed]), [[true, false], [true, false]])
  assert.is(c.code, 0, c.stderr)
  const digest = r.json.result.images[0].digest
  assert.is(c.json.result.images.prep, `${reg.host}/${pipeline}-prep@${digest}`)
  const yaml = await readFile(c.json.result.file, 'utf8')
  assert.match(yaml, `image: ${reg.host}/${pipeline}-prep@${digest}`)
})

e2e('a changed file: a new tag for that component only', async () => {
  // Given
  const before = JSON.parse(await readFile(path.join(dir, '.kfp', 'builds.json'), 'utf8'))
  await writeFile(path.join(dir, 'components', 'prep', 'main.sh'), 'echo prep changed\n')
  // When
  const r = await runCli(['build', '--json'], {cwd: dir, env: env()})
  // Then
  assert.is(r.code, 0, r.stderr)
  const [prep, train] = r.json.result.images
  assert.is.not(prep.tag, before.components.prep.tag)
  assert.is(prep.skipped, false)
  assert.is(train.tag, before.components.train.tag)
  assert.is(train.skipped, true)
})

e2e('a wrong password: exit 4, REGISTRY_AUTH naming the registry and the source, never the password', async () => {
  const wrong = 'definitely-Wrong-pw-42'
  const r = await runCli(['build', 'prep', '--push', '--registry-username', reg.username, '--password-stdin'], {cwd: dir, env: env(), input: wrong})
  assert.is(r.code, 4)
  assert.match(r.stderr, `Registry ${reg.host} refused the credentials from --registry-username/--password-stdin`)
  assert.not.ok((r.stdout + r.stderr).includes(wrong))
  const j = await runCli(['build', 'prep', '--push', '--json'], {cwd: dir, env: {...env(), KFP_REGISTRY_USERNAME: reg.username, KFP_REGISTRY_PASSWORD: wrong}})
  assert.is(j.code, 4)
  assert.is(j.json.error.code, 'REGISTRY_AUTH')
  assert.match(j.json.error.message, 'KFP_REGISTRY_USERNAME')
  assert.not.ok(j.stdout.includes(wrong))
})

e2e.run()
