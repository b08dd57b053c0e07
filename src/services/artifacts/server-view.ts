// Server artifacts (remote-mlmd's listServerArtifacts, src/services/artifacts/remote.ts) in the shape the artifacts
// commands and local runs share (ArtifactInfo), with the scalar metrics of Metrics artifacts: their custom properties,
// as the KFP UI reads them (core/artifacts/metrics.ts).
import type {Ctx} from '../../ctx.js'
import {isMetricsArtifact, metricsOf} from '../../core/artifacts/metrics.js'
import type {ArtifactInfo, ListArtifactsResult, StepMetrics} from './local.js'
import {listServerArtifacts, type ServerArtifact} from './remote.js'

export function serverArtifactInfo(a: ServerArtifact): ArtifactInfo {
  const metrics = isMetricsArtifact({type: {schemaTitle: a.type}}) ? metricsOf(a.metadata, undefined) : undefined
  return {
    task: a.task,
    step: a.step,
    ...(a.number === undefined ? {} : {number: a.number}),
    name: a.name,
    type: a.type,
    uri: a.uri,
    kind: 'remote',
    cached: a.cached,
    metadata: a.metadata,
    ...(metrics ? {metrics} : {}),
  }
}

/** A server run's artifacts (or one step's) in the shape of a local run's (`kfp artifacts list --json`). */
export async function listServerArtifactInfos(o: {target?: string; run: string; step?: string}, ctx: Ctx): Promise<ListArtifactsResult> {
  const r = await listServerArtifacts(o, ctx)
  return {run: {id: r.runId, name: r.runName, status: r.status, target: r.target}, artifacts: r.artifacts.map(serverArtifactInfo)}
}

/** The scalar metrics of a server run (for `kfp runs get` and `kfp runs compare`). */
export async function serverRunMetrics(o: {target: string; run: string}, ctx: Ctx): Promise<StepMetrics[]> {
  const {artifacts} = await listServerArtifactInfos(o, ctx)
  return artifacts.filter((a) => a.metrics && Object.keys(a.metrics).length).map((a) => ({task: a.task, step: a.step, ...(a.number === undefined ? {} : {number: a.number}), artifact: a.name, metrics: a.metrics!}))
}
