import type {Ctx} from '../../ctx.js'
import {listAll, type Filter, type KfpRun, type KfpTaskDetail} from '../../clients/kfp-api.js'
import type {RunStatus, TaskStatus} from '../../core/engine/record.js'
import {isTerminalState, runStatusOf, runUrl, taskStatusOf} from '../../core/remote/spec.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {connectRemote, requireNamespace, type ConnectOptions, type RemoteSession} from './connect.js'
import {findExperimentByName} from './resources.js'

/** One task of a server run, in the local engine's vocabulary (`status`) plus the server's (`state`). */
export interface RemoteTaskInfo {
  name: string
  displayName: string
  status: TaskStatus
  state?: string
  startedAt?: string
  finishedAt?: string
  podName?: string
  message?: string
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
  /** The server's state (SUCCEEDED, FAILED, CANCELED, ...). */
  state?: string
  createdAt?: string
  finishedAt?: string
  parameters: Record<string, unknown>
  pipelineRoot?: string
  tasks: RemoteTaskInfo[]
  message?: string
  target: string
  url: string
  archived: boolean
  /** From creation to the end, when the run has ended. */
  durationMs?: number
  /** Counts of task statuses (as in the local `kfp runs list`). */
  steps: Partial<Record<TaskStatus, number>>
}

/** True for task details that are KFP's plumbing (drivers, the root DAG), not user steps. */
function isSystemTask(t: KfpTaskDetail): boolean {
  const n = t.display_name ?? ''
  return n === '' || n === 'root' || n === 'root-driver' || n.endsWith('-driver') || n === 'executor'
}

/** Converts a server run into kfp's shape. */
export function remoteRunInfo(r: KfpRun, endpoint: string, target: string): RemoteRunInfo {
  const tasks = (r.run_details?.task_details ?? []).filter((t) => !isSystemTask(t))
  const finishedAt = r.finished_at && !r.finished_at.startsWith('1970') ? r.finished_at : undefined
  const steps: RemoteRunInfo['steps'] = {}
  for (const t of tasks) {
    const st = taskStatusOf(t.state)
    steps[st] = (steps[st] ?? 0) + 1
  }
  return {
    id: r.run_id ?? '',
    name: r.display_name ?? '',
    experimentId: r.experiment_id,
    status: runStatusOf(r.state),
    state: r.state,
    createdAt: r.created_at,
    finishedAt,
    durationMs: r.created_at && finishedAt ? Math.max(0, Date.parse(finishedAt) - Date.parse(r.created_at)) : undefined,
    steps,
    parameters: r.runtime_config?.parameters ?? {},
    pipelineRoot: r.runtime_config?.pipeline_root,
    tasks: tasks.map((t) => ({
      name: t.display_name ?? t.task_id ?? '',
      displayName: t.display_name ?? '',
      status: taskStatusOf(t.state),
      state: t.state,
      startedAt: t.start_time,
      finishedAt: t.end_time,
      podName: t.pod_name || t.child_tasks?.find((c) => c.pod_name)?.pod_name,
      message: t.error?.message,
    })),
    message: r.error?.message,
    target,
    url: runUrl(endpoint, r.run_id ?? ''),
    archived: r.storage_state === 'ARCHIVED',
  }
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
  const shown = runs
    .map((r) => remoteRunInfo(r, s.api.endpoint, s.target.name))
    .filter((r) => r.archived === Boolean(o.archived) && (!o.status?.length || o.status.includes(r.status)))
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
  const s = await connectRemote({target: o.target}, ctx)
  const info = remoteRunInfo(await getRunOrExplain(s, o.runId), s.api.endpoint, s.target.name)
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
    else await s.api.terminateRun(runId)
  } else if (o.action === 'retry') {
    if (before.state !== 'FAILED' && before.state !== 'CANCELED') {
      throw new CliError('USAGE', `Run ${runId} is ${before.state}; only failed or cancelled runs can be retried.`, {exit: EXIT.USAGE})
    }
    await s.api.retryRun(runId)
  } else if (before.storage_state === 'ARCHIVED') {
    changed = false
  } else {
    await s.api.archiveRun(runId)
  }
  const after = await s.api.getRun(runId)
  return {run: remoteRunInfo(after, s.api.endpoint, s.target.name), action: o.action, changed}
}

