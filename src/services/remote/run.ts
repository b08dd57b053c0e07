import {readParamsFile} from '../run/params-file.js'
import type {Ctx} from '../../ctx.js'
import type {CreateRunBody} from '../../clients/kfp-api.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {serverRunParameters} from '../../core/remote/spec.js'
import {MAX_SPEC_DESCRIPTION, runDescription, specWithRecord} from '../../core/remote/start-step-record.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {connectRemote} from './connect.js'
import {ensureExperiment} from './resources.js'
import {rememberTerminated, remoteRunInfo, runDidNotSucceed, watchRemoteRun, type RemoteRunInfo, type WatchEvent} from './runs.js'
import type {RunLogFollower} from './logs.js'
import {ensureUploaded, loadPipelineSource, type PipelineSource, type UploadEvent, type UploadResult} from './upload.js'
import {planRemoteStartStep, type RemoteStartStepSummary} from './start-step.js'

export type RemoteRunEvent =
  | UploadEvent
  | WatchEvent
  | {type: 'experiment'; name: string; id: string; created: boolean}
  | {type: 'run-created'; runId: string; name: string; url: string}
  | {type: 'log'; task: string; line: string}
  | {type: 'warning'; message: string}
  | {type: 'start-step'; summary: RemoteStartStepSummary}
  | {type: 'interrupted'; runId: string; cancelled: boolean}

/** Options of `kfp run` on a kfp target (same flags as a local run where they mean the same). */
export interface RemoteRunOptions {
  cwd: string
  project?: string
  /** A compiled file to run instead of the project (--local FILE / a file argument). */
  file?: string
  target?: string
  params: string[]
  paramsFile?: string
  name?: string
  description?: string
  experiment?: string
  /** Disable caching for every task (run-level override, applied to the spec like the SDK does). */
  noCache?: boolean
  startStep?: string
  setOutputs?: string[]
  fromRun?: string
  /** --local-outputs: --start-step takes the skipped steps' outputs from a local run (with a warning). */
  localOutputs?: boolean
  watch?: boolean
  cancelOnInterrupt?: boolean
  /** Stream step logs while watching (default true when watching). */
  logs?: boolean
  pollMs?: number
  onEvent?: (e: RemoteRunEvent) => void
}

export interface RemoteRunResult {
  run: RemoteRunInfo
  /** How the pipeline was sent: an uploaded version (reused or new) or an inline spec. */
  pipeline: {mode: 'version'; upload: UploadResult} | {mode: 'inline'; reason: string}
  experiment: {id: string; name: string}
  watched: boolean
  startStep?: RemoteStartStepSummary
}

/** Applies the run-level caching override to `root.dag.tasks` (as the Python SDK does client-side). */
export function disableCaching<T extends {root: {dag?: {tasks?: Record<string, {cachingOptions?: unknown}>}}}>(spec: T): T {
  const copy = structuredClone(spec)
  for (const t of Object.values(copy.root.dag?.tasks ?? {})) t.cachingOptions = {}
  return copy
}

/**
 * `kfp run` on a KFP server: compiles (or reads) the pipeline, uploads it when the server does not have this content
 * yet (or sends an inline spec for --no-cache and --start-step), gets/creates the experiment, creates the run,
 * and with `watch` follows it to the end. A run that does not succeed throws RUN_FAILED/RUN_CANCELLED (exit 7);
 * Ctrl-C while watching stops watching (and cancels the run with `cancelOnInterrupt`) and throws INTERRUPTED.
 */
