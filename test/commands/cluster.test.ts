import {execFileSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {createShims, type ShimRule, type Shims} from '../helpers/shims.js'
import {tmpdir} from '../helpers/tmp.js'

const NOT_FOUND = 'ERROR: (gcloud.container.clusters.describe) ResponseError: code=404, message=Not found: projects/p/zones/us-central1-a/clusters/kfp.\n'
const BINDING_YAML = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: kfp-admin-me@example.com\n'

const gcloudOk = (describe: Partial<ShimRule> = {exit: 1, stderr: NOT_FOUND}): ShimRule[] => [
  {match: ['container', 'clusters', 'describe'], ...describe},
  {match: ['container', 'clusters', 'create'], stderr: 'Creating cluster kfp in us-central1-a...done.\n'},
  {match: ['container', 'clusters', 'get-credentials'], stderr: 'kubeconfig entry generated for kfp.\n'},
  {match: ['config', 'get-value', 'account'], stdout: 'me@example.com\n'},
]
const kubectlOk: ShimRule[] = [
  {match: ['create', 'clusterrolebinding'], stdout: BINDING_YAML},
  {match: ['apply', '-f', '-'], readStdin: true, stdout: 'clusterrolebinding.rbac.authorization.k8s.io/kfp-admin-me@example.com created\n'},
]

let shims: Shims | undefined
let work: {dir: string; cleanup: () => Promise<void>}

const create = suite('kfp cluster create')
create.before.each(async () => {
  work = await tmpdir()
})
create.after.each(async () => {
  await shims?.cleanup()
  shims = undefined
  await work.cleanup()
})

const env = (s: Shims, extra: Record<string, string> = {}) => ({PATH: s.path('/usr/bin:/bin'), HOME: work.dir, ...extra})

create('creates the cluster, fetches credentials and applies the admin binding, in order, with exact argv', async () => {
  // Given shims for a project without the cluster
  shims = await createShims({gcloud: gcloudOk(), kubectl: kubectlOk})
  // When
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--gcp-project', 'p', '--min-nodes', '3', '--max-nodes', '10', '--label', 'team=ml'], {
    cwd: work.dir,
    env: env(shims),
  })
  // Then
  assert.is(r.code, 0, r.stderr)
  const calls = await shims.calls()
  assert.equal(calls.map((c) => [c.tool, ...c.argv]), [
    ['gcloud', 'container', 'clusters', 'describe', 'kfp', '--zone=us-central1-a', '--project=p', '--format=json'],
    ['gcloud', 'container', 'clusters', 'create', 'kfp', '--zone=us-central1-a', '--project=p', '--machine-type=n1-standard-2', '--num-nodes=3', '--enable-autoscaling', '--min-nodes=3', '--max-nodes=10', '--scopes=cloud-platform', '--labels=team=ml', '--quiet'],
    ['gcloud', 'container', 'clusters', 'get-credentials', 'kfp', '--zone=us-central1-a', '--project=p'],
    ['gcloud', 'config', 'get-value', 'account'],
    ['kubectl', 'create', 'clusterrolebinding', 'kfp-admin-me@example.com', '--clusterrole=cluster-admin', '--user', 'me@example.com', '--dry-run=client', '-o', 'yaml'],
    ['kubectl', 'apply', '-f', '-'],
  ])
  assert.is(calls[5].stdin, BINDING_YAML, 'the binding YAML reaches kubectl apply on stdin')
  assert.match(r.stdout, /Cluster kfp in us-central1-a is created/)
  assert.match(r.stdout, /me@example\.com has cluster-admin/)
  assert.match(r.stderr, /✔ Create GKE cluster kfp/)
  assert.not.match(r.stderr, /Creating cluster kfp in us-central1-a\.\.\.done/, 'gcloud output only with --verbose')
})

