/**
 * The steps of a server run as the pipeline defines them, whatever plumbing the server shows (pure, no I/O).
 *
 * A KFP server's `run_details.task_details` hold one row per Argo node, by display name (kubeflow/pipelines
 * backend/src/apiserver/server/api_converter.go toModelTasks/toApiPipelineTaskDetail): the workflow (`<wf>`), drivers
 * (`x-driver`), the `root` DAG, every step's `executor` pod, and with retry strategies (every template on master) a
 * `(0)` child of each (`executor(0)`, `root(0)`, `<wf>(0)`). Inside loops the display names repeat per iteration.
 * So the steps come from the spec (root DAG tasks and, inside loops and conditions, their container tasks) and their
 * state from ML Metadata executions (task_name, parent_dag_id, iteration_index: backend/src/v2/metadata/client.go),
 * as the KFP UI does; the task_details rows named like a step only stand in when ML Metadata cannot be read.
 */
import type {KfpRun, KfpTaskDetail} from '../../clients/kfp-api.js'
import type {MlmdExecution} from '../../clients/mlmd.js'
import type {JsonValue} from '../project/types.js'
import type {RunStatus, TaskStatus} from '../engine/record.js'
import type {IrTask, PipelineSpec} from '../ir/types.js'
import {taskStatusOf} from './spec.js'

/** A container task of the spec: its path of task keys from the root (`for-loop-2/train`). */
export interface SpecStep {
  path: string
  name: string
  displayName: string
  /** Step number (depth-first in topological order; DAG tasks have none of their own). */
  number: number
  /** True inside a loop: only ML Metadata knows its iterations. */
  inLoop: boolean
}

/** One step of a server run (an iteration inside a loop is a step of its own). */
export interface RunStep {
  /** Path with iteration indices (`for-loop-2[0]/train`): the record key. */
  key: string
  /** Display name: the task key with its iteration indices (`train[0]`). */
  name: string
  path: string
  number?: number
  status: TaskStatus
  /** The server's word for it: the MLMD execution state, else the task_details state. */
  state?: string
  executionId?: number
  podName?: string
  namespace?: string
  createdAtMs?: number
  startedAt?: string
  finishedAt?: string
  outputs: Record<string, JsonValue>
  cachedExecutionId?: string
}

function upstreamOf(t: IrTask): string[] {
  const ups = new Set<string>(t.dependentTasks ?? [])
  for (const p of Object.values(t.inputs?.parameters ?? {})) if (p.taskOutputParameter?.producerTask) ups.add(p.taskOutputParameter.producerTask)
  for (const a of Object.values((t.inputs as {artifacts?: Record<string, {taskOutputArtifact?: {producerTask?: string}}>})?.artifacts ?? {})) {
    if (a.taskOutputArtifact?.producerTask) ups.add(a.taskOutputArtifact.producerTask)
  }
  return [...ups]
}

/** Task keys of a DAG in a topological order, file order among equals. */
function topoOrder(tasks: Record<string, IrTask>): string[] {
  const names = Object.keys(tasks)
  const done = new Set<string>()
  const out: string[] = []
  while (out.length < names.length) {
    const next = names.find((n) => !done.has(n) && upstreamOf(tasks[n]).every((u) => done.has(u) || !tasks[u]))
    if (!next) return [...out, ...names.filter((n) => !done.has(n))]
    done.add(next)
    out.push(next)
  }
  return out
}

/**
 * The container tasks of a spec, depth-first: root DAG tasks in topological order, the tasks of a sub-DAG (loop,
 * condition, group) where the DAG task stands. `stepNumbers` (task path → number: the project's root task keys, or a
 * --start-step run's own, core/remote/start-step-record.ts) numbers them when given.
 */
export function specSteps(spec: PipelineSpec, stepNumbers?: Record<string, number>): SpecStep[] {
  const out: SpecStep[] = []
  const walk = (tasks: Record<string, IrTask>, prefix: string, inLoop: boolean, depth: number) => {
    if (depth > 20) return
    for (const key of topoOrder(tasks)) {
      const t = tasks[key]
      const comp = spec.components?.[t.componentRef?.name]
      const path = prefix ? `${prefix}/${key}` : key
      const loop = inLoop || Boolean((t as {parameterIterator?: unknown; artifactIterator?: unknown}).parameterIterator || (t as {artifactIterator?: unknown}).artifactIterator)
      const dag = (comp as {dag?: {tasks?: Record<string, IrTask>}} | undefined)?.dag
      if (dag?.tasks) walk(dag.tasks, path, loop, depth + 1)
      else out.push({path, name: key, displayName: t.taskInfo?.name ?? key, number: out.length + 1, inLoop: loop})
    }
  }
  walk(spec.root?.dag?.tasks ?? {}, '', false, 0)
  // Own keys only: a task named `constructor` is not numbered by Object.prototype.
  if (stepNumbers) for (const s of out) if (Object.hasOwn(stepNumbers, s.path)) s.number = stepNumbers[s.path]
  return out
}

