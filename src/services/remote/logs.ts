import type {Ctx} from '../../ctx.js'
import {createKubeClient, type KubeClient, type KubeLogWindow, type KubePod} from '../../clients/kube.js'
import type {KfpRun} from '../../clients/kfp-api.js'
import type {MlmdArtifact} from '../../clients/mlmd.js'
import {k8sName, uniqueName} from '../../core/compile/names.js'
import type {LogWindow} from '../../core/logs/window.js'
import {templatePathOf} from '../../core/engine/naming.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {startStepRecordOf, type ReusedStep, type StartStepRecord} from '../../core/remote/start-step-record.js'
import {specSteps} from '../../core/remote/steps.js'
import {nameList} from '../../core/project/names.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {textLines} from '../../lib/text-lines.js'
import {loadProject} from '../project/load.js'
import {connectRemote, type RemoteSession} from './connect.js'
import {describeRun, namesStep, resolveRemoteRunId, RunStepsReader, type RemoteRunInfo, type RemoteTaskInfo} from './runs.js'

/**
 * Where a step's log was read from, in the order kfp tries them (as the KFP UI does, frontend/src/components/tabs/
 * RuntimeNodeDetailsV2.tsx getLogsInfo): the pod through the Kubernetes API (your kubeconfig), the pod through the UI
 * server's `/k8s/pod/logs` (live pods, and archived logs where the archive is reachable), then the `executor-logs`
 * artifact the launcher uploads for each executed step, through the UI's `/artifacts/get`.
 */
export type LogSource = 'kubernetes' | 'ui' | 'executor-logs'

/** The step (task) a KFP pod runs, from Argo's node-name annotation (`<wf>.root.<task>.executor`) or the pod name. */
export function stepOfPod(p: KubePod): string | undefined {
  const node = p.annotations['workflows.argoproj.io/node-name'] ?? ''
  const m = /\.root(?:\(\d+\))?\.([^.]+?)(?:\(\d+\))?(?:\.executor(?:\(\d+\))?)?$/.exec(node) ?? /\.([^.]+)$/.exec(node)
  if (m) return m[1].replace(/\(\d+\)$/, '')
  return p.labels['pipelines.kubeflow.org/task_name'] ?? undefined
}

/** True for the pods that run user code (v2 launcher pods with a `main` container), not drivers. */
export function isUserPod(p: KubePod): boolean {
  const role = p.annotations['pipelines.kubeflow.org/runtime-role']
  if (role) return role === 'launcher'
  const node = p.annotations['workflows.argoproj.io/node-name'] ?? ''
  return p.containers.includes('main') && !/-driver(\(\d+\))?$/.test(node)
}

async function kubeOf(ctx: Ctx): Promise<KubeClient> {
  return ctx.clients.kube ? ctx.clients.kube() : createKubeClient(ctx.env)
}

/** The namespace of a step's pod: ML Metadata's `namespace`, else the target's (multi-user profile), else `kubeflow`. */
const podNamespace = (s: RemoteSession, t?: RemoteTaskInfo) => t?.namespace || s.namespace || 'kubeflow'

/** The Kubernetes log API's window for a LogWindow. */
function kubeWindow(w: LogWindow | undefined, now: number): KubeLogWindow {
  return {
    tailLines: w?.tail,
    sinceSeconds: w?.sinceMs === undefined ? undefined : Math.max(1, Math.ceil((now - w.sinceMs) / 1000)),
    timestamps: w?.timestamps || w?.sinceMs !== undefined ? true : undefined,
  }
}

/** Splits a line the Kubernetes API time-stamped (`2025-01-01T12:00:00.123456789Z text`) into time and text. */
function splitStamp(line: string): {line: string; timeMs?: number} {
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (.*)$/s.exec(line)
  if (!m) return {line}
  return {line: m[2], timeMs: Date.parse(m[1])}
}

export type LogLine = (step: string, line: string, timeMs?: number) => void

