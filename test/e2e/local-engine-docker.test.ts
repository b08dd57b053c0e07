// The local engine's Docker runner against a real daemon: the SDK-compiled golden IR files run with busybox images
// built FROM scratch and tagged with the names the files use; step containers are removed afterwards, also on Ctrl-C.
// Run `npm run build` first.
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createDockerClient} from '../../src/clients/docker.js'
import {CONTAINER_LABEL} from '../../src/services/run/runners.js'
import {ensureGoldenImages} from '../helpers/busybox-images.js'
import {registryAvailable, startRegistry} from '../helpers/registry.js'
import {parseImageRef} from '../../src/core/build/naming.js'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {skipWithoutDocker} from '../helpers/docker.js'
import {tmpdir} from '../helpers/tmp.js'

const IR = path.join(repoRoot, 'test', 'fixtures', 'ir')
const docker = createDockerClient(process.env)
let tmp: {dir: string; cleanup: () => Promise<void>}

function records(dir: string): any[] {
  const runs = path.join(dir, '.kfp', 'runs')
  if (!existsSync(runs)) return []
  return readdirSync(runs)
    .filter((id) => existsSync(path.join(runs, id, 'run.json')))
    .map((id) => JSON.parse(readFileSync(path.join(runs, id, 'run.json'), 'utf8')))
}

function log(result: any, task: string): string {
  return readFileSync(path.join(result.runDir, 'tasks', task, 'log.txt'), 'utf8')
}

async function leftovers(runId: string): Promise<number> {
  return (await docker.listContainers(`${CONTAINER_LABEL}=${runId}`)).length
}

/** dockerode itself, for test setup (tag, push, remove). */
async function raw(): Promise<any> {
  const Docker = (await import('dockerode')).default
  return new Docker()
}

/** Waits for a push to end; throws on an error inside the progress events (followProgress reports none). */
async function followProgress(streamP: Promise<unknown>): Promise<void> {
  const stream = await streamP
  const d = await raw()
  await new Promise<void>((resolve, reject) =>
    d.modem.followProgress(stream, (err: unknown, out: Array<{error?: string}>) => {
      const bad = out?.find((o) => o.error)
      if (err || bad) reject(new Error(bad?.error ?? String(err)))
      else resolve()
    }),
  )
}

const Golden = suite('kfp run --local GOLDEN --runner docker')
Golden.before(async () => {
  await ensureGoldenImages()
})
Golden.before.each(async () => {
  tmp = await tmpdir('kfp-docker-')
})
Golden.after.each(async () => {
  await tmp.cleanup()
})

