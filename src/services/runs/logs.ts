// `kfp logs` for local runs: which file holds each step's log (reused steps point at the run that ran them), and
// reading them, whole or in a window (--tail/--since/--timestamps), once or following the run. Reads stream.
import {existsSync} from 'node:fs'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import type {LogWindow} from '../../core/logs/window.js'
import {isRunFinal, isTaskFinal, type RunRecord, type TaskRecord} from '../../core/engine/record.js'
import {labelOf, templatePathOf} from '../../core/engine/naming.js'
import {readRunRaw, readSpec, resolveRun, runDir, withLiveness} from '../run/store.js'
import {runsStateDir, type RunsScope} from './index.js'
import {LogCursor, TimesCursor, windowStart} from './log-read.js'
import {findSteps, stepNotFound, stepsInOrder} from './steps.js'

/** One step's log, as found. */
export interface StepLog {
  /** The step's label (`train`, `train[1]` inside a loop). */
  task: string
  /** Its record key (`for-loop-2[1]/train`). */
  key: string
  number: number
  status: TaskRecord['status']
  /** Absolute log path (may not exist yet). */
  file?: string
  /** For steps skipped under --start-step or cached: the run the log comes from. */
  fromRun?: {id: string; name: string}
  /** True when the log has no per-line times (written by an older kfp): --timestamps/--since cannot apply per line. */
  untimed?: boolean
}

export interface LogsResult {
  run: RunRecord
  steps: StepLog[]
}

export interface ReadLogsOptions extends RunsScope {
  run: string
  step?: string
  follow: boolean
  window?: LogWindow
  pollMs?: number
}

/** Whether `ref` names a step of the run's pipeline (its pipeline.json): a number, a task path or name, a label. */
async function plannedStep(stateDir: string, run: RunRecord, ref: string): Promise<boolean> {
  try {
    const spec = await readSpec(runDir(stateDir, run.id), run)
    if (!spec) return false
    const {leavesOf, planTree} = await import('../../core/engine/tree.js')
    const leaves = leavesOf(planTree(spec))
    const name = templatePathOf(ref)
    return /^\d+$/.test(ref) ? leaves.some((l) => l.number === Number(ref)) : leaves.some((l) => l.path === name || l.displayName === name || l.name === name)
  } catch {
    return false
  }
}

/** Whether a loop the followed steps run in is still going (more iterations of them may start). */
function loopStillRunning(run: RunRecord, steps: StepLog[]): boolean {
  return run.tasks.some((t) => t.kind === 'loop' && !isTaskFinal(t.status) && steps.some((s) => s.key.startsWith(`${t.name}[`)))
}

/** Where a task's log is: its own, or (skipped/cached) that of the run that really ran it, following reuse chains. */
async function logOf(stateDir: string, run: RunRecord, t: TaskRecord): Promise<StepLog> {
  const base = {task: labelOf(t.name), key: t.name, number: t.number, status: t.status}
  if ((t.status === 'skipped' || t.status === 'cached') && t.reusedFrom?.runId && t.reusedFrom.task) {
    let srcId = t.reusedFrom.runId
    let srcTask = t.reusedFrom.task
    for (let i = 0; i < 20; i++) {
      const src = await readRunRaw(stateDir, srcId)
      const st = src?.tasks.find((x) => x.name === srcTask)
      if (!src || !st) break
      if ((st.status === 'skipped' || st.status === 'cached') && st.reusedFrom?.runId && st.reusedFrom.task) {
        srcId = st.reusedFrom.runId
        srcTask = st.reusedFrom.task
        continue
      }
      return {...base, file: st.log ? path.join(runDir(stateDir, src.id), st.log) : undefined, fromRun: {id: src.id, name: src.name}}
    }
  }
  return {...base, file: path.join(runDir(stateDir, run.id), t.log ?? path.join('tasks', t.name, 'log.txt'))}
}

/** The open cursors of the steps being read; a step's cursor starts where the window says once its log exists. */
class StepReaders {
  private cursors = new Map<string, LogCursor>()

  constructor(
    private window: LogWindow,
    private finishedOf: (task: string) => string | undefined,
  ) {}

