import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {listAll, type Filter, type KfpRun} from '../../clients/kfp-api.js'
import type {MlmdExecution} from '../../clients/mlmd.js'
import {templatePathOf} from '../../core/engine/naming.js'
import {reusedFromText, type ReusedFrom, type RunStatus, type TaskStatus} from '../../core/engine/record.js'
import {startStepRecordOf, type ReusedStep, type StartStepRecord} from '../../core/remote/start-step-record.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import type {JsonValue} from '../../core/project/types.js'
import {isTerminalState, runUrl} from '../../core/remote/spec.js'
import {runStatusOfRun, specOfRunBody, specSteps, stepsOfRun, type RunStep, type SpecStep} from '../../core/remote/steps.js'
import {userConfigDir} from '../../lib/paths.js'
import {formatDuration} from '../../ui/table.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {connectRemote, requireNamespace, type ConnectOptions, type RemoteSession} from './connect.js'
import {findExperimentByName} from './resources.js'

/** One step of a server run, in the local engine's vocabulary (`status`) plus the server's (`state`). */
export interface RemoteTaskInfo {
  /** Record key: the task path with iteration indices (`for-loop-2[0]/train`). */
  key: string
  /** Display name (`train`, `train[0]` for an iteration). */
  name: string
  displayName: string
  number?: number
  status: TaskStatus
  /** The server's word: the ML Metadata execution state (COMPLETE, CACHED, ...) or the task_details state. */
  state?: string
  startedAt?: string
  finishedAt?: string
  /** The step's pod (ML Metadata `pod_name`). */
  podName?: string
  namespace?: string
  executionId?: number
  /** Output parameters (ML Metadata `outputs`). */
  outputs: Record<string, JsonValue>
  message?: string
  /** A step before --start-step: not run on the server; where the outputs it stands for came from. */
  reusedFrom?: ReusedFrom
}

/** True when `ref` is the step's name (`train[0]`), its record key, or its task key (the last segment of its template path). */
export function namesStep(t: RemoteTaskInfo, ref: string): boolean {
  return t.name === ref || t.key === ref || templatePathOf(t.key).split('/').at(-1) === ref
}

/** A server run, shaped like a local run record where the fields mean the same. */
export interface RemoteRunInfo {
  id: string
  name: string
  /** Experiment name (as in a local run record), when the server could tell it; the id is `experimentId`. */
  experiment?: string
  /** Experiment id on the server. */
  experimentId?: string
  status: RunStatus
  /** The server's state (SUCCEEDED, FAILED, CANCELING, ...). */
  state?: string
  createdAt?: string
  finishedAt?: string
  parameters: Record<string, unknown>
  pipelineRoot?: string
  tasks: RemoteTaskInfo[]
  /** Where the steps' states come from. */
  stepsFrom: 'ml-metadata' | 'task-details' | 'none'
  message?: string
  target: string
  url: string
  archived: boolean
  /** From creation to the end, when the run has ended. */
  durationMs?: number
  /** Counts of task statuses (as in the local `kfp runs list`). */
  steps: Partial<Record<TaskStatus, number>>
  /** Things the user should know (ML Metadata not reachable, ...). */
  warnings: string[]
  /** A run kfp started with --start-step: where it started and whose outputs it reused (core/remote/start-step-record.ts startStepRecordOf). */
  startStep?: {number: number; task: string; step: string; fromRun?: {id: string; name: string; where: 'server' | 'local'}}
}

