import type {Ctx} from '../../ctx.js'
import {createKubeClient, type KubeClient, type KubePod} from '../../clients/kube.js'
import type {KfpRun} from '../../clients/kfp-api.js'
import {k8sName, uniqueName} from '../../core/compile/names.js'
import {planTasks} from '../../core/engine/dag.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {loadProject} from '../project/load.js'
import {connectRemote, type RemoteSession} from './connect.js'

/** The step (task) a KFP pod runs, from Argo's node-name annotation (`<wf>.root.<task>.executor`) or the pod name. */
export function stepOfPod(p: KubePod): string | undefined {
  const node = p.annotations['workflows.argoproj.io/node-name'] ?? ''
  const m = /\.root\.([^.]+)(?:\.executor)?$/.exec(node) ?? /\.([^.]+)$/.exec(node)
  if (m) return m[1].replace(/\(\d+\)$/, '')
  return p.labels['pipelines.kubeflow.org/task_name'] ?? undefined
}

/** True for the pods that run user code (v2 launcher pods with a `main` container), not drivers. */
export function isUserPod(p: KubePod): boolean {
  const role = p.annotations['pipelines.kubeflow.org/runtime-role']
  if (role) return role === 'launcher'
  const node = p.annotations['workflows.argoproj.io/node-name'] ?? ''
  return p.containers.includes('main') && !node.endsWith('-driver')
}

async function kubeOf(ctx: Ctx): Promise<KubeClient> {
  return ctx.clients.kube ? ctx.clients.kube() : createKubeClient(ctx.env)
}

/** The namespace a run's pods live in: the target's namespace (multi-user profile) or `kubeflow`. */
const podNamespace = (s: RemoteSession) => s.namespace ?? 'kubeflow'

/**
 * Follows the logs of every user pod of a run (`pipeline/runid=<id>`), starting each step's `main` container as it
 * appears, until the signal aborts. Lines are reported with their step name.
 */
export async function followRunLogs(
  s: RemoteSession,
  runId: string,
  o: {signal: AbortSignal; onLine: (step: string, line: string) => void; step?: string | string[]; pollMs?: number},
  ctx: Ctx,
): Promise<void> {
  const kube = await kubeOf(ctx)
  const ns = podNamespace(s)
  const started = new Set<string>()
  const streams: Promise<void>[] = []
  while (!o.signal.aborted) {
    const pods = (await kube.listPods(ns, `pipeline/runid=${runId}`)).filter(isUserPod)
    for (const p of pods) {
      const step = stepOfPod(p) ?? p.name
      if (started.has(p.name) || p.phase === 'Pending' || (o.step && ![o.step].flat().includes(step))) continue
      started.add(p.name)
      let buf = ''
      streams.push(
        kube
          .streamLog(ns, p.name, 'main', {
            follow: true,
            signal: o.signal,
            onChunk: (text) => {
              buf += text
              let i
              while ((i = buf.indexOf('\n')) >= 0) {
                o.onLine(step, buf.slice(0, i))
                buf = buf.slice(i + 1)
              }
            },
          })
          .then(() => {
            if (buf) o.onLine(step, buf)
          }),
      )
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 1000))
  }
  await Promise.allSettled(streams)
}

/** The run's pipeline spec: inline, or the spec of the pipeline version it ran (unwrapping `{pipeline_spec, platform_spec}`). */
async function specOfRun(s: RemoteSession, run: KfpRun): Promise<PipelineSpec | undefined> {
  let spec = run.pipeline_spec as Record<string, unknown> | undefined
  const ref = run.pipeline_version_reference
  if (!spec && ref?.pipeline_id && ref.pipeline_version_id) spec = (await s.api.getPipelineVersion(ref.pipeline_id, ref.pipeline_version_id)).pipeline_spec
  if (spec && !spec.root && spec.pipeline_spec) spec = spec.pipeline_spec as Record<string, unknown>
  return spec?.root ? (spec as unknown as PipelineSpec) : undefined
}

/**
 * Step `N` of a server run → its task (key and display name). Numbers are the project's step numbers (`kfp steps`)
 * when the project in the folder is the run's pipeline, so they stay right for a `--start-step` run whose spec lost
 * the skipped steps; otherwise the position in the run spec's topological order (as for `kfp run --local FILE`).
 */
async function taskOfStepNumber(s: RemoteSession, run: KfpRun, n: number, where: {cwd: string; project?: string}, ctx: Ctx): Promise<{name: string; displayName: string}> {
  const spec = await specOfRun(s, run)
  let tasks: Array<{name: string; displayName: string; number: number}> = []
  if (spec) {
    let stepNumbers: Record<string, number> | undefined
    try {
      const project = await loadProject({cwd: where.cwd, project: where.project}, ctx)
      if (project.name === spec.pipelineInfo?.name) {
        // The task keys kfp compile gives the steps (same rule as compilePipeline).
        const taken = new Set<string>()
        stepNumbers = {}
        project.steps.forEach((step, i) => {
          const base = k8sName(step.name)
          if (!base) return
          const task = uniqueName(base, taken)
          taken.add(task)
          stepNumbers![task] = i + 1
        })
      }
    } catch (error) {
      if (!isCliError(error)) throw error
    }
    try {
      tasks = planTasks(spec, stepNumbers)
    } catch (error) {
      if (!isCliError(error)) throw error
    }
  }
  const t = tasks.find((x) => x.number === n)
  if (!t) {
    throw new CliError('STEP_NOT_FOUND', `Run ${run.run_id} has no step ${n}${tasks.length ? `. Steps: ${[...tasks].sort((a, b) => a.number - b.number).map((x) => `${x.number}. ${x.name}`).join(', ')}` : ' (its spec has no numbered steps; pass the step name)'}.`, {
      exit: EXIT.USAGE,
    })
  }
  return {name: t.name, displayName: t.displayName}
}