  async open(s: StepLog): Promise<LogCursor | undefined> {
    const open = this.cursors.get(s.key)
    if (open || !s.file || !existsSync(s.file)) return open
    const times = await TimesCursor.of(s.file)
    if (!times) s.untimed = true
    const finished = this.finishedOf(s.key)
    const c = new LogCursor(s.file, await windowStart(s.file, this.window, times, finished ? Date.parse(finished) : undefined), times)
    this.cursors.set(s.key, c)
    return c
  }

  async drain(s: StepLog, final: boolean, onLine: (step: StepLog, line: string, timeMs?: number) => void | Promise<void>): Promise<void> {
    await (await this.open(s))?.drain(final, (line, t) => onLine(s, line, t))
  }

  async close(): Promise<void> {
    for (const c of this.cursors.values()) await c.close()
  }
}

/**
 * Prints (via `onLine`) the log of one step or of all steps of a run, in `window` (tail, since; each line's time is
 * passed when known). Skipped and cached steps show the log of the run their outputs came from. With `follow`, keeps
 * reading while the step (or run) is running, and ends when it ends.
 */
export async function readLogs(
  o: ReadLogsOptions,
  ctx: Pick<Ctx, 'env' | 'signal'>,
  /** Returning a promise (the output is full) holds reading until it settles. */
  onLine: (step: StepLog, line: string, timeMs?: number) => void | Promise<void>,
  /** Called for each step before any of its lines (where its log comes from, whether it ran at all, untimed), with every step to be read. */
  onStep: (step: StepLog, all: StepLog[]) => void = () => {},
): Promise<LogsResult> {
  const stateDir = await runsStateDir(o, ctx)
  let run = await resolveRun(stateDir, o.run)
  const selected = (r: RunRecord) => (o.step ? findSteps(stepsInOrder(r), o.step) : stepsInOrder(r))
  const tasks = selected(run)
  // Following a running run: a step that has no record yet (in a loop or condition not reached) is waited for.
  const waitFor = o.step && !tasks.length && o.follow && !isRunFinal(withLiveness(run).status) && (await plannedStep(stateDir, run, o.step))
  if (o.step && !tasks.length && !waitFor) throw stepNotFound(run, o.step)
  const steps: StepLog[] = []
  for (const t of tasks) steps.push(await logOf(stateDir, run, t))
  let byKey = new Map(run.tasks.map((x) => [x.name, x]))
  const readers = new StepReaders(o.window ?? {}, (key) => byKey.get(key)?.finishedAt)
  try {
    if (!o.follow) {
      for (const s of steps) {
        await readers.open(s)
        onStep(s, steps)
        await readers.drain(s, true, onLine)
      }
      return {run, steps}
    }
    // Followed steps' lines interleave as they come: announce them all first.
    for (const s of steps) onStep(s, steps)
    // Follow: poll the files and the record until the followed steps (or the run) are final.
    for (;;) {
      for (const s of steps) await readers.drain(s, false, onLine)
      if (ctx.signal.aborted) break
      const fresh = await readRunRaw(stateDir, run.id)
      if (!fresh) break
      run = withLiveness(fresh)
      byKey = new Map(run.tasks.map((x) => [x.name, x]))
      // Steps that started since: loop iterations as the loop expands, steps of a condition or an exit handler.
      const known = new Set(steps.map((s) => s.key))
      for (const t of selected(run).filter((x) => !known.has(x.name))) {
        const s = await logOf(stateDir, run, t)
        steps.push(s)
        onStep(s, steps)
      }
      for (const s of steps) {
        const t = byKey.get(s.key)
        if (t) {
          s.status = t.status
          if (!s.file && t.log) s.file = path.join(runDir(stateDir, run.id), t.log)
        }
      }
      const done = isRunFinal(run.status) || (o.step !== undefined && steps.length > 0 && steps.every((s) => isTaskFinal(s.status)) && !loopStillRunning(run, steps))
      if (done) break
      await new Promise((r) => setTimeout(r, o.pollMs ?? 200))
    }
    for (const s of steps) await readers.drain(s, true, onLine)
    return {run, steps}
  } finally {
    await readers.close()
  }
}