/** Converts a server run and its steps (stepsOfRun) into kfp's shape. */
export function remoteRunInfo(
  r: KfpRun,
  endpoint: string,
  target: string,
  o: {steps?: RunStep[]; stepsFrom?: RemoteRunInfo['stepsFrom']; terminatedByUs?: boolean; warnings?: string[]} = {},
): RemoteRunInfo {
  const finishedAt = r.finished_at && !r.finished_at.startsWith('1970') ? r.finished_at : undefined
  // A --start-step run's spec is inline (its own, pruned): the record is read without another request.
  const record = startStepRecordOf(r, specOfRunBody(r.pipeline_spec as Record<string, unknown> | undefined))
  const ran: RemoteTaskInfo[] = (o.steps ?? []).map((t) => ({
    key: t.key,
    name: t.name,
    displayName: t.name,
    number: t.number,
    status: t.status,
    state: t.state,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    podName: t.podName,
    namespace: t.namespace,
    executionId: t.executionId,
    outputs: t.outputs,
  }))
  const tasks = [...(record?.reused ?? []).map((x) => reusedTask(x, record!.start.number)), ...ran.map((t) => importerTask(t, record))]
  const steps: RemoteRunInfo['steps'] = {}
  for (const t of tasks) steps[t.status] = (steps[t.status] ?? 0) + 1
  return {
    id: r.run_id ?? '',
    name: r.display_name ?? '',
    experimentId: r.experiment_id,
    status: runStatusOfRun(r, o.terminatedByUs),
    state: r.state,
    createdAt: r.created_at,
    finishedAt,
    durationMs: r.created_at && finishedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(r.created_at)) : undefined,
    steps,
    parameters: r.runtime_config?.parameters ?? {},
    pipelineRoot: r.runtime_config?.pipeline_root,
    tasks,
    stepsFrom: o.stepsFrom ?? 'none',
    // The server never sets run.error (toApiRun); kept for servers that do.
    message: r.error?.message,
    target,
    url: runUrl(endpoint, r.run_id ?? ''),
    archived: r.storage_state === 'ARCHIVED',
    warnings: o.warnings ?? [],
    ...(record ? {startStep: startStepOf(record)} : {}),
  }
}

/** A step the --start-step run did not run, as a task row: skipped, reusing outputs (as a local run's record has it). */
function reusedTask(s: ReusedStep, start: number): RemoteTaskInfo {
  const reusedFrom = {...(s.fromRun ? {runId: s.fromRun.id, runName: s.fromRun.name} : {}), ...(s.setOutputs ? {setOutputs: s.setOutputs} : {})}
  return {key: s.path, name: s.step, displayName: s.step, number: s.number, status: 'skipped', outputs: {}, ...(s.fromRun || s.setOutputs ? {reusedFrom} : {message: `not run: before --start-step ${start}, and no later step reads its outputs`})}
}

/** An importer kfp added for --start-step: no step number of its own; it says which output it gives. */
function importerTask(t: RemoteTaskInfo, r: StartStepRecord | undefined): RemoteTaskInfo {
  const imp = r && Object.hasOwn(r.imports, t.key) ? r.imports[t.key] : undefined
  if (!imp) return t
  const {number: _number, ...rest} = t
  return {...rest, message: `imports ${imp.step}.${imp.output} for --start-step ${r!.start.number}`}
}

function startStepOf(r: StartStepRecord): NonNullable<RemoteRunInfo['startStep']> {
  const fromRun = r.reused.find((s) => s.fromRun)?.fromRun
  return {number: r.start.number, task: r.start.path, step: r.start.step, ...(fromRun ? {fromRun} : {})}
}

/** The run's pipeline spec: inline, or the spec of the pipeline version it ran (unwrapping `{pipeline_spec, platform_spec}`). */
export async function specOfRun(s: RemoteSession, run: KfpRun): Promise<PipelineSpec | undefined> {
  let spec = run.pipeline_spec as Record<string, unknown> | undefined
  const ref = run.pipeline_version_reference
  if (!spec && ref?.pipeline_id && ref.pipeline_version_id) {
    spec = await s.api.getPipelineVersion(ref.pipeline_id, ref.pipeline_version_id).then((v) => v.pipeline_spec, () => undefined)
  }
  return specOfRunBody(spec)
}

/**
 * Reads one run's steps, again at each poll: the spec's steps (read once: a run's spec never changes) with their state
 * from ML Metadata (read each time: new executions, loop iterations and pods appear as the run goes), or from
 * task_details when MLMD cannot be read. After a failed MLMD read the reader keeps to task_details, unless
 * `retryMlmd` (kfp logs -f, which needs the pod names ML Metadata has, asks it again at the next poll).
 */
export class RunStepsReader {
  private specRead?: Promise<PipelineSpec | undefined>
  private specSteps?: SpecStep[]
  private mlmdDown?: string
  constructor(
    private readonly s: RemoteSession,
    private readonly o: {retryMlmd?: boolean} = {},
  ) {}

