/**
 * The shapes of a local run record (`.kfp/runs/<id>/run.json`). Pure types shared by the engine core
 * (start-step planning reads earlier records) and the services that write and read them.
 */
import type {JsonValue} from '../project/types.js'

/** Status of one task of a local run. */
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cached' | 'skipped' | 'cancelled'

/**
 * Status of a local run. `interrupted`: the owning kfp process is gone; found on read and written back by the first
 * reader (services/run/store.ts), the unfinished tasks kept as last recorded (they read as cancelled).
 */
export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted'

/**
 * An artifact as it flows between tasks: its URI (an absolute local path, or gs://… for imported and executor-output
 * URIs) and what the launcher's RuntimeArtifact carries with it (pipeline_spec.proto RuntimeArtifact).
 */
export interface ArtifactValue {
  uri: string
  /** The output name it was produced under (RuntimeArtifact.name). */
  name?: string
  type?: {schemaTitle?: string; schemaVersion?: string; instanceSchema?: string}
  metadata?: Record<string, JsonValue>
  /** The local file when it is not the URI itself (a downloaded gs:// object, an executor-output customPath). */
  customPath?: string
}

/** Outputs a task produced (or reused): parameter values and artifacts. */
export interface TaskOutputs {
  parameters: Record<string, JsonValue>
  artifacts: Record<string, ArtifactValue>
  /** Lists of artifacts a loop collected (dsl.Collected), or a DAG passed on from one; output name → list. */
  artifactLists?: Record<string, ArtifactValue[]>
}

/** Where reused outputs came from (a skipped task under --start-step, or a cached task). */
export interface ReusedFrom {
  /** The run whose outputs are reused. */
  runId?: string
  runName?: string
  /** The task in that run. */
  task?: string
  /** Outputs given with --set-output instead (names). */
  setOutputs?: string[]
}

/** Where reused outputs came from, as `kfp runs get` says it: `from run ID`, `from --set-output a,b`, or both. */
export function reusedFromText(r: ReusedFrom): string {
  return `from ${[r.runId ? `run ${r.runId}` : '', r.setOutputs ? `--set-output ${r.setOutputs.join(',')}` : ''].filter(Boolean).join(' + ')}`
}

/**
 * What kind of task instance a record is: a sub-DAG task (nested pipeline, condition or exit-handler group), a
 * loop, one iteration of a loop. Absent for steps (container and importer tasks).
 */
export type TaskKind = 'dag' | 'loop' | 'iteration'

/** One task of a run: a step, or a group (sub-DAG, loop, iteration) the steps inside it belong to. */
export interface TaskRecord {
  /**
   * Record key: the task's path from the root, IR task keys joined by '/', loop iterations indexed
   * (`for-loop-2[0]/train`; root tasks: their task key). Users see its label (core/engine/naming.ts labelOf:
   * `train[0]`).
   */
  name: string
  /** taskInfo.name (the SDK's display name; the step name for kfp projects). */
  displayName: string
  /** 1-based step number, what --start-step N means; iterations of a step share it. Groups: their first step's. */
  number: number
  kind?: TaskKind
  /** Key of the group record this task runs in (absent at the root). */
  parent?: string
  /** Iterations: the item's index. */
  iteration?: number
  /** Loops: how many items they expanded to. */
  iterations?: number
  /** A task with `triggerPolicy.condition`: the expression, the parameter values it read, and what it said. */
  condition?: {expression: string; values: Record<string, JsonValue>; result: boolean}
  status: TaskStatus
  startedAt?: string
  finishedAt?: string
  exitCode?: number
  /** How many times the task ran (1 + retries used). */
  attempts?: number
  outputs: TaskOutputs
  /** Log file, relative to the run folder. */
  log?: string
  reusedFrom?: ReusedFrom
  cacheKey?: string
  /** Why it failed, was skipped or cancelled. */
  message?: string
  image?: string
  /** A step that ran (or was looked up in the cache): in a Docker container or as a host process. */
  runner?: 'docker' | 'process'
  /**
   * While the task runs under the process runner: the step's pid, which is also its process group id (steps
   * run in their own group), and the kernel's start time of that process where known (Linux), to tell it from a
   * later process that reuses the pid. Cleared when the task ends.
   */
  pid?: number
  processStart?: string
  /** While the task runs under the Docker runner: its container id. Cleared when the task ends. */
  containerId?: string
}

/** Where the pipeline came from. */
export type RunSource = {kind: 'project'; projectDir: string; file: string} | {kind: 'ir'; file: string}

/** A local run. */
export interface RunRecord {
  version: 1
  id: string
  name: string
  experiment: string
  pipelineName: string
  status: RunStatus
  createdAt: string
  startedAt?: string
  finishedAt?: string
  /** The kfp process that owns (executes) the run, and the last time it said it was alive. */
  pid: number
  heartbeatAt?: string
  /** How its steps ran: all in Docker, all as host processes, or `mixed` (each step record says its `runner`). */
  runner: 'docker' | 'process' | 'mixed'
  source: RunSource
  /** Effective pipeline parameter values (typed). */
  parameters: Record<string, JsonValue>
  /** Parameters given on the command line or in --params-file, as written (for the resume command). */
  explicitParameters: Record<string, string>
  /** Pipeline input artifacts given with --artifact: the URI as given, and the local copy of a gs:// one. */
  inputArtifacts?: Record<string, ArtifactValue>
  /** The compiled spec that ran, relative to the run folder. */
  spec: string
  /** Pipeline root (absolute), exported to steps as KFP_PIPELINE_ROOT. */
  pipelineRoot: string
  /** --start-step: the step number, its template path, and the run whose outputs the skipped steps reuse. */
  startStep?: {number: number; task: string; fromRun?: {id: string; name: string}}
  noCache?: boolean
  tasks: TaskRecord[]
  /** Why the run failed or was cancelled. */
  message?: string
}

/** True for task states that are final. */
export function isTaskFinal(s: TaskStatus): boolean {
  return s !== 'pending' && s !== 'running'
}

/** True for run states that are final. */
export function isRunFinal(s: RunStatus): boolean {
  return s !== 'pending' && s !== 'running'
}

/** True when a task's outputs are usable by later runs (it produced or carried them). */
export function taskHasOutputs(t: TaskRecord): boolean {
  return t.status === 'succeeded' || t.status === 'cached' || (t.status === 'skipped' && t.reusedFrom !== undefined)
}

/**
 * The records in display order with their depth: root tasks by step number, each group followed by the tasks
 * inside it (iterations in item order, then the tasks of each iteration by step number). Linear in the records.
 */
export function recordTreeOrder(tasks: TaskRecord[]): Array<{task: TaskRecord; depth: number}> {
  const kids = new Map<string, TaskRecord[]>()
  for (const t of tasks) {
    const p = t.parent ?? ''
    const list = kids.get(p)
    if (list) list.push(t)
    else kids.set(p, [t])
  }
  const byOrder = (a: TaskRecord, b: TaskRecord) => a.number - b.number || (a.iteration ?? 0) - (b.iteration ?? 0)
  const out: Array<{task: TaskRecord; depth: number}> = []
  const visit = (p: string, depth: number) => {
    for (const t of (kids.get(p) ?? []).sort(byOrder)) {
      out.push({task: t, depth})
      visit(t.name, depth + 1)
    }
  }
  visit('', 0)
  return out
}
