/**
 * How a real KFP 2.x server shows a run's steps, for the fake KFP server: the Argo workflow's nodes become
 * `run_details.task_details`, and the driver/launcher write ML Metadata executions and artifacts.
 *
 * - Argo nodes (backend/src/v2/compiler/argocompiler: entrypoint DAG → `root-driver` + `root` DAG → per task
 *   `<task>-driver` + `<task>` DAG → `executor` pod). With a retry strategy (every template on master: the manifests'
 *   workflow-controller configmap patch) Argo adds a retry node per template whose child is `<name>(0)`, so a step's pod
 *   node is `<wf>(0).root(0).<task>(0).executor(0)`. A cached task's `executor` is skipped (its `when` is false).
 * - task_details: one per node, sorted by node id (backend/src/apiserver/server/api_converter.go toModelTasks), with
 *   display_name = node display name, state = node phase through model.RuntimeState.ToV2 (backend/src/apiserver/model/
 *   run.go: Error → FAILED, Omitted → RUNTIME_STATE_UNSPECIFIED), child_tasks[].pod_name = the child node ids,
 *   no pod_name and no error (toApiPipelineTaskDetail), unfinished end_time at the epoch (timestamppb of 0).
 * - MLMD (backend/src/v2/metadata/client.go, backend/src/v2/driver/container.go): a `system.ContainerExecution` per
 *   task under the run's `system.DAGExecution`, RUNNING from the driver on; the launcher publishes COMPLETE or FAILED
 *   with `outputs`; a cache hit is published CACHED with the earlier execution's outputs and output artifacts
 *   (backend/src/v2/driver/cache.go reuseCachedOutputs) and `cached_execution_id`; a task whose condition is false is
 *   CANCELED (client.go: "CANCELED state means exactly as what we call not triggered"). A terminated step stays RUNNING.
 * - An importer task (backend/src/v2/component/importer_launcher.go Execute): a `system.ImporterExecution` with the
 *   task's name, parent DAG, pod and namespace, published COMPLETE with the artifact it imports as its one output
 *   (nothing is written to the bucket, and no executor-logs: only the container launcher uploads those).
 * - executor-logs: the launcher uploads the main container's log as the output artifact `executor-logs` of each
 *   executed step (backend/src/v2/driver/driver.go adds it; component/launcher_v2.go qualifyExecutorLogsURI appends the
 *   retry index), under `<pipeline root>/<pipeline>/<run id>/<task>/<salt>/` (metadata.GenerateOutputURI).
 */
import {randomBytes} from 'node:crypto'
import type {FakeMlmd} from './fake-mlmd.js'

type JsonValue = string | number | boolean | null | JsonValue[] | {[k: string]: JsonValue}

/** A step as a test describes it; the fake turns it into Argo nodes and MLMD records. */
export interface FakeTask {
  /** The task's path (`train`, or `for-loop-2[0]/train` inside a loop iteration). */
  display_name: string
  /** The v2beta1 state the step is in (RUNNING, SUCCEEDED, FAILED, SKIPPED, PENDING). */
  state: string
  /** A cache hit: outputs and artifacts come from an earlier execution (`cachedFrom` run, else any earlier one). */
  cached?: boolean
  cachedFrom?: string
  /** Output parameters published when the step succeeds. */
  outputs?: Record<string, JsonValue>
  /** Output artifacts (name → content) written under the pipeline root when the step succeeds. */
  artifacts?: Record<string, string>
  /** The main container's log (served by the UI's /k8s/pod/logs while the pod lives, and as executor-logs after). */
  log?: string
  /** An importer task: the URI of the artifact it imports, published as its output `artifact`. */
  imports?: string
}

export interface FakePod {
  name: string
  runId: string
  namespace: string
  task: string
  log: string
  createdAt: string
}

export interface RunModelStore {
  mlmd: FakeMlmd
  /** Objects by URI (gs://, minio://, s3://): what the UI server reads with its own credentials. */
  objects: Map<string, Buffer>
  onObject?: (uri: string, data: Buffer) => void
  pods: Map<string, FakePod>
}

interface Node {
  id: string
  displayName: string
  phase: string
  children: string[]
  startedAt: number
  finishedAt: number
}

const hash = (n = 5) => randomBytes(8).toString('hex').slice(0, n)

/** Per run: the workflow name and what the driver/launcher already recorded. */
export interface RunModel {
  wf: string
  namespace: string
  pipelineName: string
  pipelineRoot: string
  rootDagId?: number
  /** task path → MLMD execution id and pod name */
  tasks: Map<string, {execId: number; podName?: string; published: boolean; taskId: string}>
  nodeStart: number
}

export function newRunModel(o: {pipelineName: string; pipelineRoot: string; namespace: string}): RunModel {
  return {wf: `${o.pipelineName}-${hash()}`, namespace: o.namespace, pipelineName: o.pipelineName, pipelineRoot: o.pipelineRoot.replace(/\/+$/, ''), tasks: new Map(), nodeStart: Math.floor(Date.now() / 1000)}
}

