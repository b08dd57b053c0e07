// Per-task execution of the local engine: one container task from its resolved inputs to its outcome (cache
// lookup, placeholders, the runner call with retries, output collection, cache write). The scheduler
// (execute.ts) decides when a task runs and keeps the run record; this module never touches the record.
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, readdir, readFile, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {cachingEnabled, taskCacheKey} from '../../core/engine/cache.js'
import type {TaskInputs} from '../../core/engine/inputs.js'
import {parseOutputText} from '../../core/engine/params.js'
import {PlaceholderError, resolveArgs, type PlaceholderValues} from '../../core/engine/placeholders.js'
import type {ReusedFrom, TaskOutputs} from '../../core/engine/record.js'
import type {IrComponentSpec, IrContainerSpec, IrTask} from '../../core/ir/types.js'
import type {JsonValue} from '../../core/project/types.js'
import {lookupCacheEntry, writeCacheEntry} from './store.js'
import type {JobHooks, TaskRunner} from './runners.js'
import {openTaskLog, type TaskLogWriter} from './task-log.js'

/** What runs: one container task of the IR, at a place in the run. */
export interface ContainerTask {
  /** The task's key in the run record (its path); names its folder under `tasks/`. */
  key: string
  /** taskInfo.name (`{{$.pipeline_task_name}}`). */
  displayName: string
  component: IrComponentSpec
  container: IrContainerSpec
  /** retryPolicy and cachingOptions are read from here. */
  task: IrTask
}

/** The run a task belongs to, and the hooks through which it reports while it runs. */
export interface TaskExecContext {
  stateDir: string
  runner: TaskRunner
  run: {id: string; name: string; pipelineRoot: string; createdAt: string}
  /** The run's folder; the task writes `tasks/<key>/log.txt` and `tasks/<key>/outputs/` in it. */
  runDir: string
  /** Extra env for the step (KFP_PIPELINE_ROOT). */
  env: Record<string, string>
  /** Process runner working folder. */
  cwd?: string
  /** Skip the cache lookup (--no-cache, or the --start-step task). */
  noCacheLookup: boolean
  /** Stops the task (Ctrl-C or --fail-fast); `cancelMessage` says which. */
  signal: AbortSignal
  cancelMessage: () => string
  now: () => Date
  /** The step really starts (not a cache hit). */
  onStart: () => void
  onRetry: (attempt: number) => void
  onAttempt: (attempt: number) => void
  /** The step's process or container exists (recorded so that `kfp runs cancel` can stop it). */
  onHandle: NonNullable<JobHooks['onStart']>
  onLine: (line: string, stream: 'stdout' | 'stderr') => void
  onWarning: (message: string) => void
  /** Background work (the cache write) that the run awaits before its final record. */
  background: (p: Promise<void>) => void
}

/** How the task ended. */
export interface TaskOutcome {
  status: 'succeeded' | 'cached' | 'failed' | 'cancelled'
  message?: string
  outputs?: TaskOutputs
  exitCode?: number
  cacheKey?: string
  reusedFrom?: ReusedFrom
  /** The log file, relative to the run folder. */
  log: string
}

