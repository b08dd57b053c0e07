import {execFileSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DEFAULT_KFP_VERSION} from '../../src/core/cluster/kfp.js'
import {runCli} from '../helpers/cli.js'
import {createShims, type ShimAnswer, type ShimRule, type Shims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

const V = DEFAULT_KFP_VERSION
const CS = `github.com/kubeflow/pipelines/manifests/kustomize/cluster-scoped-resources?ref=${V}`
const ENV = `github.com/kubeflow/pipelines/manifests/kustomize/env/platform-agnostic?ref=${V}`

function deployments(list: Array<[name: string, ready: number, version?: string]>): ShimAnswer {
  return {
    stdout: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: list.map(([name, ready, version = V]) => ({
        metadata: {name},
        spec: {replicas: 1, template: {spec: {containers: [{image: `ghcr.io/kubeflow/kfp-${name}:${version}`}]}}},
        status: {readyReplicas: ready, conditions: [{type: 'Available', status: ready ? 'True' : 'False'}]},
      })),
    }),
  }
}
const none = deployments([])

function kubectl(gets: ShimAnswer[]): ShimRule[] {
  return [
    {match: ['config', 'current-context'], stdout: 'gke_p_us-central1-a_kfp\n'},
    {match: ['get', 'deployments', '-n', 'kubeflow', '-o', 'json'], exact: true, answers: gets},
    {match: ['apply', '-k'], stdout: 'customresourcedefinition.apiextensions.k8s.io/applications.app.k8s.io configured\n'},
    {match: ['wait', '--for', 'condition=established'], stdout: 'condition met\n'},
    {match: ['delete', '-k'], stdout: 'deleted\n'},
  ]
}

let shims: Shims | undefined
let work: {dir: string; cleanup: () => Promise<void>}
const env = (s: Shims) => ({PATH: s.path('/usr/bin:/bin'), HOME: work.dir})

const deploy = suite('kfp deploy')
deploy.before.each(async () => {
  work = await tmpdir()
})
deploy.after.each(async () => {
  await shims?.cleanup()
  shims = undefined
  await work.cleanup()
})

deploy('fresh install: CRDs, wait, env, then polls until every deployment is available, a line per deployment', async () => {
  // Given an empty cluster whose deployments become ready on the third poll
  shims = await createShims({
    kubectl: kubectl([none, deployments([['ml-pipeline', 0], ['ml-pipeline-ui', 0]]), deployments([['ml-pipeline', 1], ['ml-pipeline-ui', 0]]), deployments([['ml-pipeline', 1], ['ml-pipeline-ui', 1]])]),
  })
  // When
  const r = await runCli(['deploy', '--timeout', '30'], {cwd: work.dir, env: env(shims)})
  // Then
  assert.is(r.code, 0, r.stderr)
  const argv = await shims.argvOf('kubectl')
  assert.equal(argv.slice(0, 5), [
    ['config', 'current-context'],
    ['get', 'deployments', '-n', 'kubeflow', '-o', 'json'],
    ['apply', '-k', CS],
    ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/applications.app.k8s.io'],
    ['apply', '-k', ENV],
  ])
  assert.equal(argv.slice(5), [1, 2, 3].map(() => ['get', 'deployments', '-n', 'kubeflow', '-o', 'json']))
  assert.match(r.stderr, /… ml-pipeline 0\/1 ready/)
  assert.match(r.stderr, /✔ ml-pipeline 1\/1 ready/)
  assert.match(r.stderr, /✔ ml-pipeline-ui 1\/1 ready/)
  assert.match(r.stdout, new RegExp(`Installed Kubeflow Pipelines ${V.replace(/\./g, '\\.')} on gke_p_us-central1-a_kfp`))
  assert.match(r.stdout, /UI: {2}kfp ui/)
  assert.match(r.stdout, /kubectl port-forward -n kubeflow svc\/ml-pipeline 8888:8888/)
})