/** Reads (or follows) one pod's `main` container through the Kubernetes API, applying the window there. */
async function kubeLog(kube: KubeClient, ns: string, pod: string, step: string, o: {follow: boolean; signal: AbortSignal; window?: LogWindow; onLine: LogLine; now: number}): Promise<void> {
  const w = kubeWindow(o.window, o.now)
  const split = textLines((raw) => {
    const {line, timeMs} = w.timestamps ? splitStamp(raw) : {line: raw, timeMs: undefined}
    if (o.window?.sinceMs !== undefined && timeMs !== undefined && timeMs < o.window.sinceMs) return
    o.onLine(step, line, timeMs)
  })
  await kube.streamLog(ns, pod, 'main', {follow: o.follow, signal: o.signal, onChunk: split.push, ...w})
  split.flush()
}

/** A whole log text (from the UI), cut to the window: the last N lines; --since and --timestamps need per-line times it has none of. */
function emitWhole(text: string, step: string, window: LogWindow | undefined, onLine: LogLine): void {
  if (!text) return
  let lines = text.replace(/\n$/, '').split('\n')
  if (window?.tail !== undefined) lines = window.tail === 0 ? [] : lines.slice(-window.tail)
  for (const l of lines) onLine(step, l)
}

/** `gs://b/k` → the UI's storage path (`source`, `bucket`, `key`), as WorkflowParser.parseStoragePath does. */
export function storagePathOf(uri: string): {source: string; bucket: string; key: string} | undefined {
  const m = /^(gs|minio|s3|https?):\/\/([^/]+)\/(.*)$/.exec(uri)
  if (!m) return undefined
  return {source: m[1] === 'gs' ? 'gcs' : m[1], bucket: m[2], key: m[3]}
}

/** A step with a log of its own in this run: it has a pod, and was not taken from cache, skipped or left pending. */
const hasOwnLog = (t: RemoteTaskInfo): t is RemoteTaskInfo & {podName: string} => Boolean(t.podName) && t.status !== 'cached' && t.status !== 'pending' && t.status !== 'skipped'

const createdDate = (t: RemoteTaskInfo, run: KfpRun) => (t.startedAt ?? run.created_at ?? '').slice(0, 10)

type StepMatch = (t: RemoteTaskInfo) => boolean

/**
 * Step `N` or a name → which of the run's steps it names (a loop step's name names all its iterations), decided once
 * (a number is looked up in the run's spec) and applied to each description of the run (`-f` sees new iterations).
 * Throws STEP_NOT_FOUND for a number the spec does not have, or a name none of `info`'s steps has.
 */
async function stepMatch(reader: RunStepsReader, run: KfpRun, info: RemoteRunInfo, step: string, where: {cwd: string; project?: string; target?: string}, ctx: Ctx): Promise<StepMatch> {
  if (/^\d+$/.test(step)) {
    const n = Number(step)
    const spec = await reader.spec(run)
    // A --start-step run keeps the pipeline's numbers of its steps (its spec lost the steps before N), as kfp runs get
    // shows them; otherwise the project's, when it is the run's pipeline.
    const record = startStepRecordOf(run, spec)
    const numbers = record?.numbers ?? (await projectStepNumbers(spec, where, ctx))
    // The importers kfp added for it have no number (kfp runs get shows them without one).
    const steps = spec ? specSteps(spec, numbers).filter((x) => !(record && Object.hasOwn(record.imports, x.path))) : []
    const wanted = steps.find((x) => x.number === n)
    const reused = wanted ? undefined : record?.reused.find((x) => x.number === n)
    if (reused) throw notRunHere(run, n, reused, record!.start, where.target)
    if (!wanted) {
      throw new CliError('STEP_NOT_FOUND', `Run ${run.run_id} has no step ${n}${steps.length ? `. Steps: ${nameList([...steps].sort((a, b) => a.number - b.number).map((x) => `${x.number}. ${x.name}`))}` : ' (its spec has no numbered steps; pass the step name)'}.`, {
        exit: EXIT.USAGE,
      })
    }
    return (t) => templatePathOf(t.key) === wanted.path
  }
  const named: StepMatch = (t) => namesStep(t, step) || templatePathOf(t.key) === step
  if (!info.tasks.some(named)) {
    throw new CliError('STEP_NOT_FOUND', `Run ${run.run_id} has no step '${step}'${info.tasks.length ? ` (steps: ${nameList(info.tasks.map((t) => t.name))})` : ''}.`, {exit: EXIT.USAGE})
  }
  return named
}

