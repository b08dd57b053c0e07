/**
 * A fake ML Metadata store served over gRPC-web with the real ml_metadata protos (proto/, generated into src/gen) and
 * a real gRPC-web server implementation (@connectrpc/connect-node's connectNodeAdapter), mounted by the fake KFP
 * server at `/ml_metadata.MetadataStoreService/*` as the KFP UI server proxies it (kubeflow/pipelines
 * frontend/server/app.ts, `app.all('/ml_metadata.*', createProxyMiddleware(... envoyServiceAddress))`).
 *
 * It keeps what the KFP backend writes (backend/src/v2/metadata/client.go): a `system.PipelineRun` context per run
 * named by the run id (getOrInsertContext in GetPipeline), executions attributed to it with the custom properties of
 * CreateExecution (task_name, display_name, pod_name, pod_uid, namespace, image, cached_execution_id, parent_dag_id,
 * iteration_index, iteration_count, inputs) and of PublishExecution (outputs; last_known_state), and OUTPUT events whose
 * path's first step key is the output name (eventPath). Only the read calls kfp and the KFP UI use are served; the
 * others answer UNIMPLEMENTED, as an unrouted gRPC method does.
 */
import type http from 'node:http'
import {create} from '@bufbuild/protobuf'
import {Code, ConnectError, type ConnectRouter} from '@connectrpc/connect'
import {connectNodeAdapter} from '@connectrpc/connect-node'
import {
  ArtifactSchema,
  ContextSchema,
  EventSchema,
  Event_Type,
  ExecutionSchema,
  Execution_State,
  ValueSchema,
  type Value,
} from '../../src/gen/ml_metadata/proto/metadata_store_pb.js'
import {MetadataStoreService} from '../../src/gen/ml_metadata/proto/metadata_store_service_pb.js'

type JsonValue = string | number | boolean | null | JsonValue[] | {[k: string]: JsonValue}

export type FakeExecState = keyof typeof Execution_State

export interface FakeExecution {
  id: number
  contextId: number
  type: 'system.ContainerExecution' | 'system.DAGExecution' | 'system.ImporterExecution'
  state: FakeExecState
  props: Record<string, string | number | Record<string, JsonValue>>
  createdAtMs: number
  updatedAtMs: number
}

export interface FakeArtifact {
  id: number
  type: string
  uri: string
  props: Record<string, string | number | Record<string, JsonValue>>
}

export interface FakeMlmd {
  /** Node request handler for `/ml_metadata.MetadataStoreService/*` (gRPC-web only, like the Envoy behind the UI). */
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void
  /** RPC method names called, in order. */
  calls: string[]
  contexts: Map<string, number>
  executions: Map<number, FakeExecution>
  artifacts: Map<number, FakeArtifact>
  events: Array<{executionId: number; artifactId: number; name: string; type: 'INPUT' | 'OUTPUT'}>
  /** GetOrInsertContext(`system.PipelineRun`, runId). */
  runContext(runId: string): number
  putExecution(runId: string, e: Omit<FakeExecution, 'id' | 'contextId' | 'createdAtMs' | 'updatedAtMs'> & {createdAtMs?: number}): FakeExecution
  /** An artifact linked to the execution by an OUTPUT event named `name` (an existing artifact id re-links it, as a cache hit does). */
  putOutput(executionId: number, name: string, a: {uri: string; type?: string; props?: FakeArtifact['props']} | {artifactId: number}): number
}

function toValue(v: string | number | Record<string, JsonValue>): Value {
  if (typeof v === 'string') return create(ValueSchema, {value: {case: 'stringValue', value: v}})
  if (typeof v === 'number') return Number.isInteger(v) ? create(ValueSchema, {value: {case: 'intValue', value: BigInt(v)}}) : create(ValueSchema, {value: {case: 'doubleValue', value: v}})
  return create(ValueSchema, {value: {case: 'structValue', value: v as never}})
}
const toProps = (p: FakeArtifact['props']) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, toValue(v)]))

