/**
 * Artifacts of runs on a KFP server, for `kfp artifacts list|get|open --target NAME`: which artifacts a run's steps
 * produced comes from ML Metadata (OUTPUT events of each step's execution; a cache hit links the earlier execution's
 * artifacts, backend/src/v2/driver/cache.go), and their bytes from the pipeline root with the user's own credentials:
 * gs:// through @google-cloud/storage (Application Default Credentials), minio:// and s3:// through the `minio` client
 * (src/clients/s3.ts). The launcher's `executor-logs` artifact is left out (kfp logs reads it).
 */
import type {Ctx} from '../../ctx.js'
import {CliError, EXIT} from '../../lib/errors.js'
import type {JsonValue} from '../../core/project/types.js'
import {connectRemote, type RemoteSession} from '../remote/connect.js'
import {describeRun, namesStep, resolveRemoteRunId, type RemoteRunInfo, type RemoteTaskInfo} from '../remote/runs.js'

export function serverArtifactsNotYet(target: string): CliError {
  return new CliError('SERVER_UNSUPPORTED', `kfp artifacts does not read runs on a KFP server yet (target '${target}'); it reads local runs.`, {
    exit: EXIT.USAGE,
    hints: ['Open the run in the KFP UI (kfp runs get RUN --target NAME prints its URL) to see its artifacts.', 'Local runs: kfp artifacts list RUN --target local'],
  })
}

/** One output artifact of a server run's step. */
export interface ServerArtifact {
  /** The step's record key (`train`, `for-loop-2[0]/train`). */
  task: string
  /** The step's display name (`train[0]`). */
  step: string
  number?: number
  name: string
  /** Its type's schema title (system.Model, system.Metrics, ...). */
  type: string
  uri: string
  /** The artifact's custom properties (display_name, metrics for system.Metrics, ...). */
  metadata: Record<string, JsonValue>
  /** Set when the step was a cache hit: the artifact is the earlier execution's. */
  cached: boolean
}

export interface ServerArtifactsResult {
  runId: string
  runName: string
  status: string
  target: string
  artifacts: ServerArtifact[]
}

const stepMatches = (t: RemoteTaskInfo, ref: string) =>
  (/^\d+$/.test(ref) && t.number === Number(ref)) || namesStep(t, ref)

/** `kfp artifacts list RUN [STEP] --target NAME`: every output artifact of the run's steps (or of one step), in step order. */
export async function listServerArtifacts(o: {target?: string; run: string; step?: string}, ctx: Ctx): Promise<ServerArtifactsResult> {
  const s = await connectRemote({target: o.target}, ctx)
  const runId = await resolveRemoteRunId(s, o.run)
  const info = await describeRun(s, await s.api.getRun(runId), ctx)
  const artifacts = await serverArtifactsOf(s, info, o.step)
  return {runId, runName: info.name, status: info.status, target: s.target.name, artifacts}
}

/**
 * The output artifacts of a described run's steps (or of one step), in step order: one ML Metadata read of the
 * steps' executions' OUTPUT events (the executions are the ones describeRun read).
 */
export async function serverArtifactsOf(s: RemoteSession, info: RemoteRunInfo, step?: string): Promise<ServerArtifact[]> {
  if (info.stepsFrom !== 'ml-metadata') {
    throw new CliError('MLMD_UNAVAILABLE', `Cannot list the artifacts of run ${info.id}: ${info.warnings[0] ?? 'ML Metadata has no record of it'}.`, {exit: EXIT.REMOTE})
  }
  const tasks = step ? info.tasks.filter((t) => stepMatches(t, step)) : info.tasks
  if (step && !tasks.length) {
    throw new CliError('STEP_NOT_FOUND', `Run ${info.id} has no step '${step}' (steps: ${info.tasks.map((t) => t.name).join(', ')}).`, {exit: EXIT.USAGE})
  }
  const byExec = new Map(tasks.filter((t) => t.executionId !== undefined).map((t) => [t.executionId!, t]))
  const arts = await (await s.mlmd()).outputArtifacts([...byExec.keys()])
  const artifacts: ServerArtifact[] = arts
    .filter((a) => !/^executor-logs/.test(a.name))
    .map((a) => {
      const t = byExec.get(a.executionId)!
      return {task: t.key, step: t.name, number: t.number, name: a.name, type: a.type, uri: a.uri, metadata: a.metadata, cached: t.status === 'cached'}
    })
  const order = new Map(tasks.map((t, i) => [t.key, i]))
  artifacts.sort((a, b) => order.get(a.task)! - order.get(b.task)! || a.name.localeCompare(b.name))
  return artifacts
}

/** Reads an artifact's bytes from its pipeline root with the user's credentials (gs://, minio://, s3://). */
export async function readServerArtifact(a: Pick<ServerArtifact, 'uri' | 'name'>, ctx: Ctx): Promise<Buffer> {
  let data: Buffer | undefined
  if (a.uri.startsWith('gs://')) {
    const {createObjectStore} = await import('../../clients/gcs.js')
    const store = ctx.clients.objectStore ? await ctx.clients.objectStore() : await createObjectStore(ctx.env)
    data = store.readBytes ? await store.readBytes(a.uri) : Buffer.from((await store.readText(a.uri)) ?? '')
  } else if (/^(minio|s3):\/\//.test(a.uri)) {
    const {createS3Store} = await import('../../clients/s3.js')
    const store = await (ctx.clients.s3 ?? createS3Store)(ctx.env, a.uri)
    data = await store.read(a.uri)
  } else {
    throw new CliError('USAGE', `Artifact ${a.name} is at ${a.uri}; kfp reads gs://, minio:// and s3:// pipeline roots.`, {exit: EXIT.USAGE})
  }
  if (data === undefined) throw new CliError('GCS_NOT_FOUND', `Artifact ${a.name} is recorded at ${a.uri}, but nothing is there.`, {exit: EXIT.REMOTE})
  return data
}

/** `kfp artifacts get RUN STEP NAME --target NAME`: the artifact (from ML Metadata) and its bytes. */
export async function getServerArtifact(o: {target?: string; run: string; step: string; name: string}, ctx: Ctx): Promise<{artifact: ServerArtifact; data: Buffer}> {
  const r = await listServerArtifacts({target: o.target, run: o.run, step: o.step}, ctx)
  const artifact = r.artifacts.find((a) => a.name === o.name)
  if (!artifact) {
    throw new CliError('STEP_NOT_FOUND', `Step ${o.step} of run ${r.runId} has no output artifact '${o.name}'${r.artifacts.length ? ` (it has: ${r.artifacts.map((a) => a.name).join(', ')})` : ''}.`, {exit: EXIT.USAGE})
  }
  return {artifact, data: await readServerArtifact(artifact, ctx)}
}