create("--verbose shows gcloud's lines whole though they reach kfp cut inside UTF-8 characters, and its last line without a line end", async () => {
  // Given a gcloud whose output is read in pieces cut inside é (bytes 3-4), 日 (6-8) and 🎉 (13-16), and its last line, unended, inside its é
  const line = 'café 日本 🎉'
  const rules = gcloudOk()
  rules[1] = {match: ['container', 'clusters', 'create'], stderr: `${line}\nCreated [kfp] é`, cutAtBytes: [4, 7, 15, Buffer.byteLength(`${line}\nCreated [kfp] `) + 1]}
  shims = await createShims({gcloud: rules, kubectl: kubectlOk})
  // When
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--gcp-project', 'p', '--verbose'], {cwd: work.dir, env: env(shims)})
  // Then
  assert.is(r.code, 0, r.stderr)
  const lines = r.stderr.split('\n')
  assert.ok(lines.some((l) => l.endsWith(line)), r.stderr)
  assert.ok(lines.some((l) => l.endsWith('Created [kfp] é')), r.stderr)
  assert.not.match(r.stderr, '\uFFFD')
})

create('an existing cluster is reused (idempotent); --verbose shows the tools\' output; --json result', async () => {
  // Given describe succeeds
  shims = await createShims({gcloud: gcloudOk({stdout: JSON.stringify({name: 'kfp', location: 'us-central1-a', status: 'RUNNING', currentNodeCount: 3})}), kubectl: kubectlOk})
  // When
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: env(shims)})
  // Then no create call, the rest still happens
  assert.is(r.code, 0, r.stderr)
  const gcloud = await shims.argvOf('gcloud')
  assert.not.ok(gcloud.some((a) => a[2] === 'create'))
  assert.ok(gcloud.some((a) => a[2] === 'get-credentials'))
  assert.is(r.json.result.reused, true)
  assert.is(r.json.result.cluster.status, 'RUNNING')
  assert.is(r.json.result.binding, 'kfp-admin-me@example.com')
  // And --verbose passes gcloud's output through
  const v = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--verbose'], {cwd: work.dir, env: env(shims)})
  assert.match(v.stderr, /kubeconfig entry generated for kfp/)
})

create('defaults come from kfp.yaml gcp: (zone, project)', async () => {
  // Given a project file
  execFileSync('sh', ['-c', 'printf "name: x\\ngcp: {project: from-yaml, zone: europe-west1-b}\\n" > kfp.yaml'], {cwd: work.dir})
  shims = await createShims({gcloud: gcloudOk(), kubectl: kubectlOk})
  // When
  const r = await runCli(['cluster', 'create'], {cwd: work.dir, env: env(shims)})
  // Then
  assert.is(r.code, 0, r.stderr)
  const [describe] = await shims.argvOf('gcloud')
  assert.equal(describe, ['container', 'clusters', 'describe', 'kfp', '--zone=europe-west1-b', '--project=from-yaml', '--format=json'])
})

create('kfp.yaml is found like every command finds it: from a subfolder, and KFP_PROJECT naming a folder', async () => {
  // Given a project with gcp settings, and a subfolder; another folder elsewhere
  execFileSync('sh', ['-c', 'mkdir -p proj/components/a other && printf "name: x\\ngcp: {project: from-yaml, zone: europe-west1-b}\\n" > proj/kfp.yaml'], {cwd: work.dir})
  shims = await createShims({gcloud: gcloudOk(), kubectl: kubectlOk})
  // When run from inside the project's subfolder, and from elsewhere with KFP_PROJECT=<the project folder>
  const sub = await runCli(['cluster', 'create', '--dry-run'], {cwd: `${work.dir}/proj/components/a`, env: env(shims)})
  const viaEnv = await runCli(['cluster', 'create', '--dry-run'], {cwd: `${work.dir}/other`, env: env(shims, {KFP_PROJECT: `${work.dir}/proj`})})
  // Then both use the project's zone and GCP project
  for (const r of [sub, viaEnv]) {
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^ {2}gcloud container clusters create kfp --zone=europe-west1-b --project=from-yaml /m)
  }
})

create('no gcloud account (e.g. token-file auth): no binding is applied, and the user is told so', async () => {
  // Given gcloud reports no account (it prints "(unset)" on stderr)
  shims = await createShims({
    gcloud: [{match: ['config', 'get-value', 'account'], stderr: '(unset)\n'}, ...gcloudOk()],
    kubectl: kubectlOk,
  })
  // When
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a'], {cwd: work.dir, env: env(shims)})
  const j = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: env(shims)})
  // Then kubectl is never called (no binding for an empty user) and the warning explains it
  assert.is(r.code, 0, r.stderr)
  assert.equal(await shims.argvOf('kubectl'), [])
  assert.match(r.stderr, /Grant cluster-admin to the current gcloud account \(idempotent\): skipped: no account/)
  assert.match(r.stderr, /no cluster-admin binding was created/)
  assert.is(j.json.result.account, undefined)
  assert.is(j.json.result.binding, undefined)
})