/** Step `n` of a --start-step run was not run there: its outputs came from another run, where its log is. */
function notRunHere(run: KfpRun, n: number, reused: ReusedStep, start: StartStepRecord['start'], target: string | undefined): CliError {
  const from = reused.fromRun
  const source = from ? `run ${from.name} (${from.id})` : 'the values given with --set-output'
  const flag = from?.where === 'local' ? ' --target local' : target ? ` --target ${target}` : ''
  return new CliError('STEP_NOT_FOUND', `Step ${n} (${reused.step}) did not run in run ${run.run_id}: it started at step ${start.number} (${start.step}) and reused the outputs of ${source}.`, {
    exit: EXIT.USAGE,
    hints: from ? [`Its log: kfp logs ${from.id} ${n}${flag}`] : [],
  })
}

/**
 * The project's step numbers (`kfp steps`) when the project in the folder is the run's pipeline, so numbers stay right
 * for a `--start-step` run whose spec lost the skipped steps; otherwise undefined (the run spec's order).
 */
async function projectStepNumbers(spec: PipelineSpec | undefined, where: {cwd: string; project?: string}, ctx: Ctx): Promise<Record<string, number> | undefined> {
  try {
    const project = await loadProject({cwd: where.cwd, project: where.project}, ctx)
    if (!spec || project.name !== spec.pipelineInfo?.name) return undefined
    const taken = new Set<string>()
    const numbers: Record<string, number> = {}
    project.steps.forEach((step, i) => {
      const base = k8sName(step.name)
      if (!base) return
      const task = uniqueName(base, taken)
      taken.add(task)
      numbers[task] = i + 1
    })
    return numbers
  } catch (error) {
    if (!isCliError(error)) throw error
    return undefined
  }
}

export interface RemoteLogsOptions {
  /** Folder to find the project in (to number steps as `kfp steps` does). */
  cwd?: string
  project?: string
  target?: string
  runId: string
  step?: string
  follow?: boolean
  window?: LogWindow
  onLine: LogLine
  onEvent?: (e: LogsEvent) => void
}

export type LogsEvent =
  | {type: 'fallback'; step?: string; from: LogSource; to: LogSource; reason: string}
  | {type: 'note'; step: string; message: string}

export interface RemoteLogsResult {
  runId: string
  steps: string[]
  /** The source each step's log came from. */
  sources: Record<string, LogSource>
  /** The first source used (all steps' when they agree). */
  source: LogSource | 'none'
}

/** The step's `executor-logs` artifact (ML Metadata), read through the UI's /artifacts/get. */
async function executorLogs(s: RemoteSession, t: RemoteTaskInfo, artifacts: MlmdArtifact[]): Promise<string> {
  const a = artifacts.filter((x) => x.executionId === t.executionId && /^executor-logs/.test(x.name)).at(-1)
  if (!a) throw new CliError('LOGS_UNAVAILABLE', `step ${t.name} has no executor-logs artifact in ML Metadata`, {exit: EXIT.REMOTE})
  const p = storagePathOf(a.uri)
  if (!p) throw new CliError('LOGS_UNAVAILABLE', `the executor-logs artifact of ${t.name} is at ${a.uri}, which the KFP UI cannot read`, {exit: EXIT.REMOTE})
  return s.api.uiReadArtifact({...p, namespace: t.namespace || s.namespace})
}

/**
 * `kfp logs RUN [STEP] [-f] [--tail N] [--since D] [--timestamps]` on a server. The steps and their pods come from
 * ML Metadata (execution `pod_name`, `namespace`: the server never names pods in task_details). Each step's log is read
 * from the first source that has it (LogSource); every fallback is reported with its reason. With -f, pods are
 * followed through the Kubernetes API as they start; without it, the UI endpoint is polled for new lines.
 */
export async function remoteLogs(o: RemoteLogsOptions, ctx: Ctx): Promise<RemoteLogsResult> {
  return logsOfRun(await connectRemote({target: o.target}, ctx), o, ctx)
}