deploy('timeout: DEPLOY_TIMEOUT names the deployments not ready and how to inspect them, exit 5', async () => {
  // Given deployments that never become ready
  shims = await createShims({kubectl: kubectl([none, deployments([['ml-pipeline', 1], ['minio', 0], ['mysql', 0]])])})
  // When
  const started = Date.now()
  const r = await runCli(['deploy', '--timeout', '1', '--json'], {cwd: work.dir, env: env(shims)})
  // Then
  assert.is(r.code, 5, r.stderr)
  assert.ok(Date.now() - started < 20_000)
  assert.is(r.json.error.code, 'DEPLOY_TIMEOUT')
  assert.match(r.json.error.message, /2 of 3 deployments not available: minio \(0\/1 ready\), mysql \(0\/1 ready\)/)
  assert.not.match(r.json.error.message, /ml-pipeline \(/)
  assert.match(r.json.error.hints.join('\n'), /kubectl describe deployment minio -n kubeflow/)
  assert.match(r.json.error.hints.join('\n'), /kubectl get pods -n kubeflow/)
  assert.equal(r.json.error.data.notReady, ['minio', 'mysql'])
})

deploy('re-running on a ready install of the same version is a no-op', async () => {
  shims = await createShims({kubectl: kubectl([deployments([['ml-pipeline', 1], ['ml-pipeline-ui', 1]])])})
  const r = await runCli(['deploy', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.json.result.action, 'unchanged')
  assert.not.ok((await shims.argvOf('kubectl')).some((a) => a[0] === 'apply'), 'nothing applied')
})

deploy('an older install is upgraded; a newer one is kept unless --force', async () => {
  // Given 2.4.0 installed
  const old = deployments([['ml-pipeline', 1, '2.4.0']])
  shims = await createShims({kubectl: kubectl([old, old, deployments([['ml-pipeline', 1]])])})
  // When
  const up = await runCli(['deploy', '--json', '--timeout', '10'], {cwd: work.dir, env: env(shims)})
  // Then
  assert.is(up.code, 0, up.stderr)
  assert.is(up.json.result.action, 'upgraded')
  assert.is(up.json.result.previousVersion, '2.4.0')
  assert.ok((await shims.argvOf('kubectl')).some((a) => a[0] === 'apply' && a[2] === ENV))
  // And asking for 2.4.0 over the newer install refuses
  await shims.cleanup()
  shims = await createShims({kubectl: kubectl([deployments([['ml-pipeline', 1]])])})
  const down = await runCli(['deploy', '--version', '2.4.0', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(down.code, 2)
  assert.match(down.json.error.message, /not downgrading/)
  assert.match(down.json.error.hints.join('\n'), /--force/)
})

deploy('--dry-run prints the install script and runs nothing', async () => {
  shims = await createShims({kubectl: []})
  const r = await runCli(['deploy', '--dry-run', '--version', '2.14.3', '--timeout', '900'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^kubectl apply -k 'github.com\/kubeflow\/pipelines\/manifests\/kustomize\/cluster-scoped-resources\?ref=2\.14\.3'$/m)
  assert.match(r.stdout, /^kubectl wait --for condition=established --timeout=60s crd\/applications\.app\.k8s\.io$/m)
  assert.match(r.stdout, /env\/platform-agnostic\?ref=2\.14\.3'$/m)
  assert.match(r.stdout, /^kubectl wait --for=condition=available --timeout=900s deployment --all -n kubeflow$/m)
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
})

const GCP = ['--env', 'gcp', '--bucket', 'my-bucket', '--gcp-project', 'my-project', '--cloudsql-instance', 'my-project:us-central1:kfp']

deploy('--env gcp without the placeholder values is refused, naming each one; nothing runs', async () => {
  shims = await createShims({kubectl: []})
  const r = await runCli(['deploy', '--env', 'gcp', '--bucket', 'my-bucket'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 2, r.stderr)
  assert.match(r.stderr, /--env gcp needs the values the upstream overlay leaves as placeholders/)
  assert.match(r.stderr, /--gcp-project PROJECT \(or gcp\.project in kfp\.yaml\)/)
  assert.match(r.stderr, /--cloudsql-instance PROJECT:REGION:INSTANCE/)
  assert.not.match(r.stderr, /--bucket BUCKET/)
  assert.equal(await shims.calls(), [])
})

deploy('--env gcp applies a local overlay of the release with the values; the bucket also reaches the workflow controller', async () => {
  // Given a kubectl that records the overlay it is asked to apply
  shims = await createShims({
    kubectl: [
      {match: ['config', 'current-context'], stdout: 'gke_p_us-central1-a_kfp\n'},
      {match: ['get', 'deployments', '-n', 'kubeflow', '-o', 'json'], exact: true, answers: [none, deployments([['ml-pipeline', 1]])]},
      {match: ['apply', '-k'], stdout: 'configured\n'},
      {match: ['wait', '--for', 'condition=established'], stdout: 'condition met\n'},
    ],
  })
  // When
  const r = await runCli(['deploy', ...GCP, '--version', V], {cwd: work.dir, env: env(shims)})
  // Then
  assert.is(r.code, 0, r.stderr)
  const applies = (await shims.argvOf('kubectl')).filter((a) => a[0] === 'apply')
  assert.equal(applies[0], ['apply', '-k', CS])
  assert.is(applies.length, 2)
  assert.match(applies[1][2], /kfp-gcp-overlay-/)
})

deploy('--env gcp --dry-run writes the overlay in the script (quoted heredoc) and applies it; values from kfp.yaml gcp:', async () => {
  shims = await createShims({kubectl: []})
  const {writeFile} = await import('node:fs/promises')
  await writeFile(`${work.dir}/kfp.yaml`, 'name: p\ngcp: {project: proj-from-yaml, bucket: bucket-from-yaml}\nsteps: []\n')
  const r = await runCli(['deploy', '--dry-run', '--env', 'gcp', '--cloudsql-instance', 'proj-from-yaml:europe-west1:kfp'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^mkdir -p kfp-gcp-overlay\ncat > kfp-gcp-overlay\/kustomization.yaml <<'KFP_OVERLAY'\n/m)
  assert.match(r.stdout, new RegExp(`^- github.com/kubeflow/pipelines/manifests/kustomize/env/gcp\\?ref=${V.replaceAll('.', '\\.')}$`, 'm'))
  assert.match(r.stdout, /^  - bucketName=bucket-from-yaml\n  - gcsProjectId=proj-from-yaml\n  - gcsCloudSqlInstanceName=proj-from-yaml:europe-west1:kfp$/m)
  assert.match(r.stdout, /fieldPaths: \[data\.artifactRepository\]/)
  assert.match(r.stdout, /^kubectl apply -k kfp-gcp-overlay$/m)
  assert.not.match(r.stdout, /yourGcsBucketName|yourCloudSqlInstanceName/)
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
})

deploy('--namespace is gone: the manifests install into kubeflow', async () => {
  shims = await createShims({kubectl: []})
  const r = await runCli(['deploy', '--dry-run', '--namespace', 'other'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 2)
  assert.match(r.stderr, /Unknown flag for kfp deploy: --namespace/)
})

deploy('--delete needs --yes when not interactive, then removes with the installed version\'s manifests', async () => {
  const installed = deployments([['ml-pipeline', 1, '2.4.0']])
  shims = await createShims({kubectl: kubectl([installed])})
  const ask = await runCli(['deploy', '--delete'], {cwd: work.dir, env: env(shims)})
  assert.is(ask.code, 2)
  assert.match(ask.stderr, /--yes/)
  assert.not.ok((await shims.argvOf('kubectl')).some((a) => a[0] === 'delete'))
  const r = await runCli(['deploy', '--delete', '--yes'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  const deletes = (await shims.argvOf('kubectl')).filter((a) => a[0] === 'delete')
  assert.equal(deletes, [
    ['delete', '-k', 'github.com/kubeflow/pipelines/manifests/kustomize/env/platform-agnostic?ref=2.4.0', '--ignore-not-found'],
    ['delete', '-k', 'github.com/kubeflow/pipelines/manifests/kustomize/cluster-scoped-resources?ref=2.4.0', '--ignore-not-found'],
  ])
  assert.match(r.stdout, /Removed Kubeflow Pipelines 2\.4\.0/)
})

deploy('no kube context: a clear KUBE_ERROR with a hint', async () => {
  shims = await createShims({kubectl: [{match: ['config', 'current-context'], exit: 1, stderr: 'error: current-context is not set\n'}]})
  const r = await runCli(['deploy', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 3)
  assert.is(r.json.error.code, 'KUBE_ERROR')
  assert.match(r.json.error.hints.join('\n'), /kfp cluster create/)
})

deploy.run()
