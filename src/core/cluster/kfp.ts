/**
 * Standalone KFP installation plans (official kustomize manifests pinned to a release) and readers of
 * `kubectl get deployments -o json`. Pure.
 */
import type {Cmd, PlanStep} from './shell.js'

/** The KFP release `kfp deploy` installs by default. */
export const DEFAULT_KFP_VERSION = '2.15.0'

/** Namespace the standalone manifests install into. */
export const KFP_NAMESPACE = 'kubeflow'

/** Environments of the official manifests: `platform-agnostic` (any cluster) or `gcp` (GKE with Cloud SQL/GCS). */
export type KfpEnv = 'platform-agnostic' | 'gcp'

const REPO = 'github.com/kubeflow/pipelines/manifests/kustomize'

/** Release versions look like 2.15.0 (optionally -rc.1); anything else is rejected before it reaches a URL. */
export const KFP_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/

/** The kustomize URL of the cluster-scoped resources (CRDs) of a release. */
export function clusterScopedUrl(version: string): string {
  return `${REPO}/cluster-scoped-resources?ref=${version}`
}

/** The kustomize URL of an environment of a release. */
export function envUrl(env: KfpEnv, version: string): string {
  return `${REPO}/env/${env}?ref=${version}`
}

/** The install plan; the last step is the script form of kfp's own deployment wait. */
export function deployPlan(version: string, env: KfpEnv, timeoutSeconds: number, namespace = KFP_NAMESPACE): PlanStep[] {
  return [
    {title: `Install the cluster-scoped resources of KFP ${version}`, cmd: {file: 'kubectl', args: ['apply', '-k', clusterScopedUrl(version)]}},
    {
      title: 'Wait until the CRDs are established',
      cmd: {file: 'kubectl', args: ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/applications.app.k8s.io']},
    },
    {title: `Install KFP (${env})`, cmd: {file: 'kubectl', args: ['apply', '-k', envUrl(env, version)]}},
    {
      title: 'Wait until every deployment is available',
      cmd: {file: 'kubectl', args: waitDeploymentsArgs(timeoutSeconds, namespace)},
    },
  ]
}

/** `kubectl wait` over every deployment: what the script does instead of kfp's polling loop. */
export function waitDeploymentsArgs(timeoutSeconds: number, namespace = KFP_NAMESPACE): string[] {
  return ['wait', '--for=condition=available', `--timeout=${timeoutSeconds}s`, 'deployment', '--all', '-n', namespace]
}

/** The uninstall plan (environment first, then the cluster-scoped resources). */
export function undeployPlan(version: string, env: KfpEnv): PlanStep[] {
  return [
    {title: `Remove KFP (${env})`, cmd: {file: 'kubectl', args: ['delete', '-k', envUrl(env, version), '--ignore-not-found']}},
    {
      title: 'Remove the cluster-scoped resources',
      cmd: {file: 'kubectl', args: ['delete', '-k', clusterScopedUrl(version), '--ignore-not-found']},
    },
  ]
}

/** `kubectl get deployments -n NS -o json`. */
export function getDeploymentsCmd(namespace = KFP_NAMESPACE): Cmd {
  return {file: 'kubectl', args: ['get', 'deployments', '-n', namespace, '-o', 'json']}
}

/** Readiness of one deployment. */
export interface DeploymentStatus {
  name: string
  desired: number
  ready: number
  available: boolean
  image?: string
}

/** Reads `kubectl get deployments -o json` (a List) into readiness rows, sorted by name. */
export function parseDeployments(json: unknown): DeploymentStatus[] {
  const items: any[] = (json as any)?.items ?? []
  return items
    .map((d) => {
      const desired = Number(d?.spec?.replicas ?? 1)
      const ready = Number(d?.status?.readyReplicas ?? 0)
      const availableCond = (d?.status?.conditions ?? []).find((c: any) => c?.type === 'Available')
      const available = availableCond ? availableCond.status === 'True' && ready >= desired : ready >= desired && desired > 0
      return {
        name: String(d?.metadata?.name ?? '?'),
        desired,
        ready,
        available,
        image: d?.spec?.template?.spec?.containers?.[0]?.image,
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * The installed KFP version: the tag of the `ml-pipeline` (API server) deployment's image,
 * e.g. `ghcr.io/kubeflow/kfp-api-server:2.15.0` → `2.15.0`. Undefined when not installed or untagged.
 */
export function installedKfpVersion(deployments: DeploymentStatus[]): string | undefined {
  const api = deployments.find((d) => d.name === 'ml-pipeline')
  if (!api?.image) return undefined
  const at = api.image.split('@')[0]
  const slash = at.lastIndexOf('/')
  const colon = at.lastIndexOf(':')
  if (colon <= slash) return undefined
  return at.slice(colon + 1)
}

/** Compares two release versions numerically (x.y.z); pre-releases sort before their release. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/)
  const pb = b.split(/[.-]/)
  for (let i = 0; i < 3; i++) {
    const d = Number(pa[i] ?? 0) - Number(pb[i] ?? 0)
    if (d !== 0) return d
  }
  const ra = pa.length > 3
  const rb = pb.length > 3
  if (ra !== rb) return ra ? -1 : 1
  return a.localeCompare(b)
}