async function logsOfRun(s: RemoteSession, o: RemoteLogsOptions, ctx: Ctx): Promise<RemoteLogsResult> {
  const runId = await resolveRemoteRunId(s, o.runId)
  const run = await s.api.getRun(runId)
  // One reader for the run: its spec is read once, however often -f describes the run again.
  const reader = new RunStepsReader(s, {retryMlmd: true})
  const info = await describeRun(s, run, ctx, {reader})
  if (info.stepsFrom !== 'ml-metadata') {
    throw new CliError('MLMD_UNAVAILABLE', `Cannot tell which pods ran the steps of run ${runId}: ${info.warnings[0] ?? 'ML Metadata has no record of it'}.`, {
      exit: EXIT.REMOTE,
      hints: ['ML Metadata is read through the KFP UI: use the UI (port-forward svc/ml-pipeline-ui 8080:80) or the Kubeflow host as the endpoint.'],
    })
  }
  const where = {cwd: o.cwd ?? ctx.cwd, project: o.project, target: o.target}
  const match = o.step ? await stepMatch(reader, run, info, o.step, where, ctx) : undefined
  const chosen = match ? info.tasks.filter(match) : info.tasks
  let kube: KubeClient | undefined
  let kubeDown: string | undefined
  try {
    kube = await kubeOf(ctx)
  } catch (error) {
    if (!isCliError(error)) throw error
    kubeDown = error.message
  }
  const sources: Record<string, LogSource> = {}
  let kubeReported = false
  let artifacts: MlmdArtifact[] | undefined
  const loadArtifacts = async () => (artifacts ??= await (await s.mlmd()).outputArtifacts(info.tasks.map((t) => t.executionId!).filter((x) => x !== undefined)))
  const fallback = (step: string, from: LogSource, to: LogSource, reason: string) => o.onEvent?.({type: 'fallback', step, from, to, reason})

  if (o.follow) return followLogs(s, run, info, {...o, kube, kubeDown, match, reader}, ctx)

  for (const t of chosen) {
    if (!hasOwnLog(t)) {
      o.onEvent?.({type: 'note', step: t.name, message: t.status === 'cached' ? 'this step output is taken from cache (no log in this run)' : `did not run (${t.status})`})
      continue
    }
    const ns = podNamespace(s, t)
    if (kube && !kubeDown) {
      try {
        await kubeLog(kube, ns, t.podName, t.name, {follow: false, signal: ctx.signal, window: o.window, onLine: o.onLine, now: ctx.now().getTime()})
        sources[t.name] = 'kubernetes'
        continue
      } catch (error) {
        if (!isCliError(error)) throw error
        const gone = error.data?.status === 404 || /not found/i.test(error.message)
        if (!gone) kubeDown = error.message
        fallback(t.name, 'kubernetes', 'ui', gone ? `pod ${t.podName} is gone` : error.message)
      }
    } else if (kubeDown && !kubeReported) {
      kubeReported = true
      o.onEvent?.({type: 'fallback', from: 'kubernetes', to: 'ui', reason: kubeDown})
    }
    if (o.window?.sinceMs !== undefined || o.window?.timestamps) o.onEvent?.({type: 'note', step: t.name, message: 'the KFP UI serves whole logs without times: --since and --timestamps are not applied'})
    try {
      emitWhole(await s.api.uiPodLogs({podname: t.podName, runid: runId, podnamespace: ns, createdat: createdDate(t, run)}), t.name, o.window, o.onLine)
      sources[t.name] = 'ui'
      continue
    } catch (error) {
      if (!isCliError(error)) throw error
      fallback(t.name, 'ui', 'executor-logs', `the KFP UI has no log of pod ${t.podName} (${error.message})`)
    }
    try {
      emitWhole(await executorLogs(s, t, await loadArtifacts()), t.name, o.window, o.onLine)
      sources[t.name] = 'executor-logs'
    } catch (error) {
      if (!isCliError(error)) throw error
      throw new CliError('LOGS_UNAVAILABLE', `No log of step ${t.name} in run ${runId}: not from Kubernetes, nor the KFP UI, nor its executor-logs artifact (${error.message}).`, {
        exit: EXIT.REMOTE,
        hints: ['The launcher uploads executor-logs unless the server turned it off; open the run in the KFP UI: ' + info.url],
      })
    }
  }
  const used = [...new Set(Object.values(sources))]
  return {runId, steps: chosen.map((t) => t.name), sources, source: used.length ? used[0] : 'none'}
}

/**
 * The Kubernetes log streams of a run's steps, shared by `kfp logs -f` and `kfp run --watch`: one stream per step
 * instance at a time; lines are counted per step, so a stream opened again after a failure skips the lines already
 * printed (it reads the log from its start: exact without --tail) and whole-log polling of the UI can start after them;
 * a pod Kubernetes does not know (404: deleted, or in another namespace) is gone for that step only.
 */
