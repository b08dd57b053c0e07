import {execFileSync} from 'node:child_process'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {buildImages, type BuildEvent} from '../../../src/services/build/build.js'
import {resolveImages} from '../../../src/services/images.js'
import type {CliError} from '../../../src/lib/errors.js'
import {busyboxProject, countingDocker, testCtx, writeBusyboxComponent} from '../../helpers/build-fixtures.js'
import {skipWithoutDocker} from '../../helpers/docker.js'
import {freePort, registryManifest, startRegistry, type TestRegistry} from '../../helpers/registry.js'
import {tmpdir} from '../../helpers/tmp.js'

const TESTS = 11
if (skipWithoutDocker('kfp build service against a real daemon and registry', TESTS)) process.exit(0)

const pipeline = `kt${Date.now().toString(36)}`
let reg: TestRegistry
let root = ''
let cleanup = async () => {}
let dockerConfig = ''

async function expectError(p: Promise<unknown>): Promise<CliError> {
  try {
    await p
  } catch (err) {
    return err as CliError
  }
  throw new Error('expected an error')
}

function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {PATH: process.env.PATH, HOME: root, DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONFIG: dockerConfig, ...extra}
}

const svc = suite('kfp build service (real docker, real registry)')

svc.before(async () => {
  reg = await startRegistry()
  ;({dir: root, cleanup} = await tmpdir('kfp-build-'))
  dockerConfig = path.join(root, '.docker-config')
  await mkdir(dockerConfig)
  const auth = Buffer.from(`${reg.username}:${reg.password}`).toString('base64')
  await writeFile(path.join(dockerConfig, 'config.json'), JSON.stringify({auths: {[reg.host]: {auth}}}))
  await writeBusyboxComponent(root, 'prep')
  await writeBusyboxComponent(root, 'train')
})

svc.after(async () => {
  await reg?.stop()
  await cleanup()
  try {
    const ids = execFileSync('docker', ['image', 'ls', '-q', '--filter', `label=dev.kfp.pipeline=${pipeline}`], {encoding: 'utf8'}).split('\n').filter(Boolean)
    if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
  } catch {
    // best effort
  }
})

svc('builds and pushes with credentials from DOCKER_CONFIG; the registry holds the recorded digest', async () => {
  // Given a project with two components and a docker config with an auths entry
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const {docker, calls} = countingDocker(baseEnv())
  const events: BuildEvent[] = []
  // When
  const r = await buildImages({project, steps: [], push: true, parallel: 2, onEvent: (e) => events.push(e)}, testCtx(root, baseEnv(), docker))
  // Then both were built and pushed
  assert.is(calls.buildImage, 2)
  assert.equal(r.images.map((i) => [i.component, i.skipped, i.pushed]), [['prep', false, true], ['train', false, true]])
  for (const img of r.images) {
    assert.is(img.image, `${reg.host}/${pipeline}-${img.component}:${img.tag}`)
    assert.match(img.digest ?? '', /^sha256:[0-9a-f]{64}$/)
    const m = await registryManifest(reg, `${pipeline}-${img.component}`, img.tag)
    assert.is(m.status, 200)
    assert.is(m.digest, img.digest)
  }
  // And the digest is recorded in .kfp/builds.json
  const builds = JSON.parse(await readFile(path.join(root, '.kfp', 'builds.json'), 'utf8'))
  assert.is(builds.components.prep.digest, r.images[0].digest)
  assert.ok(events.some((e) => e.type === 'log' && /Step 2\/\d+ : COPY busybox/.test(e.line)))
  assert.ok(events.some((e) => e.type === 'pushing'))
})

svc('compile pins image@sha256 for the pushed build', async () => {
  // Given the build of the previous test
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const builds = JSON.parse(await readFile(path.join(root, '.kfp', 'builds.json'), 'utf8'))
  // When
  const images = await resolveImages(project, {env: baseEnv()})
  // Then
  assert.is(images.prep, `${reg.host}/${pipeline}-prep@${builds.components.prep.digest}`)
  assert.is(images.train, `${reg.host}/${pipeline}-train@${builds.components.train.digest}`)
})

