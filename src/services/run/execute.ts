// The local DAG executor: starts ready tasks up to the parallelism bound, wires outputs to inputs, runs each task
// through executeContainerTask (task-exec.ts: cache, placeholders, runner, retries, outputs),
// fail-fast, Ctrl-C, and keeps the run record (run.json) up to date with atomic writes.
import type {ObjectStore} from '../../clients/gcs.js'
import type {ArtifactRef} from '../../core/engine/control.js'
import {labelOf} from '../../core/engine/naming.js'
import type {ArtifactValue, RunRecord} from '../../core/engine/record.js'
import type {TaskNode} from '../../core/engine/tree.js'
import {runDir, runFile, writeTextAtomic} from './store.js'
import type {TaskRunner} from './runners.js'
import {Scheduler, type Reused} from './scheduler.js'
import type {RunEventHandler, RunFault} from './types.js'
import {environmentFault} from '../../lib/errors.js'

export interface ExecuteOptions {
  stateDir: string
  record: RunRecord
  /** The pipeline's task tree (core/engine/tree.ts planTree). */
  tree: TaskNode[]
  runner: TaskRunner
  parallelism: number
  noCache: boolean
  failFast: boolean
  /** Template paths that always run (the --start-step task, every iteration of it): no cache lookup. */
  forceRun: Set<string>
  /** Record key → what an earlier run supplies for that task (--start-step). */
  reuse?: (key: string, node: TaskNode) => Reused | undefined
  /** The root DAG's input artifacts (--artifact). */
  inputArtifacts?: Record<string, ArtifactRef[]>
  /** Cloud Storage for importers of gs:// URIs. */
  objectStore?: () => Promise<ObjectStore>
  /** Task → working folder for the process runner (the component folder of a project). */
  cwdOf: (task: TaskNode) => string | undefined
  /** Extra env for every task (KFP_PIPELINE_ROOT). */
  env: Record<string, string>
  signal: AbortSignal
  onEvent: RunEventHandler
  now: () => Date
  heartbeatMs?: number
}

/**
 * Keeps run.json in step with the in-memory record while tasks change state.
 *
 * Writes are coalesced, not queued: a change only bumps a generation number, and one write at a time serialises
 * the record as it is when that write starts. A burst of changes (parallel tasks starting, a pid recorded right
 * after a start) costs one write, the file always ends at the latest state, and no task waits for a write. Every
 * write is atomic (temp file + rename in the same folder): readers never see a partial file.
 *
 * Durability (fsync of the file and of the folder after the rename) is asked for where a lost write would lose
 * something that cannot be recomputed: a task's terminal state (exit code and outputs, which later `--start-step`
 * runs and the cache reuse) and the run's final record, which runLocal awaits before it returns. Other states
 * (pending to running, a step's pid, heartbeats) are written without a flush: a killed kfp process cannot lose them
 * (the kernel still writes its page cache), and after a machine crash they describe processes that died with the
 * machine (the run then reads as interrupted).
 *
 * Tasks do not wait for the flush of their upstream's terminal state. Because writes are strictly one after the
 * other and each one holds the whole record, the file after a crash is always one state the run really went
 * through, at least as recent as the last finished flush; so waiting would not protect any more results, it
 * would only add a disk flush to every step of every chain. A flush covers every change before it, so parallel
 * tasks that end together share one.
 *
 * A large run (a loop over 10,000 items) makes each write longer; after each write the writer pauses for eight
 * times as long as it took before the next one, so that writes take at most a ninth of the run's time and their
 * total cost grows with the run's length, not with its length times its size. Records of more than 1,000 tasks
 * are written without indentation.
 */
const WRITE_PAUSE_FACTOR = 8
const MAX_WRITE_PAUSE_MS = 2000
/** Above this many tasks the record is written without indentation (half the bytes, twice as fast). */
const INDENTED_MAX_TASKS = 1000

function serialise(rec: RunRecord): string {
  return JSON.stringify(rec, null, rec.tasks.length > INDENTED_MAX_TASKS ? undefined : 2) + '\n'
}

export class RecordWriter {
  /** Generation of the in-memory record (bumped by every save). */
  private gen = 0
  /** Generation covered by the last finished write, and by the last flushed one. */
  private written = 0
  private flushed = 0
  /** Highest generation that asked for a flush. */
  private wantFlush = 0
  private loop?: Promise<void>
  private waiters: Array<{gen: number; durable: boolean; resolve: () => void}> = []
  /** The error of the last write, while no later write succeeded (the file then holds an older state). */
  lastError?: Error

  constructor(
    private file: string,
    readonly rec: RunRecord,
    private onError: (err: Error) => void = () => {},
  ) {}

  /** Schedules a write of the record's current state; resolves once a write covering it (flushed if `durable`) ended. */
  save(o: {durable?: boolean} = {}): Promise<void> {
    const gen = ++this.gen
    if (o.durable) this.wantFlush = gen
    const done = new Promise<void>((resolve) => this.waiters.push({gen, durable: Boolean(o.durable), resolve}))
    this.loop ??= this.writeLoop()
    return done
  }

