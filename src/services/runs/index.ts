// Inspecting local runs: list, get, cancel, delete, and logs (with follow). Remote targets add their branch in the
// commands' services later; these read `.kfp/runs/`.
import {existsSync} from 'node:fs'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {findMarkedProcesses, processAlive, signalProcess, stopProcessGroup} from '../../clients/process.js'
import {isRunFinal, isTaskFinal, type RunRecord, type TaskRecord} from '../../core/engine/record.js'
import {CliError, environmentError, EXIT, isCliError} from '../../lib/errors.js'
import type {RemovalReport} from '../run/retention.js'
import {scanRuns, type BadRunRecord, listRunRecords, readRunRaw, resolveRun, runDir, withLiveness, withRunLock, writeRun} from '../run/store.js'

/** Where to look for runs. */
export interface RunsScope {
  cwd: string
  /** --project: kfp.yaml or its folder. */
  project?: string
}

/**
 * The `.kfp` folder of the scope: the project's (--project, $KFP_PROJECT, or the nearest kfp.yaml upwards),
 * else `.kfp` in the current folder (where `kfp run --local FILE` records runs).
 */
export async function runsStateDir(scope: RunsScope, ctx: Pick<Ctx, 'env'>): Promise<string> {
  const {findProjectFile} = await import('../project/load.js')
  try {
    return path.join(path.dirname(findProjectFile({cwd: scope.cwd, project: scope.project}, ctx)), '.kfp')
  } catch (err) {
    // Outside a project, the runs of `kfp run --local FILE` in this folder; with none, the missing kfp.yaml is the news.
    if (scope.project || !existsSync(path.join(scope.cwd, '.kfp', 'runs'))) throw err
    return path.join(scope.cwd, '.kfp')
  }
}

/** One line of `kfp runs list`: the record's identity and times, its duration and counts of step statuses. */
export type RunSummary = Pick<RunRecord, 'id' | 'name' | 'experiment' | 'pipelineName' | 'status' | 'createdAt' | 'startedAt' | 'finishedAt' | 'runner'> & {
  durationMs?: number
  /** Counts of step statuses: each step instance (every iteration of a step in a loop) once; group records not counted. */
  steps: Partial<Record<TaskRecord['status'], number>>
}

export interface ListRunsResult {
  stateDir: string
  runs: RunSummary[]
  /** How many runs there are before --status/--experiment/--limit. */
  total: number
  /** Run folders whose run.json is unusable (named with their path; `kfp runs delete ID` removes them). */
  unusable: BadRunRecord[]
}

function durationOf(a?: string, b?: string): number | undefined {
  if (!a || !b) return undefined
  return Date.parse(b) - Date.parse(a)
}

/** Summarises a record for listings. */
export function summarizeRun(r: RunRecord): RunSummary {
  const steps: RunSummary['steps'] = {}
  for (const t of r.tasks) if (!t.kind) steps[t.status] = (steps[t.status] ?? 0) + 1
  return {
    id: r.id,
    name: r.name,
    experiment: r.experiment,
    pipelineName: r.pipelineName,
    status: r.status,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: durationOf(r.startedAt, r.finishedAt),
    runner: r.runner,
    steps,
  }
}

/** Runs, newest first, filtered by status and experiment, at most `limit`. */
export async function listRuns(
  o: RunsScope & {status?: string[]; experiment?: string; limit?: number},
  ctx: Pick<Ctx, 'env'>,
): Promise<ListRunsResult> {
  const stateDir = await runsStateDir(o, ctx)
  const scan = await scanRuns(stateDir)
  let runs = scan.runs
  const total = runs.length
  if (o.status?.length) runs = runs.filter((r) => o.status!.includes(r.status))
  if (o.experiment) runs = runs.filter((r) => r.experiment === o.experiment)
  if (o.limit !== undefined) runs = runs.slice(0, o.limit)
  return {stateDir, runs: runs.map(summarizeRun), total, unusable: scan.bad}
}

export interface GetRunResult {
  run: RunRecord
  runDir: string
}

/** One run by id, id prefix, name or `latest`. */
export async function getRun(o: RunsScope & {run: string}, ctx: Pick<Ctx, 'env'>): Promise<GetRunResult> {
  const stateDir = await runsStateDir(o, ctx)
  const run = await resolveRun(stateDir, o.run)
  return {run, runDir: runDir(stateDir, run.id)}
}

export interface CancelRunResult {
  run: RunRecord
  /** False when the run had already finished. */
  cancelled: boolean
  /**
   * Steps of an interrupted run (its kfp process was killed) that were still running and were stopped here: the
   * process group (process runner) or the container (Docker runner).
   */
  stoppedSteps?: StoppedStep[]
}

