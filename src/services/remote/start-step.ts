import type {Ctx} from '../../ctx.js'
import type {KfpRun} from '../../clients/kfp-api.js'
import type {JsonValue} from '../../core/project/types.js'
import {planTasks, type PlannedTask} from '../../core/engine/dag.js'
import type {RunRecord, TaskRecord} from '../../core/engine/record.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {missingOutputsError, planStartStep} from '../../core/engine/start-step.js'
import {pruneSpecForStartStep} from '../../core/remote/prune.js'
import {specOfRunBody} from '../../core/remote/steps.js'
import {formatParamValue} from '../../core/engine/params.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {stateDir} from '../../lib/paths.js'
import type {RemoteSession} from './connect.js'
import {describeRun} from './runs.js'

/** What a remote start-step run reuses, for the result and messages. */
export interface RemoteStartStepSummary {
  startTask: string
  skipped: string[]
  /** Skipped task → output name → value used as a constant. */
  constants: Record<string, Record<string, JsonValue>>
  /** Where the values came from: a server run id, a local run id, or --set-output. */
  sources: string[]
  /** The run the outputs came from (`fromRun`, as in a local run's startStep and kfp run --dry-run), and where it ran. */
  fromRun?: {id: string; name: string; where: 'server' | 'local'}
  warnings: string[]
}

/**
 * A server run as a run record for the start-step planner: each root task's output parameters as ML Metadata holds
 * them (execution custom property `outputs`; a cache hit's execution carries the outputs it reused,
 * backend/src/v2/driver/cache.go), and its output artifacts' URIs.
 */
export async function serverRunAsRecord(s: RemoteSession, run: KfpRun, tasks: PlannedTask[], ctx: Ctx): Promise<RunRecord> {
  const info = await describeRun(s, run, ctx)
  const done = info.tasks.filter((t) => (t.status === 'succeeded' || t.status === 'cached') && !t.key.includes('/'))
  const arts = done.length ? await (await s.mlmd()).outputArtifacts(done.map((t) => t.executionId!).filter((x) => x !== undefined)) : []
  const byKey = new Map(done.map((t) => [t.key, t]))
  const records: TaskRecord[] = tasks.map((p) => {
    const t = byKey.get(p.name)
    const artifacts = Object.fromEntries(arts.filter((a) => t && a.executionId === t.executionId && !/^executor-logs/.test(a.name)).map((a) => [a.name, {uri: a.uri}]))
    return {
      name: p.name,
      displayName: p.displayName,
      number: p.number,
      status: t ? (t.status === 'cached' ? 'cached' : 'succeeded') : 'pending',
      outputs: {parameters: t?.outputs ?? {}, artifacts},
    } as TaskRecord
  })
  return {
    version: 1,
    id: info.id,
    name: info.name,
    experiment: info.experiment ?? '',
    pipelineName: run.pipeline_spec ? (specOfRunBody(run.pipeline_spec)?.pipelineInfo?.name ?? '') : '',
    status: info.status === 'succeeded' ? 'succeeded' : 'failed',
    createdAt: info.createdAt ?? '',
    pid: 0,
    runner: 'process',
    source: {kind: 'ir', file: ''},
    parameters: info.parameters as Record<string, JsonValue>,
    explicitParameters: {},
    spec: '',
    pipelineRoot: info.pipelineRoot ?? '',
    tasks: records,
  } as RunRecord
}

/**
 * The newest server runs of this pipeline on the target (newest first, at most `limit`): runs of an uploaded version
 * of a pipeline with this name, or with an inline spec of this name.
 */
export async function serverRunsOfPipeline(s: RemoteSession, pipelineName: string, limit = 5): Promise<KfpRun[]> {
  const page = await s.api.listRuns({namespace: s.namespace, pageSize: 50, sortBy: 'created_at desc'})
  const names = new Map<string, Promise<string | undefined>>()
  const nameOf = (pid: string) => names.get(pid) ?? names.set(pid, s.api.getPipeline(pid).then((p) => p.name ?? p.display_name, () => undefined)).get(pid)!
  const out: KfpRun[] = []
  for (const r of page.items) {
    if (out.length >= limit) break
    const inline = specOfRunBody(r.pipeline_spec)?.pipelineInfo?.name
    const name = inline ?? (r.pipeline_version_reference?.pipeline_id ? await nameOf(r.pipeline_version_reference.pipeline_id) : undefined)
    if (name === pipelineName) out.push(r)
  }
  return out
}

async function localCandidates(projectDir: string, pipelineName: string): Promise<RunRecord[]> {
  const {listRunRecords} = await import('../run/store.js')
  return (await listRunRecords(stateDir(projectDir))).filter((r) => r.pipelineName === pipelineName)
}

async function getServerRun(s: RemoteSession, id: string): Promise<KfpRun | undefined> {
  try {
    return await s.api.getRun(id)
  } catch (error) {
    if (isCliError(error) && error.kfpCode === 'SERVER_NOT_FOUND') return undefined
    throw error
  }
}

