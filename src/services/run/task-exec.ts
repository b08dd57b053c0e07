// Per-task execution of the local engine: one container task from its resolved inputs to its outcome (cache
// lookup, placeholders, the runner call with retries, output collection, cache write). The scheduler
// (execute.ts) decides when a task runs and keeps the run record; this module never touches the record.
import {untilAborted} from '../../lib/backpressure.js'
import {createLineSplitter} from '../../lib/line-splitter.js'
import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {mkdir, readdir, readFile, rm, stat, statfs, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {cachingEnabled, taskCacheKey, type CacheKeyInput} from '../../core/engine/cache.js'
import type {TaskInputs} from '../../core/engine/inputs.js'
import {artifactPath, buildExecutorInput, mergeExecutorOutputs, parseExecutorOutput, type ExecutorInput} from '../../core/engine/executor-io.js'
import {jobValues, PlaceholderError, type RunIdentity, resolveArgs, runtimeConstantPlaceholders, type PlaceholderValues} from '../../core/engine/placeholders.js'
import type {ReusedFrom, TaskOutputs} from '../../core/engine/record.js'
import type {IrComponentSpec, IrContainerSpec, IrTask} from '../../core/ir/types.js'
import {maxAttempts, nextRetry} from '../../core/engine/retry.js'
import {lookupCacheEntry, writeCacheEntry} from './store.js'
import {stepRunnerOf, type JobHooks, type StepRunnerKind, type TaskJob, type TaskRunner} from './runners.js'
import {openTaskLog, type TaskLogWriter} from './task-log.js'
import {environmentFault} from '../../lib/errors.js'
import type {RunFault} from './types.js'

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
  run: RunIdentity
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
  /**
   * Display lines of the step's output: the lines one chunk completed, joined with `\n` (lib/line-splitter.ts). A
   * returned promise holds the step's output until it settles.
   */
  onLines: (lines: string, stream: 'stdout' | 'stderr') => void | Promise<void>
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
  /** The environment failed under the task (its log could not be written: disk full): the step was stopped. */
  fault?: RunFault
}

/** Where a task's cache key input (CacheKeyInput) is kept, in its folder. */
export function cacheKeyInputFile(taskDir: string): string {
  return path.join(taskDir, 'cache-key.json')
}

/** A task's log file, relative to the run folder. */
export function taskLogFile(key: string): string {
  return path.join('tasks', key, 'log.txt')
}

