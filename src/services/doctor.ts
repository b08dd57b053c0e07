import {constants} from 'node:fs'
import {access, readFile, realpath} from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import type {Ctx} from '../ctx.js'
import {dockerConfigPath} from '../clients/registry-auth.js'
import {isLoopbackRegistry, registryHostOfPrefix} from '../core/build/naming.js'
import {installedKfpVersion, parseDeployments, KFP_NAMESPACE} from '../core/cluster/kfp.js'
import {readProjectGcp, type ProjectGcp} from './cluster/project-gcp.js'
import {bucketStatus} from './cloud-resources.js'
import {isCliError, type CliError} from '../lib/errors.js'

/** ok ✔, fail ✖, skip – (not applicable, or a prerequisite failed). */
export type CheckStatus = 'ok' | 'fail' | 'skip'

export interface DoctorCheck {
  id: string
  title: string
  status: CheckStatus
  detail: string
  /** How to fix a failure (or how to make a skipped check apply). */
  fix?: string
  /** A failed required check makes `kfp doctor` exit non-zero. */
  required: boolean
}

export interface DoctorResult {
  ok: boolean
  checks: DoctorCheck[]
}

export interface DoctorOptions {
  /** Minimum Node major version (default 20). */
  minNode?: number
  /** The script this kfp runs from (the command's process.argv[1]), to tell it from other `kfp`s on PATH. */
  self?: string
}

const ok = (id: string, title: string, detail: string, required = true): DoctorCheck => ({id, title, status: 'ok', detail, required})
const fail = (id: string, title: string, detail: string, fix: string, required = true): DoctorCheck => ({id, title, status: 'fail', detail, fix, required})
const skip = (id: string, title: string, detail: string, fix?: string): DoctorCheck => ({id, title, status: 'skip', detail, fix, required: false})

function checkNode(min: number): DoctorCheck {
  const major = Number(process.versions.node.split('.')[0])
  return major >= min ? ok('node', 'Node.js', `v${process.versions.node}`) : fail('node', 'Node.js', `v${process.versions.node} (needs ${min} or later)`, `Install Node.js ${min} or later.`)
}

