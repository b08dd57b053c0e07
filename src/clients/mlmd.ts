/**
 * ML Metadata (MLMD) of a KFP server, read as the KFP UI reads it: gRPC-web to `/ml_metadata.MetadataStoreService/*`
 * on the UI's origin (kubeflow/pipelines frontend/server/app.ts proxies it to the metadata Envoy; on Kubeflow an Istio
 * route, manifests/kustomize/base/metadata/options/istio/virtual-service.yaml, sends `/ml_metadata` there), with the same
 * credentials as the API. Messages and service come from the real ml_metadata protos (proto/README.md), generated with
 * @bufbuild/protoc-gen-es; the transport is @connectrpc/connect-node's gRPC-web client.
 *
 * Import this module lazily (it pulls in the generated protos and the RPC runtime).
 *
 * What the KFP backend writes (backend/src/v2/metadata/client.go, CreateExecution/PublishExecution): per run a
 * context of type `system.PipelineRun` named by the run id; per task an execution (`system.ContainerExecution` or
 * `system.DAGExecution`) with custom properties `task_name`, `display_name`, `pod_name`, `namespace`, `image`,
 * `cached_execution_id`, `parent_dag_id`, `iteration_index`, `iteration_count`, `inputs` and `outputs` (a Struct of the
 * output parameters); output artifacts linked by OUTPUT events whose path's first key is the output name.
 */
import {Code, ConnectError, createClient, type Interceptor} from '@connectrpc/connect'
import {createGrpcWebTransport} from '@connectrpc/connect-node'
import {Event_Type, Execution_State, type Artifact, type Execution, type Value} from '../gen/ml_metadata/proto/metadata_store_pb.js'
import {MetadataStoreService} from '../gen/ml_metadata/proto/metadata_store_service_pb.js'
import type {JsonValue} from '../core/project/types.js'
import {CliError, EXIT} from '../lib/errors.js'

/** MLMD's execution states (metadata_store.proto Execution.State). CANCELED is what KFP writes for "not triggered". */
export type MlmdExecutionState = 'UNKNOWN' | 'NEW' | 'RUNNING' | 'COMPLETE' | 'FAILED' | 'CACHED' | 'CANCELED'

export interface MlmdExecution {
  id: number
  /** `system.ContainerExecution`, `system.DAGExecution`, ... */
  type: string
  state: MlmdExecutionState
  taskName?: string
  displayName?: string
  podName?: string
  namespace?: string
  image?: string
  /** Set on a cache hit: the execution whose outputs were reused (backend/src/v2/driver/cache.go). */
  cachedExecutionId?: string
  parentDagId?: number
  iterationIndex?: number
  iterationCount?: number
  /** Output parameters (custom property `outputs`). */
  outputs: Record<string, JsonValue>
  createdAtMs?: number
  updatedAtMs?: number
}

export interface MlmdArtifact {
  id: number
  executionId: number
  /** The output name (the OUTPUT event's path). */
  name: string
  uri: string
  type: string
  /** Custom properties (the artifact's metadata: display_name, metrics, store_session_info, ...). */
  metadata: Record<string, JsonValue>
}

/** The calls kfp makes against ML Metadata. */
export interface MlmdClient {
  /** Executions of run `runId` (its `system.PipelineRun` context), or undefined when MLMD has no such context. */
  runExecutions(runId: string): Promise<MlmdExecution[] | undefined>
  /** Output artifacts of these executions. */
  outputArtifacts(executionIds: number[]): Promise<MlmdArtifact[]>
}

export interface MlmdConnection {
  /** The KFP endpoint (UI or Kubeflow base); MLMD is at its origin. */
  endpoint: string
  headers?: () => Promise<Record<string, string>>
  ca?: string | Buffer
  insecure?: boolean
  timeoutMs?: number
}

const STATES: Record<number, MlmdExecutionState> = {
  [Execution_State.UNKNOWN]: 'UNKNOWN',
  [Execution_State.NEW]: 'NEW',
  [Execution_State.RUNNING]: 'RUNNING',
  [Execution_State.COMPLETE]: 'COMPLETE',
  [Execution_State.FAILED]: 'FAILED',
  [Execution_State.CACHED]: 'CACHED',
  [Execution_State.CANCELED]: 'CANCELED',
}

/** An ml_metadata.Value as JSON. */
export function mlmdValue(v: Value | undefined): JsonValue | undefined {
  switch (v?.value.case) {
    case 'intValue':
      return Number(v.value.value)
    case 'doubleValue':
    case 'stringValue':
    case 'boolValue':
      return v.value.value
    case 'structValue':
      return v.value.value as JsonValue
    default:
      return undefined
  }
}

const str = (v: Value | undefined) => {
  const x = mlmdValue(v)
  return x === undefined || x === '' ? undefined : String(x)
}
const num = (v: Value | undefined) => {
  const x = mlmdValue(v)
  return typeof x === 'number' ? x : undefined
}

