import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Ctx} from '../ctx.js'
import {createKubectl} from '../clients/kubectl.js'
import {
  DEFAULT_KFP_VERSION,
  KFP_NAMESPACE,
  KFP_VERSION,
  compareVersions,
  deployPlan,
  gcpOverlayKustomization,
  gcpValueProblems,
  getDeploymentsCmd,
  installedKfpVersion,
  parseDeployments,
  undeployPlan,
  type DeploymentStatus,
  type GcpInstallValues,
  type KfpEnv,
} from '../core/cluster/kfp.js'
import {readProjectGcp} from './cluster/project-gcp.js'
import {renderScript, shQuote} from '../core/cluster/shell.js'
import {CliError, EXIT} from '../lib/errors.js'
import {runPlan, type PlanEvent} from './cluster/run-plan.js'

/** Progress of `kfp deploy`: plan steps, tool output, and a line per deployment whose readiness changed. */
export type DeployEvent = PlanEvent | {type: 'deployment'; deployment: DeploymentStatus} | {type: 'detected'; version?: string; context: string}

export interface DeployOptions {
  /** KFP release to install (default DEFAULT_KFP_VERSION). */
  version?: string
  env?: KfpEnv
  /** env gcp: the values of the overlay's placeholders (default: kfp.yaml `gcp.bucket` and `gcp.project`). */
  gcp?: Partial<GcpInstallValues>
  /** Overall time to wait for every deployment, in seconds. */
  timeoutSeconds?: number
  /** Allow installing an older version over a newer one. */
  force?: boolean
  /** Remove KFP instead (asks unless `yes`). */
  delete?: boolean
  yes?: boolean
  dryRun?: boolean
  /** Poll interval in ms (default: 2s, shorter for short timeouts). */
  pollIntervalMs?: number
  onEvent?: (e: DeployEvent) => void
}

/** How to reach the UI and the API after the install. */
export interface KfpAccess {
  ui: {command: string; url: string}
  api: {command: string; url: string}
}

export interface DeployResult {
  action: 'installed' | 'upgraded' | 'unchanged' | 'repaired' | 'deleted' | 'dry-run'
  version: string
  previousVersion?: string
  env: KfpEnv
  namespace: string
  context?: string
  deployments: DeploymentStatus[]
  access?: KfpAccess
  script?: string
}

/** The commands that reach the UI and the API of a standalone install. */
export function kfpAccess(namespace = KFP_NAMESPACE): KfpAccess {
  const ns = namespace === KFP_NAMESPACE ? '' : ` --namespace ${shQuote(namespace)}`
  return {
    ui: {command: `kfp ui${ns}`, url: 'http://localhost:8085'},
    api: {command: `kubectl port-forward -n ${shQuote(namespace)} svc/ml-pipeline 8888:8888`, url: 'http://localhost:8888'},
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, {once: true})
  })
}

async function getDeployments(ctx: Ctx, namespace: string): Promise<DeploymentStatus[]> {
  const out = await createKubectl(ctx).run(getDeploymentsCmd(namespace).args as string[])
  try {
    return parseDeployments(JSON.parse(out || '{}'))
  } catch {
    throw new CliError('KUBE_ERROR', 'kubectl get deployments did not print JSON.', {exit: EXIT.EXTERNAL})
  }
}

async function currentContext(ctx: Ctx): Promise<string> {
  return (await createKubectl(ctx).run(['config', 'current-context'])).trim()
}

/**
 * Waits until every deployment in the namespace is available, polling `kubectl get deployments -o json`.
 * Emits a `deployment` event whenever one changes; throws DEPLOY_TIMEOUT naming the ones not ready.
 */
