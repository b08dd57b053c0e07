import type {Ctx} from '../../ctx.js'
import type {KfpRun} from '../../clients/kfp-api.js'
import type {JsonValue} from '../../core/project/types.js'
import type {PlannedTask} from '../../core/engine/dag.js'
import {labelOf, templatePathOf} from '../../core/engine/naming.js'
import type {ReusedFrom, RunRecord, TaskOutputs, TaskRecord} from '../../core/engine/record.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {missingOutputsError, planStartStep, type MissingOutput, type StartStepPlan} from '../../core/engine/start-step.js'
import {planTreeStartStep, reusedRecord, type TreeStartStepPlan} from '../../core/engine/start-step-tree.js'
import {leavesOf, planTree, toPlanned, type TaskNode} from '../../core/engine/tree.js'
import {pruneSpecForStartStep} from '../../core/remote/prune.js'
import {startStepRecord, type StartStepRecord} from '../../core/remote/start-step-record.js'
import {specOfRunBody} from '../../core/remote/steps.js'
import {formatParamValue} from '../../core/engine/params.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {stateDir} from '../../lib/paths.js'
import type {RemoteSession} from './connect.js'
import {describeRun, RunStepsReader} from './runs.js'

/** What a remote start-step run reuses, for the result and messages. */
export interface RemoteStartStepSummary {
  startTask: string
  startNumber: number
  /** Template paths of the steps that do not run. */
  skipped: string[]
  /** Record key of each reused step instance (`for-loop-2[0]/trial`) → output name → value. */
  constants: Record<string, Record<string, JsonValue>>
  /** Artifacts of steps before N that steps from N on read, each given by an importer task. */
  imported: Array<{step: string; output: string; uri: string; importer: string}>
  /** Where the values came from: a server run id, a local run id, or --set-output. */
  sources: string[]
  /** The run the outputs came from (`fromRun`, as in a local run's startStep and kfp run --dry-run), and where it ran. */
  fromRun?: {id: string; name: string; where: 'server' | 'local'}
  /** What the run's description keeps of it (core/remote/start-step-record.ts), for `kfp runs get` later. */
  record: StartStepRecord
  warnings: string[]
}

/**
 * A server run as a run record for the start-step planners: each step instance's output parameters as ML Metadata
 * holds them (execution custom property `outputs`; a cache hit's execution carries the outputs it reused,
 * backend/src/v2/driver/cache.go), and its output artifacts' URIs. Records are keyed like local ones
 * (`exit-handler-1/for-loop-2[0]/trial`); steps the run has no record of are pending.
 */
export async function serverRunAsRecord(s: RemoteSession, run: KfpRun, leaves: PlannedTask[], ctx: Ctx): Promise<RunRecord> {
  const reader = new RunStepsReader(s)
  const info = await describeRun(s, run, ctx, {reader})
  const parameters = {...rootDefaults(await reader.spec(run)), ...(info.parameters as Record<string, JsonValue>)}
  const done = info.tasks.filter((t) => t.status === 'succeeded' || t.status === 'cached')
  const arts = done.length ? await (await s.mlmd()).outputArtifacts(done.map((t) => t.executionId!).filter((x) => x !== undefined)) : []
  const byPath = new Map(leaves.map((l) => [l.name, l]))
  const record = (t: (typeof done)[number]): TaskRecord => {
    const artifacts = Object.fromEntries(arts.filter((a) => a.executionId === t.executionId && !/^executor-logs/.test(a.name)).map((a) => [a.name, {uri: a.uri}]))
    const leaf = byPath.get(templatePathOf(t.key))
    return {name: t.key, displayName: leaf?.displayName ?? t.displayName, number: leaf?.number ?? t.number, status: t.status === 'cached' ? 'cached' : 'succeeded', outputs: {parameters: t.outputs ?? {}, artifacts}} as TaskRecord
  }
  const seen = new Set(done.map((t) => templatePathOf(t.key)))
  const pending = leaves.filter((l) => !seen.has(l.name)).map((l) => ({name: l.name, displayName: l.displayName, number: l.number, status: 'pending', outputs: {parameters: {}, artifacts: {}}}) as TaskRecord)
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
    parameters,
    explicitParameters: {},
    spec: '',
    pipelineRoot: info.pipelineRoot ?? '',
    tasks: [...done.map(record), ...pending],
  } as RunRecord
}

/**
 * The values a server run's steps saw for the pipeline parameters it was not given: the defaults of its own spec. The
 * root DAG gets only the runtime config's values (driver/root_dag.go RootDAG), and an input without a value passes
 * when it has a default (driver/resolve.go resolveInputs), which the step gets: a run created without a parameter
 * ran with its default.
 */