  /** The run's pipeline spec (specOfRun), read from the server the first time only. */
  spec(run: KfpRun): Promise<PipelineSpec | undefined> {
    return (this.specRead ??= specOfRun(this.s, run))
  }

  async read(run: KfpRun, o: {terminatedByUs?: boolean} = {}): Promise<{steps: RunStep[]; stepsFrom: RemoteRunInfo['stepsFrom']; warnings: string[]; executions?: MlmdExecution[]}> {
    if (!this.specSteps) {
      const spec = await this.spec(run)
      this.specSteps = spec ? specSteps(spec, startStepRecordOf(run, spec)?.numbers) : []
    }
    let executions: MlmdExecution[] | undefined
    const warnings: string[] = []
    if (this.mlmdDown === undefined || this.o.retryMlmd) {
      try {
        executions = (await (await this.s.mlmd()).runExecutions(run.run_id ?? '')) ?? []
        this.mlmdDown = undefined
      } catch (error) {
        if (!isCliError(error)) throw error
        this.mlmdDown = error.message
      }
    }
    if (this.mlmdDown !== undefined) warnings.push(`Step states come from the run's task details: ${this.mlmdDown}`)
    const steps = stepsOfRun({steps: this.specSteps, run, executions, terminatedByUs: o.terminatedByUs})
    return {steps, stepsFrom: executions ? 'ml-metadata' : this.specSteps.length ? 'task-details' : 'none', warnings, executions}
  }
}

/** A run with its steps, as `runs get`, `run --watch` and `runs cancel` show it. */
export async function describeRun(s: RemoteSession, run: KfpRun, ctx: Ctx, o: {reader?: RunStepsReader; terminatedByUs?: boolean} = {}): Promise<RemoteRunInfo> {
  const terminatedByUs = o.terminatedByUs || (await wasTerminatedByKfp(s, run.run_id ?? '', ctx))
  const read = await (o.reader ?? new RunStepsReader(s)).read(run, {terminatedByUs})
  return remoteRunInfo(run, s.api.endpoint, s.target.name, {...read, terminatedByUs})
}

/** Where kfp remembers the server runs it terminated itself (the server ends them FAILED, like any failure). */
const terminatedFile = (ctx: Ctx) => path.join(userConfigDir(ctx.env), 'terminated-runs.json')

async function readTerminated(ctx: Ctx): Promise<Array<{endpoint: string; runId: string}>> {
  try {
    const list = JSON.parse(await readFile(terminatedFile(ctx), 'utf8')) as unknown
    return Array.isArray(list) ? (list as Array<{endpoint: string; runId: string}>) : []
  } catch {
    return []
  }
}

/** Records that kfp terminated this run (best effort: a read-only config folder only loses the note). */
export async function rememberTerminated(s: RemoteSession, runId: string, ctx: Ctx): Promise<void> {
  const list = (await readTerminated(ctx)).filter((x) => !(x.endpoint === s.api.endpoint && x.runId === runId)).slice(-499)
  list.push({endpoint: s.api.endpoint, runId})
  try {
    await mkdir(userConfigDir(ctx.env), {recursive: true, mode: 0o700})
    await writeFile(terminatedFile(ctx), JSON.stringify(list) + '\n', {mode: 0o600})
  } catch {
    // Not fatal: the server's state_history may still say CANCELING.
  }
}

/** A retried run runs again: forget that kfp terminated it. */
async function forgetTerminated(s: RemoteSession, runId: string, ctx: Ctx): Promise<void> {
  const list = await readTerminated(ctx)
  const kept = list.filter((x) => !(x.endpoint === s.api.endpoint && x.runId === runId))
  if (kept.length !== list.length) await writeFile(terminatedFile(ctx), JSON.stringify(kept) + '\n', {mode: 0o600}).catch(() => undefined)
}

async function wasTerminatedByKfp(s: RemoteSession, runId: string, ctx: Ctx): Promise<boolean> {
  return (await readTerminated(ctx)).some((x) => x.endpoint === s.api.endpoint && x.runId === runId)
}

export interface RemoteRunsCommon {
  target?: string
}

export interface ListRemoteRunsResult {
  runs: RemoteRunInfo[]
  target: string
}