export type WatchEvent =
  | {type: 'run-state'; runId: string; state: string; status: RunStatus}
  | {type: 'task'; runId: string; task: string; state: string; status: TaskStatus; podName?: string; message?: string}

export interface WatchOptions {
  pollMs?: number
  signal: AbortSignal
  onEvent?: (e: WatchEvent) => void
}

/**
 * Polls a run until it reaches a final state (or the signal aborts), reporting run and per-task state changes.
 * Returns the last run seen and whether watching was interrupted.
 */
export async function watchRemoteRun(s: RemoteSession, runId: string, o: WatchOptions): Promise<{run: KfpRun; interrupted: boolean}> {
  const pollMs = o.pollMs ?? 2000
  let lastState: string | undefined
  const taskStates = new Map<string, string>()
  let run: KfpRun = {run_id: runId}
  for (;;) {
    if (o.signal.aborted) return {run, interrupted: true}
    run = await s.api.getRun(runId)
    for (const t of (run.run_details?.task_details ?? []).filter((x) => !isSystemTask(x))) {
      const name = t.display_name ?? t.task_id ?? ''
      const st = t.state ?? 'PENDING'
      if (taskStates.get(name) !== st) {
        taskStates.set(name, st)
        o.onEvent?.({type: 'task', runId, task: name, state: st, status: taskStatusOf(st), podName: t.pod_name || t.child_tasks?.find((c) => c.pod_name)?.pod_name, message: t.error?.message})
      }
    }
    if (run.state !== lastState) {
      lastState = run.state
      o.onEvent?.({type: 'run-state', runId, state: run.state ?? 'PENDING', status: runStatusOf(run.state)})
    }
    if (isTerminalState(run.state)) return {run, interrupted: false}
    const aborted = await sleep(pollMs, o.signal)
    if (aborted) return {run, interrupted: true}
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

/** Rows of the per-step table of `kfp runs get` on a server: #, step, status, duration, outputs (not in the run API). */
export function remoteStepRows(info: RemoteRunInfo): string[][] {
  return info.tasks.map((t, i) => {
    const d = t.startedAt && t.finishedAt && !t.finishedAt.startsWith('1970') ? Date.parse(t.finishedAt) - Date.parse(t.startedAt) : undefined
    return [String(i + 1), t.name, t.status, d === undefined || !Number.isFinite(d) ? '' : formatMs(d), t.message ?? '']
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
    r.durationMs === undefined ? '' : formatMs(r.durationMs),
    Object.entries(r.steps).map(([st, n]) => `${n} ${st}`).join(', '),
  ])
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const sec = ms / 1000
  if (sec < 60) return `${sec.toFixed(1)}s`
  const m = Math.floor(sec / 60)
  return m < 60 ? `${m}m${String(Math.floor(sec % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/** The error for a run that ended without succeeding (exit 7), carrying the run for --json. */
export function runDidNotSucceed(info: RemoteRunInfo): CliError {
  const failed = info.tasks.filter((t) => t.status === 'failed').map((t) => t.name)
  if (info.status === 'cancelled') {
    return new CliError('RUN_CANCELLED', `Run ${info.name} (${info.id}) was cancelled.`, {exit: EXIT.RUN_FAILED, data: {run: info}, hints: [info.url]})
  }
  return new CliError(
    'RUN_FAILED',
    `Run ${info.name} (${info.id}) ended ${info.state ?? 'without a final state'}${failed.length ? `: step ${failed.join(', ')} failed` : ''}${info.message ? ` (${info.message})` : ''}.`,
    {
      exit: EXIT.RUN_FAILED,
      data: {run: info},
      hints: [...(failed.length ? [`Logs: kfp logs ${info.id} ${failed[0]} --target ${info.target}`] : []), `Retry: kfp runs retry ${info.id} --target ${info.target}`, info.url],
    },
  )
}