/** A step that outlived its kfp process, stopped by `kfp runs cancel`. */
export interface StoppedStep {
  task: string
  pid?: number
  containerId?: string
}

/**
 * Stops what an interrupted run left running: each unfinished task's recorded process group (checked against its
 * recorded start time, so a reused pid is left alone), and for Docker runs each recorded container plus any other
 * container labelled with the run id (one created just before kfp was killed, before its id was recorded).
 * Throws DOCKER_UNAVAILABLE when containers may be left and Docker does not answer.
 */
export async function stopLeftoverSteps(raw: RunRecord, ctx: Pick<Ctx, 'env'> & Partial<Pick<Ctx, 'clients'>>): Promise<StoppedStep[]> {
  const stopped: StoppedStep[] = []
  const unfinished = raw.tasks.filter((t) => !isTaskFinal(t.status))
  await Promise.all(
    unfinished
      .filter((t) => t.pid !== undefined)
      .map(async (t) => {
        if (await stopProcessGroup(t.pid!, {processStart: t.processStart})) stopped.push({task: t.name, pid: t.pid})
      }),
  )
  const recorded = unfinished.filter((t) => t.containerId)
  // Steps whose pid never reached run.json (kfp killed as they started): found by their environment label.
  const unfinishedNames = new Set(unfinished.map((t) => t.name))
  const groups = new Map<number, string>()
  for (const p of findMarkedProcesses(`${raw.id}/`)) {
    const task = p.marker.slice(raw.id.length + 1)
    if (unfinishedNames.has(task) && !stopped.some((s) => s.pid === p.pgid)) groups.set(p.pgid, task)
  }
  for (const [pgid, task] of groups) if (await stopProcessGroup(pgid)) stopped.push({task, pid: pgid})
  if (raw.runner === 'process' && recorded.length === 0) return stopped
  const {createDockerClient} = await import('../../clients/docker.js')
  const {CONTAINER_LABEL} = await import('../run/runners.js')
  const docker = ctx.clients?.docker ? await ctx.clients.docker() : createDockerClient(ctx.env)
  const ids = new Map(recorded.map((t) => [t.containerId!, t.name]))
  try {
    for (const c of await docker.listContainers(`${CONTAINER_LABEL}=${raw.id}`)) if (!ids.has(c.id)) ids.set(c.id, c.labels?.['io.kfp-cli.task'] ?? '?')
  } catch (err) {
    const shown = [...ids.keys()].map((id) => id.slice(0, 12))
    throw new CliError('DOCKER_UNAVAILABLE', `Run ${raw.name} (${raw.id}) was interrupted and may have left step containers${shown.length ? ` (${shown.join(', ')})` : ''}, but Docker does not answer: ${(err as Error).message.split('\n')[0]}`, {
      exit: EXIT.EXTERNAL,
      hints: ['Start Docker and run `kfp runs cancel` again.', `Or remove them yourself: docker rm -f $(docker ps -aq --filter label=${CONTAINER_LABEL}=${raw.id})`],
    })
  }
  for (const [id, task] of ids) {
    await docker.stopContainer(id, 2).catch(() => {})
    await docker.removeContainer(id)
    stopped.push({task, containerId: id})
  }
  return stopped
}

/**
 * Cancels a running run: signals its kfp process (SIGTERM), which stops and removes the step containers or
 * processes and records the run as cancelled; waits up to `waitMs` for that record. For a run whose process is
 * gone (interrupted), stops the steps it left running and records the run as cancelled here.
 */
