import type {Ctx} from '../../ctx.js'
import {createObjectStore, type ObjectStore} from '../../clients/gcs.js'
import type {IrParameterType, PipelineSpec} from '../../core/ir/types.js'
import {OUTPUTS_RECORD_ARTIFACT} from '../../core/compile/record-outputs.js'
import {parseOutputText} from '../../core/engine/params.js'
import type {JsonValue} from '../../core/project/types.js'
import {planTasks} from '../../core/engine/dag.js'
import type {RunRecord} from '../../core/engine/record.js'
import {missingOutputsError, planStartStep} from '../../core/engine/start-step.js'
import {pruneSpecForStartStep} from '../../core/remote/prune.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {stateDir} from '../../lib/paths.js'
import type {RemoteSession} from './connect.js'

/** What a remote start-step run reuses, for the result and messages. */
export interface RemoteStartStepSummary {
  startTask: string
  skipped: string[]
  /** Skipped task → output name → value used as a constant. */
  constants: Record<string, Record<string, JsonValue>>
  /** Where the values came from: a local run id, a server run id, or --set-output. */
  sources: string[]
  warnings: string[]
}

/**
 * True when `objectPath` (below the pipeline root) is the `kfp_outputs` record of `task` in run `runId`. KFP 2.x
 * writes output artifacts to `<pipeline root>/<pipeline name>/<run id>/<task name>/<artifact name>`; the match only
 * asks for the run id, then the task name, then the artifact name as the last segment (or the folder holding the
 * file), so other layouts (an execution id after the task name, a different prefix) are found too.
 */
export function isOutputsRecordPath(objectPath: string, runId: string, task: string): boolean {
  const parts = objectPath.split('/').filter(Boolean)
  const r = parts.indexOf(runId)
  if (r < 0) return false
  const t = parts.indexOf(task, r + 1)
  if (t < 0) return false
  const last = parts.length - 1
  return last > t && (parts[last] === OUTPUTS_RECORD_ARTIFACT || (last - 1 > t && parts[last - 1] === OUTPUTS_RECORD_ARTIFACT))
}

/** A skipped task's name and the IR types of its output parameters (to convert the recorded text). */
export interface RecordedTask {
  name: string
  types?: Record<string, IrParameterType | undefined>
}

/** The IR types of each task's output parameters, from the spec. */
export function outputTypesOfTasks(spec: PipelineSpec): Record<string, Record<string, IrParameterType | undefined>> {
  const out: Record<string, Record<string, IrParameterType | undefined>> = {}
  for (const [task, t] of Object.entries(spec.root.dag?.tasks ?? {})) {
    const params = spec.components[t.componentRef.name]?.outputDefinitions?.parameters ?? {}
    out[task] = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.parameterType]))
  }
  return out
}

/**
 * Reads the output records (`kfp_outputs` artifacts, see src/core/compile/record-outputs.ts) of a server run from its
 * pipeline root: lists `<root>/<pipeline name>/<run id>/` (and, when that finds nothing, the whole root) and picks
 * each task's record. Recorded text is converted with the output's parameter type, as the local engine reads output
 * files. Tasks without a record are left out.
 */
export async function readServerRunOutputs(
  store: ObjectStore,
  i: {pipelineRoot: string; runId: string; pipelineName: string; tasks: RecordedTask[]},
): Promise<Record<string, Record<string, JsonValue>>> {
  const root = i.pipelineRoot.replace(/\/+$/, '')
  let uris = await store.list(`${root}/${i.pipelineName}/${i.runId}/`)
  if (uris.length === 0) uris = await store.list(`${root}/`)
  const out: Record<string, Record<string, JsonValue>> = {}
  for (const t of i.tasks) {
    const matches = uris.filter((u) => u.startsWith(`${root}/`) && isOutputsRecordPath(u.slice(root.length + 1), i.runId, t.name)).sort()
    const uri = matches.at(-1)
    if (!uri) continue
    const text = await store.readText(uri)
    if (text === undefined) continue
    let rec: {outputs?: Record<string, JsonValue>}
    try {
      rec = JSON.parse(text) as typeof rec
    } catch {
      throw new CliError('OUTPUTS_MISSING', `The output record ${uri} is not JSON.`, {exit: EXIT.REMOTE, hints: ['Pass the values with --set-output STEP.OUTPUT=VALUE instead.']})
    }
    if (!rec.outputs || typeof rec.outputs !== 'object') continue
    const values: Record<string, JsonValue> = {}
    for (const [name, v] of Object.entries(rec.outputs)) {
      if (typeof v !== 'string') {
        values[name] = v
        continue
      }
      const parsed = parseOutputText(v, t.types?.[name])
      values[name] = parsed.ok ? parsed.value : v
    }
    out[t.name] = values
  }
  return out
}