/** A content digest of a file or folder (names and bytes), as the cache key compares input artifacts. */
export async function digestPath(p: string): Promise<string> {
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

/**
 * Display lines per stream, linear in the output and bounded in memory (src/lib/line-splitter.ts). `push` returns
 * what the consumers of a chunk (the log file, `onLines`) ask to wait for before the next one, if anything.
 */
function lineSplitter(onLines: TaskExecContext['onLines']) {
  const waits = new Set<Promise<void>>()
  const emit = (l: string, stream: 'stdout' | 'stderr') => {
    const w = onLines(l, stream)
    if (w) waits.add(w)
  }
  const split = {stdout: createLineSplitter((l) => emit(l, 'stdout')), stderr: createLineSplitter((l) => emit(l, 'stderr'))}
  return {
    push(chunk: Buffer, stream: 'stdout' | 'stderr', logWait: Promise<void> | undefined): Promise<unknown> | undefined {
      if (logWait) waits.add(logWait)
      split[stream].push(chunk)
      if (waits.size === 0) return undefined
      const all = Promise.all(waits)
      waits.clear()
      return all
    },
    flush() {
      split.stdout.flush()
      split.stderr.flush()
      waits.clear()
    },
  }
}

/**
 * What the cache key of a task covers, from its resolved inputs (input artifacts by content digest). The one
 * definition: the executor keys its cache lookups with it and `kfp run --dry-run` explains misses with it.
 */
export async function cacheKeyInputOf(
  t: Pick<ContainerTask, 'component' | 'container' | 'task'>,
  inputs: Pick<TaskInputs, 'parameters' | 'artifacts'>,
  runner: StepRunnerKind,
): Promise<CacheKeyInput> {
  const outDefs = t.component.outputDefinitions ?? {}
  const artifactDigests: Record<string, string> = {}
  for (const [n, list] of Object.entries(inputs.artifacts)) {
    const digests = []
    for (const a of list) digests.push(await digestPath(artifactPath(a)))
    artifactDigests[n] = digests.join(',')
  }
  return {
    container: t.container,
    parameters: inputs.parameters,
    artifactDigests,
    outputNames: [...Object.keys(outDefs.parameters ?? {}), ...Object.keys(outDefs.artifacts ?? {})],
    outputTypes: {
      ...Object.fromEntries(Object.entries(outDefs.parameters ?? {}).map(([n, d]) => [n, d.parameterType ?? 'STRING'])),
      ...Object.fromEntries(Object.entries(outDefs.artifacts ?? {}).map(([n, d]) => [n, d.artifactType.schemaTitle ?? d.artifactType.instanceSchema ?? ''])),
    },
    irCacheKey: t.task.cachingOptions?.cacheKey,
    componentName: t.task.componentRef?.name,
    runner,
  }
}

/**
 * Runs one container task with its resolved inputs. Never throws for the task's own failures (they are the
 * outcome); throws only for failures of kfp itself (the scheduler records those as a failed task).
 */
export async function executeContainerTask(t: ContainerTask, inputs: TaskInputs, ctx: TaskExecContext): Promise<TaskOutcome> {
  const taskDir = path.join(ctx.runDir, 'tasks', t.key)
  const logRel = taskLogFile(t.key)
  // A log that cannot be written (the disk filled during the step) stops the step: its process or container is
  // stopped and removed by the runner, as for a cancel, and the task fails with the path and the cause.
  const logFailed = new AbortController()
  const signal = AbortSignal.any([ctx.signal, logFailed.signal])
  let log: TaskLogWriter | undefined
  const lines = lineSplitter(ctx.onLines)
  try {
    await mkdir(taskDir, {recursive: true})
    log = await openTaskLog(path.join(ctx.runDir, logRel), undefined, () => logFailed.abort())
    const outcome = await runTask(t, inputs, {...ctx, signal}, taskDir, log, lines)
    // Writes are queued: the last ones may fail only while the log is closed.
    lines.flush()
    await log.close()
    const fault = environmentFault(log.error)
    if (!fault) return {log: logRel, ...outcome}
    const stopped = outcome.status === 'cancelled' && !ctx.signal.aborted ? ' The step was stopped.' : ''
    return {log: logRel, status: 'failed', cacheKey: outcome.cacheKey, exitCode: outcome.exitCode, fault, message: `${fault.message}${stopped}`}
  } catch (err) {
    // kfp's own writes for the task (its folders, its outputs' folders) failed the same way.
    lines.flush()
    await log?.close()
    return environmentFailure(logRel, err)
  }
}

/**
 * The outcome of a task whose kfp-side writes (its folders, its log) failed for the environment (a full or read-only
 * disk): failed, with the fault that stops the run. Anything else is kfp's own failure: rethrown.
 */
export function environmentFailure(log: string, err: unknown): TaskOutcome {
  const fault = environmentFault(err)
  if (!fault) throw err
  return {log, status: 'failed', fault, message: fault.message}
}

async function runTask(
  t: ContainerTask,
  inputs: TaskInputs,
  ctx: TaskExecContext,
  taskDir: string,
  log: TaskLogWriter,
  lines: ReturnType<typeof lineSplitter>,
): Promise<Omit<TaskOutcome, 'log'>> {
  const job = jobValues(ctx.run, t)
  const constants = runtimeConstantPlaceholders(t.task, job)
  if (Object.keys(constants).length)
    inputs = {...inputs, parameters: {...inputs.parameters, ...constants}, formatted: {...inputs.formatted, ...constants}}
  // (driver/resolve.go: the cache key sees the resolved values.)

  // Cache.
  const keyInput = await cacheKeyInputOf(t, inputs, stepRunnerOf(ctx.runner, t.container.image))
  const cacheKey = taskCacheKey(keyInput)
  // What the key covered, for `kfp run --dry-run` to say what changed since (steps in groups and loops too).
  await writeFile(cacheKeyInputFile(taskDir), JSON.stringify(keyInput))
  if (!ctx.noCacheLookup && cachingEnabled(t.task.cachingOptions)) {
    const hit = await lookupCacheEntry(ctx.stateDir, cacheKey)
    if (hit) {
      log.write(`Cached: reused the outputs of task ${hit.task} of run ${hit.runName} (${hit.runId}).\n`)
      return {status: 'cached', cacheKey, outputs: hit.outputs, reusedFrom: {runId: hit.runId, runName: hit.runName, task: hit.task}}
    }
  }

  // Announced only when the step really runs (not for a cache hit).
  ctx.onStart()

  // Outputs as the driver provisions them (driver.go provisionOutputs): parameter files and the executor output
  // file in the task's folder, artifacts in the run's pipeline root as <task>/<name>.
  const outputsDir = path.join(taskDir, 'outputs')
  const executorInput = buildExecutorInput({
    component: t.component,
    parameters: inputs.parameters,
    artifacts: inputs.artifacts,
    outputParameterFile: (n) => path.join(outputsDir, 'parameters', n),
    outputArtifactUri: (n) => path.join(ctx.run.pipelineRoot, t.key, n),
    outputFile: path.join(outputsDir, 'executor_output.json'),
  })
  const values: PlaceholderValues = {inputParameters: inputs.formatted, executorInput, ...job}
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
  const outArtifactPaths = Object.values(executorInput.outputs.artifacts).map((l) => artifactPath(l.artifacts[0]))
  const inputDirs = Object.values(inputs.artifacts).flatMap((l) => l.map((a) => path.dirname(artifactPath(a))))

  const runnerJob: TaskJob = {
    runId: ctx.run.id,
    task: t.key,
    image: t.container.image,
    command,
    args,
    env,
    resources: t.container.resources,
    cwd: ctx.cwd,
    mounts: [ctx.stateDir, ctx.run.pipelineRoot, ...inputDirs],
  }

  const policy = t.task.retryPolicy
  const attempts = maxAttempts(policy)
  let exitCode: number | undefined
  let firstStartMs = 0
  for (let attempt = 1; ; attempt++) {
    ctx.onAttempt(attempt)
    // A fresh run folder has no outputs yet; a retry starts from none.
    if (attempt > 1) {
      await rm(outputsDir, {recursive: true, force: true})
      for (const p of outArtifactPaths) await rm(p, {recursive: true, force: true})
    }
    // launcher_v2.go prepareOutputFolders.
    await mkdir(path.join(outputsDir, 'parameters'), {recursive: true})
    for (const p of outArtifactPaths) await mkdir(path.dirname(p), {recursive: true})
    if (ctx.signal.aborted) return {status: 'cancelled', cacheKey, exitCode, message: 'cancelled before it started'}
    if (attempt === 1) firstStartMs = ctx.now().getTime()
    const tried = await runAttempt(t, ctx, runnerJob, executorInput, cacheKey, log, lines)
    if ('outcome' in tried) return tried.outcome
    const failure = tried.failure
    exitCode = tried.exitCode
    const nowMs = ctx.now().getTime()
    const next = nextRetry(policy, {attempts: attempt, firstStartMs, lastEndMs: nowMs, nowMs})
    if (!next.retry) {
      const tries = attempts > 1 ? ` after ${attempt} attempt${attempt > 1 ? 's' : ''}${next.reason ? ` (${next.reason})` : ''}` : ''
      const full = await fullDiskUnder([outputsDir, ...outArtifactPaths.map((p) => path.dirname(p))])
      return {status: 'failed', cacheKey, exitCode, message: `${failure}${tries}${full ? `; ${full.clause}` : ''}`, ...(full ? {fault: full.fault} : {})}
    }
    log.write(`--- retry ${attempt} of ${attempts - 1}${next.waitMs ? ` in ${next.waitMs / 1000}s` : ''} ---\n`)
    ctx.onRetry(attempt + 1)
    if (next.waitMs > 0) await abortableSleep(next.waitMs, ctx.signal)
  }
}

/**
 * One attempt of a step: the runner call and, on exit 0, its outputs (and the cache write). Either the outcome that
 * ends the task (succeeded, cancelled), or why the attempt failed, for the retry policy to weigh.
 */
async function runAttempt(
  t: ContainerTask,
  ctx: TaskExecContext,
  job: TaskJob,
  executorInput: ExecutorInput,
  cacheKey: string,
  log: TaskLogWriter,
  lines: ReturnType<typeof lineSplitter>,
): Promise<{outcome: Omit<TaskOutcome, 'log'>} | {failure: string; exitCode?: number}> {
  try {
    const result = await ctx.runner.run(job, {
      signal: ctx.signal,
      // The log file gets every byte; the step's output waits while the file or the reader of the streamed
      // lines is full, but never once the task is stopped (Ctrl-C must not wait for a reader).
      onData: (chunk, stream) => {
        const wait = lines.push(chunk, stream, log.write(chunk))
        return wait && untilAborted(wait, ctx.signal)
      },
      onWarning: ctx.onWarning,
      onStart: ctx.onHandle,
    })
    const exitCode = result.exitCode
    if (result.aborted || ctx.signal.aborted) return {outcome: {status: 'cancelled', cacheKey, exitCode, message: ctx.cancelMessage()}}
    if (result.exitCode !== 0) return {failure: `exited with code ${result.exitCode}`, exitCode}
    const collected = await collectOutputs(t, executorInput, log)
    if (collected.ok) {
      // A lost cache entry only means the task runs again next time: nothing waits for it.
      ctx.background(
        writeCacheEntry(ctx.stateDir, {key: cacheKey, runId: ctx.run.id, runName: ctx.run.name, task: t.key, outputs: collected.outputs, createdAt: ctx.now().toISOString()}).catch(() => {}),
      )
      return {outcome: {status: 'succeeded', cacheKey, exitCode, outputs: collected.outputs}}
    }
    const failure = collected.problems.join('; ')
    log.write(`kfp: ${failure}\n`)
    return {failure, exitCode}
  } catch (err) {
    const failure = (err as Error).message
    log.write(`kfp: ${failure}\n`)
    return {failure}
  }
}

/** A full disk under a step's outputs: the run's fault, and the same as a clause of the step's failure message. */
interface FullDisk {
  /** `The disk holding DIR is full (ENOSPC).` */
  fault: RunFault
  /** `the disk holding DIR is full (ENOSPC)` */
  clause: string
}

/**
 * A failed step may have failed because a folder it writes its outputs to is on a full disk (its own error, e.g.
 * `dd: error writing …: No space left on device`, is in its log): the first such folder, if any.
 */
async function fullDiskUnder(dirs: string[]): Promise<FullDisk | undefined> {
  for (const dir of new Set(dirs)) {
    const fs = await statfs(dir).catch(() => undefined)
    const what = `disk holding ${dir} is full (ENOSPC)`
    if (fs && fs.bavail === 0) return {fault: {code: 'ENOSPC', path: dir, message: `The ${what}.`}, clause: `the ${what}`}
  }
  return undefined
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, {once: true})
  })
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}