/** Argo node phase of a v2beta1 state. */
function phaseOf(state: string): string {
  switch (state) {
    case 'SUCCEEDED':
      return 'Succeeded'
    case 'FAILED':
      return 'Failed'
    case 'SKIPPED':
      return 'Omitted'
    case 'RUNNING':
      return 'Running'
    default:
      return 'Pending'
  }
}

/** model.RuntimeState(phase).ToV2() (backend/src/apiserver/model/run.go). */
export function stateOfPhase(phase: string): string {
  switch (phase.toUpperCase()) {
    case 'PENDING':
      return 'PENDING'
    case 'RUNNING':
      return 'RUNNING'
    case 'SUCCEEDED':
      return 'SUCCEEDED'
    case 'SKIPPED':
      return 'SKIPPED'
    case 'FAILED':
    case 'ERROR':
      return 'FAILED'
    default:
      return 'RUNTIME_STATE_UNSPECIFIED'
  }
}

/** The Argo nodes of a run whose steps are `tasks`, with or without retry wrappers. */
export function argoNodes(m: RunModel, runState: string, tasks: FakeTask[], retries: boolean): Node[] {
  const nodes: Node[] = []
  const now = Math.floor(Date.now() / 1000)
  const done = (phase: string) => phase !== 'Running' && phase !== 'Pending'
  /** Adds a template's node (and its retry wrapper); returns the node that holds the children. */
  const add = (parentId: string | undefined, displayName: string, phase: string): Node => {
    const mk = (id: string, name: string): Node => ({id, displayName: name, phase, children: [], startedAt: m.nodeStart, finishedAt: done(phase) ? now : 0})
    const outer = mk(`${m.wf}-${hash(10)}`, displayName)
    nodes.push(outer)
    if (parentId) nodes.find((n) => n.id === parentId)!.children.push(outer.id)
    if (!retries) return outer
    const inner = mk(`${m.wf}-${hash(10)}`, `${displayName}(0)`)
    nodes.push(inner)
    outer.children.push(inner.id)
    return inner
  }
  const runPhase = phaseOf(runState === 'CANCELING' ? 'RUNNING' : runState)
  const entry = add(undefined, m.wf, runPhase)
  add(entry.id, 'root-driver', 'Succeeded')
  const root = add(entry.id, 'root', runPhase)
  for (const t of tasks) {
    // Inside loops and conditions Argo's display names are the inner task's name: ambiguous on purpose.
    const name = t.display_name.split('/').at(-1)!.replace(/\[\d+\]$/, '')
    add(root.id, `${name}-driver`, 'Succeeded')
    const dag = add(root.id, name, phaseOf(t.state))
    if (t.state === 'PENDING') continue
    add(dag.id, 'executor', t.cached || t.state === 'SKIPPED' ? 'Skipped' : phaseOf(t.state))
  }
  return nodes
}

/** run_details.task_details of these nodes, as toModelTasks + toApiPipelineTaskDetail give them. */
export function taskDetailsOf(runId: string, nodes: Node[]): Array<Record<string, unknown>> {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
  return [...nodes]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((n) => ({
      run_id: runId,
      task_id: `${runId.slice(0, 8)}-${n.id.slice(-10)}`,
      display_name: n.displayName,
      create_time: iso(n.startedAt),
      start_time: iso(n.startedAt),
      end_time: iso(n.finishedAt),
      state: stateOfPhase(n.phase),
      ...(n.children.length ? {child_tasks: n.children.map((c) => ({pod_name: c}))} : {}),
    }))
}

/** The task path's MLMD parents: `for-loop-2[0]/train` → DAG executions for-loop-2 (loop) and its iteration 0. */
function parentDag(store: RunModelStore, m: RunModel, runId: string, path: string): number {
  const segs = path.split('/').slice(0, -1)
  let parent = m.rootDagId!
  let prefix = ''
  for (const seg of segs) {
    const mm = /^(.*?)((?:\[\d+\])*)$/.exec(seg)!
    const task = mm[1]
    const key = `${prefix}${task}`
    parent = dagExec(store, m, runId, key, task, parent, {})
    const idx = [...mm[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))
    for (const i of idx) parent = dagExec(store, m, runId, `${key}[${i}]`, task, parent, {iteration_index: i})
    prefix = `${key}${mm[2]}/`
  }
  return parent
}

function dagExec(store: RunModelStore, m: RunModel, runId: string, key: string, task: string, parent: number, extra: Record<string, number>): number {
  const known = m.tasks.get(`dag:${key}`)
  if (known) return known.execId
  const e = store.mlmd.putExecution(runId, {type: 'system.DAGExecution', state: 'RUNNING', props: {task_name: task, display_name: task, parent_dag_id: parent, ...extra}})
  m.tasks.set(`dag:${key}`, {execId: e.id, published: false, taskId: ''})
  return e.id
}