export async function cancelRun(
  o: RunsScope & {run: string; waitMs?: number},
  ctx: Pick<Ctx, 'env'> & Partial<Pick<Ctx, 'clients'>>,
): Promise<CancelRunResult> {
  const stateDir = await runsStateDir(o, ctx)
  const found = await resolveRun(stateDir, o.run)
  if (isRunFinal(found.status) && found.status !== 'interrupted') return {run: found, cancelled: false}
  const raw = (await readRunRaw(stateDir, found.id))!
  const markCancelled = async (): Promise<CancelRunResult> => {
    const latest = (await readRunRaw(stateDir, found.id)) ?? raw
    const stoppedSteps = await stopLeftoverSteps(latest, ctx)
    const rec = withLiveness(latest, () => false)
    rec.status = 'cancelled'
    rec.finishedAt = rec.finishedAt ?? new Date().toISOString()
    rec.message = `Cancelled (its kfp process was no longer running${stoppedSteps.length ? `; stopped ${stoppedSteps.length} step${stoppedSteps.length > 1 ? 's' : ''} it left running` : ''}).`
    rec.tasks = rec.tasks.map((t) => {
      const {pid: _pid, processStart: _start, containerId: _container, ...rest} = t
      const left = latest.tasks.find((x) => x.name === t.name)
      return left && !isTaskFinal(left.status) ? {...rest, message: stoppedSteps.some((s) => s.task === t.name) ? 'interrupted; stopped by kfp runs cancel' : 'interrupted'} : t
    })
    await withRunLock(stateDir, rec.id, () => writeRun(stateDir, rec)).catch((err) => {
      // Still a full disk (or a read-only one): the steps are stopped all the same; say so, and that the record waits.
      const fault = environmentError(err)
      if (!fault) throw err
      const stopped = stoppedSteps.length ? `Stopped ${stoppedSteps.length} step${stoppedSteps.length > 1 ? 's' : ''} it left running, but could` : 'Could'
      throw new CliError('FS_ERROR', `${stopped} not record run ${rec.name} (${rec.id}) as cancelled: ${fault.message}`, {exit: EXIT.EXTERNAL, hints: [...fault.hints, `Then run \`kfp runs cancel ${rec.id}\` again.`], cause: err})
    })
    return {run: rec, cancelled: true, stoppedSteps}
  }
  if (found.status === 'interrupted' || !processAlive(raw.pid)) return markCancelled()
  signalProcess(raw.pid, 'SIGTERM')
  const deadline = Date.now() + (o.waitMs ?? 30_000)
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150))
    const now = await readRunRaw(stateDir, found.id)
    if (now && isRunFinal(now.status)) return {run: now, cancelled: now.status === 'cancelled'}
    if (!processAlive(raw.pid)) break
  }
  const now = await readRunRaw(stateDir, found.id)
  if (now && isRunFinal(now.status)) return {run: now, cancelled: now.status === 'cancelled'}
  if (!processAlive(raw.pid)) return markCancelled()
  throw new CliError('RUN_CANCELLED', `Run ${found.name} (${found.id}) did not stop within ${Math.round((o.waitMs ?? 30_000) / 1000)}s (pid ${raw.pid}).`, {
    exit: EXIT.EXTERNAL,
    hints: [`Check the process with \`ps -p ${raw.pid}\`; \`kill -9 ${raw.pid}\` stops it for good (its run then shows as interrupted, and \`kfp runs cancel\` then stops the steps it left).`],
  })
}

export interface DeleteRunResult {
  id: string
  name: string
  deleted: boolean
  /** What went with it: cache entries dropped, outputs kept because other runs use them (see run/retention.ts). */
  removal?: RemovalReport
}

/** Deletes a finished run's folder (asks first unless `yes`; a running run must be cancelled first). */
export async function deleteRun(o: RunsScope & {run: string; yes: boolean}, ctx: Pick<Ctx, 'env' | 'prompter'>): Promise<DeleteRunResult> {
  const stateDir = await runsStateDir(o, ctx)
  let run: RunRecord
  try {
    run = await resolveRun(stateDir, o.run)
  } catch (err) {
    // An unusable record is removed like any finished run (issue 11 point 12).
    if (!isCliError(err) || err.kfpCode !== 'RUN_RECORD_INVALID') throw err
    const id = (await scanRuns(stateDir)).bad.find((b) => b.id === o.run || b.id.startsWith(o.run))!.id
    if (!o.yes && !(await ctx.prompter.confirm({message: `Delete run folder ${id} (its record is unusable)?`, flag: '--yes', default: false}))) return {id, name: id, deleted: false}
    const {removeRuns} = await import('../run/retention.js')
    return {id, name: id, deleted: true, removal: await removeRuns(stateDir, [id], await listRunRecords(stateDir))}
  }
  if (!isRunFinal(run.status)) {
    throw new CliError('USAGE', `Run ${run.name} (${run.id}) is still running.`, {
      exit: EXIT.USAGE,
      hints: [`Cancel it first: kfp runs cancel ${run.id}`],
    })
  }
  if (!o.yes) {
    const ok = await ctx.prompter.confirm({message: `Delete run ${run.name} (${run.id}) and its logs and outputs?`, flag: '--yes', default: false})
    if (!ok) return {id: run.id, name: run.name, deleted: false}
  }
  const {removeRuns} = await import('../run/retention.js')
  const removal = await removeRuns(stateDir, [run.id], await listRunRecords(stateDir))
  return {id: run.id, name: run.name, deleted: true, removal}
}

export {readLogs, type LogsResult, type StepLog} from './logs.js'