svc('no change: no build call and nothing pushed again', async () => {
  // Given nothing changed
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const before = JSON.parse(await readFile(path.join(root, '.kfp', 'builds.json'), 'utf8'))
  const {docker, calls} = countingDocker(baseEnv())
  // When
  const r = await buildImages({project, steps: [], push: true}, testCtx(root, baseEnv(), docker))
  // Then
  assert.is(calls.buildImage ?? 0, 0)
  assert.is(calls.pushImage ?? 0, 0)
  assert.equal(r.images.map((i) => [i.skipped, i.pushed, i.digest]), [
    [true, false, before.components.prep.digest],
    [true, false, before.components.train.digest],
  ])
})

svc('changing one file gives that component a new tag and rebuilds only it; compile follows', async () => {
  // Given
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const before = JSON.parse(await readFile(path.join(root, '.kfp', 'builds.json'), 'utf8'))
  await writeFile(path.join(root, 'components', 'train', 'main.sh'), 'echo changed\n')
  const {docker, calls} = countingDocker(baseEnv())
  // When compiled before building, the new content tag is expected
  const expected = await resolveImages(project, {env: baseEnv()})
  const r = await buildImages({project, steps: [], push: false}, testCtx(root, baseEnv(), docker))
  // Then
  assert.is(calls.buildImage, 1)
  const train = r.images.find((i) => i.component === 'train')!
  assert.is.not(train.tag, before.components.train.tag)
  assert.is(train.skipped, false)
  assert.is(r.images.find((i) => i.component === 'prep')!.skipped, true)
  assert.is(expected.train, `${reg.host}/${pipeline}-train:${train.tag}`)
  assert.is(expected.prep, `${reg.host}/${pipeline}-prep@${before.components.prep.digest}`)
})

svc('--password-stdin credentials push without any docker config; extra tags are pushed too', async () => {
  // Given no docker config at all, explicit credentials, and extra tags
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const env = baseEnv({DOCKER_CONFIG: path.join(root, 'no-such-dir')})
  const {docker} = countingDocker(env)
  // When
  const r = await buildImages(
    {project, steps: ['train'], push: true, tags: ['v1'], latest: true, credentials: {username: reg.username, password: reg.password, source: '--password-stdin'}},
    testCtx(root, env, docker),
  )
  // Then the new content tag, v1 and latest all exist with the same digest
  const img = r.images[0]
  assert.equal(img.tags, [img.tag, 'v1', 'latest'])
  assert.ok(img.pushed)
  for (const t of img.tags) assert.is((await registryManifest(reg, `${pipeline}-train`, t)).digest, img.digest)
})

svc('registry already has the image: a machine without it locally builds nothing', async () => {
  // Given the local image of prep is gone
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const before = JSON.parse(await readFile(path.join(root, '.kfp', 'builds.json'), 'utf8'))
  execFileSync('docker', ['rmi', '-f', `${reg.host}/${pipeline}-prep:${before.components.prep.tag}`], {stdio: 'ignore'})
  const {docker, calls} = countingDocker(baseEnv())
  // When
  const r = await buildImages({project, steps: ['prep'], push: true}, testCtx(root, baseEnv(), docker))
  // Then
  assert.is(calls.buildImage ?? 0, 0)
  assert.is(calls.pushImage ?? 0, 0)
  assert.is(r.images[0].digest, before.components.prep.digest)
  assert.is(r.images[0].reason, 'already in the registry')
})

svc('wrong password: REGISTRY_AUTH names the registry and the credential source, never the password', async () => {
  // Given a new change (so there is something to push) and a wrong password
  await writeFile(path.join(root, 'components', 'prep', 'main.sh'), 'echo prep v2\n')
  const project = busyboxProject(root, pipeline, ['prep', 'train'], reg.host)
  const wrong = 'Wr0ng-Passw0rd-xyz'
  const env = baseEnv({KFP_REGISTRY_USERNAME: reg.username, KFP_REGISTRY_PASSWORD: wrong})
  // When
  const err = await expectError(buildImages({project, steps: ['prep'], push: true}, testCtx(root, env, countingDocker(env).docker)))
  // Then
  assert.is(err.kfpCode, 'REGISTRY_AUTH')
  assert.is(err.exitCode, 4)
  assert.match(err.message, reg.host)
  assert.match(err.message, 'KFP_REGISTRY_USERNAME')
  const everything = JSON.stringify({m: err.message, h: err.hints, d: err.data})
  assert.not.ok(everything.includes(wrong))
  assert.not.ok(everything.includes(reg.password))
})

