// Server artifacts (remote-mlmd's listServerArtifacts, src/services/artifacts/remote.ts) in the shape the artifacts
// commands and local runs share (ArtifactInfo), with the scalar metrics of Metrics artifacts: their custom properties,
// as the KFP UI reads them (core/artifacts/metrics.ts).
import type {Ctx} from '../../ctx.js'
import {isMetricsArtifact, metricsOf} from '../../core/artifacts/metrics.js'
import type {ArtifactInfo, StepMetrics} from './local.js'
import {listServerArtifacts, type ServerArtifact} from './remote.js'

export interface ServerArtifactList {
  run: {id: string; target: string}
  artifacts: ArtifactInfo[]
}

export function serverArtifactInfo(a: ServerArtifact): ArtifactInfo {
  const metrics = isMetricsArtifact({type: {schemaTitle: a.type}}) ? metricsOf(a.metadata, undefined) : undefined
  return {task: a.task, number: a.number ?? 0, name: a.name, type: a.type, uri: a.uri, kind: 'remote', ...(metrics ? {metrics} : {})}
}

/** A server run's artifacts (or one step's) as ArtifactInfo. */
export async function listServerArtifactInfos(o: {target: string; run: string; step?: string}, ctx: Ctx): Promise<ServerArtifactList> {
  const r = await listServerArtifacts(o, ctx)
  return {run: {id: r.runId, target: r.target}, artifacts: r.artifacts.map(serverArtifactInfo)}
}

/** The scalar metrics of a server run (for `kfp runs get` and `kfp runs compare`). */
export async function serverRunMetrics(o: {target: string; run: string}, ctx: Ctx): Promise<StepMetrics[]> {
  const {artifacts} = await listServerArtifactInfos(o, ctx)
  return artifacts.filter((a) => a.metrics && Object.keys(a.metrics).length).map((a) => ({task: a.task, number: a.number, artifact: a.name, metrics: a.metrics!}))
}