create('gcloud missing: TOOL_NOT_FOUND with an install hint, exit 5', async () => {
  // Given a PATH with kubectl but no gcloud
  shims = await createShims({kubectl: kubectlOk})
  // When
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: {PATH: shims.binDir, HOME: work.dir}})
  // Then
  assert.is(r.code, 5)
  assert.is(r.json.error.code, 'TOOL_NOT_FOUND')
  assert.match(r.json.error.message, /gcloud is not installed/)
  assert.match(r.json.error.hints.join('\n'), /cloud\.google\.com\/sdk/)
})

create('not authenticated: GCLOUD_AUTH with gcloud auth login hints, exit 4, and no create attempted', async () => {
  shims = await createShims({
    gcloud: gcloudOk({exit: 1, stderr: 'ERROR: (gcloud.container.clusters.describe) You do not currently have an active account selected.\nPlease run:\n\n  $ gcloud auth login\n'}),
    kubectl: kubectlOk,
  })
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 4)
  assert.is(r.json.error.code, 'GCLOUD_AUTH')
  assert.match(r.json.error.message, /gcloud is not authenticated/)
  assert.match(r.json.error.message, /You do not currently have an active account selected/)
  assert.match(r.json.error.hints.join('\n'), /gcloud auth login/)
  assert.match(r.json.error.hints.join('\n'), /gcloud auth application-default login/)
  assert.equal((await shims.argvOf('gcloud')).length, 1)
})

create('quota exceeded: gcloud\'s message is passed on with a hint', async () => {
  const quota = "ERROR: (gcloud.container.clusters.create) ResponseError: code=403, message=Insufficient regional quota to satisfy request: resource \"CPUS\": request requires '8.0' and is short '4.0'.\n"
  shims = await createShims({gcloud: [{match: ['container', 'clusters', 'create'], exit: 1, stderr: quota}, ...gcloudOk()], kubectl: kubectlOk})
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 5)
  assert.is(r.json.error.code, 'CLOUD_QUOTA')
  assert.match(r.json.error.message, /Insufficient regional quota to satisfy request: resource "CPUS"/)
  assert.match(r.json.error.hints.join('\n'), /--machine-type|--num-nodes/)
  // Human mode marks the step as failed
  const h = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a'], {cwd: work.dir, env: env(shims)})
  assert.match(h.stderr, /✖ Create GKE cluster kfp/)
})

create('permission denied: message passed on, hint about roles and project, exit 4', async () => {
  const denied = "ERROR: (gcloud.container.clusters.create) ResponseError: code=403, message=Required \"container.clusters.create\" permission(s) for \"projects/p\".\n"
  shims = await createShims({gcloud: [{match: ['container', 'clusters', 'create'], exit: 1, stderr: denied}, ...gcloudOk()], kubectl: kubectlOk})
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 4)
  assert.is(r.json.error.code, 'CLOUD_PERMISSION')
  assert.match(r.json.error.message, /Required "container.clusters.create" permission/)
  assert.match(r.json.error.hints.join('\n'), /roles\/container\.admin/)
})