/** The path (with iteration indices) of a container execution, from its parent DAG executions up to the root. */
export function executionPath(e: MlmdExecution, byId: Map<number, MlmdExecution>): string {
  const segs = [e.taskName ?? e.displayName ?? String(e.id)]
  let p = e.parentDagId !== undefined ? byId.get(e.parentDagId) : undefined
  for (let guard = 0; p && p.parentDagId !== undefined && guard < 50; guard++) {
    if (p.iterationIndex !== undefined) {
      const loop = p.parentDagId !== undefined ? byId.get(p.parentDagId) : undefined
      segs.unshift(`${p.taskName}[${p.iterationIndex}]`)
      // The iteration's parent is the loop's own DAG execution (same task): one segment for both.
      p = loop && loop.taskName === p.taskName && loop.iterationIndex === undefined ? (loop.parentDagId !== undefined ? byId.get(loop.parentDagId) : undefined) : loop
      continue
    }
    segs.unshift(p.taskName ?? '')
    p = p.parentDagId !== undefined ? byId.get(p.parentDagId) : undefined
  }
  return segs.filter(Boolean).join('/')
}

const stripIndices = (key: string) => key.replace(/\[\d+\]/g, '')
/** `for-loop-2[0]/train` → `train[0]` (the indices of every enclosing iteration, outermost first). */
export function stepDisplayName(key: string): string {
  const idx = [...key.matchAll(/\[(\d+)\]/g)].map((m) => `[${m[1]}]`).join('')
  return `${stripIndices(key).split('/').at(-1)}${idx}`
}

/** True when the run was terminated: kfp did it, or the server's record says so (CANCELING in state or history). */
export function wasCancelled(run: KfpRun, terminatedByUs = false): boolean {
  if (run.state === 'CANCELING' || run.state === 'CANCELED') return true
  // An active run is not cancelled (a retried one runs again); a FAILED one is when it was terminated since it last
  // started running: kfp did it, or the persistence agent reported CANCELING before the end.
  if (run.state !== 'FAILED') return false
  if (terminatedByUs) return true
  const history = run.state_history ?? []
  const lastRun = history.map((h) => h.state).lastIndexOf('RUNNING')
  return history.slice(lastRun + 1).some((h) => h.state === 'CANCELING' || h.state === 'CANCELED')
}

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELED'])

/** kfp's run status of a server run (a terminated run is cancelled, though the server ends it FAILED). */
export function runStatusOfRun(run: KfpRun, terminatedByUs = false): RunStatus {
  if (wasCancelled(run, terminatedByUs)) return 'cancelled'
  switch (run.state) {
    case 'SUCCEEDED':
    case 'SKIPPED':
      return 'succeeded'
    case 'FAILED':
      return 'failed'
    case 'RUNNING':
    case 'PAUSED':
      return 'running'
    default:
      return 'pending'
  }
}

function statusOfExecution(e: MlmdExecution, runEnded: boolean, cancelled: boolean): TaskStatus {
  switch (e.state) {
    case 'COMPLETE':
      return 'succeeded'
    case 'CACHED':
      return 'cached'
    case 'FAILED':
      return 'failed'
    case 'CANCELED':
      // KFP writes CANCELED for a task that was not triggered (a false condition).
      return 'skipped'
    default:
      // A terminated step's execution stays RUNNING (the launcher never publishes it).
      return runEnded ? (cancelled ? 'cancelled' : 'failed') : 'running'
  }
}