async function localCandidates(projectDir: string, pipelineName: string): Promise<RunRecord[]> {
  const {listRunRecords} = await import('../run/store.js')
  return (await listRunRecords(stateDir(projectDir))).filter((r) => r.pipelineName === pipelineName)
}

/**
 * Plans `--start-step` for a server run with the local engine's planner (same flags, same messages), with
 * candidates from local runs (.kfp/runs) or, with --from-run naming a server run, that run's output records in
 * the pipeline root. Returns the pruned spec in which the skipped steps' outputs are constants.
 */
export async function planRemoteStartStep(
  i: {
    spec: PipelineSpec
    taskOfStep?: Record<string, string>
    startStep: string
    setOutputs: string[]
    fromRun?: string
    params: Record<string, JsonValue>
    projectDir: string
    session: RemoteSession
  },
  ctx: Ctx,
): Promise<{spec: PipelineSpec; summary: RemoteStartStepSummary}> {
  const stepNames = i.taskOfStep ? Object.fromEntries(Object.entries(i.taskOfStep).map(([step, task]) => [task, step])) : undefined
  const stepNumbers = i.taskOfStep ? Object.fromEntries(Object.values(i.taskOfStep).map((task, n) => [task, n + 1])) : undefined
  const tasks = planTasks(i.spec, stepNumbers)
  let candidates = await localCandidates(i.projectDir, i.spec.pipelineInfo.name)
  let fromRunExplicit = false
  if (i.fromRun) {
    fromRunExplicit = true
    const local = candidates.filter((r) => r.id === i.fromRun || r.id.startsWith(i.fromRun!) || r.name === i.fromRun)
    if (local.length) candidates = [local[0]]
    else {
      // A server run: read its output records from the pipeline root.
      const run = await i.session.api.getRun(i.fromRun)
      const root = run.runtime_config?.pipeline_root ?? i.session.target.config.pipelineRoot
      if (!root || !root.startsWith('gs://')) {
        throw new CliError('OUTPUTS_MISSING', `Run ${i.fromRun} has no gs:// pipeline root, so its outputs cannot be read back.`, {
          exit: EXIT.USAGE,
          hints: ['Set pipelineRoot on the target (kfp target add NAME --pipeline-root gs://BUCKET/root), or pass --set-output.'],
        })
      }
      const store = ctx.clients.objectStore ? await ctx.clients.objectStore() : await createObjectStore(ctx.env)
      const types = outputTypesOfTasks(i.spec)
      const outs = await readServerRunOutputs(store, {pipelineRoot: root, runId: i.fromRun, pipelineName: i.spec.pipelineInfo.name, tasks: tasks.map((t) => ({name: t.name, types: types[t.name]}))})
      candidates = [serverRunAsRecord(i.fromRun, run.display_name ?? i.fromRun, i.spec.pipelineInfo.name, run.runtime_config?.parameters ?? {}, tasks.map((t) => ({name: t.name, displayName: t.displayName, number: t.number})), outs)]
    }
  }
  const plan = planStartStep({tasks, startStep: i.startStep, params: i.params, setOutputs: i.setOutputs, candidates, fromRunExplicit, stepNames})
  if (plan.missing.length) throw missingOutputsError(plan.missing, plan.sourceRun)
  const constants = Object.fromEntries(Object.entries(plan.skipped).map(([t, s]) => [t, s.outputs.parameters]))
  const spec = pruneSpecForStartStep(i.spec, Object.keys(plan.skipped), constants, (t) => stepNames?.[t] ?? t)
  const sources = [...new Set(Object.values(plan.skipped).flatMap((s) => [s.reusedFrom?.runId, s.reusedFrom?.setOutputs ? '--set-output' : undefined].filter((x): x is string => Boolean(x))))]
  return {spec, summary: {startTask: plan.startTask, skipped: Object.keys(plan.skipped), constants, sources, warnings: plan.warnings}}
}

function serverRunAsRecord(
  id: string,
  name: string,
  pipelineName: string,
  parameters: Record<string, unknown>,
  tasks: Array<{name: string; displayName: string; number: number}>,
  outs: Record<string, Record<string, JsonValue>>,
): RunRecord {
  return {
    version: 1,
    id,
    name,
    experiment: '',
    pipelineName,
    status: 'succeeded',
    createdAt: '',
    pid: 0,
    runner: 'process',
    source: {kind: 'ir', file: ''},
    parameters: parameters as Record<string, JsonValue>,
    explicitParameters: {},
    spec: '',
    pipelineRoot: '',
    tasks: tasks.map((t) => ({
      name: t.name,
      displayName: t.displayName,
      number: t.number,
      status: outs[t.name] ? 'succeeded' : 'pending',
      outputs: {parameters: outs[t.name] ?? {}, artifacts: {}},
    })),
  }
}
