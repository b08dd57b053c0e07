import type {Ctx} from '../../ctx.js'
import {
  ADMIN_BINDING_PREFIX,
  CLUSTER_DEFAULTS,
  clusterNameProblem,
  createClusterPlan,
  parseClusters,
  parseLabels,
  type ClusterLocation,
  type ClusterSummary,
  type CreateClusterSpec,
} from '../../core/cluster/gke.js'
import {renderScript} from '../../core/cluster/shell.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {readProjectGcp} from './project-gcp.js'
import {runPlan, type PlanEvent} from './run-plan.js'

/** Options of `kfp cluster create` (camelCase, no flags). */
export interface CreateClusterOptions {
  name?: string
  zone?: string
  region?: string
  machineType?: string
  numNodes?: number
  minNodes?: number
  maxNodes?: number
  scopes?: string[]
  releaseChannel?: string
  clusterVersion?: string
  labels?: string[]
  gcpProject?: string
  dryRun?: boolean
  onEvent?: (e: PlanEvent) => void
}

export interface CreateClusterResult {
  name: string
  location: string
  project?: string
  /** True when the cluster already existed and was reused. */
  reused: boolean
  /** The gcloud account granted cluster-admin (undefined when gcloud has no account, e.g. token-file auth). */
  account?: string
  binding?: string
  cluster?: ClusterSummary
  dryRun: boolean
  /** The POSIX shell script (under --dry-run). */
  script?: string
}

function usage(message: string, hint?: string): CliError {
  return new CliError('USAGE', message, {exit: EXIT.USAGE, hints: hint ? [hint] : []})
}

/** Validates the options and fills defaults from the flags, then kfp.yaml's `gcp:`, then built-in defaults. */
export async function resolveCreateSpec(o: CreateClusterOptions, ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<CreateClusterSpec> {
  const gcp = await readProjectGcp(ctx)
  const name = o.name ?? CLUSTER_DEFAULTS.name
  const bad = clusterNameProblem(name)
  if (bad) throw usage(bad)
  if (o.zone && o.region) throw usage('Pass either --zone or --region, not both.')
  const location: ClusterLocation | undefined = o.zone
    ? {zone: o.zone}
    : o.region
      ? {region: o.region}
      : gcp.zone
        ? {zone: gcp.zone}
        : gcp.region
          ? {region: gcp.region}
          : undefined
  if (!location) {
    throw new CliError('MISSING_INPUT', 'Missing --zone or --region (where to create the cluster).', {
      exit: EXIT.USAGE,
      hints: ['Pass --zone us-central1-a (a zonal cluster) or --region us-central1, or set gcp.zone in kfp.yaml.'],
    })
  }
  const auto = o.minNodes !== undefined || o.maxNodes !== undefined
  if (auto && (o.minNodes === undefined || o.maxNodes === undefined)) throw usage('Autoscaling needs both --min-nodes and --max-nodes.')
  if (auto && o.numNodes !== undefined) throw usage('Pass either --num-nodes or --min-nodes/--max-nodes (autoscaling), not both.')
  if (auto && o.minNodes! > o.maxNodes!) throw usage(`--min-nodes (${o.minNodes}) is larger than --max-nodes (${o.maxNodes}).`)
  if (auto && o.maxNodes! < 1) throw usage('--max-nodes must be at least 1.')
  if (o.numNodes !== undefined && o.numNodes < 1) throw usage('--num-nodes must be at least 1.')
  if (o.releaseChannel && o.clusterVersion) throw usage('Pass either --release-channel or --cluster-version, not both.')
  const {labels, problems} = parseLabels(o.labels ?? [])
  if (problems.length > 0) throw usage(problems[0], 'Example: --label team=ml --label env=dev')
  const scopes = o.scopes && o.scopes.length > 0 ? o.scopes : [...CLUSTER_DEFAULTS.scopes]
  return {
    name,
    location,
    project: o.gcpProject ?? gcp.project,
    machineType: o.machineType ?? CLUSTER_DEFAULTS.machineType,
    numNodes: auto ? undefined : (o.numNodes ?? CLUSTER_DEFAULTS.numNodes),
    autoscaling: auto ? {min: o.minNodes!, max: o.maxNodes!} : undefined,
    scopes,
    releaseChannel: o.releaseChannel,
    clusterVersion: o.clusterVersion,
    labels,
  }
}

/**
 * Creates (or reuses) a GKE cluster, fetches its credentials and grants the current gcloud account cluster-admin.
 * Idempotent: an existing cluster (found with describe) is reused, the binding is applied, not created.
 */
export async function createCluster(o: CreateClusterOptions, ctx: Ctx): Promise<CreateClusterResult> {
  const spec = await resolveCreateSpec(o, ctx)
  const location = spec.location.zone ?? spec.location.region!
  const plan = createClusterPlan(spec)
  if (o.dryRun) {
    return {
      name: spec.name,
      location,
      project: spec.project,
      reused: false,
      dryRun: true,
      script: renderScript(`kfp cluster create ${spec.name}: GKE cluster, credentials, cluster-admin binding`, plan),
    }
  }
  const run = await runPlan(plan, ctx, o.onEvent)
  const reused = run.skipped[0] === true
  let cluster: ClusterSummary | undefined
  if (reused) {
    try {
      cluster = parseClusters(JSON.parse(run.outputs[0]))[0]
    } catch {
      cluster = undefined
    }
  }
  const account = run.values.account || undefined
  return {
    name: spec.name,
    location,
    project: spec.project,
    reused,
    account,
    binding: account ? `${ADMIN_BINDING_PREFIX}${account}` : undefined,
    cluster,
    dryRun: false,
  }
}