export async function waitForDeployments(
  ctx: Ctx,
  o: {namespace: string; timeoutSeconds: number; pollIntervalMs?: number; onEvent?: (e: DeployEvent) => void},
): Promise<DeploymentStatus[]> {
  const started = Date.now()
  const deadline = started + o.timeoutSeconds * 1000
  const interval = o.pollIntervalMs ?? Math.max(100, Math.min(2000, (o.timeoutSeconds * 1000) / 5))
  const seen = new Map<string, string>()
  let last: DeploymentStatus[] = []
  for (;;) {
    last = await getDeployments(ctx, o.namespace)
    for (const d of last) {
      const key = `${d.ready}/${d.desired}/${d.available}`
      if (seen.get(d.name) !== key) {
        seen.set(d.name, key)
        o.onEvent?.({type: 'deployment', deployment: d})
      }
    }
    if (last.length > 0 && last.every((d) => d.available)) return last
    if (Date.now() + interval > deadline) break
    await sleep(interval, ctx.signal)
  }
  const notReady = last.filter((d) => !d.available)
  const ns = shQuote(o.namespace)
  const first = notReady[0]?.name ?? 'ml-pipeline'
  const message =
    last.length === 0
      ? `No deployment appeared in namespace ${o.namespace} within ${o.timeoutSeconds}s.`
      : `KFP is not ready after ${o.timeoutSeconds}s: ${notReady.length} of ${last.length} deployments not available: ${notReady
          .map((d) => `${d.name} (${d.ready}/${d.desired} ready)`)
          .join(', ')}.`
  throw new CliError('DEPLOY_TIMEOUT', message, {
    exit: EXIT.EXTERNAL,
    hints: [
      `See what is wrong: kubectl get pods -n ${ns}; kubectl describe deployment ${shQuote(first)} -n ${ns}; kubectl logs -n ${ns} deployment/${shQuote(first)}`,
      'The install goes on in the cluster: run `kfp deploy` again (with a longer --timeout) to keep waiting; first installs can take 10-20 minutes.',
    ],
    data: {notReady: notReady.map((d) => d.name)},
  })
}

/**
 * Installs standalone KFP on the current kube context from the official manifests pinned to a version:
 * cluster-scoped resources, CRDs established, then the environment; then waits for every deployment.
 * Re-running is a no-op when the same version is installed and ready, an upgrade when older; a downgrade needs `force`.
 */
