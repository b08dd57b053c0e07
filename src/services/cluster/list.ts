import type {Ctx} from '../../ctx.js'
import {createGcloud} from '../../clients/gcloud.js'
import {listClustersCmd, parseClusters, type ClusterLocation, type ClusterSummary} from '../../core/cluster/gke.js'
import {renderScript} from '../../core/cluster/shell.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {readProjectGcp} from './project-gcp.js'

export interface ListClustersOptions {
  zone?: string
  region?: string
  gcpProject?: string
  dryRun?: boolean
}

export interface ListClustersResult {
  project?: string
  clusters: ClusterSummary[]
  /** The POSIX shell script (under --dry-run). */
  script?: string
}

/** Lists the GKE clusters of the project (all locations unless --zone/--region). */
export async function listClusters(o: ListClustersOptions, ctx: Ctx): Promise<ListClustersResult> {
  const gcp = await readProjectGcp(ctx)
  const loc: ClusterLocation | undefined = o.zone ? {zone: o.zone} : o.region ? {region: o.region} : undefined
  const project = o.gcpProject ?? gcp.project
  const cmd = listClustersCmd(loc, project)
  if (o.dryRun) return {project, clusters: [], script: renderScript('kfp cluster list', [{title: 'List the GKE clusters', cmd}])}
  const stdout = await createGcloud(ctx).run(cmd.args as string[])
  let json: unknown
  try {
    json = JSON.parse(stdout || '[]')
  } catch {
    throw new CliError('EXTERNAL_COMMAND_FAILED', 'gcloud container clusters list did not print JSON.', {exit: EXIT.EXTERNAL})
  }
  return {project, clusters: parseClusters(json)}
}