export async function remoteRun(o: RemoteRunOptions, ctx: Ctx): Promise<RemoteRunResult> {
  const src: PipelineSource = await loadPipelineSource({cwd: o.cwd, file: o.file, project: o.project}, ctx)
  const file = o.paramsFile ? await readParamsFile(o.paramsFile, o.cwd) : undefined
  const {resolved: params, parameters} = serverRunParameters(src.spec, o.params, file?.values, file?.origin)

  const session = await connectRemote({target: o.target, onEvent: o.onEvent as never}, ctx)
  const target = session.target.config
  // Constructs a KFP server cannot run (kfp compile says the same): said before the run is created.
  for (const w of src.warnings) o.onEvent?.({type: 'warning', message: w})

  let spec = src.spec as Record<string, unknown>
  let inlineReason: string | undefined
  let startStep: RemoteStartStepSummary | undefined
  if (o.startStep) {
    const planned = await planRemoteStartStep(
      {spec: src.spec as never, taskOfStep: src.taskOfStep, startStep: o.startStep, setOutputs: o.setOutputs ?? [], fromRun: o.fromRun, localOutputs: o.localOutputs, params: params.values, projectDir: src.dir, session},
      ctx,
    )
    spec = planned.spec as unknown as Record<string, unknown>
    startStep = planned.summary
    for (const w of planned.summary.warnings) o.onEvent?.({type: 'warning', message: w})
    o.onEvent?.({type: 'start-step', summary: planned.summary})
    inlineReason = `--start-step ${o.startStep}`
  }
  if (o.noCache) {
    spec = disableCaching(spec as never)
    inlineReason = inlineReason ? `${inlineReason}, --no-cache` : '--no-cache'
  }

  const experimentName = o.experiment ?? target.experiment ?? src.spec.pipelineInfo.name
  const exp = await ensureExperiment(session, experimentName)
  o.onEvent?.({type: 'experiment', name: experimentName, id: exp.experiment.experiment_id!, created: exp.created})

  let upload: UploadResult | undefined
  // What --start-step reused, and from where, stays with the run (kfp runs get and kfp logs N read it back): in its
  // description when it fits (MySQL keeps 255 characters of it), and in its own pruned spec's pipelineInfo.description
  // (core/remote/start-step-record.ts runDescription, specWithRecord).
  const {description, recordKept} = runDescription(o.description, startStep?.record)
  if (startStep) {
    const withRecord = specWithRecord(spec as unknown as PipelineSpec, startStep.record)
    if (withRecord) spec = withRecord as unknown as Record<string, unknown>
    else if (!recordKept) {
      o.onEvent?.({
        type: 'warning',
        message: `What --start-step reused is not kept with the run: it needs more than the ${MAX_SPEC_DESCRIPTION} characters of the pipeline's description. kfp runs get will not list the steps before ${startStep.record.start.number} nor the run their outputs came from, and numbers the steps the run has from 1.`,
      })
    }
  }
  const body: CreateRunBody = {
    display_name: o.name ?? `${src.spec.pipelineInfo.name} ${ctx.now().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    description,
    experiment_id: exp.experiment.experiment_id,
    runtime_config: {parameters, ...(target.pipelineRoot ? {pipeline_root: target.pipelineRoot} : {})},
  }
  if (inlineReason) {
    body.pipeline_spec = src.platformSpec ? {pipeline_spec: spec, platform_spec: src.platformSpec} : spec
  } else {
    upload = await ensureUploaded(session, src, {onEvent: o.onEvent}, ctx)
    body.pipeline_version_reference = {pipeline_id: upload.pipelineId, pipeline_version_id: upload.versionId}
  }
  // Never retried: a run must not start twice.
  const created = await session.api.createRun(body)
  const info = remoteRunInfo(created, session.api.endpoint, session.target.name)
  o.onEvent?.({type: 'run-created', runId: info.id, name: info.name, url: info.url})
  const result = (run: RemoteRunInfo, watched: boolean): RemoteRunResult => ({
    run,
    pipeline: upload ? {mode: 'version', upload} : {mode: 'inline', reason: inlineReason!},
    experiment: {id: exp.experiment.experiment_id!, name: experimentName},
    watched,
    startStep,
  })
  if (!o.watch) return result(info, false)

  const logAbort = new AbortController()
  const stopLogs = () => logAbort.abort()
  ctx.signal.addEventListener('abort', stopLogs, {once: true})
  let logs: RunLogFollower | undefined
  if (o.logs !== false) {
    const {runLogFollower} = await import('./logs.js')
    const onWarning = (message: string) => o.onEvent?.({type: 'warning', message})
    logs = runLogFollower(session, info.id, {signal: logAbort.signal, onLine: (task, line) => o.onEvent?.({type: 'log', task, line}), onWarning}, ctx)
  }
  try {
    // One poll: each description of the run also opens the log streams of the steps it shows started.
    const watched = await watchRemoteRun(session, info.id, {pollMs: o.pollMs, signal: ctx.signal, onEvent: o.onEvent, onInfo: logs?.follow}, ctx)
    if (watched.interrupted) {
      let cancelled = false
      if (o.cancelOnInterrupt) {
        await session.api.terminateRun(info.id)
        await rememberTerminated(session, info.id, ctx)
        cancelled = true
      }
      o.onEvent?.({type: 'interrupted', runId: info.id, cancelled})
      throw new CliError(
        'INTERRUPTED',
        cancelled ? `Stopped watching and cancelled run ${info.id}.` : `Stopped watching. Run ${info.id} goes on on the server.`,
        {
          exit: EXIT.INTERRUPTED,
          data: {runId: info.id, cancelled},
          hints: cancelled ? [info.url] : [`Cancel it: kfp runs cancel ${info.id} --target ${session.target.name}`, `Watch again: kfp runs get ${info.id} --target ${session.target.name}`],
        },
      )
    }
    const final = watched.info ?? remoteRunInfo(watched.run, session.api.endpoint, session.target.name)
    if (final.status !== 'succeeded') throw await runDidNotSucceed(final, {session, ctx})
    return result(final, true)
  } finally {
    // Give the log streams a moment to flush the last lines, then stop them.
    await logs?.finish(1500)
    stopLogs()
    ctx.signal.removeEventListener('abort', stopLogs)
  }
}
