/**
 * Argument plans for GKE cluster operations through the gcloud CLI, and the cluster-admin binding through kubectl.
 * Pure: validates options and returns argv arrays (never shell strings).
 */
import type {Cmd, PlanStep} from './shell.js'

/** Where a cluster lives: a zone (zonal cluster) or a region (regional cluster). */
export type ClusterLocation = {zone: string; region?: undefined} | {region: string; zone?: undefined}

/** Options of `kfp cluster create`, after defaults. */
export interface CreateClusterSpec {
  name: string
  location: ClusterLocation
  /** GCP project; undefined = gcloud's configured project. */
  project?: string
  machineType: string
  /** Fixed node count (ignored when autoscaling is set). */
  numNodes?: number
  autoscaling?: {min: number; max: number}
  /** OAuth scopes of the nodes, e.g. `cloud-platform`. */
  scopes: string[]
  releaseChannel?: string
  clusterVersion?: string
  labels: Record<string, string>
}

/** Defaults of the tutorial's cluster. */
export const CLUSTER_DEFAULTS = {name: 'kfp', machineType: 'n1-standard-2', numNodes: 3, scopes: ['cloud-platform']} as const

/** Cluster names: GKE allows lowercase letters, digits and '-', starting with a letter, at most 40 characters. */
export const CLUSTER_NAME = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/

/** Checks a cluster name; returns an error text or undefined. */
export function clusterNameProblem(name: string): string | undefined {
  if (CLUSTER_NAME.test(name)) return undefined
  return `Invalid cluster name "${name}": use lowercase letters, digits and '-', start with a letter, at most 40 characters.`
}

/**
 * Parses `--label k=v` values into a map. Returns the problems found (missing '=', empty key, a comma that gcloud's
 * `--labels` list syntax cannot carry). Values are otherwise passed on as given: GKE validates them.
 */
export function parseLabels(items: string[]): {labels: Record<string, string>; problems: string[]} {
  const labels: Record<string, string> = {}
  const problems: string[] = []
  for (const item of items) {
    const i = item.indexOf('=')
    if (i <= 0) {
      problems.push(`Invalid --label "${item}": expected key=value.`)
      continue
    }
    const k = item.slice(0, i)
    const v = item.slice(i + 1)
    if (item.includes(',')) {
      problems.push(`Invalid --label "${item}": a label cannot contain ','; pass one --label per key.`)
      continue
    }
    labels[k] = v
  }
  return {labels, problems}
}

function locationArgs(loc: ClusterLocation): string[] {
  return loc.zone !== undefined ? [`--zone=${loc.zone}`] : [`--region=${loc.region}`]
}

function projectArgs(project: string | undefined): string[] {
  return project ? [`--project=${project}`] : []
}

/** `gcloud container clusters describe NAME` (JSON), used to detect an existing cluster. */
export function describeClusterCmd(name: string, loc: ClusterLocation, project?: string): Cmd {
  return {file: 'gcloud', args: ['container', 'clusters', 'describe', name, ...locationArgs(loc), ...projectArgs(project), '--format=json']}
}

/** `gcloud container clusters create NAME ...` with every option of the spec. */
export function createClusterCmd(s: CreateClusterSpec): Cmd {
  const args = ['container', 'clusters', 'create', s.name, ...locationArgs(s.location), ...projectArgs(s.project)]
  args.push(`--machine-type=${s.machineType}`)
  if (s.autoscaling) {
    // The initial size must lie within [min, max] and be at least 1.
    const initial = Math.min(Math.max(s.autoscaling.min, 1), s.autoscaling.max)
    args.push(`--num-nodes=${initial}`, '--enable-autoscaling', `--min-nodes=${s.autoscaling.min}`, `--max-nodes=${s.autoscaling.max}`)
  } else {
    args.push(`--num-nodes=${s.numNodes ?? CLUSTER_DEFAULTS.numNodes}`)
  }
  args.push(`--scopes=${s.scopes.join(',')}`)
  if (s.releaseChannel) args.push(`--release-channel=${s.releaseChannel}`)
  if (s.clusterVersion) args.push(`--cluster-version=${s.clusterVersion}`)
  const labels = Object.entries(s.labels)
  if (labels.length > 0) args.push(`--labels=${labels.map(([k, v]) => `${k}=${v}`).join(',')}`)
  args.push('--quiet')
  return {file: 'gcloud', args}
}

