import {execFileSync} from 'node:child_process'
import {appendFile, chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import net, {type AddressInfo} from 'node:net'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {writeBusyboxProjectFiles} from '../helpers/build-fixtures.js'
import {runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {freePort, registryManifest, startRegistry, type TestRegistry} from '../helpers/registry.js'
import {tmpdir} from '../helpers/tmp.js'

// `kfp build` as a user runs it, against the real daemon and a real htpasswd docker-registry: --build-arg, --target and
// --platform reach the daemon (checked in the built image), kfp.yaml `images:` names the pushed repository, Docker's
// credHelpers/credsStore programs are used for the push and their secret never shows (not with --verbose, --json or in
// errors), DOCKER_HOST is where the builds go, and a push that is denied or a registry that is down fail with their
// message and exit code.
const TESTS = 8
if (skipWithoutDocker('kfp build options end to end (daemon + registry)', TESTS)) process.exit(0)

const e2e = suite('kfp build options end to end')
const pipeline = `ko${Date.now().toString(36)}`
let reg: TestRegistry
let dir = ''
let bin = ''
let cleanup = async () => {}

const TRAIN_DOCKERFILE = [
  'FROM scratch AS base',
  'COPY busybox /bin/busybox',
  'ARG GREETING=default',
  'RUN ["/bin/busybox", "sh", "-c", "echo base-$GREETING > /stage.txt"]',
  'FROM base AS final',
  'RUN ["/bin/busybox", "sh", "-c", "echo final >> /stage.txt"]',
  '',
].join('\n')

e2e.before(async () => {
  reg = await startRegistry()
  ;({dir, cleanup} = await tmpdir('kfp-build-opts-'))
  await writeBusyboxProjectFiles(dir, pipeline, ['prep', 'train', 'deploy', 'arm'], reg.host)
  await writeFile(
    path.join(dir, 'kfp.yaml'),
    `name: ${pipeline}\nregistry: ${reg.host}\nimages:\n  deploy: ${reg.host}/shared/${pipeline}-deployer\nsteps:\n  - name: prep\n  - name: train\n  - name: deploy\n  - name: arm\n`,
  )
  // The classic builder reuses cached layers across platforms: give the arm64 image layers no other test shares.
  await appendFile(path.join(dir, 'components', 'arm', 'busybox'), `\n${pipeline}\n`)
  await writeFile(path.join(dir, 'components', 'train', 'Dockerfile'), TRAIN_DOCKERFILE)
  bin = path.join(dir, 'bin')
  await mkdir(bin)
})
e2e.after(async () => {
  await reg.stop()
  await cleanup()
  const ids = execFileSync('docker', ['image', 'ls', '-q', '--filter', `label=dev.kfp.pipeline=${pipeline}`], {encoding: 'utf8'}).split('\n').filter(Boolean)
  if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
})

/** A Docker config folder with `config` as config.json, and a docker-credential-<name> program on PATH answering `secret`. */
async function dockerConfig(name: string, config: unknown, username: string, secret: string): Promise<Record<string, string>> {
  const cfg = path.join(dir, `docker-${name}`)
  await mkdir(cfg, {recursive: true})
  await writeFile(path.join(cfg, 'config.json'), JSON.stringify(config))
  const helper = path.join(bin, `docker-credential-${name}`)
  await writeFile(helper, `#!/bin/sh\nread -r server\necho "$server" >> "${path.join(dir, `${name}.calls`)}"\necho '{"ServerURL":"'"$server"'","Username":"${username}","Secret":"${secret}"}'\n`)
  await chmod(helper, 0o755)
  return {DOCKER_CONFIG: cfg, PATH: `${bin}:${process.env.PATH}`}
}

function fileInImage(image: string, file: string): string {
  return execFileSync('docker', ['run', '--rm', '--entrypoint', '/bin/busybox', image, 'cat', file], {encoding: 'utf8'})
}

const noConfig = () => ({DOCKER_CONFIG: path.join(dir, 'no-docker-config')})

e2e('--build-arg and --target reach the daemon: the image holds the stage and the value', async () => {
  // When
  const r = await runCli(['build', 'train', '--build-arg', 'GREETING=hello-arg', '--target', 'base', '--json'], {cwd: dir, env: noConfig()})
  const plain = await runCli(['build', 'train', '--json'], {cwd: dir, env: noConfig()})
  // Then the base stage was built with the argument; without options the final stage with the default
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.is(plain.code, 0, plain.stderr + plain.stdout)
  const withOpts = r.json.result.images[0]
  const without = plain.json.result.images[0]
  assert.is(fileInImage(withOpts.image, '/stage.txt'), 'base-hello-arg\n')
  assert.is(fileInImage(without.image, '/stage.txt'), 'base-default\nfinal\n')
  assert.is.not(withOpts.tag, without.tag)
})

e2e('--platform reaches the daemon: the image is for that platform', async () => {
  // When (no layer cache: the classic builder would reuse layers of another platform)
  const r = await runCli(['build', 'arm', '--platform', 'linux/arm64', '--no-cache', '--json'], {cwd: dir, env: noConfig()})
  // Then
  assert.is(r.code, 0, r.stderr + r.stdout)
  const arch = execFileSync('docker', ['image', 'inspect', '-f', '{{.Os}}/{{.Architecture}}', r.json.result.images[0].image], {encoding: 'utf8'}).trim()
  assert.is(arch, 'linux/arm64')
})

e2e('kfp.yaml images: the component is built and pushed to its own repository (credsStore login), compile pins it', async () => {
  // Given a Docker login kept by a credsStore program
  const env = await dockerConfig('kostore', {credsStore: 'kostore'}, reg.username, reg.password)
  // When
  const r = await runCli(['build', 'deploy', 'prep', '--push', '--json'], {cwd: dir, env})
  const c = await runCli(['compile', '--json'], {cwd: dir, env})
  // Then
  assert.is(r.code, 0, r.stderr + r.stdout)
  const deploy = r.json.result.images.find((i: {component: string}) => i.component === 'deploy')
  const prep = r.json.result.images.find((i: {component: string}) => i.component === 'prep')
  assert.is(deploy.name, `${reg.host}/shared/${pipeline}-deployer`)
  assert.is(deploy.image, `${reg.host}/shared/${pipeline}-deployer:${deploy.tag}`)
  assert.is(prep.name, `${reg.host}/${pipeline}-prep`)
  assert.is(deploy.pushed, true)
  const m = await registryManifest(reg, `shared/${pipeline}-deployer`, deploy.tag)
  assert.is(m.status, 200)
  assert.is(m.digest, deploy.digest)
  assert.is((await registryManifest(reg, `${pipeline}-deploy`, deploy.tag)).status, 404)
  assert.is(c.code, 0, c.stderr)
  assert.is(c.json.result.images.deploy, `${reg.host}/shared/${pipeline}-deployer@${deploy.digest}`)
  assert.match(await readFile(path.join(dir, 'kostore.calls'), 'utf8'), reg.host)
  assert.not.ok((r.stdout + r.stderr + c.stdout + c.stderr).includes(reg.password))
})

e2e('credHelpers: the helper for the registry is used; its secret shows neither with --verbose nor with --json', async () => {
  // Given a credHelpers entry for the registry (and a credsStore that would give a wrong password)
  await dockerConfig('kostore2', {}, reg.username, 'wrong-store-secret')
  const env = await dockerConfig('kohelper', {credHelpers: {[reg.host]: 'kohelper'}, credsStore: 'kostore2'}, reg.username, reg.password)
  await writeFile(path.join(dir, 'components', 'prep', 'main.sh'), 'echo prep v2\n')
  // When
  const verbose = await runCli(['build', 'prep', '--push', '--verbose'], {cwd: dir, env})
  await writeFile(path.join(dir, 'components', 'prep', 'main.sh'), 'echo prep v3\n')
  const json = await runCli(['build', 'prep', '--push', '--json', '--verbose'], {cwd: dir, env: {...env, DEBUG: '1'}})
  // Then both pushed with the helper's credentials
  assert.is(verbose.code, 0, verbose.stderr + verbose.stdout)
  assert.match(verbose.stderr, 'Step 2/') // the full build log is there
  assert.match(verbose.stderr, /prep: .* built, pushed/)
  assert.is(json.code, 0, json.stderr + json.stdout)
  const img = json.json.result.images[0]
  assert.is((await registryManifest(reg, `${pipeline}-prep`, img.tag)).digest, img.digest)
  assert.equal((await readFile(path.join(dir, 'kohelper.calls'), 'utf8')).trim().split('\n').slice(-1), [reg.host])
  for (const out of [verbose.stdout, verbose.stderr, json.stdout, json.stderr]) assert.not.ok(out.includes(reg.password))
  const b64 = Buffer.from(`${reg.username}:${reg.password}`).toString('base64')
  for (const out of [verbose.stderr, json.stdout, json.stderr]) assert.not.ok(out.includes(b64))
})

e2e('a credential helper whose password the registry refuses: exit 4, names registry and helper, never the secret', async () => {
  // Given
  const wrong = 'helper-Wrong-Secret-77'
  const env = await dockerConfig('kobad', {credHelpers: {[reg.host]: 'kobad'}}, reg.username, wrong)
  await writeFile(path.join(dir, 'components', 'prep', 'main.sh'), 'echo prep v4\n')
  // When
  const r = await runCli(['build', 'prep', '--push', '--verbose'], {cwd: dir, env: {...env, DEBUG: '1'}})
  const j = await runCli(['build', 'prep', '--push', '--json'], {cwd: dir, env})
  // Then
  assert.is(r.code, 4, r.stderr)
  assert.match(r.stderr, `Registry ${reg.host} refused the credentials from docker-credential-kobad (credHelpers in`)
  assert.is(j.code, 4)
  assert.is(j.json.error.code, 'REGISTRY_AUTH')
  assert.match(j.json.error.message, 'docker-credential-kobad')
  for (const out of [r.stdout, r.stderr, j.stdout, j.stderr]) assert.not.ok(out.includes(wrong))
})

e2e('DOCKER_HOST is honoured: inspect and build go to the daemon it names', async () => {
  // Given a TCP proxy in front of the daemon's socket, counting requests
  const sock = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice('unix://'.length) : '/var/run/docker.sock'
  const seen: string[] = []
  const proxy = net.createServer((client) => {
    const upstream = net.connect(sock)
    // Requests may share one kept-alive connection: look at every chunk for request lines.
    client.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString('latin1').matchAll(/(?:^|\r\n)((?:GET|POST|HEAD|PUT|DELETE) \S+ HTTP\/1\.1)/g)) seen.push(m[1])
    })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  await writeFile(path.join(dir, 'components', 'prep', 'main.sh'), 'echo prep via DOCKER_HOST\n')
  try {
    // When
    const r = await runCli(['build', 'prep', '--json'], {cwd: dir, env: {...noConfig(), DOCKER_HOST: `tcp://127.0.0.1:${(proxy.address() as AddressInfo).port}`}})
    // Then
    assert.is(r.code, 0, r.stderr + r.stdout)
    assert.is(r.json.result.images[0].skipped, false)
    assert.ok(seen.some((l) => /^GET \S*\/images\/.+\/json HTTP/.test(l)), seen.join('\n'))
    assert.ok(seen.some((l) => /^POST \S*\/build\?/.test(l)), seen.join('\n'))
  } finally {
    proxy.close()
  }
})

e2e('a registry that denies the push: exit 4, REGISTRY_DENIED with the message', async () => {
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
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  const {dir: other, cleanup: clean} = await tmpdir('kfp-build-denied-')
  try {
    await writeBusyboxProjectFiles(other, pipeline, ['prep'], host)
    // When
    const r = await runCli(['build', '--push'], {cwd: other, env: noConfig()})
    const j = await runCli(['build', '--push', '--json'], {cwd: other, env: noConfig()})
    // Then
    assert.is(r.code, 4, r.stderr)
    assert.match(r.stderr, `Registry ${host} denied the push of ${host}/${pipeline}-prep:`)
    assert.match(r.stderr, 'denied')
    assert.is(j.code, 4)
    assert.is(j.json.error.code, 'REGISTRY_DENIED')
  } finally {
    server.close()
    await clean()
  }
})

e2e('a registry that is down: exit 6, REGISTRY_UNREACHABLE naming it, with a hint', async () => {
  // Given a registry address where nothing listens
  const host = `127.0.0.1:${await freePort()}`
  const {dir: other, cleanup: clean} = await tmpdir('kfp-build-down-')
  try {
    await writeBusyboxProjectFiles(other, pipeline, ['prep'], host)
    // When
    const r = await runCli(['build', '--push'], {cwd: other, env: noConfig()})
    const j = await runCli(['build', '--push', '--json'], {cwd: other, env: noConfig()})
    // Then
    assert.is(r.code, 6, r.stderr)
    assert.match(r.stderr, `Cannot reach registry ${host}`)
    assert.match(r.stderr, 'registry:')
    assert.is(j.code, 6)
    assert.is(j.json.error.code, 'REGISTRY_UNREACHABLE')
  } finally {
    await clean()
  }
})

e2e.run()