/** A task's log file, relative to the run folder. */
export function taskLogFile(key: string): string {
  return path.join('tasks', key, 'log.txt')
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

function parseDurationMs(d: string | undefined): number {
  const m = /^([0-9.]+)s$/.exec(d ?? '')
  return m ? Number(m[1]) * 1000 : 0
}

/**
 * Runs one container task with its resolved inputs. Never throws for the task's own failures (they are the
 * outcome); throws only for failures of kfp itself (the scheduler records those as a failed task).
 */
export async function executeContainerTask(t: ContainerTask, inputs: TaskInputs, ctx: TaskExecContext): Promise<TaskOutcome> {
  const taskDir = path.join(ctx.runDir, 'tasks', t.key)
  const logRel = taskLogFile(t.key)
  await mkdir(taskDir, {recursive: true})
  const log = await openTaskLog(path.join(ctx.runDir, logRel))
  const lines = lineSplitter(ctx.onLine)
  try {
    return {log: logRel, ...(await runTask(t, inputs, ctx, taskDir, log, lines))}
  } finally {
    lines.flush()
    await log.close()
  }
}

async function runTask(
  t: ContainerTask,
  inputs: TaskInputs,
  ctx: TaskExecContext,
  taskDir: string,
  log: TaskLogWriter,
  lines: ReturnType<typeof lineSplitter>,
): Promise<Omit<TaskOutcome, 'log'>> {
  const outDefs = t.component.outputDefinitions ?? {}
  const paramOuts = outDefs.parameters ?? {}
  const artOuts = outDefs.artifacts ?? {}

  // Cache.
  const artifactDigests: Record<string, string> = {}
  for (const [n, p] of Object.entries(inputs.artifacts)) artifactDigests[n] = await digestPath(p)
  const cacheKey = taskCacheKey({
    container: t.container,
    parameters: inputs.parameters,
    artifactDigests,
    outputNames: [...Object.keys(paramOuts), ...Object.keys(artOuts)],
    irCacheKey: t.task.cachingOptions?.cacheKey,
  })
  if (!ctx.noCacheLookup && cachingEnabled(t.task.cachingOptions)) {
    const hit = await lookupCacheEntry(ctx.stateDir, cacheKey)
    if (hit) {
      log.write(`Cached: reused the outputs of task ${hit.task} of run ${hit.runName} (${hit.runId}).\n`)
      return {status: 'cached', cacheKey, outputs: hit.outputs, reusedFrom: {runId: hit.runId, runName: hit.runName, task: hit.task}}
    }
  }

  // Announced only when the step really runs (not for a cache hit).
  ctx.onStart()

  // Paths for outputs; the launcher creates their folders.
  const paramFiles: Record<string, string> = {}
  for (const n of Object.keys(paramOuts)) paramFiles[n] = path.join(taskDir, 'outputs', 'parameters', n)
  const outArtifacts: Record<string, {path: string; uri: string}> = {}
  for (const n of Object.keys(artOuts)) {
    // The run's own pipeline root, as <task>/<name> (kfp-src backend/src/v2/driver/driver.go provisionOutputs).
    const p = path.join(ctx.run.pipelineRoot, t.key, n)
    outArtifacts[n] = {path: p, uri: p}
  }
  const values: PlaceholderValues = {
    inputParameters: inputs.formatted,
    outputParameterFiles: paramFiles,
    inputArtifacts: Object.fromEntries(Object.entries(inputs.artifacts).map(([n, p]) => [n, {path: p, uri: p}])),
    outputArtifacts: outArtifacts,
    pipelineJobName: ctx.run.name,
    pipelineJobUuid: ctx.run.id,
    pipelineTaskName: t.displayName,
    pipelineTaskUuid: `${ctx.run.id}-${t.key}`,
    pipelineRoot: ctx.run.pipelineRoot,
    createTime: ctx.run.createdAt,
  }
  let command: string[]
  let args: string[]
  try {
    command = resolveArgs(t.container.command, values)
    args = resolveArgs(t.container.args, values)
  } catch (err) {
    if (err instanceof PlaceholderError) return {status: 'failed', cacheKey, message: `cannot fill in the command: ${err.message}`}
    throw err
  }
  const env: Record<string, string> = {...ctx.env}
  for (const e of t.container.env ?? []) env[e.name] = e.value

  const maxAttempts = 1 + Math.max(0, t.task.retryPolicy?.maxRetryCount ?? 0)
  let backoff = parseDurationMs(t.task.retryPolicy?.backoffDuration)
  const factor = t.task.retryPolicy?.backoffFactor ?? 2
  const maxBackoff = parseDurationMs(t.task.retryPolicy?.backoffMaxDuration) || 3_600_000
  let exitCode: number | undefined
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    ctx.onAttempt(attempt)
    if (attempt > 1) {
      log.write(`--- retry ${attempt - 1} of ${maxAttempts - 1} ---\n`)
      ctx.onRetry(attempt)
      if (backoff > 0) {
        await new Promise((r) => setTimeout(r, Math.min(backoff, maxBackoff)))
        backoff *= factor
      }
    }
    // A fresh run folder has no outputs yet; a retry starts from none.
    if (attempt > 1) {
      await rm(path.join(taskDir, 'outputs'), {recursive: true, force: true})
      for (const a of Object.values(outArtifacts)) await rm(a.path, {recursive: true, force: true})
    }
    for (const f of Object.values(paramFiles)) await mkdir(path.dirname(f), {recursive: true})
    for (const a of Object.values(outArtifacts)) await mkdir(path.dirname(a.path), {recursive: true})
    if (ctx.signal.aborted) return {status: 'cancelled', cacheKey, exitCode, message: 'cancelled before it started'}
    let result
    try {
      result = await ctx.runner.run(
        {
          runId: ctx.run.id,
          task: t.key,
          image: t.container.image,
          command,
          args,
          env,
          resources: t.container.resources,
          cwd: ctx.cwd,
          mounts: [ctx.stateDir, ctx.run.pipelineRoot, ...Object.values(inputs.artifacts).map((p) => path.dirname(p))],
        },
        {
          signal: ctx.signal,
          onData: (chunk, stream) => {
            log.write(chunk)
            lines.push(chunk, stream)
          },
          onWarning: ctx.onWarning,
          onStart: ctx.onHandle,
        },
      )
    } catch (err) {
      const msg = (err as Error).message
      log.write(`kfp: ${msg}\n`)
      exitCode = undefined
      if (attempt < maxAttempts) continue
      return {status: 'failed', cacheKey, message: msg}
    }
    exitCode = result.exitCode
    if (result.aborted || ctx.signal.aborted) return {status: 'cancelled', cacheKey, exitCode, message: ctx.cancelMessage()}
    if (result.exitCode !== 0) {
      if (attempt < maxAttempts) continue
      return {status: 'failed', cacheKey, exitCode, message: `exited with code ${result.exitCode}${maxAttempts > 1 ? ` after ${maxAttempts} attempts` : ''}`}
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
      return {status: 'failed', cacheKey, exitCode, message: problems.join('; ')}
    }
    // A lost cache entry only means the task runs again next time: nothing waits for it.
    ctx.background(
      writeCacheEntry(ctx.stateDir, {key: cacheKey, runId: ctx.run.id, runName: ctx.run.name, task: t.key, outputs, createdAt: ctx.now().toISOString()}).catch(() => {}),
    )
    return {status: 'succeeded', cacheKey, exitCode, outputs}
  }
  throw new Error('unreachable: the retry loop always returns')
}
