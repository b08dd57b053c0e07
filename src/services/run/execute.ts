// The local DAG executor: starts ready tasks up to the parallelism bound, wires outputs to inputs, runs each task
// through executeContainerTask (task-exec.ts: cache, placeholders, runner, retries, outputs),
// fail-fast, Ctrl-C, and keeps the run record (run.json) up to date with atomic writes.
import type {PlannedTask} from '../../core/engine/dag.js'
import {resolveTaskInputs} from '../../core/engine/inputs.js'
import {taskHasOutputs, type ArtifactValue, type RunRecord, type TaskOutputs, type TaskRecord} from '../../core/engine/record.js'
import {runDir, runFile, writeTextAtomic} from './store.js'
import type {TaskRunner} from './runners.js'
import {executeContainerTask, taskLogFile} from './task-exec.js'
import type {RunEvent} from './types.js'

export interface ExecuteOptions {
  stateDir: string
  record: RunRecord
  tasks: PlannedTask[]
  runner: TaskRunner
  parallelism: number
  noCache: boolean
  failFast: boolean
  /** Tasks that always run (the --start-step task): no cache lookup. */
  forceRun: Set<string>
  /** Task → working folder for the process runner (the component folder of a project). */
  cwdOf: (task: PlannedTask) => string | undefined
  /** Extra env for every task (KFP_PIPELINE_ROOT). */
  env: Record<string, string>
  signal: AbortSignal
  onEvent: (e: RunEvent) => void
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
 */
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
      try {
        await writeTextAtomic(this.file, JSON.stringify(this.rec, null, 2) + '\n', {durable})
      } catch (err) {
        this.onError(err as Error)
      }
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

/**
 * Executes the planned tasks of `record` (tasks already `skipped` keep their reused outputs).
 * Resolves with the final record; never throws for task failures (they are in the record).
 */
export async function executeRun(o: ExecuteOptions): Promise<RunRecord> {
  const rec = o.record
  let writeFailed = false
  const writer = new RecordWriter(runFile(o.stateDir, rec.id), rec, (err) => {
    if (writeFailed) return
    writeFailed = true
    o.onEvent({type: 'warning', message: `Could not update the run record ${runFile(o.stateDir, rec.id)}: ${err.message}`})
  })
  // Cache entries are written beside the run (nothing waits for them) and awaited before the final record.
  const cacheWrites: Array<Promise<void>> = []
  const dir = runDir(o.stateDir, rec.id)
  const byName = new Map(o.tasks.map((t) => [t.name, t]))
  const recOf = (name: string) => rec.tasks.find((t) => t.name === name)!
  const iso = () => o.now().toISOString()
  const internal = new AbortController()
  const onOuterAbort = () => internal.abort()
  if (o.signal.aborted) internal.abort()
  else o.signal.addEventListener('abort', onOuterAbort, {once: true})
  let failed = false
  const heartbeat = setInterval(() => {
    rec.heartbeatAt = iso()
    void writer.save()
  }, o.heartbeatMs ?? 5000)

  rec.status = 'running'
  rec.startedAt = iso()
  rec.heartbeatAt = rec.startedAt
  void writer.save()

  const outputsOf = (name: string): TaskOutputs | undefined => {
    const r = recOf(name)
    return taskHasOutputs(r) ? r.outputs : undefined
  }

  const runOne = async (t: PlannedTask): Promise<void> => {
    const tr = recOf(t.name)
    tr.log = taskLogFile(t.name)
    tr.status = 'running'
    tr.startedAt = iso()
    tr.image = t.container.image
    const finish = (status: TaskRecord['status'], message?: string) => {
      tr.status = status
      tr.finishedAt = iso()
      if (message) tr.message = message
      delete tr.pid
      delete tr.processStart
      delete tr.containerId
      // Flushed to disk, in order, without holding up the tasks that use it (see RecordWriter).
      void writer.save({durable: true})
      o.onEvent({type: 'task-end', task: t.name, number: t.number, status, message, exitCode: tr.exitCode})
    }
    void writer.save()

    const {inputs, missing} = resolveTaskInputs(t, rec.parameters, outputsOf, pipelineArtifactLists(rec))
    if (missing.length) {
      return finish('failed', `inputs without a value: ${missing.map((m) => `${m.input} (from ${m.producerTask}.${m.output})`).join(', ')}`)
    }
    const outcome = await executeContainerTask({key: t.name, displayName: t.displayName, component: t.component, container: t.container, task: t.task}, inputs, {
      stateDir: o.stateDir,
      runner: o.runner,
      run: {id: rec.id, name: rec.name, pipelineRoot: rec.pipelineRoot, createdAt: rec.createdAt},
      runDir: dir,
      env: o.env,
      cwd: o.cwdOf(t),
      noCacheLookup: o.noCache || o.forceRun.has(t.name),
      signal: internal.signal,
      cancelMessage: () => (o.signal.aborted ? 'cancelled' : 'stopped by --fail-fast'),
      now: o.now,
      onStart: () => o.onEvent({type: 'task-start', task: t.name, number: t.number}),
      onRetry: (attempt) => o.onEvent({type: 'task-retry', task: t.name, number: t.number, attempt}),
      onAttempt: (attempt) => {
        tr.attempts = attempt
      },
      onHandle: (h) => {
        // Recorded so that `kfp runs cancel` can stop the step if this kfp process is killed.
        if ('pid' in h) {
          tr.pid = h.pid
          if (h.processStart) tr.processStart = h.processStart
        } else tr.containerId = h.containerId
        void writer.save()
      },
      onLine: (line, stream) => o.onEvent({type: 'log', task: t.name, number: t.number, line, stream}),
      onWarning: (message) => o.onEvent({type: 'warning', message}),
      background: (p) => cacheWrites.push(p),
    })
    tr.cacheKey = outcome.cacheKey
    tr.exitCode = outcome.exitCode
    if (outcome.outputs) tr.outputs = outcome.outputs
    if (outcome.reusedFrom) tr.reusedFrom = outcome.reusedFrom
    finish(outcome.status, outcome.message)
  }

  // Scheduling loop.
  const running = new Map<string, Promise<void>>()
  const good = (s: TaskRecord) => s.status === 'succeeded' || s.status === 'cached' || (s.status === 'skipped' && s.reusedFrom !== undefined) || (s.status === 'skipped' && s.message === undefined)
  try {
    for (;;) {
      // Tasks that can no longer run because something upstream did not produce outputs.
      let changed = true
      while (changed) {
        changed = false
        for (const tr of rec.tasks) {
          if (tr.status !== 'pending') continue
          const t = byName.get(tr.name)!
          const bad = t.upstream.map(recOf).find((u) => u.status === 'failed' || u.status === 'cancelled' || (u.status === 'skipped' && u.message !== undefined))
          if (bad) {
            tr.status = 'skipped'
            tr.message = `not run: upstream step ${bad.name} ${bad.status}`
            o.onEvent({type: 'task-end', task: tr.name, number: tr.number, status: 'skipped', message: tr.message})
            changed = true
          }
        }
      }
      if (!internal.signal.aborted) {
        for (const tr of rec.tasks) {
          if (running.size >= o.parallelism) break
          if (tr.status !== 'pending' || running.has(tr.name)) continue
          const t = byName.get(tr.name)!
          if (!t.upstream.every((u) => good(recOf(u)))) continue
          const p = runOne(t)
            .catch(async (err) => {
              tr.status = 'failed'
              tr.message = (err as Error).message
              tr.finishedAt = iso()
              delete tr.pid
              delete tr.processStart
              delete tr.containerId
              o.onEvent({type: 'task-end', task: t.name, number: t.number, status: 'failed', message: tr.message})
            })
            .then(() => {
              running.delete(t.name)
              if (tr.status === 'failed') {
                failed = true
                if (o.failFast) internal.abort()
              }
            })
          running.set(t.name, p)
        }
      }
      if (running.size === 0) break
      await Promise.race(running.values())
    }
  } finally {
    clearInterval(heartbeat)
    o.signal.removeEventListener('abort', onOuterAbort)
  }
  for (const tr of rec.tasks) {
    if (tr.status === 'pending' || tr.status === 'running') {
      tr.status = 'cancelled'
      tr.message = tr.message ?? (o.signal.aborted ? 'cancelled' : 'not run: stopped by --fail-fast')
    }
  }
  rec.finishedAt = iso()
  rec.heartbeatAt = rec.finishedAt
  if (o.signal.aborted) {
    rec.status = 'cancelled'
    rec.message = rec.message ?? 'Cancelled.'
  } else if (failed || rec.tasks.some((t) => t.status === 'failed')) {
    rec.status = 'failed'
    const f = rec.tasks.filter((t) => t.status === 'failed')
    rec.message = `Step${f.length > 1 ? 's' : ''} ${f.map((t) => `${t.number} (${t.name})`).join(', ')} failed.`
  } else rec.status = 'succeeded'
  await Promise.all([...cacheWrites, o.runner.dispose?.()])
  await writer.save({durable: true})
  return rec
}