/** The task_details rows that stand for a step: named exactly like it, else its retry attempts `name(N)`. */
function rowsOf(details: KfpTaskDetail[], name: string): KfpTaskDetail[] {
  const exact = details.filter((d) => d.display_name === name)
  if (exact.length) return exact
  return details.filter((d) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\(\\d+\\)$`).test(d.display_name ?? ''))
}

function combinedState(rows: KfpTaskDetail[]): string | undefined {
  const states: string[] = rows.map((r) => r.state ?? '')
  for (const s of ['FAILED', 'RUNNING', 'PENDING', 'RUNTIME_STATE_UNSPECIFIED', 'SUCCEEDED', 'SKIPPED']) if (states.includes(s)) return s
  return states[0]
}

const realTime = (t?: string) => (t && !t.startsWith('1970') ? t : undefined)
const iso = (ms?: number) => (ms ? new Date(ms).toISOString() : undefined)

/**
 * The ML Metadata execution types of a step: a container task's (driver/container.go), and an importer's, which the
 * importer launcher creates with the task's name and parent DAG and publishes COMPLETE with the artifact it imports
 * (component/importer_launcher.go Execute; metadata/client.go ImporterExecutionTypeName,
 * ImporterWorkspaceExecutionTypeName for downloadToWorkspace).
 */
const STEP_EXECUTIONS = new Set(['system.ContainerExecution', 'system.ImporterExecution', 'system.ImporterWorkspaceExecution'])

/**
 * The steps of a run: from ML Metadata executions when given (each execution of a container task, iterations
 * included, matched to the spec by its path), else from the task_details rows named like the spec's steps.
 * Spec steps with neither are pending (skipped once the run ended, cancelled when it was cancelled).
 */
export function stepsOfRun(i: {steps: SpecStep[]; run: KfpRun; executions?: MlmdExecution[]; terminatedByUs?: boolean}): RunStep[] {
  const ended = FINAL.has(i.run.state ?? '')
  const cancelled = wasCancelled(i.run, i.terminatedByUs)
  const notReached: TaskStatus = ended ? (cancelled ? 'cancelled' : 'skipped') : 'pending'
  const details = i.run.run_details?.task_details ?? []
  const bySpecPath = new Map(i.steps.map((s) => [s.path, s]))
  const out: RunStep[] = []
  if (i.executions) {
    const byId = new Map(i.executions.map((e) => [e.id, e]))
    const seen = new Set<string>()
    const containers = i.executions.filter((e) => STEP_EXECUTIONS.has(e.type))
    for (const e of containers) {
      const key = executionPath(e, byId)
      const spec = bySpecPath.get(stripIndices(key))
      seen.add(stripIndices(key))
      out.push({
        key,
        name: stepDisplayName(key),
        path: stripIndices(key),
        number: spec?.number,
        status: statusOfExecution(e, ended, cancelled),
        state: e.state,
        executionId: e.id,
        podName: e.podName,
        namespace: e.namespace,
        createdAtMs: e.createdAtMs,
        startedAt: iso(e.createdAtMs),
        finishedAt: e.state === 'RUNNING' || e.state === 'NEW' ? undefined : iso(e.updatedAtMs),
        outputs: e.outputs,
        cachedExecutionId: e.cachedExecutionId,
      })
    }
    for (const s of i.steps) if (!seen.has(s.path) && !s.inLoop) out.push({key: s.path, name: s.name, path: s.path, number: s.number, status: notReached, outputs: {}})
  } else {
    for (const s of i.steps) {
      const rows = rowsOf(details, s.name)
      const state = combinedState(rows)
      const st = rows.length ? taskStatusOf(state) : notReached
      out.push({
        key: s.path,
        name: s.name,
        path: s.path,
        number: s.number,
        status: st === 'running' && ended ? (cancelled ? 'cancelled' : 'failed') : st === 'failed' && cancelled ? 'cancelled' : st,
        state,
        startedAt: realTime(rows[0]?.start_time),
        finishedAt: realTime(rows[0]?.end_time),
        outputs: {},
      })
    }
  }
  const order = new Map(i.steps.map((s, n) => [s.path, n]))
  return out.sort((a, b) => (order.get(a.path) ?? 1e9) - (order.get(b.path) ?? 1e9) || a.key.localeCompare(b.key, undefined, {numeric: true}))
}

/** The spec a run ran (inline, or the wrapper `{pipeline_spec, platform_spec}` unwrapped); undefined without one. */
export function specOfRunBody(spec: Record<string, unknown> | undefined): PipelineSpec | undefined {
  if (spec && !spec.root && spec.pipeline_spec) spec = spec.pipeline_spec as Record<string, unknown>
  return spec?.root ? (spec as unknown as PipelineSpec) : undefined
}