/** Pings the Docker daemon: DOCKER_HOST (unix:// or tcp://) or /var/run/docker.sock, `GET /_ping`. */
export async function pingDocker(env: Ctx['env'], timeoutMs = 3000): Promise<{ok: boolean; where: string; error?: string}> {
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  const target: http.RequestOptions = {path: '/_ping', method: 'GET', timeout: timeoutMs}
  if (host.startsWith('unix://')) target.socketPath = host.slice('unix://'.length)
  else if (/^(tcp|http):\/\//.test(host)) {
    const u = new URL(host.replace(/^tcp:/, 'http:'))
    target.host = u.hostname
    target.port = Number(u.port || 2375)
  } else return {ok: false, where: host, error: 'unsupported DOCKER_HOST scheme'}
  return new Promise((resolve) => {
    const req = http.request(target, (res) => {
      res.resume()
      res.on('end', () => resolve({ok: res.statusCode === 200, where: host, error: res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`}))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ok: false, where: host, error: e.code ?? e.message}))
    req.end()
  })
}

async function checkDocker(ctx: Ctx): Promise<DoctorCheck> {
  const runnerProcess = ctx.env.KFP_RUNNER === 'process'
  const r = await pingDocker(ctx.env)
  if (r.ok) return ok('docker', 'Docker daemon', `reachable at ${r.where}`, !runnerProcess)
  return fail('docker', 'Docker daemon', `not reachable at ${r.where} (${r.error})`, 'Start Docker (e.g. `sudo systemctl start docker`), or set DOCKER_HOST; without Docker use KFP_RUNNER=process.', !runnerProcess)
}

async function checkRegistry(ctx: Ctx, gcp: ProjectGcp): Promise<DoctorCheck> {
  const title = 'Registry credentials'
  if (!gcp.registry) return skip('registry', title, gcp.file ? 'kfp.yaml has no registry' : 'no project here', 'Set `registry:` in kfp.yaml to push images.')
  const host = registryHostOfPrefix(gcp.registry)
  const file = dockerConfigPath(ctx.env)
  if (isLoopbackRegistry(host)) {
    const r = await checkRegistryLogin(ctx, host, file, title)
    // A registry on this machine usually needs no login: report what was found, never fail on it.
    return r.status === 'fail' ? {...r, status: 'ok', detail: `${host}: local registry, no login stored (none needed unless it asks)`, fix: undefined, required: false} : {...r, required: false}
  }
  return checkRegistryLogin(ctx, host, file, title)
}

async function checkRegistryLogin(ctx: Ctx, host: string, file: string, title: string): Promise<DoctorCheck> {
  const googleHost = /(^|\.)gcr\.io$|-docker\.pkg\.dev$/.test(host)
  const fix = googleHost ? `gcloud auth configure-docker ${host}` : `docker login ${host}`
  let cfg: {auths?: Record<string, unknown>; credHelpers?: Record<string, string>; credsStore?: string}
  try {
    cfg = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    if (ctx.env.KFP_REGISTRY_USERNAME && ctx.env.KFP_REGISTRY_PASSWORD) return ok('registry', title, `${host}: from KFP_REGISTRY_USERNAME/PASSWORD`)
    return fail('registry', title, `${host}: no Docker config at ${file}`, fix)
  }
  const helper = cfg.credHelpers?.[host]
  const found = async (name: string) => Boolean(await ctx.exec.which(`docker-credential-${name}`))
  if (helper) {
    return (await found(helper))
      ? ok('registry', title, `${host}: credential helper ${helper}`)
      : fail('registry', title, `${host}: credential helper docker-credential-${helper} is not on PATH`, googleHost ? 'Install the Google Cloud CLI (it provides docker-credential-gcloud).' : `Install docker-credential-${helper}.`)
  }
  const keys = Object.keys(cfg.auths ?? {}).map((k) => k.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, ''))
  const hubKeys = ['index.docker.io', 'docker.io', 'registry-1.docker.io']
  if (keys.includes(host) || (host === 'docker.io' && keys.some((k) => hubKeys.includes(k)))) {
    return ok('registry', title, `${host}: login stored in ${file}${cfg.credsStore ? ` (credsStore ${cfg.credsStore})` : ''}`)
  }
  if (ctx.env.KFP_REGISTRY_USERNAME && ctx.env.KFP_REGISTRY_PASSWORD) return ok('registry', title, `${host}: from KFP_REGISTRY_USERNAME/PASSWORD`)
  return fail('registry', title, `${host}: no credentials in ${file}`, fix)
}

async function checkGcloud(ctx: Ctx, needed: boolean): Promise<DoctorCheck[]> {
  const path = await ctx.exec.which('gcloud', ctx.env)
  if (!path) {
    return [
      fail('gcloud', 'gcloud installed', 'not on PATH', 'Install the Google Cloud CLI: https://cloud.google.com/sdk/docs/install', needed),
      skip('gcloud-auth', 'gcloud authenticated', 'gcloud missing'),
    ]
  }
  const installed = ok('gcloud', 'gcloud installed', path, needed)
  const r = await ctx.exec.run('gcloud', ['config', 'get-value', 'account'], {env: {...ctx.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1'}, signal: ctx.signal, timeoutMs: 30_000})
  const account = r.exitCode === 0 ? r.stdout.trim() : ''
  if (account && account !== '(unset)') return [installed, ok('gcloud-auth', 'gcloud authenticated', account, needed)]
  if (ctx.env.CLOUDSDK_AUTH_ACCESS_TOKEN_FILE) return [installed, ok('gcloud-auth', 'gcloud authenticated', 'access token file (CLOUDSDK_AUTH_ACCESS_TOKEN_FILE)', needed)]
  return [installed, fail('gcloud-auth', 'gcloud authenticated', 'no active account', 'gcloud auth login && gcloud auth application-default login', needed)]
}

async function checkKube(ctx: Ctx): Promise<DoctorCheck[]> {
  const kubectlPath = await ctx.exec.which('kubectl', ctx.env)
  if (!kubectlPath) {
    return [
      fail('kubectl', 'kubectl installed', 'not on PATH', 'Install kubectl: https://kubernetes.io/docs/tasks/tools/ (or `gcloud components install kubectl`).', false),
      skip('kube-context', 'Kubernetes context', 'kubectl missing'),
      skip('cluster', 'Cluster reachable', 'kubectl missing'),
      skip('kfp', 'KFP installed', 'kubectl missing'),
    ]
  }
  const run = (args: string[]) => ctx.exec.run('kubectl', args, {env: ctx.env, signal: ctx.signal, timeoutMs: 20_000})
  const client = await run(['version', '--client', '-o', 'json'])
  let clientVersion = ''
  try {
    clientVersion = JSON.parse(client.stdout).clientVersion?.gitVersion ?? ''
  } catch {}
  const installed = ok('kubectl', 'kubectl installed', clientVersion ? `${clientVersion} (${kubectlPath})` : kubectlPath, false)
  const c = await run(['config', 'current-context'])
  const context = c.exitCode === 0 ? c.stdout.trim() : ''
  if (!context) {
    return [
      installed,
      skip('kube-context', 'Kubernetes context', 'none set', 'Create a cluster with `kfp cluster create`, or `gcloud container clusters get-credentials NAME`.'),
      skip('cluster', 'Cluster reachable', 'no context'),
      skip('kfp', 'KFP installed', 'no context'),
    ]
  }
  // A context is set: the user means to use a cluster, so the cluster checks count.
  const ctxCheck = ok('kube-context', 'Kubernetes context', context)
  const v = await run(['version', '-o', 'json', '--request-timeout=5s'])
  let server = ''
  try {
    server = JSON.parse(v.stdout).serverVersion?.gitVersion ?? ''
  } catch {}
  if (!server) {
    const why = (v.stderr.trim().split('\n').pop() ?? '').slice(0, 200)
    return [installed, ctxCheck, fail('cluster', 'Cluster reachable', why || 'no answer', 'Check that the cluster runs (`kfp cluster list`) and the context is right (`kubectl config use-context NAME`).'), skip('kfp', 'KFP installed', 'cluster not reachable')]
  }
  const clusterCheck = ok('cluster', 'Cluster reachable', `Kubernetes ${server}`)
  const d = await run(['get', 'deployments', '-n', KFP_NAMESPACE, '-o', 'json', '--request-timeout=10s'])
  let kfp: DoctorCheck
  try {
    const deps = parseDeployments(JSON.parse(d.stdout))
    const version = installedKfpVersion(deps)
    const notReady = deps.filter((x) => !x.available).map((x) => x.name)
    if (!version) kfp = fail('kfp', 'KFP installed', `not found in namespace ${KFP_NAMESPACE}`, 'kfp deploy')
    else if (notReady.length > 0) kfp = fail('kfp', 'KFP installed', `${version}, not ready: ${notReady.join(', ')}`, `kubectl get pods -n ${KFP_NAMESPACE}; then kfp deploy to wait`)
    else kfp = ok('kfp', 'KFP installed', `${version}, ${deps.length} deployments ready`)
  } catch {
    kfp = fail('kfp', 'KFP installed', (d.stderr.trim().split('\n').pop() ?? 'kubectl failed').slice(0, 200), 'kfp deploy')
  }
  return [installed, ctxCheck, clusterCheck, kfp]
}

async function checkBucket(ctx: Ctx, gcp: ProjectGcp): Promise<DoctorCheck> {
  if (!gcp.bucket) return skip('bucket', 'Bucket reachable', gcp.file ? 'kfp.yaml has no gcp.bucket' : 'no project here', 'Set gcp.bucket in kfp.yaml; `kfp cloud setup` creates it.')
  const s = await bucketStatus(ctx, gcp.bucket, gcp.project)
  if (s.exists) return ok('bucket', 'Bucket reachable', `gs://${gcp.bucket}`)
  return fail('bucket', 'Bucket reachable', `gs://${gcp.bucket}: ${s.error ?? 'does not exist'}`, s.error ? 'gcloud auth application-default login' : 'kfp cloud setup')
}

/** The current target: a KFP server answers at its endpoint (healthz) and accepts the login (an authenticated list). */
async function checkTarget(ctx: Ctx): Promise<DoctorCheck[]> {
  const {resolveTarget} = await import('./target/resolve.js')
  let target: Awaited<ReturnType<typeof resolveTarget>>
  try {
    target = await resolveTarget({}, ctx)
  } catch (error) {
    return [fail('target', 'Current target', (error as Error).message.split('\n')[0], (error as CliError).hints?.[0] ?? 'kfp target list')]
  }
  if (target.type !== 'kfp') {
    return [skip('target', 'KFP server (current target)', `the current target is ${target.name} (runs on this machine)`, 'kfp target use NAME checks a server here.')]
  }
  const title = `KFP server (target ${target.name})`
  const {connectTarget} = await import('./remote/connect.js')
  let session: Awaited<ReturnType<typeof connectTarget>>
  try {
    session = await connectTarget(target, {}, ctx)
  } catch (error) {
    const e = error as CliError
    const check = fail('target', title, `${target.config.endpoint}: ${e.message.split('\n')[0]}`, e.hints?.[0] ?? `Check the endpoint: kfp target add ${target.name} --endpoint URL`)
    return [check, skip('target-auth', `Login to ${target.name}`, 'server not reachable')]
  }
  const reached = ok('target', title, `${session.api.endpoint} answers${session.serverVersion ? ` (KFP ${session.serverVersion})` : ''}`)
  try {
    await session.api.listPipelines({pageSize: 1})
    return [reached, ok('target-auth', `Login to ${target.name}`, 'an authenticated request succeeded')]
  } catch (error) {
    const e = error as CliError
    return [reached, fail('target-auth', `Login to ${target.name}`, e.message.split('\n')[0], e.hints?.[0] ?? `kfp target add ${target.name} --help shows the ways to authenticate`)]
  }
}

/** The images a compile would pin: each pushed (a digest), or only on this machine / never built (a cluster cannot pull). */
async function checkImages(ctx: Ctx): Promise<DoctorCheck> {
  const title = 'Images pushed'
  const {loadProject} = await import('./project/load.js')
  const {imageStates, unpushedImageWarnings} = await import('./images.js')
  let warnings: string[]
  try {
    const project = await loadProject({cwd: ctx.cwd}, ctx)
    warnings = unpushedImageWarnings(project, await imageStates(project, ctx))
  } catch (error) {
    return skip('images', title, isCliError(error) && error.kfpCode === 'PROJECT_NOT_FOUND' ? 'no project here' : `project not loadable: ${(error as Error).message.split('\n')[0]}`)
  }
  if (warnings.length === 0) return ok('images', title, 'every image a compile pins is pushed (or given by its component)', false)
  return fail('images', title, warnings.join('; '), 'kfp build --all --push (then kfp compile / kfp upload pin the digests)', false)
}

/** Every `kfp` on PATH; a second one is usually the KFP Python SDK's CLI (pip install kfp). */
async function checkOtherKfp(ctx: Ctx, given = ''): Promise<DoctorCheck> {
  const title = 'kfp on PATH'
  const self = await realpath(given).catch(() => given)
  const found: {file: string; ours: boolean; sdk: boolean}[] = []
  const seen = new Set<string>()
  for (const dir of (ctx.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, 'kfp')
    const real = await realpath(file).catch(() => undefined)
    if (!real || seen.has(real) || !(await access(file, constants.X_OK).then(() => true, () => false))) continue
    seen.add(real)
    const head = (await readFile(real, 'utf8').catch(() => '')).slice(0, 2000)
    found.push({file, ours: real === self || head.includes(self) || /kfp-cli|dist\/main\.js/.test(head), sdk: /python/i.test(head.split('\n')[0]) || /kfp\.cli/.test(head)})
  }
  const others = found.filter((f) => !f.ours)
  if (others.length === 0) return ok('kfp-path', title, found.length ? `${found[0].file} (this kfp)` : 'this kfp is not on PATH (run through npx or a path)', false)
  const first = found[0]
  const list = found.map((f) => `${f.file} (${f.ours ? 'this kfp' : f.sdk ? 'the KFP Python SDK CLI' : 'another program'})`).join(', ')
  return fail(
    'kfp-path',
    title,
    `${found.length} on PATH: ${list}; \`kfp\` runs ${first.ours ? 'this one' : 'the other one'}`,
    '`kfp version` prints "kfp X (node …)" here; the SDK\'s prints "kfp X" from Python (`kfp --help` lists dsl/pipeline/run groups). Put the one you want first on PATH, or alias this one: alias kfp=' + (found.find((f) => f.ours)?.file ?? 'PATH/TO/kfp'),
    false,
  )
}

/**
 * Runs every environment check kfp depends on and returns them (never throws for a failed check).
 * Required: Node, Docker (unless KFP_RUNNER=process), the project's registry credentials, gcloud when the project
 * uses GCP, the bucket when one is configured, and the cluster checks when a kube context is set.
 */
export async function runDoctor(o: DoctorOptions, ctx: Ctx): Promise<DoctorResult> {
  const gcp = await readProjectGcp(ctx)
  const usesGcp = Boolean(gcp.project || gcp.bucket || (gcp.registry && /gcr\.io|pkg\.dev/.test(gcp.registry)))
  const [docker, registry, gcloud, kube, bucket, target, images, others] = await Promise.all([
    checkDocker(ctx),
    checkRegistry(ctx, gcp),
    checkGcloud(ctx, usesGcp),
    checkKube(ctx),
    checkBucket(ctx, gcp),
    checkTarget(ctx),
    checkImages(ctx),
    checkOtherKfp(ctx, o.self),
  ])
  const checks = [checkNode(o.minNode ?? 20), others, docker, registry, images, ...gcloud, ...kube, bucket, ...target]
  return {ok: !checks.some((c) => c.required && c.status === 'fail'), checks}
}
