import type {Ctx} from '../../ctx.js'
import {createObjectStore, type ObjectStore} from '../../clients/gcs.js'
import type {PipelineSpec} from '../../core/ir/types.js'
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
 * Writer contract (see docs/remote.md): for each step, the compiled pipeline also writes its output parameters as
 * JSON `{"outputs": {"<name>": <value>, ...}}` to `<pipelineRoot>/kfp-outputs/<run id>/<task key>.json`.
 */
export function outputsRecordUri(pipelineRoot: string, runId: string, task: string): string {
  return `${pipelineRoot.replace(/\/+$/, '')}/kfp-outputs/${runId}/${task}.json`
}

/** Reads the output records of a server run from the pipeline root (GCS); tasks without a record are left out. */
export async function readServerRunOutputs(store: ObjectStore, pipelineRoot: string, runId: string, tasks: string[]): Promise<Record<string, Record<string, JsonValue>>> {
  const out: Record<string, Record<string, JsonValue>> = {}
  for (const t of tasks) {
    const text = await store.readText(outputsRecordUri(pipelineRoot, runId, t))
    if (text === undefined) continue
    try {
      const rec = JSON.parse(text) as {outputs?: Record<string, JsonValue>}
      if (rec.outputs && typeof rec.outputs === 'object') out[t] = rec.outputs
    } catch {
      throw new CliError('OUTPUTS_MISSING', `The output record ${outputsRecordUri(pipelineRoot, runId, t)} is not JSON.`, {exit: EXIT.REMOTE})
    }
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
      const outs = await readServerRunOutputs(store, root, i.fromRun, tasks.map((t) => t.name))
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
