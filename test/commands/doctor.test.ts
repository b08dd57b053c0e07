import {mkdirSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startGcsEmulator, type GcsEmulator} from '../helpers/gcs-emulator.js'
import {createShims, type ShimRule, type Shims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

const SECRET = 'c2VjcmV0OnMzY3IzdA=='
let shims: Shims | undefined
let gcs: GcsEmulator | undefined
let docker: http.Server | undefined
let work: {dir: string; cleanup: () => Promise<void>}

const deployments = (ready: number) =>
  JSON.stringify({items: [{metadata: {name: 'ml-pipeline'}, spec: {replicas: 1, template: {spec: {containers: [{image: 'ghcr.io/kubeflow/kfp-api-server:2.15.0'}]}}}, status: {readyReplicas: ready}}]})

function kubectlRules(o: {ready?: number; context?: boolean} = {}): ShimRule[] {
  return [
    {match: ['version', '--client', '-o', 'json'], stdout: JSON.stringify({clientVersion: {gitVersion: 'v1.32.4'}})},
    {match: ['config', 'current-context'], ...(o.context === false ? {exit: 1, stderr: 'error: current-context is not set\n'} : {stdout: 'gke_p_z_kfp\n'})},
    {match: ['version', '-o', 'json'], stdout: JSON.stringify({clientVersion: {gitVersion: 'v1.32.4'}, serverVersion: {gitVersion: 'v1.30.5-gke.1'}})},
    {match: ['get', 'deployments', '-n', 'kubeflow', '-o', 'json'], stdout: deployments(o.ready ?? 1)},
  ]
}

async function setup(o: {account?: string; ready?: number; dockerUp?: boolean; context?: boolean} = {}) {
  // A project using Artifact Registry and a bucket
  writeFileSync(path.join(work.dir, 'kfp.yaml'), 'name: x\nregistry: us-docker.pkg.dev/p/kfp\ngcp: {project: p, bucket: data-bucket}\n')
  mkdirSync(path.join(work.dir, 'docker'))
  writeFileSync(path.join(work.dir, 'docker', 'config.json'), JSON.stringify({auths: {'docker.io': {auth: SECRET}}, credHelpers: {'us-docker.pkg.dev': 'gcloud'}}))
  shims = await createShims({
    gcloud: [{match: ['config', 'get-value', 'account'], stdout: o.account ?? 'me@example.com\n'}],
    kubectl: kubectlRules(o),
    'docker-credential-gcloud': [],
  })
  gcs = await startGcsEmulator({buckets: ['data-bucket']})
  const sock = path.join(work.dir, 'docker.sock')
  if (o.dockerUp !== false) {
    docker = http.createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : ''))
    await new Promise<void>((r) => docker!.listen(sock, () => r()))
  }
  return {
    PATH: shims.path('/usr/bin:/bin'),
    HOME: work.dir,
    DOCKER_HOST: `unix://${sock}`,
    DOCKER_CONFIG: path.join(work.dir, 'docker'),
    STORAGE_EMULATOR_HOST: `${gcs.url}/storage/v1`,
  }
}

const doctor = suite('kfp doctor')
doctor.before.each(async () => {
  work = await tmpdir()
})
doctor.after.each(async () => {
  await shims?.cleanup()
  await gcs?.close()
  if (docker) await new Promise((r) => docker!.close(r))
  shims = undefined
  gcs = undefined
  docker = undefined
  await work.cleanup()
})

doctor('everything in place: every check ✔, exit 0, no secret printed', async () => {
  // Given
  const env = await setup()
  // When
  const r = await runCli(['doctor'], {cwd: work.dir, env})
  // Then
  assert.is(r.code, 0, r.stdout + r.stderr)
  const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
  assert.equal(rows.map((x) => [x[0], x[1]]), [
    ['✔', 'Node.js'],
    ['✔', 'kfp on PATH'],
    ['✔', 'Docker daemon'],
    ['✔', 'Registry credentials'],
    ['–', 'Images pushed'],
    ['✔', 'gcloud installed'],
    ['✔', 'gcloud authenticated'],
    ['✔', 'kubectl installed'],
    ['✔', 'Kubernetes context'],
    ['✔', 'Cluster reachable'],
    ['✔', 'KFP installed'],
    ['✔', 'Bucket reachable'],
    ['–', 'KFP server (current target)'],
  ])
  assert.match(r.stdout, /us-docker\.pkg\.dev: credential helper gcloud/)
  assert.match(r.stdout, /me@example\.com/)
  assert.match(r.stdout, /gke_p_z_kfp/)
  assert.match(r.stdout, /2\.15\.0, 1 deployments ready/)
  assert.match(r.stdout, /gs:\/\/data-bucket/)
  assert.not.ok(r.stdout.includes(SECRET) || r.stderr.includes(SECRET))
})

