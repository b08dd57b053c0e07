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

/**
 * The values env/gcp leaves as placeholders in its params.env (manifests/kustomize/env/gcp/params.env:
 * `bucketName=yourGcsBucketName`, `gcsProjectId=yourGcsProjectId`, `gcsCloudSqlInstanceName=yourCloudSqlInstanceName`);
 * applied as they are, the Cloud SQL proxy and the API server wait forever.
 */
export interface GcpInstallValues {
  bucket: string
  project: string
  /** The Cloud SQL instance connection name, PROJECT:REGION:INSTANCE. */
  cloudSqlInstance: string
}

/** Problems of the gcp values, one line each (empty when they are fine). */
export function gcpValueProblems(v: Partial<GcpInstallValues>): string[] {
  const out: string[] = []
  if (!v.bucket) out.push('--bucket BUCKET (or gcp.bucket in kfp.yaml): the Cloud Storage bucket for pipeline artifacts')
  else if (!/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(v.bucket.replace(/^gs:\/\//, ''))) out.push(`--bucket ${v.bucket} is not a bucket name`)
  if (!v.project) out.push('--gcp-project PROJECT (or gcp.project in kfp.yaml): the project of the bucket')
  else if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v.project)) out.push(`--gcp-project ${v.project} is not a project id`)
  if (!v.cloudSqlInstance) out.push('--cloudsql-instance PROJECT:REGION:INSTANCE: the Cloud SQL (MySQL) instance KFP keeps its data in')
  else if (!/^[^:\s]+:[a-z0-9-]+:[a-z0-9][a-z0-9-]*$/.test(v.cloudSqlInstance)) out.push(`--cloudsql-instance ${v.cloudSqlInstance} is not PROJECT:REGION:INSTANCE`)
  return out
}

/**
 * A local kustomize overlay over env/gcp of a release with the real values: the params merged into
 * `pipeline-install-config`, and the base's own replacement of the bucket into the workflow controller's
 * `artifactRepository` done again (the base ran it with the placeholder; manifests/kustomize/env/gcp/kustomization.yaml).
 */
export function gcpOverlayKustomization(version: string, v: GcpInstallValues): string {
  const bucket = v.bucket.replace(/^gs:\/\//, '')
  return [
    '# Written by kfp deploy --env gcp: the official env/gcp overlay with its placeholder params filled in.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `- ${envUrl('gcp', version)}`,
    'configMapGenerator:',
    '- name: pipeline-install-config',
    '  behavior: merge',
    '  literals:',
    `  - bucketName=${bucket}`,
    `  - gcsProjectId=${v.project}`,
    `  - gcsCloudSqlInstanceName=${v.cloudSqlInstance}`,
    'replacements:',
    '- source: {kind: ConfigMap, name: pipeline-install-config, fieldPath: data.bucketName}',
    '  targets:',
    '  - select: {kind: ConfigMap, name: workflow-controller-configmap}',
    '    fieldPaths: [data.artifactRepository]',
    '    options: {delimiter: \'"\', index: 3}',
    '',
  ].join('\n')
}

/** The install plan; the last step is the script form of kfp's own deployment wait. `envDir`: a local overlay to apply instead of the env URL. */
export function deployPlan(version: string, env: KfpEnv, timeoutSeconds: number, namespace = KFP_NAMESPACE, envDir?: string): PlanStep[] {
  return [
    {title: `Install the cluster-scoped resources of KFP ${version}`, cmd: {file: 'kubectl', args: ['apply', '-k', clusterScopedUrl(version)]}},
    {
      title: 'Wait until the CRDs are established',
      cmd: {file: 'kubectl', args: ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/applications.app.k8s.io']},
    },
    {title: `Install KFP (${env}${envDir ? ', with your values' : ''})`, cmd: {file: 'kubectl', args: ['apply', '-k', envDir ?? envUrl(env, version)]}},
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