export interface RemoteLogsOptions {
  /** Folder to find the project in (to number steps as `kfp steps` does). */
  cwd?: string
  project?: string
  target?: string
  runId: string
  step?: string
  follow?: boolean
  onLine: (step: string, line: string) => void
  onEvent?: (e: {type: 'fallback'; reason: string}) => void
}

export interface RemoteLogsResult {
  runId: string
  steps: string[]
  source: 'kubernetes' | 'ui'
}

/**
 * `kfp logs RUN [STEP] [-f]` on a server: reads each step's `main` container from the Kubernetes API; when the
 * cluster is not reachable with the kubeconfig, falls back to the KFP UI's pod-log endpoint (whole logs, no follow).
 */
export async function remoteLogs(o: RemoteLogsOptions, ctx: Ctx): Promise<RemoteLogsResult> {
  const s = await connectRemote({target: o.target}, ctx)
  const {resolveRemoteRunId} = await import('./runs.js')
  const runId = await resolveRemoteRunId(s, o.runId)
  const ns = podNamespace(s)
  // STEP is a name or a step number; a number is turned into the task it names.
  let wanted: string[] | undefined = o.step ? [o.step] : undefined
  if (o.step && /^\d+$/.test(o.step)) {
    const t = await taskOfStepNumber(s, await s.api.getRun(runId), Number(o.step), {cwd: o.cwd ?? ctx.cwd, project: o.project}, ctx)
    wanted = [...new Set([t.name, t.displayName])]
  }
  const stepWanted = (step: string) => !wanted || wanted.includes(step)
  const stepShown = wanted?.[0]
  let kube: KubeClient | undefined
  let pods: KubePod[] | undefined
  try {
    kube = await kubeOf(ctx)
    pods = (await kube.listPods(ns, `pipeline/runid=${runId}`)).filter(isUserPod)
  } catch (error) {
    if (!isCliError(error)) throw error
    o.onEvent?.({type: 'fallback', reason: error.message})
  }
  if (kube && pods) {
    const steps = [...new Set(pods.map((p) => stepOfPod(p) ?? p.name))]
    if (wanted && !steps.some(stepWanted) && !o.follow) {
      throw new CliError('STEP_NOT_FOUND', `Run ${runId} has no pod for step '${stepShown}'${steps.length ? ` (steps with pods: ${steps.join(', ')})` : ''}.`, {exit: EXIT.USAGE})
    }
    if (o.follow) {
      const run = await s.api.getRun(runId)
      const stop = new AbortController()
      const onAbort = () => stop.abort()
      ctx.signal.addEventListener('abort', onAbort, {once: true})
      const following = followRunLogs(s, runId, {signal: stop.signal, onLine: o.onLine, step: wanted, pollMs: 500}, ctx)
      // Follow until the run is over (or Ctrl-C).
      let state = run.state
      while (!stop.signal.aborted && !['SUCCEEDED', 'FAILED', 'CANCELED', 'SKIPPED'].includes(state ?? '')) {
        await new Promise((r) => setTimeout(r, 1000))
        state = (await s.api.getRun(runId)).state
      }
      await new Promise((r) => setTimeout(r, 500))
      stop.abort()
      await following
      ctx.signal.removeEventListener('abort', onAbort)
      return {runId: runId, steps, source: 'kubernetes'}
    }
    for (const p of pods.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)))) {
      const step = stepOfPod(p) ?? p.name
      if (!stepWanted(step)) continue
      let text = ''
      await kube.streamLog(ns, p.name, 'main', {follow: false, signal: ctx.signal, onChunk: (t) => (text += t)})
      for (const line of text.replace(/\n$/, '').split('\n')) if (text) o.onLine(step, line)
    }
    return {runId: runId, steps, source: 'kubernetes'}
  }
  // Fallback: the UI server's pod log endpoint, with pod names from the run's task details.
  const run = await s.api.getRun(runId)
  const tasks = (run.run_details?.task_details ?? []).filter((t) => (t.pod_name || t.child_tasks?.some((c) => c.pod_name)) && stepWanted(t.display_name ?? ''))
  if (tasks.length === 0) {
    throw new CliError('KUBE_ERROR', `Cannot find the pods of run ${runId}: Kubernetes is not reachable and the server did not name them.`, {
      exit: EXIT.REMOTE,
      hints: ['Point kubectl at the cluster (KUBECONFIG) so kfp can read the pods, or open the run in the KFP UI.'],
    })
  }
  for (const t of tasks) {
    const pod = t.pod_name || t.child_tasks!.find((c) => c.pod_name)!.pod_name!
    const text = await s.api.uiPodLogs({podname: pod, podnamespace: ns, runid: runId})
    for (const line of text.replace(/\n$/, '').split('\n')) o.onLine(t.display_name ?? pod, line)
  }
  return {runId: runId, steps: tasks.map((t) => t.display_name ?? ''), source: 'ui'}
}