  private async writeLoop(): Promise<void> {
    // Let changes made in the same tick join this write.
    await Promise.resolve()
    while (this.written < this.gen) {
      const gen = this.gen
      const durable = this.wantFlush > this.flushed
      const t0 = performance.now()
      try {
        await writeTextAtomic(this.file, serialise(this.rec), {durable})
        this.lastError = undefined
      } catch (err) {
        this.lastError = err as Error
        this.onError(err as Error)
      }
      // A write costs time in proportion to the record; pausing for a multiple of it before the next one keeps
      // writing to a bounded share of the run however many tasks it has (linear, not quadratic, in the tasks).
      const pause = Math.min(MAX_WRITE_PAUSE_MS, (performance.now() - t0) * WRITE_PAUSE_FACTOR)
      if (this.gen > gen && pause >= 1) await new Promise((r) => setTimeout(r, pause))
      this.written = gen
      if (durable) this.flushed = gen
      this.waiters = this.waiters.filter((w) => {
        const covered = w.gen <= this.written && (!w.durable || w.gen <= this.flushed)
        if (covered) w.resolve()
        return !covered
      })
    }
    this.loop = undefined
  }
}

/** The pipeline input artifacts of a run (--artifact), as the lists task inputs take. */
export function pipelineArtifactLists(rec: RunRecord): Record<string, ArtifactValue[]> {
  return Object.fromEntries(Object.entries(rec.inputArtifacts ?? {}).map(([n, a]) => [n, [a]]))
}

/** How a run ended: its final record, what stopped it if the environment failed, and whether the record was written. */
export interface ExecuteResult {
  record: RunRecord
  /** The environment failure (disk full under a step's log) that stopped the run. */
  fault?: RunFault
  /** The final record could not be written: run.json holds an earlier state (it reads as interrupted). */
  recordError?: RunFault
}

/**
 * Executes the task tree of `record` (its root tasks exist in the record: pending, or skipped with reused
 * outputs; tasks inside sub-DAGs and loops are added as they are reached). Resolves with the final record; never
 * throws for task failures (they are in the record), nor for a record that cannot be written (recordError).
 */
export async function executeRun(o: ExecuteOptions): Promise<ExecuteResult> {
  const rec = o.record
  let writeFailed = false
  const writer = new RecordWriter(runFile(o.stateDir, rec.id), rec, (err) => {
    if (writeFailed) return
    writeFailed = true
    o.onEvent({type: 'warning', message: `Could not update the run record: ${environmentFault(err)?.message ?? `${runFile(o.stateDir, rec.id)}: ${err.message}`}`})
  })
  // Cache entries are written beside the run (nothing waits for them) and awaited before the final record.
  const cacheWrites: Array<Promise<void>> = []
  const iso = () => o.now().toISOString()
  const heartbeat = setInterval(() => {
    rec.heartbeatAt = iso()
    void writer.save()
  }, o.heartbeatMs ?? 5000)

  rec.status = 'running'
  rec.startedAt = iso()
  rec.heartbeatAt = rec.startedAt
  void writer.save()
  const scheduler = new Scheduler({
    ...o,
    runDir: runDir(o.stateDir, rec.id),
    reuse: o.reuse ?? (() => undefined),
    inputArtifacts: o.inputArtifacts ?? {},
    objectStore: o.objectStore ?? (async () => (await import('../../clients/gcs.js')).createObjectStore(process.env)),
    save: (x) => void writer.save(x),
    background: (p) => cacheWrites.push(p),
  })
  try {
    await scheduler.run(o.tree)
  } finally {
    clearInterval(heartbeat)
  }
  for (const tr of rec.tasks) {
    if (tr.status === 'pending' || tr.status === 'running') {
      tr.status = 'cancelled'
      tr.message = tr.message ?? (o.signal.aborted ? 'cancelled' : `not run: ${scheduler.stopReason()}`)
    }
  }
  rec.finishedAt = iso()
  rec.heartbeatAt = rec.finishedAt
  const failed = rec.tasks.filter((t) => t.status === 'failed' && t.kind === undefined)
  if (o.signal.aborted) {
    rec.status = 'cancelled'
    rec.message = rec.message ?? 'Cancelled.'
  } else if (scheduler.failed || rec.tasks.some((t) => t.status === 'failed')) {
    // The run's status is that of the pipeline's tasks, whatever an exit handler did after them.
    rec.status = 'failed'
    const f = failed.length ? failed : rec.tasks.filter((t) => t.status === 'failed')
    const shown = f.slice(0, 10).map((t) => `${t.number} (${labelOf(t.name)})`)
    rec.message = `Step${f.length > 1 ? 's' : ''} ${shown.join(', ')}${f.length > 10 ? ` and ${f.length - 10} more` : ''} failed.`
    if (scheduler.fault) rec.message = `${scheduler.fault.message} The run was stopped (${rec.message.replace(/\.$/, '')}).`
  } else rec.status = 'succeeded'
  await Promise.all([...cacheWrites, o.runner.dispose?.()])
  await writer.save({durable: true})
  const recordError = environmentFault(writer.lastError) ?? (writer.lastError && {code: 'EIO', path: runFile(o.stateDir, rec.id), message: writer.lastError.message})
  return {record: rec, ...(scheduler.fault ? {fault: scheduler.fault} : {}), ...(recordError ? {recordError} : {})}
}