export function toMlmdExecution(e: Execution): MlmdExecution {
  const p = e.customProperties
  const outputs = mlmdValue(p.outputs)
  return {
    id: Number(e.id),
    type: e.type,
    state: STATES[e.lastKnownState] ?? 'UNKNOWN',
    taskName: str(p.task_name),
    displayName: str(p.display_name),
    podName: str(p.pod_name),
    namespace: str(p.namespace),
    image: str(p.image),
    cachedExecutionId: str(p.cached_execution_id),
    parentDagId: num(p.parent_dag_id),
    iterationIndex: num(p.iteration_index),
    iterationCount: num(p.iteration_count),
    outputs: outputs && typeof outputs === 'object' && !Array.isArray(outputs) ? (outputs as Record<string, JsonValue>) : {},
    createdAtMs: e.createTimeSinceEpoch ? Number(e.createTimeSinceEpoch) : undefined,
    updatedAtMs: e.lastUpdateTimeSinceEpoch ? Number(e.lastUpdateTimeSinceEpoch) : undefined,
  }
}

function toMlmdArtifact(a: Artifact, executionId: number, name: string): MlmdArtifact {
  const metadata: Record<string, JsonValue> = {}
  for (const [k, v] of Object.entries(a.customProperties)) {
    const x = mlmdValue(v)
    if (x !== undefined) metadata[k] = x
  }
  return {id: Number(a.id), executionId, name, uri: a.uri, type: a.type, metadata}
}

/** The MLMD base URL for a KFP endpoint: its origin (`https://host/pipeline` → `https://host`). */
export function mlmdBaseUrl(endpoint: string): string {
  return new URL(endpoint).origin
}

/** Creates an MLMD client for a KFP endpoint. */
export function createMlmdClient(conn: MlmdConnection): MlmdClient {
  const baseUrl = mlmdBaseUrl(conn.endpoint)
  const auth: Interceptor = (next) => async (req) => {
    for (const [k, v] of Object.entries((await conn.headers?.()) ?? {})) req.header.set(k, v)
    return next(req)
  }
  const transport = createGrpcWebTransport({
    baseUrl,
    httpVersion: '1.1',
    interceptors: [auth],
    defaultTimeoutMs: conn.timeoutMs ?? 30_000,
    nodeOptions: baseUrl.startsWith('https:') ? {ca: conn.ca, rejectUnauthorized: !conn.insecure} : undefined,
  })
  const svc = createClient(MetadataStoreService, transport)
  const call = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f()
    } catch (error) {
      throw mlmdError(error, baseUrl, what)
    }
  }
  // A run's context, once it exists, stays the same: every driver of the run gets or inserts it by the run id
  // (backend/src/v2/metadata/client.go GetPipeline → getOrInsertContext(runID, system.PipelineRun)). A watch or
  // `kfp logs -f` polling the run looks it up until it is there, then only reads its executions.
  const runContexts = new Map<string, bigint>()
  return {
    async runExecutions(runId) {
      // The server never sets run_details.pipeline_run_context_id: look the context up by type and name, as the UI does
      // (frontend/src/mlmd/MlmdUtils.ts getKfpV2RunContext).
      let contextId = runContexts.get(runId)
      if (contextId === undefined) {
        const ctxRes = await call('GetContextByTypeAndName', () => svc.getContextByTypeAndName({typeName: 'system.PipelineRun', contextName: runId}))
        if (!ctxRes.context) return undefined
        contextId = ctxRes.context.id
        runContexts.set(runId, contextId)
      }
      const out: MlmdExecution[] = []
      let nextPageToken = ''
      do {
        const res = await call('GetExecutionsByContext', () => svc.getExecutionsByContext({contextId, options: {maxResultSize: 100, nextPageToken}}))
        out.push(...res.executions.map(toMlmdExecution))
        nextPageToken = res.nextPageToken
      } while (nextPageToken)
      return out
    },
    async outputArtifacts(executionIds) {
      if (executionIds.length === 0) return []
      const ev = await call('GetEventsByExecutionIDs', () => svc.getEventsByExecutionIDs({executionIds: executionIds.map(BigInt)}))
      const outputs = ev.events.filter((e) => e.type === Event_Type.OUTPUT)
      if (outputs.length === 0) return []
      const arts = await call('GetArtifactsByID', () => svc.getArtifactsByID({artifactIds: [...new Set(outputs.map((e) => e.artifactId))]}))
      const byId = new Map(arts.artifacts.map((a) => [a.id, a]))
      return outputs.flatMap((e) => {
        const a = byId.get(e.artifactId)
        const step = e.path?.steps[0]?.value
        const name = step?.case === 'key' ? step.value : ''
        return a ? [toMlmdArtifact(a, Number(e.executionId), name)] : []
      })
    },
  }
}

function mlmdError(error: unknown, baseUrl: string, what: string): CliError {
  const e = ConnectError.from(error)
  const where = `ML Metadata at ${baseUrl}/ml_metadata.MetadataStoreService/${what}`
  if (e.code === Code.Unauthenticated || e.code === Code.PermissionDenied) {
    return new CliError('SERVER_AUTH', `${where} refused the request (${Code[e.code]}).`, {exit: EXIT.AUTH, hints: ['ML Metadata takes the same credentials as the KFP UI: check the target\'s token or cookie.']})
  }
  return new CliError('MLMD_UNAVAILABLE', `Cannot read ${where}: ${e.rawMessage || Code[e.code]}.`, {
    exit: EXIT.REMOTE,
    data: {grpcCode: Code[e.code]},
    hints: ['ML Metadata is served by the KFP UI (port-forward svc/ml-pipeline-ui, or the Kubeflow host); the API port (8888) alone does not have it.'],
  })
}

declare module '../ctx.js' {
  interface ClientFactories {
    /** Creates an ML Metadata client (tests may point it elsewhere). */
    mlmd?: (conn: MlmdConnection) => MlmdClient
  }
}