/**
 * `kfp runs list` on a server: newest first, all pages up to `limit`, optionally in one experiment (name or id).
 * Active runs by default; with `archived`, only the archived ones (like the KFP UI's Archive page). The storage
 * state is filtered by the server, so `limit` counts only the runs shown.
 */
export async function listRemoteRuns(o: RemoteRunsCommon & {experiment?: string; limit?: number; archived?: boolean; status?: string[]}, ctx: Ctx): Promise<ListRemoteRunsResult> {
  const s = await connectRemote({target: o.target}, ctx)
  requireNamespace(s, 'runs')
  let experimentId: string | undefined
  if (o.experiment) {
    experimentId = (await findExperimentByName(s, o.experiment))?.experiment_id ?? o.experiment
  }
  const limit = o.limit ?? 50
  const filter: Filter = {predicates: [{key: 'storage_state', operation: o.archived ? 'EQUALS' : 'NOT_EQUALS', string_value: 'ARCHIVED'}]}
  const runs = await listAll(
    (t) => s.api.listRuns({namespace: experimentId ? undefined : s.namespace, experimentId, filter, pageToken: t, pageSize: Math.min(100, limit), sortBy: 'created_at desc'}),
    limit,
  )
  // Step counts from the task_details rows named like the spec's steps (one ML Metadata read per run would be slow);
  // each pipeline version's spec is read once.
  const versionSpecs = new Map<string, Promise<PipelineSpec | undefined>>()
  // The runs kfp terminated, read once for the listing (not twice per run).
  const terminated = await readTerminated(ctx)
  const byUs = (r: KfpRun) => terminated.some((x) => x.endpoint === s.api.endpoint && x.runId === (r.run_id ?? ''))
  const stepsOf = async (r: KfpRun) => {
    const key = r.pipeline_version_reference?.pipeline_version_id
    const spec = r.pipeline_spec || !key ? specOfRun(s, r) : (versionSpecs.get(key) ?? versionSpecs.set(key, specOfRun(s, r)).get(key)!)
    const sp = await spec
    return sp ? stepsOfRun({steps: specSteps(sp, startStepRecordOf(r, sp)?.numbers), run: r, terminatedByUs: byUs(r)}) : []
  }
  const infos = await Promise.all(
    runs.map(async (r) => remoteRunInfo(r, s.api.endpoint, s.target.name, {steps: await stepsOf(r), stepsFrom: 'task-details', terminatedByUs: byUs(r)})),
  )
  const shown = infos.filter((r) => r.archived === Boolean(o.archived) && (!o.status?.length || o.status.includes(r.status)))
  if (shown.length > 0) {
    // Experiment names for the table (one listing; ids stay when the server does not say).
    const exps = await listAll((t) => s.api.listExperiments({namespace: s.namespace, pageToken: t, pageSize: 100}), 500)
    const names = new Map(exps.map((e) => [e.experiment_id, e.display_name]))
    for (const r of shown) r.experiment = (r.experimentId && names.get(r.experimentId)) || undefined
  }
  return {runs: shown, target: s.target.name}
}

/** `latest` → the id of the newest run on the server (in the target's namespace); anything else is a run id. */
export async function resolveRemoteRunId(s: RemoteSession, run: string): Promise<string> {
  if (run !== 'latest') return run
  const page = await s.api.listRuns({namespace: s.namespace, pageSize: 1, sortBy: 'created_at desc'})
  const id = page.items[0]?.run_id
  if (!id) throw new CliError('RUN_NOT_FOUND', `No runs on target ${s.target.name} yet.`, {exit: EXIT.CONFIG, hints: [`kfp run --target ${s.target.name}`]})
  return id
}

async function getRunOrExplain(s: RemoteSession, run: string): Promise<KfpRun> {
  const runId = await resolveRemoteRunId(s, run)
  try {
    return await s.api.getRun(runId)
  } catch (error) {
    if (isCliError(error) && error.kfpCode === 'SERVER_NOT_FOUND') {
      throw new CliError('RUN_NOT_FOUND', `No run ${runId} on target ${s.target.name}.`, {exit: EXIT.CONFIG, hints: [`kfp runs list --target ${s.target.name}`]})
    }
    throw error
  }
}

/** `kfp runs get RUN` on a server. */
export async function getRemoteRun(o: RemoteRunsCommon & {runId: string}, ctx: Ctx): Promise<RemoteRunInfo> {
  return describeRemoteRun(await connectRemote({target: o.target}, ctx), o.runId, ctx)
}

