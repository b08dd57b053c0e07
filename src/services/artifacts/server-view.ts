// Server artifacts (remote-mlmd's listServerArtifacts, src/services/artifacts/remote.ts) in the shape the artifacts
// commands and local runs share (ArtifactInfo), with the scalar metrics of Metrics artifacts: their custom properties,
// as the KFP UI reads them (core/artifacts/metrics.ts).
import type {Ctx} from '../../ctx.js'
import {isMetricsArtifact, metricsOf} from '../../core/artifacts/metrics.js'
import type {ArtifactInfo, ListArtifactsResult, StepMetrics} from './local.js'
import {connectRemote, type RemoteSession} from '../remote/connect.js'
import {describeRemoteRun, type RemoteRunInfo} from '../remote/runs.js'
import {listServerArtifacts, serverArtifactsOf, type ServerArtifact} from './remote.js'

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

/** The scalar metrics of a described server run. */
async function serverRunMetrics(s: RemoteSession, info: RemoteRunInfo): Promise<StepMetrics[]> {
  const artifacts = (await serverArtifactsOf(s, info)).map(serverArtifactInfo)
  return artifacts.filter((a) => a.metrics && Object.keys(a.metrics).length).map((a) => ({task: a.task, step: a.step, ...(a.number === undefined ? {} : {number: a.number}), artifact: a.name, metrics: a.metrics!}))
}

export interface RemoteRunWithMetrics {
  run: RemoteRunInfo
  /** Its Metrics artifacts' scalars (none when ML Metadata has no record of the steps). */
  metrics: StepMetrics[]
  /** Why the metrics could not be read (the run is still shown). */
  metricsError?: string
}

/**
 * A server run and its metrics (`kfp runs get`, `kfp runs compare`) over one connection: the steps and the metrics
 * come from the one ML Metadata read of describeRun (the metrics add only the OUTPUT events of its executions).
 */
export async function getRemoteRunWithMetrics(o: {target?: string; run: string}, ctx: Ctx): Promise<RemoteRunWithMetrics> {
  const s = await connectRemote({target: o.target}, ctx)
  const run = await describeRemoteRun(s, o.run, ctx)
  if (run.stepsFrom !== 'ml-metadata') return {run, metrics: []}
  return serverRunMetrics(s, run).then(
    (metrics) => ({run, metrics}),
    (err: Error) => ({run, metrics: [], metricsError: err.message}),
  )
}