export interface PodStreams {
  /** Opens the step's stream unless one is open, or its pod is gone; true when it opened one. */
  open(t: RemoteTaskInfo, ns: string): boolean
  isOpen(key: string): boolean
  isGone(key: string): boolean
  /** Lines printed for a step so far (by any source). */
  seen: Map<string, number>
  settled(): Promise<unknown>
}

export function podStreams(
  kube: KubeClient,
  o: {signal: AbortSignal; window?: LogWindow; onLine: LogLine; now: () => number; onFail: (t: RemoteTaskInfo, error: CliError, gone: boolean) => void},
): PodStreams {
  const open = new Set<string>()
  const gone = new Set<string>()
  const seen = new Map<string, number>()
  const streams: Promise<void>[] = []
  return {
    seen,
    isOpen: (key) => open.has(key),
    isGone: (key) => gone.has(key),
    settled: () => Promise.allSettled(streams),
    open(t, ns) {
      if (open.has(t.key) || gone.has(t.key) || !t.podName) return false
      open.add(t.key)
      const skip = seen.get(t.key) ?? 0
      let n = 0
      const onLine: LogLine = (step, line, timeMs) => {
        if (++n <= skip) return
        seen.set(t.key, n)
        o.onLine(step, line, timeMs)
      }
      streams.push(
        kubeLog(kube, ns, t.podName, t.name, {follow: true, signal: o.signal, window: skip ? undefined : o.window, onLine, now: o.now()}).catch((error) => {
          if (!isCliError(error)) throw error
          open.delete(t.key)
          const is404 = (error.data as {status?: number} | undefined)?.status === 404
          if (is404) gone.add(t.key)
          o.onFail(t, error, is404)
        }),
      )
      return true
    },
  }
}

/**
 * -f: follows the chosen steps until the run ends (or Ctrl-C). Through the Kubernetes API each pod's stream is opened
 * as ML Metadata names it; without cluster access, the UI's `/k8s/pod/logs` is polled and only new lines are printed.
 */
async function followLogs(
  s: RemoteSession,
  run: KfpRun,
  first: RemoteRunInfo,
  o: RemoteLogsOptions & {kube?: KubeClient; kubeDown?: string; match?: StepMatch; reader: RunStepsReader},
  ctx: Ctx,
): Promise<RemoteLogsResult> {
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  ctx.signal.addEventListener('abort', onAbort, {once: true})
  const sources: Record<string, LogSource> = {}
  let kubeDown = o.kubeDown
  // Any other failure than a 404 (refused, unreachable) moves every later step to the UI.
  const pods = o.kube
    ? podStreams(o.kube, {
        signal: stop.signal,
        window: o.window,
        onLine: o.onLine,
        now: () => ctx.now().getTime(),
        onFail: (t, error, gone) => {
          o.onEvent?.({type: 'fallback', step: t.name, from: 'kubernetes', to: 'ui', reason: error.message})
          if (!gone) kubeDown = error.message
        },
      })
    : undefined
  if (kubeDown) o.onEvent?.({type: 'fallback', from: 'kubernetes', to: 'ui', reason: kubeDown})
  const uiSeen = new Map<string, number>()
  let info = first
  let current = run
  try {
    for (;;) {
      const chosen = o.match ? info.tasks.filter(o.match) : info.tasks
      for (const t of chosen) {
        if (!hasOwnLog(t)) continue
        const ns = podNamespace(s, t)
        if (pods && !kubeDown && !pods.isGone(t.key)) {
          if (pods.open(t, ns)) sources[t.name] = 'kubernetes'
        } else if (!pods?.isOpen(t.key)) {
          // Whole-log polling: print what is new since the last read. A step whose Kubernetes stream is open or ended
          // well keeps it; only steps without one (or whose stream failed) are polled.
          const text = await s.api.uiPodLogs({podname: t.podName, runid: current.run_id, podnamespace: ns, createdat: createdDate(t, current)}).catch(() => undefined)
          if (text === undefined) continue
          sources[t.name] = 'ui'
          const lines = text.replace(/\n$/, '').split('\n').filter((l, i, a) => l !== '' || i < a.length - 1)
          const seen = pods?.seen ?? uiSeen
          const from = seen.get(t.key) ?? (o.window?.tail !== undefined ? Math.max(0, lines.length - o.window.tail) : 0)
          for (const l of lines.slice(from)) o.onLine(t.name, l)
          seen.set(t.key, Math.max(from, lines.length))
        }
      }
      if (stop.signal.aborted || ['SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED'].includes(current.state ?? '')) break
      await new Promise((r) => setTimeout(r, 700))
      current = await s.api.getRun(current.run_id ?? '')
      info = await describeRun(s, current, ctx, {reader: o.reader})
    }
    // Let the streams deliver their last lines.
    await until(pods?.settled(), Date.now() + 2000)
  } finally {
    stop.abort()
    await pods?.settled()
    ctx.signal.removeEventListener('abort', onAbort)
  }
  const used = [...new Set(Object.values(sources))]
  return {runId: run.run_id ?? '', steps: info.tasks.map((t) => t.name), sources, source: used.length ? used[0] : 'none'}
}