export async function deployKfp(o: DeployOptions, ctx: Ctx): Promise<DeployResult> {
  const version = o.version ?? DEFAULT_KFP_VERSION
  if (!KFP_VERSION.test(version)) {
    throw new CliError('USAGE', `Invalid --version "${version}": expected a KFP release such as ${DEFAULT_KFP_VERSION}.`, {exit: EXIT.USAGE})
  }
  const env = o.env ?? 'platform-agnostic'
  // The official manifests install into `kubeflow` (their cluster-scoped bindings name it), so kfp installs there.
  const namespace = KFP_NAMESPACE
  const timeoutSeconds = o.timeoutSeconds ?? 1200
  if (o.delete) return undeployKfp({...o, version, env, namespace}, ctx)
  const overlay = env === 'gcp' ? gcpOverlayKustomization(version, await gcpValues(o, ctx)) : undefined
  if (o.dryRun) {
    const plan = deployPlan(version, env, timeoutSeconds, namespace, overlay ? DRY_RUN_OVERLAY_DIR : undefined)
    const script = renderScript(`kfp deploy: Kubeflow Pipelines ${version} (${env}) on the current kubectl context`, plan, {preamble: overlay ? overlayFileLines(overlay) : []})
    return {action: 'dry-run', version, env, namespace, deployments: [], access: kfpAccess(namespace), script}
  }
  if (!overlay) return install(o, {version, env, namespace, timeoutSeconds}, deployPlan(version, env, timeoutSeconds, namespace), ctx)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kfp-gcp-overlay-'))
  try {
    await writeFile(path.join(dir, 'kustomization.yaml'), overlay)
    return await install(o, {version, env, namespace, timeoutSeconds}, deployPlan(version, env, timeoutSeconds, namespace, dir), ctx)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** Where the --dry-run script writes the gcp overlay (relative to where it runs). */
const DRY_RUN_OVERLAY_DIR = 'kfp-gcp-overlay'

/** The script's first block: it writes the overlay (a quoted heredoc: nothing in it is expanded). */
function overlayFileLines(overlay: string): string[] {
  return ['# The env/gcp overlay with your values', `mkdir -p ${DRY_RUN_OVERLAY_DIR}`, `cat > ${DRY_RUN_OVERLAY_DIR}/kustomization.yaml <<'KFP_OVERLAY'`, overlay.trimEnd(), 'KFP_OVERLAY', '']
}

/** The gcp values from the options, then kfp.yaml's `gcp:`; refuses with every missing or bad one. */
async function gcpValues(o: DeployOptions, ctx: Ctx): Promise<GcpInstallValues> {
  const project = await readProjectGcp(ctx)
  const v = {bucket: o.gcp?.bucket ?? project.bucket, project: o.gcp?.project ?? project.project, cloudSqlInstance: o.gcp?.cloudSqlInstance}
  const problems = gcpValueProblems(v)
  if (problems.length > 0) {
    throw new CliError('USAGE', '--env gcp needs the values the upstream overlay leaves as placeholders (env/gcp/params.env); without them the install never becomes ready.', {
      exit: EXIT.USAGE,
      hints: [...problems, 'Or install without Cloud SQL and GCS: --env platform-agnostic (the default; in-cluster MySQL and MinIO).'],
    })
  }
  return v as GcpInstallValues
}

async function install(
  o: DeployOptions,
  d: {version: string; env: KfpEnv; namespace: string; timeoutSeconds: number},
  plan: ReturnType<typeof deployPlan>,
  ctx: Ctx,
): Promise<DeployResult> {
  const {version, env, namespace, timeoutSeconds} = d
  const context = await currentContext(ctx)
  const before = await getDeployments(ctx, namespace)
  const installed = installedKfpVersion(before)
  o.onEvent?.({type: 'detected', version: installed, context})
  const ready = before.length > 0 && before.every((d) => d.available)
  if (installed && compareVersions(installed, version) > 0 && !o.force) {
    throw new CliError('USAGE', `KFP ${installed} is installed on ${context}, newer than ${version}: not downgrading.`, {
      exit: EXIT.USAGE,
      hints: [`Pass --version ${installed} to keep it, or --force to install ${version} anyway.`],
    })
  }
  if (installed === version && ready) {
    return {action: 'unchanged', version, previousVersion: installed, env, namespace, context, deployments: before, access: kfpAccess(namespace)}
  }
  // The last plan step is the script's `kubectl wait`; kfp polls instead, with a progress line per deployment.
  await runPlan(plan.slice(0, -1), ctx, o.onEvent)
  o.onEvent?.({type: 'step', title: 'Wait until every deployment is available'})
  const deployments = await waitForDeployments(ctx, {namespace, timeoutSeconds, pollIntervalMs: o.pollIntervalMs, onEvent: o.onEvent})
  o.onEvent?.({type: 'step-done', title: 'Wait until every deployment is available', skipped: false})
  const action = !installed ? (before.length > 0 ? 'repaired' : 'installed') : installed === version ? 'repaired' : 'upgraded'
  return {action, version, previousVersion: installed, env, namespace, context, deployments, access: kfpAccess(namespace)}
}

async function undeployKfp(o: DeployOptions & {version: string; env: KfpEnv; namespace: string}, ctx: Ctx): Promise<DeployResult> {
  if (o.dryRun) {
    const plan = undeployPlan(o.version, o.env)
    return {action: 'dry-run', version: o.version, env: o.env, namespace: o.namespace, deployments: [], script: renderScript(`kfp deploy --delete: remove Kubeflow Pipelines ${o.version}`, plan)}
  }
  const context = await currentContext(ctx)
  const before = await getDeployments(ctx, o.namespace)
  // Delete with the manifests of the installed release, so that exactly its resources go.
  const version = installedKfpVersion(before) ?? o.version
  if (!o.yes) {
    const ok = await ctx.prompter.confirm({message: `Remove Kubeflow Pipelines ${version} and all its data from ${context}?`, flag: '--yes', default: false})
    if (!ok) throw new CliError('INTERRUPTED', 'Cancelled: nothing was removed.', {exit: EXIT.INTERRUPTED})
  }
  await runPlan(undeployPlan(version, o.env), ctx, o.onEvent)
  return {action: 'deleted', version, env: o.env, namespace: o.namespace, context, deployments: []}
}
