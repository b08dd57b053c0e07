import type {RunRecord, TaskStatus} from '../../core/engine/record.js'
import type {PipelineSpec} from '../../core/ir/types.js'

/**
 * Progress of a local run, for the command to render (services never print). `task` is the task's label
 * (`train`, `train[0]` inside a loop), `key` its record key (`for-loop-2[0]/train`).
 */
export type RunEvent =
  | {type: 'run-start'; runId: string; name: string; runDir: string; runner: 'docker' | 'process' | 'mixed'; tasks: number}
  | {type: 'warning'; message: string}
  /** `kfp run --build`: an image being checked, built, or found up to date. */
  | {type: 'build'; step: string; image?: string; status: 'checking' | 'building' | 'built' | 'up to date' | 'failed'}
  | {type: 'image'; image: string; status: string; id?: string; progress?: string}
  | {type: 'task-start'; task: string; key?: string; number: number}
  | {type: 'task-retry'; task: string; key?: string; number: number; attempt: number}
  | {type: 'task-end'; task: string; key?: string; number: number; status: TaskStatus; message?: string; exitCode?: number}
  /** One or more whole lines of a step's output, joined with `\n` (none at the end): what one chunk of it completed. */
  | {type: 'log'; task: string; key?: string; number: number; lines: string; stream: 'stdout' | 'stderr'}

/**
 * Receives a run's events. For a `log` event it may return a promise (its reader is full): the step's output is
 * paused until it settles, so a slow reader slows the step instead of filling kfp's memory. Other results are ignored.
 */
export type RunEventHandler = (e: RunEvent) => void | Promise<void>

/** Options of `kfp run` (all targets). */
export interface RunOptions {
  cwd: string
  /** --project: kfp.yaml or its folder. */
  project?: string
  /** --local FILE: run a compiled IR file instead of the project. */
  localFile?: string
  /** --target NAME. */
  target?: string
  params: string[]
  paramsFile?: string
  /** --artifact NAME=PATH|gs://…: pipeline input artifacts (local runs). */
  artifacts?: string[]
  name?: string
  experiment?: string
  /** --runner (or KFP_RUNNER); undefined: the target's pin, else auto. */
  runner?: 'docker' | 'process' | 'auto'
  /** The local target's `runner:` pin and where it is written (for messages). */
  runnerPin?: {runner: 'docker' | 'process' | 'auto'; by: string}
  /** --build: build the images of the steps that run (content hash; unchanged ones are not rebuilt), then run in Docker. */
  build?: boolean
  parallelism?: number
  noCache: boolean
  /** `--no-cache STEP…`: only these steps (numbers or names) skip the cache lookup. */
  noCacheSteps?: string[]
  failFast: boolean
  startStep?: string
  fromRun?: string
  setOutputs: string[]
  /** Preassigned run id (the detached child gets the id its parent printed). */
  runId?: string
  /** --detach: start in the background. `argv` is this command's argv; `entry` the CLI script. */
  detach?: {entry: string; argv: string[]}
}

/**
 * The environment failed under a run (the disk filled while a step wrote its log, a folder went read-only): the
 * message names the path and the cause (lib/errors.ts environmentError), e.g. `Cannot write …/log.txt: the disk
 * is full (ENOSPC).`
 */
export interface RunFault {
  code: string
  path?: string
  message: string
}

/** What `kfp run` returns (also its --json result). */
export interface RunResult {
  run: RunRecord
  /** The run's folder. */
  runDir: string
  /**
   * The compiled pipeline the run ran (what its pipeline.json holds; not set for --detach), for the steps table.
   * Not part of `kfp run --json`: the command leaves it out.
   */
  spec?: PipelineSpec
  /** The command that resumes from the first failed step (failed runs). */
  resumeCommand?: string
  /** The last log lines of each failed step. */
  failedLogs?: Array<{task: string; number: number; lines: string[]}>
  /** True when started with --detach (the run goes on in the background). */
  detached?: boolean
  /** What stopped the run, when the environment failed under it (the run is recorded failed where it can be). */
  fault?: RunFault
  /** Why the run's last record could not be written (run.json then still reads as running, i.e. interrupted). */
  recordError?: RunFault
}