export function createFakeMlmd(): FakeMlmd {
  let nextId = 1
  const m: Omit<FakeMlmd, 'handle'> = {
    calls: [],
    contexts: new Map(),
    executions: new Map(),
    artifacts: new Map(),
    events: [],
    runContext(runId) {
      let id = m.contexts.get(runId)
      if (id === undefined) m.contexts.set(runId, (id = nextId++))
      return id
    },
    putExecution(runId, e) {
      const now = e.createdAtMs ?? Date.now()
      const x: FakeExecution = {...e, id: nextId++, contextId: m.runContext(runId), createdAtMs: now, updatedAtMs: now}
      m.executions.set(x.id, x)
      return x
    },
    putOutput(executionId, name, a) {
      let artifactId: number
      if ('artifactId' in a) artifactId = a.artifactId
      else {
        artifactId = nextId++
        m.artifacts.set(artifactId, {id: artifactId, type: a.type ?? 'system.Artifact', uri: a.uri, props: {display_name: name, ...a.props}})
      }
      m.events.push({executionId, artifactId, name, type: 'OUTPUT'})
      return artifactId
    },
  }
  const execProto = (x: FakeExecution) =>
    create(ExecutionSchema, {
      id: BigInt(x.id),
      type: x.type,
      typeId: x.type === 'system.DAGExecution' ? 2n : 1n,
      lastKnownState: Execution_State[x.state],
      customProperties: toProps(x.props),
      createTimeSinceEpoch: BigInt(x.createdAtMs),
      lastUpdateTimeSinceEpoch: BigInt(x.updatedAtMs),
    })
  const routes = (router: ConnectRouter) =>
    router.service(MetadataStoreService, {
      getContextByTypeAndName(req) {
        m.calls.push('GetContextByTypeAndName')
        // Only the run contexts are kept; another type has no context of that name.
        const id = req.typeName === 'system.PipelineRun' ? m.contexts.get(req.contextName) : undefined
        return {context: id === undefined ? undefined : create(ContextSchema, {id: BigInt(id), name: req.contextName, type: 'system.PipelineRun'})}
      },
      getExecutionsByContext(req) {
        m.calls.push('GetExecutionsByContext')
        const all = [...m.executions.values()].filter((x) => x.contextId === Number(req.contextId))
        // ListOperationOptions paging: next_page_token is an offset here (opaque to clients).
        const size = req.options?.maxResultSize || 20
        const start = Number(req.options?.nextPageToken || 0)
        const page = all.slice(start, start + size)
        return {executions: page.map(execProto), nextPageToken: start + size < all.length ? String(start + size) : ''}
      },
      getExecutionsByID(req) {
        m.calls.push('GetExecutionsByID')
        return {executions: req.executionIds.map((id) => m.executions.get(Number(id))).filter((x): x is FakeExecution => Boolean(x)).map(execProto)}
      },
      getEventsByExecutionIDs(req) {
        m.calls.push('GetEventsByExecutionIDs')
        const ids = new Set(req.executionIds.map(Number))
        return {
          events: m.events
            .filter((e) => ids.has(e.executionId))
            .map((e) =>
              create(EventSchema, {
                executionId: BigInt(e.executionId),
                artifactId: BigInt(e.artifactId),
                type: e.type === 'OUTPUT' ? Event_Type.OUTPUT : Event_Type.INPUT,
                path: {steps: [{value: {case: 'key', value: e.name}}]},
              }),
            ),
        }
      },
      getArtifactsByID(req) {
        m.calls.push('GetArtifactsByID')
        return {
          artifacts: req.artifactIds
            .map((id) => m.artifacts.get(Number(id)))
            .filter((a): a is FakeArtifact => Boolean(a))
            .map((a) => create(ArtifactSchema, {id: BigInt(a.id), type: a.type, uri: a.uri, customProperties: toProps(a.props)})),
        }
      },
      getArtifactsByURI() {
        throw new ConnectError('not served by the fake', Code.Unimplemented)
      },
    })
  const handle = connectNodeAdapter({routes, grpcWeb: true, grpc: false, connect: false})
  return Object.assign(m, {handle})
}