/** Records what the driver and launcher write to MLMD (and the bucket) for the steps as they are now. */
export function recordSteps(store: RunModelStore, m: RunModel, runId: string, tasks: FakeTask[], earlierRuns: RunModel[]): void {
  if (m.rootDagId === undefined) {
    // The root DAG driver: GetPipeline creates the `system.PipelineRun` context; the root DAG execution.
    m.rootDagId = store.mlmd.putExecution(runId, {type: 'system.DAGExecution', state: 'RUNNING', props: {task_name: '', display_name: '', pipeline_root: `${m.pipelineRoot}/${m.pipelineName}/${runId}`}}).id
  }
  for (const t of tasks) {
    if (t.state === 'PENDING') continue
    const path = t.display_name
    const task = path.split('/').at(-1)!.replace(/\[\d+\]$/, '')
    let rec = m.tasks.get(path)
    if (!rec) {
      // An importer runs in a pod of the `system-importer` template (argocompiler/importer.go).
      const podName = t.cached || t.state === 'SKIPPED' ? undefined : `${m.wf}-system-${t.imports ? 'importer' : 'container-impl'}-${hash(10)}`
      const props: Record<string, string | number> = {task_name: task, display_name: task, parent_dag_id: parentDag(store, m, runId, path), namespace: m.namespace, ...(t.imports ? {} : {image: 'busybox'})}
      // The driver writes the pod name it runs in; the launcher's pod is the one with the step's log.
      props.pod_name = podName ?? `${m.wf}-system-container-driver-${hash(10)}`
      const type = t.imports ? 'system.ImporterExecution' : 'system.ContainerExecution'
      const e = store.mlmd.putExecution(runId, {type, state: t.state === 'SKIPPED' ? 'CANCELED' : 'RUNNING', props})
      rec = {execId: e.id, podName, published: false, taskId: ''}
      m.tasks.set(path, rec)
      if (podName) store.pods.set(podName, {name: podName, runId, namespace: m.namespace, task, log: t.log ?? '', createdAt: new Date().toISOString()})
    }
    if (rec.podName && t.log !== undefined) store.pods.get(rec.podName)!.log = t.log
    if (rec.published) continue
    const e = store.mlmd.executions.get(rec.execId)!
    if (t.cached && (t.state === 'SUCCEEDED' || t.state === 'RUNNING')) {
      const from = earlierExecution(store, earlierRuns, path, t.cachedFrom)
      if (!from) throw new Error(`fake server: cached task ${path} has no earlier execution to reuse`)
      e.state = 'CACHED'
      e.props = {...e.props, outputs: from.exec.props.outputs ?? {}, cached_execution_id: String(from.exec.id)}
      for (const ev of store.mlmd.events.filter((x) => x.executionId === from.exec.id && x.type === 'OUTPUT')) store.mlmd.putOutput(e.id, ev.name, {artifactId: ev.artifactId})
      rec.published = true
    } else if (t.imports && (t.state === 'SUCCEEDED' || t.state === 'FAILED')) {
      e.state = t.state === 'SUCCEEDED' ? 'COMPLETE' : 'FAILED'
      if (t.state === 'SUCCEEDED') store.mlmd.putOutput(e.id, 'artifact', {uri: t.imports, type: 'system.Artifact'})
      rec.published = true
    } else if (t.state === 'SUCCEEDED' || t.state === 'FAILED') {
      e.state = t.state === 'SUCCEEDED' ? 'COMPLETE' : 'FAILED'
      if (t.state === 'SUCCEEDED') e.props = {...e.props, outputs: (t.outputs ?? {}) as Record<string, JsonValue>}
      const dir = `${m.pipelineRoot}/${m.pipelineName}/${runId}/${task}/${hash(8)}`
      const write = (name: string, text: string) => {
        const uri = `${dir}/${name}`
        store.objects.set(uri, Buffer.from(text))
        store.onObject?.(uri, Buffer.from(text))
        store.mlmd.putOutput(e.id, name, {uri, type: name === 'executor-logs' ? 'system.Artifact' : 'system.Artifact'})
      }
      if (t.state === 'SUCCEEDED') for (const [name, text] of Object.entries(t.artifacts ?? {})) write(name, text)
      // With retries (master), the launcher qualifies the log artifact's URI with the retry index.
      if (rec.podName) write('executor-logs', store.pods.get(rec.podName)?.log ?? t.log ?? '')
      rec.published = true
    }
    e.updatedAtMs = Date.now()
  }
}

function earlierExecution(store: RunModelStore, earlier: RunModel[], path: string, fromRun?: string) {
  for (const [runId, m] of earlier.map((x) => [runIdOf(store, x), x] as const).reverse()) {
    if (fromRun && runId !== fromRun) continue
    const rec = m.tasks.get(path)
    const exec = rec && store.mlmd.executions.get(rec.execId)
    if (exec && (exec.state === 'COMPLETE' || exec.state === 'CACHED')) return {runId, exec}
  }
  return undefined
}

function runIdOf(store: RunModelStore, m: RunModel): string {
  const anyExec = m.rootDagId !== undefined ? store.mlmd.executions.get(m.rootDagId) : undefined
  if (!anyExec) return ''
  for (const [runId, ctx] of store.mlmd.contexts) if (ctx === anyExec.contextId) return runId
  return ''
}
