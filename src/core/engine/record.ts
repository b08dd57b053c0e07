/**
 * The shapes of a local run record (`.kfp/runs/<id>/run.json`). Pure types shared by the engine core
 * (start-step planning reads earlier records) and the services that write and read them.
 */
import type {JsonValue} from '../project/types.js'

/** Status of one task of a local run. */
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cached' | 'skipped' | 'cancelled'

/** Status of a local run. `interrupted` is derived on read: the owning kfp process is gone. */
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

/** One task of a run. */
export interface TaskRecord {
  /** Task key in the IR DAG. */
  name: string
  /** taskInfo.name (the SDK's display name; the step name for kfp projects). */
  displayName: string
  /** 1-based step number, what --start-step N means. */
  number: number
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
  runner: 'docker' | 'process'
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
  startStep?: {number: number; task: string; fromRun?: string}
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