doctor('failures: ✖ rows with fixes, --json carries every check, exit 5', async () => {
  // Given Docker down, gcloud without account, KFP not ready
  const env = await setup({account: '\n', ready: 0, dockerUp: false})
  // When
  const r = await runCli(['doctor'], {cwd: work.dir, env})
  const j = await runCli(['doctor', '--json'], {cwd: work.dir, env})
  // Then
  assert.is(r.code, 5)
  assert.match(r.stdout, /✖\tDocker daemon\tnot reachable at unix:\/\/.*docker\.sock \(ENOENT\)\tStart Docker/)
  assert.match(r.stdout, /✖\tgcloud authenticated\tno active account\tgcloud auth login/)
  assert.match(r.stdout, /✖\tKFP installed\t2\.15\.0, not ready: ml-pipeline/)
  assert.match(r.stderr, /3 required checks failed: Docker daemon, gcloud authenticated, KFP installed/)
  assert.is(j.code, 5)
  assert.is(j.json.error.code, 'CHECK_FAILED')
  const byId = Object.fromEntries(j.json.error.data.checks.map((c: any) => [c.id, c.status]))
  assert.equal(byId, {node: 'ok', 'kfp-path': 'ok', docker: 'fail', registry: 'ok', images: 'skip', gcloud: 'ok', 'gcloud-auth': 'fail', kubectl: 'ok', 'kube-context': 'ok', cluster: 'ok', kfp: 'fail', bucket: 'ok', target: 'skip'})
})

doctor('no kube context: cluster checks are skipped (–), not failures', async () => {
  const env = await setup({context: false})
  const r = await runCli(['doctor', '--json'], {cwd: work.dir, env})
  assert.is(r.code, 0, r.stdout + r.stderr)
  const byId = Object.fromEntries(r.json.result.checks.map((c: any) => [c.id, c.status]))
  assert.is(byId['kube-context'], 'skip')
  assert.is(byId.cluster, 'skip')
  assert.is(byId.kfp, 'skip')
  assert.is(r.json.result.ok, true)
})

doctor('a registry on this machine (localhost:5000) needs no stored login; a Docker Hub namespace does', async () => {
  // Given a project whose registry is a bare local host:port, and no Docker config at all
  const env = await setup()
  writeFileSync(path.join(work.dir, 'kfp.yaml'), 'name: x\nregistry: localhost:5000\ngcp: {project: p, bucket: data-bucket}\n')
  const noConfig = {...env, DOCKER_CONFIG: path.join(work.dir, 'no-docker-config')}
  // When
  const local = await runCli(['doctor', '--json'], {cwd: work.dir, env: noConfig})
  // Then
  const reg = local.json.result.checks.find((c: any) => c.id === 'registry')
  assert.is(reg.status, 'ok', JSON.stringify(reg))
  assert.match(reg.detail, /^localhost:5000: local registry/)
  assert.is(reg.required, false)
  // And a Docker Hub namespace without a login is a failure naming docker.io
  writeFileSync(path.join(work.dir, 'kfp.yaml'), 'name: x\nregistry: myuser\ngcp: {project: p, bucket: data-bucket}\n')
  const hub = await runCli(['doctor', '--json'], {cwd: work.dir, env: noConfig})
  const hubReg = hub.json.error.data.checks.find((c: any) => c.id === 'registry')
  assert.is(hubReg.status, 'fail')
  assert.match(hubReg.detail, /^docker\.io: /)
  assert.is(hub.code, 5)
})

doctor.run()
