// The local DAG executor: starts ready tasks up to the parallelism bound, wires outputs to inputs, retries,
// caching, fail-fast, Ctrl-C, and keeps the run record (run.json) up to date with atomic writes.
import {createHash} from 'node:crypto'
import {createReadStream, createWriteStream, type WriteStream} from 'node:fs'
import {mkdir, readdir, readFile, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {cachingEnabled, taskCacheKey} from '../../core/engine/cache.js'
import type {PlannedTask} from '../../core/engine/dag.js'
import {resolveTaskInputs} from '../../core/engine/inputs.js'
import {parseOutputText} from '../../core/engine/params.js'
import {PlaceholderError, resolveArgs, type PlaceholderValues} from '../../core/engine/placeholders.js'
import {taskHasOutputs, type RunRecord, type TaskOutputs, type TaskRecord} from '../../core/engine/record.js'
import type {JsonValue} from '../../core/project/types.js'
import {lookupCacheEntry, runDir, runFile, writeCacheEntry, writeTextAtomic} from './store.js'
import type {TaskRunner} from './runners.js'
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

async function digestPath(p: string): Promise<string> {
  const h = createHash('sha256')
  const walk = async (q: string, rel: string): Promise<void> => {
    const st = await stat(q)
    if (st.isDirectory()) {
      for (const n of (await readdir(q)).sort()) await walk(path.join(q, n), `${rel}/${n}`)
      return
    }
    h.update(`file:${rel}\n`)
    await new Promise<void>((resolve, reject) => {
      createReadStream(q)
        .on('data', (c) => h.update(c))
        .on('end', resolve)
        .on('error', reject)
    })
  }
  try {
    await walk(p, '')
  } catch {
    h.update('missing')
  }
  return h.digest('hex')
}

/** Splits chunks into lines per stream, calling `onLine` for each complete line. */
function lineSplitter(onLine: (line: string, stream: 'stdout' | 'stderr') => void) {
  const bufs = {stdout: '', stderr: ''}
  return {
    push(chunk: Buffer, stream: 'stdout' | 'stderr') {
      bufs[stream] += chunk.toString('utf8')
      let i
      while ((i = bufs[stream].indexOf('\n')) >= 0) {
        onLine(bufs[stream].slice(0, i).replace(/\r$/, ''), stream)
        bufs[stream] = bufs[stream].slice(i + 1)
      }
    },
    flush() {
      for (const s of ['stdout', 'stderr'] as const) if (bufs[s]) onLine(bufs[s], s), (bufs[s] = '')
    },
  }
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(resolve))
}