/** `gcloud container clusters get-credentials NAME`: writes the kubeconfig entry and makes it the current context. */
export function getCredentialsCmd(name: string, loc: ClusterLocation, project?: string): Cmd {
  return {file: 'gcloud', args: ['container', 'clusters', 'get-credentials', name, ...locationArgs(loc), ...projectArgs(project)]}
}

/** `gcloud config get-value account`: the account the binding is for. */
export function currentAccountCmd(): Cmd {
  return {file: 'gcloud', args: ['config', 'get-value', 'account']}
}

/** `gcloud container clusters delete NAME --quiet`. */
export function deleteClusterCmd(name: string, loc: ClusterLocation, project?: string): Cmd {
  return {file: 'gcloud', args: ['container', 'clusters', 'delete', name, ...locationArgs(loc), ...projectArgs(project), '--quiet']}
}

/** `gcloud container clusters list --format=json`, optionally limited to a zone or region. */
export function listClustersCmd(loc?: ClusterLocation, project?: string): Cmd {
  return {file: 'gcloud', args: ['container', 'clusters', 'list', ...(loc ? locationArgs(loc) : []), ...projectArgs(project), '--format=json']}
}

/** Name of the ClusterRoleBinding kfp creates for the current account. */
export const ADMIN_BINDING_PREFIX = 'kfp-admin-'

/**
 * The idempotent cluster-admin binding: `kubectl create clusterrolebinding ... --dry-run=client -o yaml`
 * whose output is fed to `kubectl apply -f -` (two argv calls, stdin between them).
 * The account comes from the step that captured `account`; without one (e.g. token-file auth) the step is skipped.
 */
export function adminBindingStep(): PlanStep {
  return {
    title: 'Grant cluster-admin to the current gcloud account (idempotent)',
    ifSet: 'account',
    stdinFrom: {
      file: 'kubectl',
      args: [
        'create',
        'clusterrolebinding',
        {ref: 'account', prefix: ADMIN_BINDING_PREFIX},
        '--clusterrole=cluster-admin',
        '--user',
        {ref: 'account'},
        '--dry-run=client',
        '-o',
        'yaml',
      ],
    },
    cmd: {file: 'kubectl', args: ['apply', '-f', '-']},
  }
}

/** The whole `kfp cluster create` plan, as used by both the runner and `--dry-run`. */
export function createClusterPlan(s: CreateClusterSpec): PlanStep[] {
  return [
    {
      title: `Create GKE cluster ${s.name} (skipped when it exists)`,
      unless: describeClusterCmd(s.name, s.location, s.project),
      cmd: createClusterCmd(s),
    },
    {title: 'Fetch credentials for kubectl', cmd: getCredentialsCmd(s.name, s.location, s.project)},
    {title: 'Find the current gcloud account', cmd: currentAccountCmd(), capture: 'account'},
    adminBindingStep(),
  ]
}

/** A cluster as `kfp cluster list` shows it, from gcloud's JSON. */
export interface ClusterSummary {
  name: string
  location: string
  status: string
  nodes: number | undefined
  version: string | undefined
  machineType: string | undefined
  endpoint: string | undefined
}

/** Turns `gcloud container clusters list|describe --format=json` output (array or one object) into summaries. */
export function parseClusters(json: unknown): ClusterSummary[] {
  const arr = Array.isArray(json) ? json : json && typeof json === 'object' ? [json] : []
  return arr.map((c: any) => ({
    name: String(c?.name ?? ''),
    location: String(c?.location ?? c?.zone ?? ''),
    status: String(c?.status ?? 'UNKNOWN'),
    nodes: typeof c?.currentNodeCount === 'number' ? c.currentNodeCount : undefined,
    version: c?.currentMasterVersion ?? undefined,
    machineType: c?.nodeConfig?.machineType ?? c?.nodePools?.[0]?.config?.machineType ?? undefined,
    endpoint: c?.endpoint ?? undefined,
  }))
}