create('bad input: no location, bad label, both sizes', async () => {
  shims = await createShims({gcloud: gcloudOk(), kubectl: kubectlOk})
  const noLoc = await runCli(['cluster', 'create', 'kfp', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(noLoc.code, 2)
  assert.match(noLoc.json.error.message, /--zone or --region/)
  const badLabel = await runCli(['cluster', 'create', 'kfp', '--zone', 'z', '--label', 'oops'], {cwd: work.dir, env: env(shims)})
  assert.is(badLabel.code, 2)
  assert.match(badLabel.stderr, /Invalid --label "oops"/)
  const both = await runCli(['cluster', 'create', 'kfp', '--zone', 'z', '--num-nodes', '2', '--min-nodes', '1', '--max-nodes', '3'], {cwd: work.dir, env: env(shims)})
  assert.is(both.code, 2)
  assert.equal(await shims.calls(), [], 'nothing ran')
})

create('--dry-run prints a valid POSIX script with tricky values quoted, and runs nothing', async () => {
  shims = await createShims({gcloud: gcloudOk(), kubectl: kubectlOk})
  const r = await runCli(['cluster', 'create', 'kfp', '--zone', 'us-central1-a', '--label', 'note=a b', '--label', "o=it's", '--dry-run'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.ok(r.stdout.startsWith('#!/bin/sh\n'))
  assert.match(r.stdout, /set -eu/)
  assert.ok(r.stdout.includes(`'--labels=note=a b,o=it'\\''s'`))
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
  // And running the script's create line through sh gives back the exact argv (quoting round-trips)
  const line = r.stdout.split('\n').find((l) => l.includes('clusters create'))!.trim()
  const echoed = execFileSync('sh', ['-c', `gcloud() { printf '%s\\n' "$@"; }; ${line}`], {encoding: 'utf8'})
  assert.ok(echoed.split('\n').includes("--labels=note=a b,o=it's"))
})

const del = suite('kfp cluster delete / list')
del.before.each(async () => {
  work = await tmpdir()
})
del.after.each(async () => {
  await shims?.cleanup()
  shims = undefined
  await work.cleanup()
})

del('non-interactive without --yes: MISSING_INPUT naming --yes, nothing deleted', async () => {
  shims = await createShims({gcloud: [{match: ['container', 'clusters', 'delete']}]})
  const r = await runCli(['cluster', 'delete', 'kfp', '--zone', 'us-central1-a'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 2)
  assert.match(r.stderr, /--yes/)
  assert.equal(await shims.calls(), [])
})

del('--yes deletes with exact argv; a missing cluster is CLUSTER_NOT_FOUND', async () => {
  shims = await createShims({
    gcloud: [
      {
        match: ['container', 'clusters', 'delete'],
        answers: [{stderr: 'Deleting cluster kfp...done.\n'}, {exit: 1, stderr: 'ERROR: (gcloud.container.clusters.delete) Some requests did not succeed:\n - args: [\'kfp\']\n   exit_code: 1\n   message: ResponseError: code=404, message=Not found: projects/p/zones/us-central1-a/clusters/kfp.\n'}],
      },
    ],
  })
  const r = await runCli(['cluster', 'delete', 'kfp', '--zone', 'us-central1-a', '--yes'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /Deleted cluster kfp/)
  assert.equal(await shims.argvOf('gcloud'), [['container', 'clusters', 'delete', 'kfp', '--zone=us-central1-a', '--quiet']])
  const again = await runCli(['cluster', 'delete', 'kfp', '--zone', 'us-central1-a', '--yes', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(again.code, 3)
  assert.is(again.json.error.code, 'CLUSTER_NOT_FOUND')
})

del('--dry-run prints the delete script', async () => {
  shims = await createShims({gcloud: []})
  const r = await runCli(['cluster', 'delete', 'kfp', '--region', 'us-central1', '--dry-run'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^gcloud container clusters delete kfp --region=us-central1 --quiet$/m)
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
})

del('list shows a table (tab-separated when piped) and --json', async () => {
  const clusters = [{name: 'kfp', location: 'us-central1-a', status: 'RUNNING', currentNodeCount: 3, currentMasterVersion: '1.30.2', nodeConfig: {machineType: 'n1-standard-2'}}]
  shims = await createShims({gcloud: [{match: ['container', 'clusters', 'list'], stdout: JSON.stringify(clusters)}]})
  const r = await runCli(['cluster', 'list'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim().split('\n'), ['name\tlocation\tstatus\tnodes\tversion\tmachine type', 'kfp\tus-central1-a\tRUNNING\t3\t1.30.2\tn1-standard-2'])
  assert.equal(await shims.argvOf('gcloud'), [['container', 'clusters', 'list', '--format=json']])
  const j = await runCli(['cluster', 'list', '--json'], {cwd: work.dir, env: env(shims)})
  assert.is(j.json.result.clusters[0].nodes, 3)
})

del('list --dry-run prints the gcloud command and runs nothing', async () => {
  shims = await createShims({gcloud: []})
  const r = await runCli(['cluster', 'list', '--zone', 'us-central1-a', '--gcp-project', 'p', '--dry-run'], {cwd: work.dir, env: env(shims)})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /^gcloud container clusters list --zone=us-central1-a --project=p --format=json$/m)
  execFileSync('sh', ['-n'], {input: r.stdout})
  assert.equal(await shims.calls(), [])
})

create.run()
del.run()