Golden('hello_world runs in its image and the container is removed', async () => {
  const r = await runCli(['run', '--local', path.join(IR, 'hello_world.yaml'), '--runner', 'docker', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  assert.is(res.run.runner, 'docker')
  assert.is(log(res, 'echo'), 'hello world\n')
  assert.is(await leftovers(res.run.id), 0)
})

Golden('producer_consumer_param_pipeline passes an output parameter file to the consumer', async () => {
  const r = await runCli(['run', '--local', path.join(IR, 'producer_consumer_param_pipeline.yaml'), '--runner', 'docker', '--param', 'text=Hi', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  assert.equal(res.run.tasks[0].outputs.parameters, {output_value: 'Hi, this is an output parameter'})
  // The consumer runs with `set -x`: its stderr trace lines may land between the two stdout lines (Docker keeps the
  // order within a stream, not across stdout and stderr), so only the stdout lines' own order is asserted.
  assert.match(log(res, 'consumer'), /^Read from an input parameter: \n(?:\+ .*\n)*Hi, this is an output parameter\n/m)
  assert.is(await leftovers(res.run.id), 0)
})

Golden('two_step_pipeline passes an artifact through a mounted local file', async () => {
  const r = await runCli(['run', '--local', path.join(IR, 'two_step_pipeline.yaml'), '--runner', 'docker', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  const uri = res.run.tasks[0].outputs.artifacts.output_gcs_path.uri
  assert.is(readFileSync(uri, 'utf8'), 'Hello KFP!\n')
  assert.match(log(res, 'read-from-gcs'), 'Hello KFP!')
  assert.is(await leftovers(res.run.id), 0)
})

Golden('pipeline_with_resource_spec runs args-only containers (image entrypoints) with typed params and says what it could not apply', async () => {
  const r = await runCli(['run', '--local', path.join(IR, 'pipeline_with_resource_spec.yaml'), '--runner', 'docker', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  assert.match(log(res, 'trainer'), 'trained with sgd for 200 epochs')
  const model = readFileSync(res.run.tasks[1].outputs.artifacts.model.uri, 'utf8')
  assert.is(model, 'model(examples from gs://test-bucket/pipeline_root, optimizer=sgd, epochs=200)\n')
  assert.ok(r.json.warnings.includes('trainer: accelerator tpu-v3 x1 is ignored on the local engine.'), JSON.stringify(r.json.warnings))
  assert.is(await leftovers(res.run.id), 0)
  // And the process runner refuses it before starting (no command to run on the host)
  const p = await runCli(['run', '--local', path.join(IR, 'pipeline_with_resource_spec.yaml'), '--runner', 'process'], {cwd: tmp.dir})
  assert.is(p.code, 3)
  assert.match(p.stderr, "task 'ingestion'")
})

Golden('resource limits and env reach the container', async () => {
  const r = await runCli(['run', '--local', path.join(IR, 'engine', 'limits.yaml'), '--runner', 'docker', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const text = log(r.json.result, 'show')
  assert.match(text, `memory=${256 * 1024 * 1024}\n`)
  assert.match(text, /cpu=50000\b/)
  assert.match(text, 'env=set-by-ir')
})

Golden('a diamond of busybox steps runs under Docker with the same results as the process runner', async () => {
  const r = await runCli(['run', '--local', path.join(IR, 'engine', 'diamond.yaml'), '--runner', 'docker', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  assert.equal(res.run.tasks.map((t: any) => t.status), ['succeeded', 'succeeded', 'succeeded', 'succeeded'])
  assert.match(log(res, 'd'), 'd: hello from a/flag=true + 3 task=d')
  assert.is(res.run.tasks[1].attempts, 2)
  assert.is(await leftovers(res.run.id), 0)
})

Golden('Ctrl-C stops and removes the running step container and exits 130', async () => {
  // Given a long step running in a container
  const child = spawn(process.execPath, [binPath, 'run', '--local', path.join(IR, 'engine', 'slow.yaml'), '--runner', 'docker'], {
    cwd: tmp.dir,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const done = new Promise<number | null>((resolve) => child.on('close', resolve))
  const end = Date.now() + 30_000
  let rec: any
  while (Date.now() < end) {
    rec = records(tmp.dir)[0]
    if (rec?.tasks[0].status === 'running' && stderr.includes('[sleeper] sleeping')) break
    await new Promise((r) => setTimeout(r, 100))
  }
  assert.is(await leftovers(rec.id), 1)
  // When
  child.kill('SIGINT')
  // Then
  assert.is(await done, 130, stderr)
  const after = records(tmp.dir)[0]
  assert.is(after.status, 'cancelled')
  assert.is(after.tasks[0].status, 'cancelled')
  assert.is(await leftovers(rec.id), 0)
})

Golden('runs cancel removes the step container that a killed CLI left running', async () => {
  // Given a long step running in a container
  let cliPid = 0
  const cli = runCli(['run', '--local', path.join(IR, 'engine', 'slow.yaml'), '--runner', 'docker'], {cwd: tmp.dir, onSpawn: (pid) => (cliPid = pid)})
  const end = Date.now() + 30_000
  let rec: any
  while (Date.now() < end) {
    rec = records(tmp.dir)[0]
    if (rec?.tasks[0].status === 'running' && rec.tasks[0].containerId) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const containerId = rec.tasks[0].containerId
  // When the CLI is killed outright
  process.kill(cliPid, 'SIGKILL')
  await cli
  // Then its container is left, and the run reads as interrupted
  assert.is(await leftovers(rec.id), 1)
  const get = await runCli(['runs', 'get', 'latest', '--json'], {cwd: tmp.dir})
  assert.is(get.json.result.run.status, 'interrupted')
  assert.match(get.json.result.run.tasks[0].message, `its step container ${containerId.slice(0, 12)} may still be running`)
  // When cancelled
  const c = await runCli(['runs', 'cancel', 'latest'], {cwd: tmp.dir})
  // Then the container is gone and the run is cancelled
  assert.is(c.code, 0, c.stderr)
  assert.match(c.stderr, `Stopped step sleeper, left running by the killed kfp process (container ${containerId.slice(0, 12)})`)
  assert.is(await leftovers(rec.id), 0)
  const after = records(tmp.dir)[0]
  assert.is(after.status, 'cancelled')
  assert.is(after.tasks[0].containerId, undefined)
})

Golden('pulls a missing image from a private registry with the Docker login, and fails clearly without it', async () => {
  if (!registryAvailable()) {
    console.log('SKIPPED: pull from a private registry: docker-registry or htpasswd is not installed')
    return
  }
  // Given an image only in a registry that requires a login, and a Docker config holding that login
  const reg = await startRegistry()
  const image = `${reg.host}/kfp-engine/pull-test:${process.pid}-${Date.now()}`
  const auth = {username: reg.username, password: reg.password, serveraddress: reg.host}
  try {
    const ref = parseImageRef(image)
    await (await raw()).getImage('kfp-test/busybox:latest').tag({repo: `${ref.registry}/${ref.repository}`, tag: ref.tag})
    await followProgress((await raw()).getImage(`${ref.registry}/${ref.repository}`).push({tag: ref.tag, authconfig: auth} as never))
    await (await raw()).getImage(image).remove()
    const ir = readFileSync(path.join(IR, 'hello_world.yaml'), 'utf8').replace(/image: .*/, `image: ${image}`)
    writeFileSync(path.join(tmp.dir, 'pipeline.yaml'), ir)
    const cfg = path.join(tmp.dir, 'docker-config')
    mkdirSync(cfg)
    writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({auths: {[reg.host]: {auth: Buffer.from(`${reg.username}:${reg.password}`).toString('base64')}}}))
    // When run without any login
    const anon = await runCli(['run', '--local', 'pipeline.yaml', '--runner', 'docker'], {cwd: tmp.dir, env: {DOCKER_CONFIG: path.join(tmp.dir, 'none')}})
    // Then the pull fails before any step, naming the image
    assert.is(anon.code, 5, anon.stderr)
    assert.match(anon.stderr, `Could not pull image ${image}`)
    assert.match(anon.stderr, 'IMAGE_PULL_FAILED')
    // When run with the Docker config that holds the login
    const r = await runCli(['run', '--local', 'pipeline.yaml', '--runner', 'docker'], {cwd: tmp.dir, env: {DOCKER_CONFIG: cfg}})
    // Then the image is pulled with it and the step runs; the password never shows
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, `Pulling image ${image}`)
    assert.match(r.stderr, '[echo] hello world')
    assert.equal(records(tmp.dir).map((x) => x.status), ['succeeded'])
    assert.not.match(r.stdout + r.stderr, reg.password)
  } finally {
    await (await raw()).getImage(image).remove().catch(() => {})
    await reg.stop()
  }
})

if (!skipWithoutDocker('local engine Docker runner', 9)) Golden.run()