function rootDefaults(spec: PipelineSpec | undefined): Record<string, JsonValue> {
  const defs = spec?.root.inputDefinitions?.parameters ?? {}
  return Object.fromEntries(Object.entries(defs).flatMap(([k, d]) => (d.defaultValue === undefined ? [] : [[k, d.defaultValue]])))
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
  /** The name a user types for a task (its kfp.yaml step name), else the task's own. */
  const stepName = (task: string) => stepNames?.[task] ?? task
  const stepNumbers = i.taskOfStep ? Object.fromEntries(Object.values(i.taskOfStep).map((task, n) => [task, n + 1])) : undefined
  const tree = planTree(i.spec, stepNumbers)
  const tasks = leavesOf(tree).map(toPlanned)
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
  const common = {startStep: i.startStep, params: i.params, setOutputs: i.setOutputs, candidates, fromRunExplicit: Boolean(i.fromRun), stepNames}
  const plan = tree.some((n) => n.children) ? treePlan(planTreeStartStep({tree, ...common}), tree) : flatPlan(planStartStep({tasks, ...common}))
  if (plan.missing.length) {
    const err = missingOutputsError(plan.missing, plan.sourceRun)
    if (!i.fromRun && !i.localOutputs && candidates.length === 0) err.hints.push(`No earlier run of ${pipelineName} on target ${i.session.target.name}; run it whole first, or pass --set-output.`)
    throw err
  }
  const {spec, imported} = pruneSpecForStartStep({
    spec: i.spec,
    tree,
    skipped: plan.skippedPaths,
    reused: (key) => plan.reused.get(key)?.outputs,
    sourceKeys: [...plan.reused.keys()],
    startNumber: plan.startNumber,
    stepName,
  })
  const reused = [...plan.reused.entries()]
  const constants = Object.fromEntries(reused.map(([k, r]) => [k, r.outputs.parameters]))
  const sources = [...new Set(reused.flatMap(([, r]) => [r.reusedFrom?.runId, r.reusedFrom?.setOutputs ? '--set-output' : undefined].filter((x): x is string => Boolean(x))))]
  const source = plan.sourceRun && sources.includes(plan.sourceRun.id) ? plan.sourceRun : undefined
  const warnings = [...plan.warnings]
  if (source && where === 'local') {
    const values = reused
      .filter(([, r]) => r.reusedFrom?.runId === source.id)
      .flatMap(([t, r]) => Object.entries(r.outputs.parameters).map(([k, v]) => `${stepName(t)}.${k}=${formatParamValue(v)}`))
    warnings.unshift(`--local-outputs: the server run gets outputs of LOCAL run ${source.name} (${source.id}): ${values.join(', ') || '(no values)'}. Paths and values from this machine may mean nothing on the server.`)
  }
  const startTask = stepName(plan.startTask)
  const fromRun = source ? {id: source.id, name: source.name, where} : undefined
  const record = startStepRecord({
    leaves: leavesOf(tree),
    stepName: (p) => stepNames?.[p] ?? labelOf(p),
    start: {path: plan.startTask, number: plan.startNumber},
    reused: reused.map(([k, r]) => [k, r.reusedFrom]),
    fromRun,
    imported: imported.map((x) => ({importer: x.importer, step: stepName(x.task), output: x.output})),
  })
  return {
    spec,
    summary: {
      startTask,
      startNumber: plan.startNumber,
      skipped: [...plan.skippedPaths],
      constants,
      imported: imported.map((x) => ({step: stepName(x.task), output: x.output, uri: x.uri, importer: x.importer})),
      sources,
      fromRun,
      record,
      warnings,
    },
  }
}


/** What both planners give the pruning: the steps not run, each reused instance's outputs, and the rest of the plan. */
interface RemotePlan {
  startTask: string
  startNumber: number
  skippedPaths: Set<string>
  /** Record key → the outputs that instance carries and where they came from. */
  reused: Map<string, {outputs: TaskOutputs; reusedFrom?: ReusedFrom}>
  sourceRun?: RunRecord
  missing: MissingOutput[]
  warnings: string[]
}

function flatPlan(p: StartStepPlan): RemotePlan {
  return {...p, skippedPaths: new Set(Object.keys(p.skipped)), reused: new Map(Object.entries(p.skipped))}
}

/** Every instance of a step before N the source run has a record of, plus those --set-output names. */
function treePlan(p: TreeStartStepPlan, tree: TaskNode[]): RemotePlan {
  const leaves = new Map(leavesOf(tree).map((l) => [l.path, l]))
  const keys = new Set([...(p.sourceRun?.tasks ?? []).map((t) => t.name).filter((k) => p.skipped.has(templatePathOf(k))), ...p.sets.map((x) => x.task)])
  const reused = new Map<string, {outputs: TaskOutputs; reusedFrom?: ReusedFrom}>()
  for (const key of keys) {
    const r = reusedRecord(p, key, leaves.get(templatePathOf(key))!)
    if (r?.reusedFrom) reused.set(key, r as {outputs: TaskOutputs; reusedFrom?: ReusedFrom})
  }
  return {...p, skippedPaths: p.skipped, reused}
}