svc('a failing instruction: DOCKER_BUILD_FAILED shows the instruction and the last log lines', async () => {
  // Given a Dockerfile whose RUN fails
  await writeBusyboxComponent(root, 'broken', {
    dockerfile: 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "echo about to fail; exit 3"]\n',
  })
  const project = busyboxProject(root, pipeline, ['broken'], reg.host)
  // When
  const err = await expectError(buildImages({project, steps: ['broken']}, testCtx(root, baseEnv(), countingDocker(baseEnv()).docker)))
  // Then
  assert.is(err.kfpCode, 'DOCKER_BUILD_FAILED')
  assert.is(err.exitCode, 5)
  assert.match(err.message, /at step 3\/\d+: RUN \["\/bin\/busybox", "sh", "-c", "echo about to fail; exit 3"\]/)
  assert.match(err.message, 'returned a non-zero code: 3')
  assert.match(err.message, 'about to fail')
})

svc('no Dockerfile: DOCKERFILE_NOT_FOUND for a named step; skipped with every step', async () => {
  // Given a component without a Dockerfile
  const dir = path.join(root, 'components', 'stock')
  await mkdir(dir, {recursive: true})
  await writeFile(path.join(dir, 'main.py'), 'print(1)\n')
  const project = busyboxProject(root, pipeline, ['stock'], reg.host, ['stock'])
  const ctx = testCtx(root, baseEnv(), countingDocker(baseEnv()).docker)
  // When / Then
  const err = await expectError(buildImages({project, steps: ['stock']}, ctx))
  assert.is(err.kfpCode, 'DOCKERFILE_NOT_FOUND')
  assert.match(err.message, 'components/stock')
  const all = await buildImages({project, steps: []}, ctx)
  assert.equal(all, {images: [], withoutDockerfile: ['stock']})
})

svc('daemon not running: DOCKER_UNAVAILABLE says how to start it and mentions DOCKER_HOST', async () => {
  // Given DOCKER_HOST pointing at nothing
  const env = baseEnv({DOCKER_HOST: `unix://${path.join(root, 'no-docker.sock')}`})
  const project = busyboxProject(root, pipeline, ['train'], reg.host)
  // When
  const err = await expectError(buildImages({project, steps: []}, testCtx(root, env, countingDocker(env).docker)))
  // Then
  assert.is(err.kfpCode, 'DOCKER_UNAVAILABLE')
  assert.is(err.exitCode, 5)
  const hints = err.hints.join('\n')
  assert.match(hints, /dockerd|systemctl start docker/)
  assert.match(hints, 'DOCKER_HOST is set to unix://')
})

svc('registry unreachable, and a registry that denies the push', async () => {
  // Given a registry address where nothing listens
  const port = await freePort()
  const down = busyboxProject(root, pipeline, ['train'], `127.0.0.1:${port}`)
  const ctx = testCtx(root, baseEnv(), countingDocker(baseEnv()).docker)
  // When / Then
  const e1 = await expectError(buildImages({project: down, steps: [], push: true}, ctx))
  assert.is(e1.kfpCode, 'REGISTRY_UNREACHABLE')
  assert.is(e1.exitCode, 6)
  assert.match(e1.message, `127.0.0.1:${port}`)

  // Given a registry that lets anyone read but denies every upload
  const server = http.createServer((req, res) => {
    req.resume()
    if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') {
      res.writeHead(403, {'Content-Type': 'application/json'})
      res.end(JSON.stringify({errors: [{code: 'DENIED', message: 'requested access to the resource is denied'}]}))
      return
    }
    res.writeHead(req.url === '/v2/' ? 200 : 404, {'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0'})
    res.end(req.url === '/v2/' ? '{}' : JSON.stringify({errors: [{code: 'MANIFEST_UNKNOWN', message: 'unknown'}]}))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    const denied = busyboxProject(root, pipeline, ['train'], `127.0.0.1:${(server.address() as AddressInfo).port}`)
    // When
    const e2 = await expectError(buildImages({project: denied, steps: [], push: true}, ctx))
    // Then
    assert.is(e2.kfpCode, 'REGISTRY_DENIED')
    assert.match(e2.message, /denied/)
  } finally {
    server.close()
    await rm(path.join(root, '.kfp'), {recursive: true, force: true})
  }
})

svc.run()