/** A run (id, unique prefix or `latest`) of a connected server, with its steps and its experiment's name. */
export async function describeRemoteRun(s: RemoteSession, runRef: string, ctx: Ctx): Promise<RemoteRunInfo> {
  const info = await describeRun(s, await getRunOrExplain(s, runRef), ctx)
  if (info.experimentId) {
    // The run only carries the experiment's id; look its name up (best effort: no name when it cannot be read).
    info.experiment = await s.api.getExperiment(info.experimentId).then((e) => e.display_name || undefined, () => undefined)
  }
  return info
}

export interface RemoteRunActionResult {
  run: RemoteRunInfo
  action: 'cancel' | 'retry' | 'archive'
  /** False when nothing was done (e.g. cancelling a finished run). */
  changed: boolean
}

/** `kfp runs cancel|retry|archive RUN` on a server. Cancelling a finished run is a no-op that says so. */
export async function actOnRemoteRun(
  o: RemoteRunsCommon & {runId: string; action: 'cancel' | 'retry' | 'archive'; whenLocal?: ConnectOptions['whenLocal']},
  ctx: Ctx,
): Promise<RemoteRunActionResult> {
  const s = await connectRemote({target: o.target, whenLocal: o.whenLocal}, ctx)
  const before = await getRunOrExplain(s, o.runId)
  const runId = before.run_id ?? o.runId
  let changed = true
  if (o.action === 'cancel') {
    if (isTerminalState(before.state) || before.state === 'CANCELING') changed = false
    else {
      await s.api.terminateRun(runId)
      await rememberTerminated(s, runId, ctx)
    }
  } else if (o.action === 'retry') {
    if (before.state !== 'FAILED' && before.state !== 'CANCELED') {
      throw new CliError('USAGE', `Run ${runId} is ${before.state}; only failed or cancelled runs can be retried.`, {exit: EXIT.USAGE})
    }
    await s.api.retryRun(runId)
    await forgetTerminated(s, runId, ctx)
  } else if (before.storage_state === 'ARCHIVED') {
    changed = false
  } else {
    await s.api.archiveRun(runId)
  }
  const after = await s.api.getRun(runId)
  return {run: await describeRun(s, after, ctx), action: o.action, changed}
}

export type WatchEvent =
  | {type: 'run-state'; runId: string; state: string; status: RunStatus}
  | {type: 'task'; runId: string; task: string; state: string; status: TaskStatus; podName?: string; message?: string}
  | {type: 'warning'; message: string}

export interface WatchOptions {
  pollMs?: number
  signal: AbortSignal
  onEvent?: (e: WatchEvent) => void
  /** Each description of the run as it is read (kfp run --watch opens the steps' log streams from it). */
  onInfo?: (info: RemoteRunInfo) => void
  /** True once kfp itself terminated the run (then it shows cancelled, whatever the server's history says). */
  terminatedByUs?: () => boolean
}

/**
 * Polls a run until it reaches a final state (or the signal aborts), reporting run and per-step state changes (steps
 * as the pipeline defines them, states from ML Metadata). Returns the last run seen, its description and whether
 * watching was interrupted. A run someone else terminated shows as cancelled once its record says CANCELING.
 */
export async function watchRemoteRun(s: RemoteSession, runId: string, o: WatchOptions, ctx: Ctx): Promise<{run: KfpRun; info?: RemoteRunInfo; interrupted: boolean}> {
  const pollMs = o.pollMs ?? 2000
  let lastState: string | undefined
  const taskStates = new Map<string, string>()
  const reader = new RunStepsReader(s)
  const warned = new Set<string>()
  let run: KfpRun = {run_id: runId}
  let info: RemoteRunInfo | undefined
  for (;;) {
    if (o.signal.aborted) return {run, info, interrupted: true}
    run = await s.api.getRun(runId)
    info = await describeRun(s, run, ctx, {reader, terminatedByUs: o.terminatedByUs?.()})
    o.onInfo?.(info)
    for (const w of info.warnings) if (!warned.has(w) && warned.add(w)) o.onEvent?.({type: 'warning', message: w})
    for (const t of info.tasks) {
      const st = `${t.status}:${t.state ?? ''}`
      if (taskStates.get(t.key) !== st && !(t.status === 'pending' && !taskStates.has(t.key))) {
        taskStates.set(t.key, st)
        o.onEvent?.({type: 'task', runId, task: t.name, state: t.state ?? '', status: t.status, podName: t.podName})
      }
    }
    const shown = `${run.state}:${info.status}`
    if (shown !== lastState) {
      lastState = shown
      o.onEvent?.({type: 'run-state', runId, state: run.state ?? 'PENDING', status: info.status})
    }
    if (isTerminalState(run.state)) return {run, info, interrupted: false}
    const aborted = await sleep(pollMs, o.signal)
    if (aborted) return {run, info, interrupted: true}
  }
}