/** Resolves when `p` settles or at `deadline`, whichever comes first (its timer cleared: nothing left to keep the process up). */
async function until(p: Promise<unknown> | undefined, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))))])
  clearTimeout(timer)
}

/** The log streams of `kfp run --watch`: fed by watchRemoteRun's poll (no poll of their own). */
export interface RunLogFollower {
  /** Opens the streams of the steps this description shows running or done (and again those that broke). */
  follow(info: RemoteRunInfo): void
  /** Once the run has ended: lets the streams deliver their last lines (opening broken ones again) for up to `ms`. */
  finish(ms: number): Promise<void>
}

/**
 * Follows the logs of a run's steps while `kfp run --watch` watches it (Kubernetes API only; a watch without cluster
 * access shows no logs and `onWarning` says so once). The Kubernetes client loads while the watch starts; the
 * descriptions seen before it is ready are caught up with the latest. A stream that breaks is opened again at the
 * next description and goes on after the lines already printed; a step whose pod Kubernetes does not know (404) is
 * not followed again, said once.
 */
export function runLogFollower(
  s: RemoteSession,
  runId: string,
  o: {signal: AbortSignal; onLine: (step: string, line: string) => void; onWarning?: (message: string) => void},
  ctx: Ctx,
): RunLogFollower {
  let pods: PodStreams | undefined
  let last: RemoteRunInfo | undefined
  const openAll = (info: RemoteRunInfo) => {
    if (!pods) return false
    let opened = false
    for (const t of info.tasks) {
      if (hasOwnLog(t)) opened = pods.open(t, podNamespace(s, t)) || opened
    }
    return opened
  }
  const ready = kubeOf(ctx).then(
    (kube) => {
      pods = podStreams(kube, {
        signal: o.signal,
        onLine: o.onLine,
        now: () => Date.now(),
        onFail: (t, error, gone) => {
          if (gone) o.onWarning?.(`Step ${t.name}: Kubernetes has no pod ${t.podName} (${error.message}); its log is not followed. \`kfp logs ${runId} ${t.name}\` reads it through the KFP UI.`)
        },
      })
      if (last && !o.signal.aborted) openAll(last)
    },
    (error: Error) => o.onWarning?.(`Cannot stream logs: ${error.message} \`kfp logs ${runId}\` reads them through the KFP UI.`),
  )
  return {
    follow(info) {
      last = info
      if (!o.signal.aborted) openAll(info)
    },
    async finish(ms) {
      const deadline = Date.now() + ms
      await until(ready, deadline)
      for (;;) {
        await until(pods?.settled(), deadline)
        if (o.signal.aborted || Date.now() >= deadline || !last || !openAll(last)) return
        // A stream broke near the end: it was opened again; wait a moment before looking again.
        await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))))
      }
    },
  }
}

/** The last `n` lines of a step's log from whichever source has it (for failure messages); undefined when none does. */
export async function stepLogTail(s: RemoteSession, run: RemoteRunInfo, step: string, n: number, ctx: Ctx): Promise<{lines: string[]; source: LogSource} | undefined> {
  const lines: string[] = []
  try {
    const r = await logsOfRun(s, {runId: run.id, step, window: {tail: n}, onLine: (_s, l) => lines.push(l)}, ctx)
    return r.source === 'none' ? undefined : {lines: lines.slice(-n), source: r.source}
  } catch {
    return undefined
  }
}