/**
 * Plans `--start-step` for a server run with the local engine's planner (same flags, same messages). The skipped
 * steps' outputs come from `--set-output`, else from a server run of this pipeline on this target: `--from-run RUN`, by
 * default the newest that has them, read from ML Metadata. A local run's outputs (host paths, values computed on
 * this machine) are used only with `localOutputs`, and the warning names the run and the values.
 */
export async function planRemoteStartStep(
  i: {
    spec: PipelineSpec
    taskOfStep?: Record<string, string>
    startStep: string
    setOutputs: string[]
    fromRun?: string
    localOutputs?: boolean
    params: Record<string, JsonValue>
    projectDir: string
    session: RemoteSession
  },
  ctx: Ctx,
): Promise<{spec: PipelineSpec; summary: RemoteStartStepSummary}> {
  const stepNames = i.taskOfStep ? Object.fromEntries(Object.entries(i.taskOfStep).map(([step, task]) => [task, step])) : undefined
  const stepNumbers = i.taskOfStep ? Object.fromEntries(Object.values(i.taskOfStep).map((task, n) => [task, n + 1])) : undefined
  const tasks = planTasks(i.spec, stepNumbers)
  const pipelineName = i.spec.pipelineInfo.name
  let candidates: RunRecord[]
  let where: 'server' | 'local' = 'server'
  if (i.localOutputs) {
    where = 'local'
    candidates = await localCandidates(i.projectDir, pipelineName)
    if (i.fromRun) candidates = candidates.filter((r) => r.id === i.fromRun || r.id.startsWith(i.fromRun!) || r.name === i.fromRun).slice(0, 1)
    if (i.fromRun && !candidates.length) throw new CliError('RUN_NOT_FOUND', `No local run ${i.fromRun} of ${pipelineName}.`, {exit: EXIT.CONFIG, hints: ['kfp runs list (local runs)']})
  } else if (i.fromRun) {
    const run = await getServerRun(i.session, i.fromRun)
    if (!run) {
      const local = (await localCandidates(i.projectDir, pipelineName)).some((r) => r.id === i.fromRun || r.id.startsWith(i.fromRun!) || r.name === i.fromRun)
      throw new CliError('RUN_NOT_FOUND', `No run ${i.fromRun} on target ${i.session.target.name}.`, {
        exit: EXIT.CONFIG,
        hints: local
          ? [`${i.fromRun} is a local run: its outputs are values from this machine. To send them to the server anyway, add --local-outputs.`]
          : [`kfp runs list --target ${i.session.target.name}`],
      })
    }
    candidates = [await serverRunAsRecord(i.session, run, tasks, ctx)]
  } else {
    const runs = await serverRunsOfPipeline(i.session, pipelineName)
    candidates = []
    for (const r of runs) candidates.push(await serverRunAsRecord(i.session, r, tasks, ctx))
  }
  const plan = planStartStep({tasks, startStep: i.startStep, params: i.params, setOutputs: i.setOutputs, candidates, fromRunExplicit: Boolean(i.fromRun), stepNames})
  if (plan.missing.length) {
    const err = missingOutputsError(plan.missing, plan.sourceRun)
    if (!i.fromRun && !i.localOutputs && candidates.length === 0) err.hints.push(`No earlier run of ${pipelineName} on target ${i.session.target.name}; run it whole first, or pass --set-output.`)
    throw err
  }
  const constants = Object.fromEntries(Object.entries(plan.skipped).map(([t, s]) => [t, s.outputs.parameters]))
  const spec = pruneSpecForStartStep(i.spec, Object.keys(plan.skipped), constants, (t) => stepNames?.[t] ?? t)
  const sources = [...new Set(Object.values(plan.skipped).flatMap((s) => [s.reusedFrom?.runId, s.reusedFrom?.setOutputs ? '--set-output' : undefined].filter((x): x is string => Boolean(x))))]
  const source = plan.sourceRun && sources.includes(plan.sourceRun.id) ? plan.sourceRun : undefined
  const warnings = [...plan.warnings]
  if (source && where === 'local') {
    const values = Object.entries(plan.skipped)
      .filter(([, s]) => s.reusedFrom?.runId === source.id)
      .flatMap(([t, s]) => Object.entries(s.outputs.parameters).map(([k, v]) => `${stepNames?.[t] ?? t}.${k}=${formatParamValue(v)}`))
    warnings.unshift(`--local-outputs: the server run gets outputs of LOCAL run ${source.name} (${source.id}): ${values.join(', ') || '(no values)'}. Paths and values from this machine may mean nothing on the server.`)
  }
  return {
    spec,
    summary: {startTask: plan.startTask, skipped: Object.keys(plan.skipped), constants, sources, fromRun: source ? {id: source.id, name: source.name, where} : undefined, warnings},
  }
}