/** Sleeps; resolves true early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true)
    const onAbort = () => {
      clearTimeout(t)
      resolve(true)
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(false)
    }, ms)
    signal.addEventListener('abort', onAbort, {once: true})
  })
}

/** Rows of the per-step table of `kfp runs get` on a server: #, step, status, duration, outputs (from ML Metadata). */
export function remoteStepRows(info: RemoteRunInfo): string[][] {
  return info.tasks.map((t) => {
    const d = t.startedAt && t.finishedAt ? Date.parse(t.finishedAt) - Date.parse(t.startedAt) : undefined
    const outputs = Object.entries(t.outputs).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    const from = t.reusedFrom ? `(${reusedFromText(t.reusedFrom)})` : ''
    return [t.number === undefined ? '' : String(t.number), t.name, t.status, formatDuration(d), [...outputs, t.message ?? '', from].filter(Boolean).join(', ')]
  })
}

/** Rows of `kfp runs list` on a server, in the local table's columns: id, name, status, experiment, created, duration, steps. */
export function remoteRunRows(runs: RemoteRunInfo[]): string[][] {
  return runs.map((r) => [
    r.id,
    r.name,
    r.status,
    r.experiment ?? r.experimentId ?? '',
    (r.createdAt ?? '').replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatDuration(r.durationMs),
    Object.entries(r.steps).map(([st, n]) => `${n} ${st}`).join(', '),
  ])
}

/**
 * The error for a run that ended without succeeding (exit 7), carrying the run for --json. The server sets no error
 * text (toApiRun), so the message says which step failed and in what state, its ML Metadata execution, and, when
 * `logs` can read it, the last lines of its log.
 */
export async function runDidNotSucceed(info: RemoteRunInfo, logs?: {session: RemoteSession; ctx: Ctx; lines?: number}): Promise<CliError> {
  const failed = info.tasks.filter((t) => t.status === 'failed')
  if (info.status === 'cancelled') {
    return new CliError('RUN_CANCELLED', `Run ${info.name} (${info.id}) was cancelled${info.state && info.state !== 'CANCELED' ? ` (the server shows it ${info.state})` : ''}.`, {
      exit: EXIT.RUN_FAILED,
      data: {run: info},
      hints: [`Retry: kfp runs retry ${info.id} --target ${info.target}`, info.url],
    })
  }
  const parts = failed.map((t) => `step ${t.name} failed${t.executionId ? ` (ML Metadata execution ${t.executionId}: ${t.state})` : t.state ? ` (${t.state})` : ''}`)
  let tail = ''
  if (failed[0] && logs) {
    const { stepLogTail } = await import('./logs.js')
    const got = await stepLogTail(logs.session, info, failed[0].key, logs.lines ?? 10, logs.ctx)
    if (got?.lines.length) tail = `\nLast lines of ${failed[0].name}'s log (${got.source}):\n${got.lines.map((l) => `  ${l}`).join('\n')}`
  }
  return new CliError('RUN_FAILED', `Run ${info.name} (${info.id}) ended ${info.state ?? 'without a final state'}${parts.length ? `: ${parts.join(', ')}` : ''}${info.message ? ` (${info.message})` : ''}.${tail}`, {
    exit: EXIT.RUN_FAILED,
    data: {run: info},
    hints: [...(failed.length ? [`Logs: kfp logs ${info.id} ${failed[0].name} --target ${info.target}`] : []), `Retry: kfp runs retry ${info.id} --target ${info.target}`, info.url],
  })
}