/** Reads what the step wrote and merges it as the launcher does (core/engine/executor-io.ts mergeExecutorOutputs). */
async function collectOutputs(
  t: ContainerTask,
  ei: ExecutorInput,
  log: TaskLogWriter,
): Promise<{ok: true; outputs: TaskOutputs} | {ok: false; problems: string[]}> {
  const eo = parseExecutorOutput(await readIfExists(ei.outputs.outputFile))
  if (!eo.ok) return {ok: false, problems: [`${eo.error} (${ei.outputs.outputFile})`]}
  const texts: Record<string, string | undefined> = {}
  for (const [n, p] of Object.entries(ei.outputs.parameters)) if (eo.value.parameterValues[n] === undefined) texts[n] = await readIfExists(p.outputFile)
  const merged = mergeExecutorOutputs(ei, eo.value, t.component, texts)
  if (merged.problems.length) return {ok: false, problems: merged.problems}
  for (const [n, a] of Object.entries(merged.artifacts)) {
    // "We allow components to not produce output files" (launcher_v2.go uploadOutputArtifacts): a warning only.
    if (!a.uri.startsWith('gs://') || a.customPath) {
      if (!(await exists(artifactPath(a)))) log.write(`kfp: output artifact '${n}' was not written (${artifactPath(a)}); recorded without a file, as the launcher allows.\n`)
    }
  }
  return {ok: true, outputs: {parameters: merged.parameters, artifacts: merged.artifacts}}
}