function parseDurationMs(d: string | undefined): number {
  const m = /^([0-9.]+)s$/.exec(d ?? '')
  return m ? Number(m[1]) * 1000 : 0
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
    const taskDir = path.join(dir, 'tasks', t.name)
    const logRel = path.join('tasks', t.name, 'log.txt')
    tr.log = logRel
    tr.status = 'running'
    tr.startedAt = iso()
    tr.image = t.container.image
    await mkdir(taskDir, {recursive: true})
    const log = createWriteStream(path.join(dir, logRel), {flags: 'a'})
    const lines = lineSplitter((line, stream) => o.onEvent({type: 'log', task: t.name, number: t.number, line, stream}))
    const finish = async (status: TaskRecord['status'], message?: string) => {
      lines.flush()
      await closeStream(log)
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

    const {inputs, missing} = resolveTaskInputs(t, rec.parameters, outputsOf)
    if (missing.length) {
      return finish('failed', `inputs without a value: ${missing.map((m) => `${m.input} (from ${m.producerTask}.${m.output})`).join(', ')}`)
    }
    const outDefs = t.component.outputDefinitions ?? {}
    const paramOuts = outDefs.parameters ?? {}
    const artOuts = outDefs.artifacts ?? {}

    // Cache.
    const artifactDigests: Record<string, string> = {}
    for (const [n, p] of Object.entries(inputs.artifacts)) artifactDigests[n] = await digestPath(p)
    const key = taskCacheKey({
      container: t.container,
      parameters: inputs.parameters,
      artifactDigests,
      outputNames: [...Object.keys(paramOuts), ...Object.keys(artOuts)],
      irCacheKey: t.task.cachingOptions?.cacheKey,
    })
    tr.cacheKey = key
    if (!o.noCache && cachingEnabled(t.task.cachingOptions) && !o.forceRun.has(t.name)) {
      const hit = await lookupCacheEntry(o.stateDir, key)
      if (hit) {
        tr.outputs = hit.outputs
        tr.reusedFrom = {runId: hit.runId, runName: hit.runName, task: hit.task}
        log.write(`Cached: reused the outputs of task ${hit.task} of run ${hit.runName} (${hit.runId}).\n`)
        return finish('cached')
      }
    }

    // Announced only when the step really runs (not for a failed input resolution or a cache hit).
    o.onEvent({type: 'task-start', task: t.name, number: t.number})

    // Paths for outputs; the launcher creates their folders.
    const paramFiles: Record<string, string> = {}
    for (const n of Object.keys(paramOuts)) paramFiles[n] = path.join(taskDir, 'outputs', 'parameters', n)
    const outArtifacts: Record<string, {path: string; uri: string}> = {}
    for (const n of Object.keys(artOuts)) {
      const p = path.join(taskDir, 'outputs', 'artifacts', n)
      outArtifacts[n] = {path: p, uri: p}
    }
    const values: PlaceholderValues = {
      inputParameters: inputs.formatted,
      outputParameterFiles: paramFiles,
      inputArtifacts: Object.fromEntries(Object.entries(inputs.artifacts).map(([n, p]) => [n, {path: p, uri: p}])),
      outputArtifacts: outArtifacts,
      pipelineJobName: rec.name,
      pipelineJobUuid: rec.id,
      pipelineTaskName: t.displayName,
      pipelineTaskUuid: `${rec.id}-${t.name}`,
      pipelineRoot: rec.pipelineRoot,
      createTime: rec.createdAt,
    }
    let command: string[]
    let args: string[]
    try {
      command = resolveArgs(t.container.command, values)
      args = resolveArgs(t.container.args, values)
    } catch (err) {
      if (err instanceof PlaceholderError) return finish('failed', `cannot fill in the command: ${err.message}`)
      throw err
    }
    const env: Record<string, string> = {...o.env}
    for (const e of t.container.env ?? []) env[e.name] = e.value

    const maxAttempts = 1 + Math.max(0, t.task.retryPolicy?.maxRetryCount ?? 0)
    let backoff = parseDurationMs(t.task.retryPolicy?.backoffDuration)
    const factor = t.task.retryPolicy?.backoffFactor ?? 2
    const maxBackoff = parseDurationMs(t.task.retryPolicy?.backoffMaxDuration) || 3_600_000
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      tr.attempts = attempt
      if (attempt > 1) {
        log.write(`--- retry ${attempt - 1} of ${maxAttempts - 1} ---\n`)
        o.onEvent({type: 'task-retry', task: t.name, number: t.number, attempt})
        if (backoff > 0) {
          await new Promise((r) => setTimeout(r, Math.min(backoff, maxBackoff)))
          backoff *= factor
        }
      }
      // A fresh run folder has no outputs yet; a retry starts from none.
      if (attempt > 1) await rm(path.join(taskDir, 'outputs'), {recursive: true, force: true})
      for (const f of Object.values(paramFiles)) await mkdir(path.dirname(f), {recursive: true})
      for (const a of Object.values(outArtifacts)) await mkdir(path.dirname(a.path), {recursive: true})
      if (internal.signal.aborted) return finish('cancelled', 'cancelled before it started')
      let result
      try {
        result = await o.runner.run(
          {
            runId: rec.id,
            task: t.name,
            image: t.container.image,
            command,
            args,
            env,
            resources: t.container.resources,
            cwd: o.cwdOf(t),
            mounts: [o.stateDir, rec.pipelineRoot, ...Object.values(inputs.artifacts).map((p) => path.dirname(p))],
          },
          {
            signal: internal.signal,
            onData: (chunk, stream) => {
              log.write(chunk)
              lines.push(chunk, stream)
            },
            onWarning: (message) => o.onEvent({type: 'warning', message}),
            onStart: (h) => {
              // Recorded so that `kfp runs cancel` can stop the step if this kfp process is killed.
              if ('pid' in h) {
                tr.pid = h.pid
                if (h.processStart) tr.processStart = h.processStart
              } else tr.containerId = h.containerId
              void writer.save()
            },
          },
        )
      } catch (err) {
        const msg = (err as Error).message
        log.write(`kfp: ${msg}\n`)
        tr.exitCode = undefined
        if (attempt < maxAttempts) continue
        return finish('failed', msg)
      }
      tr.exitCode = result.exitCode
      if (result.aborted || internal.signal.aborted) return finish('cancelled', o.signal.aborted ? 'cancelled' : 'stopped by --fail-fast')
      if (result.exitCode !== 0) {
        if (attempt < maxAttempts) continue
        return finish('failed', `exited with code ${result.exitCode}${maxAttempts > 1 ? ` after ${maxAttempts} attempts` : ''}`)
      }
      // Collect outputs.
      const outputs: TaskOutputs = {parameters: {}, artifacts: {}}
      const problems: string[] = []
      for (const [n, f] of Object.entries(paramFiles)) {
        let text: string
        try {
          text = await readFile(f, 'utf8')
        } catch {
          problems.push(`did not write output parameter '${n}' (expected the file ${f})`)
          continue
        }
        const r = parseOutputText(text, paramOuts[n].parameterType)
        if (!r.ok) problems.push(`output parameter '${n}': ${r.error}`)
        else outputs.parameters[n] = r.value as JsonValue
      }
      for (const [n, a] of Object.entries(outArtifacts)) {
        try {
          await stat(a.path)
          outputs.artifacts[n] = {uri: a.path}
        } catch {
          problems.push(`did not write output artifact '${n}' (expected ${a.path})`)
        }
      }
      if (problems.length) {
        log.write(`kfp: ${problems.join('; ')}\n`)
        if (attempt < maxAttempts) continue
        return finish('failed', problems.join('; '))
      }
      tr.outputs = outputs
      // A lost cache entry only means the task runs again next time: nothing waits for it.
      cacheWrites.push(writeCacheEntry(o.stateDir, {key, runId: rec.id, runName: rec.name, task: t.name, outputs, createdAt: iso()}).catch(() => {}))
      return finish('succeeded')
    }
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
