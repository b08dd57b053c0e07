// The real gcloud binary against a loopback fake of container.googleapis.com: proves that the argv kfp builds is
// accepted by gcloud and becomes the intended clusters.create request. kubectl is a recording shim. No real endpoint
// is ever reachable: every API gcloud uses here is overridden to the fake, and the credential is a dummy token file.
import {existsSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {startFakeGke, type FakeGke} from '../helpers/fake-gke.js'
import {createShims, type Shims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

const GCLOUD = '/usr/bin/gcloud'
const real = suite('real gcloud against a fake GKE API')

let fake: FakeGke
let shims: Shims
let work: {dir: string; cleanup: () => Promise<void>}

function gcloudEnv(opts: {token?: boolean} = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: shims.path(`${path.dirname(GCLOUD)}:/bin`),
    HOME: work.dir,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER: fake.url,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE: fake.url,
    CLOUDSDK_CONFIG: path.join(work.dir, 'gcloud-config'),
    CLOUDSDK_CORE_PROJECT: 'test-project',
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: '1',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
    KUBECONFIG: path.join(work.dir, 'kubeconfig'),
  }
  if (opts.token !== false) {
    env.CLOUDSDK_AUTH_ACCESS_TOKEN_FILE = path.join(work.dir, 'token')
    env.CLOUDSDK_CORE_ACCOUNT = 'dev@example.com'
  }
  return env
}

real.before.each(async () => {
  work = await tmpdir()
  writeFileSync(path.join(work.dir, 'token'), 'fake-access-token\n')
  fake = await startFakeGke()
  shims = await createShims({
    kubectl: [
      {match: ['create', 'clusterrolebinding'], stdout: 'kind: ClusterRoleBinding\n'},
      {match: ['apply', '-f', '-'], readStdin: true, stdout: 'created\n'},
    ],
  })
})
real.after.each(async () => {
  await fake.close()
  await shims.cleanup()
  await work.cleanup()
})

const skip = !existsSync(GCLOUD)
if (skip) {
  console.log(`SKIPPED: real gcloud tests: ${GCLOUD} is not installed`)
  console.log('KFP_TEST_SKIPPED=4')
}

real('kfp cluster create: gcloud sends the intended clusters.create body, then credentials and the binding', async () => {
  if (skip) return
  // When
  const r = await runCli(
    ['cluster', 'create', 'babyweight', '--zone', 'us-central1-a', '--machine-type', 'n1-standard-4', '--min-nodes', '3', '--max-nodes', '10', '--label', 'team=ml', '--json'],
    {cwd: work.dir, env: gcloudEnv()},
  )
  // Then
  assert.is(r.code, 0, r.stderr)
  const calls = fake.requests.map((q) => `${q.method} ${q.path}`)
  assert.ok(calls.includes('GET /v1/projects/test-project/locations/us-central1-a/clusters/babyweight'), calls.join('\n'))
  const create = fake.requests.find((q) => q.method === 'POST' && q.path === '/v1/projects/test-project/locations/us-central1-a/clusters')
  assert.ok(create, calls.join('\n'))
  const pool = create!.body.cluster.nodePools[0]
  assert.is(create!.body.cluster.name, 'babyweight')
  assert.is(pool.config.machineType, 'n1-standard-4')
  assert.is(pool.initialNodeCount, 3)
  assert.equal(pool.autoscaling, {enabled: true, minNodeCount: 3, maxNodeCount: 10})
  assert.equal(pool.config.oauthScopes, ['https://www.googleapis.com/auth/cloud-platform'])
  assert.equal(create!.body.cluster.resourceLabels, {team: 'ml'})
  assert.is(create!.authorization, 'Bearer fake-access-token')
  // And the binding went to kubectl for the account gcloud reports
  const kubectl = await shims.argvOf('kubectl')
  assert.equal(kubectl[0], ['create', 'clusterrolebinding', 'kfp-admin-dev@example.com', '--clusterrole=cluster-admin', '--user', 'dev@example.com', '--dry-run=client', '-o', 'yaml'])
  assert.is(r.json.result.reused, false)
  // And a second run reuses the cluster (no second POST)
  const again = await runCli(['cluster', 'create', 'babyweight', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: gcloudEnv()})
  assert.is(again.code, 0, again.stderr)
  assert.is(again.json.result.reused, true)
  assert.is(fake.requests.filter((q) => q.method === 'POST').length, 1)
})

real('quota and permission errors from the API: gcloud\'s message passed on with a hint', async () => {
  if (skip) return
  // Given the API refuses the create for quota
  fake.failures.push({match: /^POST .*\/clusters$/, status: 403, message: "Insufficient regional quota to satisfy request: resource \"CPUS\": request requires '12.0' and is short '4.0'."})
  const q = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: gcloudEnv()})
  assert.is(q.code, 5, q.stderr)
  assert.is(q.json.error.code, 'CLOUD_QUOTA')
  assert.match(q.json.error.message, /Insufficient regional quota to satisfy request/)
  // Given it refuses for permission
  fake.failures.length = 0
  fake.failures.push({match: /^POST .*\/clusters$/, status: 403, message: 'Required "container.clusters.create" permission(s) for "projects/test-project".'})
  const p = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: gcloudEnv()})
  assert.is(p.code, 4, p.stderr)
  assert.is(p.json.error.code, 'CLOUD_PERMISSION')
  assert.match(p.json.error.message, /container\.clusters\.create/)
  assert.match(p.json.error.hints.join('\n'), /--gcp-project/)
})

real('not authenticated: the real gcloud message and gcloud auth login hints; nothing reaches the API', async () => {
  if (skip) return
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: gcloudEnv({token: false})})
  assert.is(r.code, 4, r.stderr)
  assert.is(r.json.error.code, 'GCLOUD_AUTH')
  assert.match(r.json.error.message, /active account/)
  assert.match(r.json.error.hints.join('\n'), /gcloud auth login/)
  assert.equal(fake.requests.filter((q) => q.method === 'POST'), [])
})

real('kfp cluster list and delete through the real gcloud', async () => {
  if (skip) return
  // Given a cluster created through kfp
  const c = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--num-nodes', '2'], {cwd: work.dir, env: gcloudEnv()})
  assert.is(c.code, 0, c.stderr)
  // When
  const list = await runCli(['cluster', 'list', '--json'], {cwd: work.dir, env: gcloudEnv()})
  // Then
  assert.is(list.code, 0, list.stderr)
  assert.equal(list.json.result.clusters.map((x: any) => [x.name, x.location, x.status, x.nodes]), [['kfp', 'us-central1-a', 'RUNNING', 2]])
  const del = await runCli(['cluster', 'delete', 'kfp', '--zone', 'us-central1-a', '--yes'], {cwd: work.dir, env: gcloudEnv()})
  assert.is(del.code, 0, del.stderr)
  assert.ok(fake.requests.some((q) => q.method === 'DELETE' && q.path === '/v1/projects/test-project/locations/us-central1-a/clusters/kfp'))
  const gone = await runCli(['cluster', 'delete', 'kfp', '--zone', 'us-central1-a', '--yes', '--json'], {cwd: work.dir, env: gcloudEnv()})
  assert.is(gone.code, 3, gone.stderr)
  assert.is(gone.json.error.code, 'CLUSTER_NOT_FOUND')
})

real.run()
