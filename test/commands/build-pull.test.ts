import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {basePullFailure} from '../../src/clients/docker-build.js'
import {writeBusyboxProjectFiles} from '../helpers/build-fixtures.js'
import {runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {freePort, startRegistry, type TestRegistry} from '../helpers/registry.js'
import {tmpdir} from '../helpers/tmp.js'

// A base image that cannot be pulled is named as such (network or registry, the image), not as a Dockerfile
// instruction to fix; the step line shows the message; the log is printed once.
const unit = suite('basePullFailure (the daemon\'s error texts)')
const step = 'Step 1/4 : FROM alpine:3.20'
unit('network, denied, missing, or not a pull failure', () => {
  assert.equal(basePullFailure(step, 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host')?.kind, 'network')
  assert.match(basePullFailure(step, 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host')!.why, 'registry-1.docker.io is not reachable')
  assert.equal(basePullFailure(step, "pull access denied for foo, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")?.kind, 'denied')
  assert.equal(basePullFailure(step, 'manifest for alpine:9 not found: manifest unknown: manifest unknown')?.kind, 'missing')
  assert.equal(basePullFailure('Step 3/4 : RUN make', 'dial tcp: i/o timeout'), undefined)
  assert.equal(basePullFailure('Step 1/2 : FROM --platform=linux/amd64 x/y:1', 'manifest unknown')?.image, 'x/y:1')
})
unit.run()

const TESTS = 2
if (skipWithoutDocker('kfp build with a base image that cannot be pulled', TESTS)) process.exit(0)
const cli = suite('kfp build: a base image that cannot be pulled')
let dir: string
let cleanup: () => Promise<void>
let reg: TestRegistry
cli.before(async () => {
  ;({dir, cleanup} = await tmpdir())
  reg = await startRegistry()
  await writeBusyboxProjectFiles(dir, `pull${Date.now().toString(36)}`, ['prep'])
})
cli.after(async () => {
  await reg.stop()
  await cleanup()
})

cli('an unreachable registry: IMAGE_PULL_FAILED naming the image and the network, exit 6, on the step line too', async () => {
  const image = `127.0.0.1:${await freePort()}/nothing/base:1`
  await writeFile(path.join(dir, 'components', 'prep', 'Dockerfile'), `FROM ${image}\nCOPY main.sh /main.sh\n`)
  const r = await runCli(['build', 'prep'], {cwd: dir})
  assert.is(r.code, 6, r.stderr)
  assert.match(r.stderr, `Error: Base image ${image} could not be pulled: 127.0.0.1:`)
  assert.match(r.stderr, 'is not reachable')
  assert.match(r.stderr, `✖ prep: Base image ${image} could not be pulled`)
  assert.match(r.stderr, 'Code: IMAGE_PULL_FAILED')
  assert.not.match(r.stderr, /Fix the failing Dockerfile instruction|--- build log/)
  // The FROM line appears once (in the error's words), not in a repeated log.
  assert.is(r.stderr.split(`FROM ${image}`).length - 1, 0, r.stderr)
})

cli('a registry that wants a login: the registry refused it, exit 4, with the docker login to run', async () => {
  // The test registry has an htpasswd file; this shell never logged in (DOCKER_CONFIG is empty).
  const image = `${reg.host}/nothing/base:1`
  await writeFile(path.join(dir, 'components', 'prep', 'Dockerfile'), `FROM ${image}\nCOPY main.sh /main.sh\n`)
  const r = await runCli(['build', 'prep', '--json'], {cwd: dir, env: {DOCKER_CONFIG: path.join(dir, 'no-docker-config')}})
  assert.is(r.code, 4, r.stdout)
  assert.is(r.json.error.code, 'IMAGE_PULL_FAILED')
  assert.match(r.json.error.message, `Base image ${image} could not be pulled: the registry refused it (`)
  assert.equal(r.json.error.hints, [`Log in to its registry: docker login ${reg.host}`])
  assert.is(r.json.error.data.image, image)
})

cli.run()
