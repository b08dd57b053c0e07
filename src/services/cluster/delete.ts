import type {Ctx} from '../../ctx.js'
import {createGcloud, isGcloudNotFound, translateGcloudFailure} from '../../clients/gcloud.js'
import {clusterNameProblem, deleteClusterCmd, type ClusterLocation} from '../../core/cluster/gke.js'
import {renderScript} from '../../core/cluster/shell.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {readProjectGcp} from './project-gcp.js'
import type {PlanEvent} from './run-plan.js'

export interface DeleteClusterOptions {
  name: string
  zone?: string
  region?: string
  gcpProject?: string
  /** Skip the confirmation (required when prompting is not possible). */
  yes?: boolean
  dryRun?: boolean
  onEvent?: (e: PlanEvent) => void
}

export interface DeleteClusterResult {
  name: string
  location: string
  project?: string
  deleted: boolean
  dryRun: boolean
  script?: string
}

/** Deletes a GKE cluster after confirmation (`--yes` when not interactive). A missing cluster is CLUSTER_NOT_FOUND. */
export async function deleteCluster(o: DeleteClusterOptions, ctx: Ctx): Promise<DeleteClusterResult> {
  const bad = clusterNameProblem(o.name)
  if (bad) throw new CliError('USAGE', bad, {exit: EXIT.USAGE})
  if (o.zone && o.region) throw new CliError('USAGE', 'Pass either --zone or --region, not both.', {exit: EXIT.USAGE})
  const gcp = await readProjectGcp(ctx)
  const loc: ClusterLocation | undefined = o.zone ? {zone: o.zone} : o.region ? {region: o.region} : gcp.zone ? {zone: gcp.zone} : gcp.region ? {region: gcp.region} : undefined
  if (!loc) {
    throw new CliError('MISSING_INPUT', 'Missing --zone or --region (where the cluster is).', {
      exit: EXIT.USAGE,
      hints: ['Pass --zone ZONE or --region REGION; `kfp cluster list` shows each cluster\'s location.'],
    })
  }
  const project = o.gcpProject ?? gcp.project
  const location = loc.zone ?? loc.region!
  const cmd = deleteClusterCmd(o.name, loc, project)
  if (o.dryRun) {
    return {name: o.name, location, project, deleted: false, dryRun: true, script: renderScript(`kfp cluster delete ${o.name}`, [{title: `Delete GKE cluster ${o.name}`, cmd}])}
  }
  if (!o.yes) {
    const ok = await ctx.prompter.confirm({message: `Delete GKE cluster ${o.name} in ${location}? Everything on it is lost.`, flag: '--yes', default: false})
    if (!ok) throw new CliError('INTERRUPTED', 'Cancelled: the cluster was not deleted.', {exit: EXIT.INTERRUPTED})
  }
  o.onEvent?.({type: 'step', title: `Delete GKE cluster ${o.name}`})
  const args = cmd.args as string[]
  const onLine = o.onEvent ? (line: string, stream: 'stdout' | 'stderr') => o.onEvent!({type: 'output', line, stream}) : undefined
  const r = await createGcloud(ctx).tryRun(args, {onLine})
  if (r.exitCode !== 0) {
    if (isGcloudNotFound(r) && !/permission|quota/i.test(r.stderr)) {
      throw new CliError('CLUSTER_NOT_FOUND', `Cluster ${o.name} was not found in ${location}${project ? ` (project ${project})` : ''}.`, {
        exit: EXIT.CONFIG,
        hints: ['List clusters with `kfp cluster list`; pass the right --zone/--region and --gcp-project.'],
      })
    }
    throw translateGcloudFailure(args, r)
  }
  o.onEvent?.({type: 'step-done', title: `Delete GKE cluster ${o.name}`, skipped: false})
  return {name: o.name, location, project, deleted: true, dryRun: false}
}
