import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {recordTreeOrder, reusedFromText, type RunRecord} from '../../core/engine/record.js'
import {labelOf, templatePathOf} from '../../core/engine/naming.js'
import {listFlags, projectFlag, runsTargetFlags} from '../../flags.js'
import {formatParamValue} from '../../core/engine/params.js'
import {formatMetric} from '../../core/artifacts/metrics.js'
import {runMetrics, type StepMetrics} from '../../services/artifacts/local.js'
import {readSpec} from '../../services/run/store.js'
import {groupOutputNames} from '../../core/runs/group-outputs.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {getRemoteRunWithMetrics} from '../../services/artifacts/server-view.js'
import {getRun, type GetRunResult} from '../../services/runs/index.js'
import {formatDuration} from '../../ui/table.js'
import {resolveTarget} from '../../services/target/resolve.js'
import {remoteStepRows, type RemoteRunInfo} from '../../services/remote/runs.js'

/**
 * Rows of the per-step table: #, step, status, duration, outputs (reused ones say where from). Tasks inside
 * groups (sub-DAGs, conditions, loops and their iterations) follow their group, indented, under their label
 * (`train[0]`); groups have no number of their own. A skipped task shows why (a false condition with the values
 * it read, or the upstream step that did not run). A loop or sub-DAG shows its outputs under the step outputs
 * they are (`trial.rmse=[…]`, not the compiler's `pipelinechannel--trial-rmse`); an iteration shows none (its
 * steps below it do).
 */
export function stepRows(run: RunRecord, spec?: PipelineSpec): string[][] {
  return recordTreeOrder(run.tasks).map(({task: t, depth}) => {
    const d = t.startedAt && t.finishedAt ? formatDuration(Date.parse(t.finishedAt) - Date.parse(t.startedAt)) : ''
    const names = t.kind ? groupOutputNames(spec, templatePathOf(t.name), {parameters: Object.keys(t.outputs.parameters), artifacts: Object.keys(t.outputs.artifacts)}) : {}
    const shown = (k: string) => names[k] ?? k
    const outs =
      t.kind === 'iteration'
        ? ''
        : [
            ...Object.entries(t.outputs.parameters).map(([k, v]) => `${shown(k)}=${formatParamValue(v)}`),
            ...Object.entries(t.outputs.artifacts).map(([k, v]) => `${shown(k)}=${v.uri}`),
          ].join(', ')
    const from = t.reusedFrom ? ` (${reusedFromText(t.reusedFrom)})` : ''
    const why = t.status === 'skipped' && t.message && !t.reusedFrom ? t.message : ''
    return [t.kind ? '' : String(t.number), `${'  '.repeat(depth)}${labelOf(t.name)}`, t.status, d, why || outs + from]
  })
}

/** `docker runner`, `process runner`, or for a mixed run which steps ran as host processes: `mixed runner (Docker; host processes: a, b)`. */
export function runnerText(run: RunRecord): string {
  if (run.runner !== 'mixed') return `${run.runner} runner`
  const host = [...new Set(run.tasks.filter((t) => t.runner === 'process').map((t) => labelOf(t.name)))]
  return `mixed runner (Docker; host processes: ${host.join(', ') || 'none'})`
}

/**
 * The start step as users know it: its step name (a step record's displayName; kfp projects name it so), not its
 * path through the groups; the last segment of the path when no record of it exists (e.g. its condition was false).
 */
export function startStepName(run: RunRecord): string {
  const task = run.startStep!.task
  const rec = run.tasks.find((t) => !t.kind && templatePathOf(t.name) === task)
  return rec?.displayName || labelOf(task)
}

export default class RunsGet extends BaseCommand {
  static summary = 'Show one run: its status, parameters and a table of its steps.'
  static description =
    'RUN is a run id (or a unique prefix of one), a run name, or `latest`. Below the steps, the scalar metrics of its Metrics artifacts (system.Metrics: the metadata a step writes through its executor output, or a flat JSON object in the artifact file).'
  static examples = ['<%= config.bin %> <%= command.id %> latest', '<%= config.bin %> <%= command.id %> 20250101-120000-a1b2c3 --json']
  static args = {run: Args.string({required: true, description: 'Run id, name or latest.'})}
  static flags = {
    project: projectFlag,
    wide: listFlags.wide,
    ...runsTargetFlags,
  }

  async run(): Promise<(GetRunResult & {metrics: StepMetrics[]}) | {run: RemoteRunInfo; metrics: StepMetrics[]}> {
    const {args, flags} = await this.parse(RunsGet)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp') {
      const {run, metrics, metricsError} = await getRemoteRunWithMetrics({target: flags.target, run: args.run}, this.ctx)
      for (const w of run.warnings) this.info(w)
      this.out(`Run ${run.name} (${run.id}): ${run.status}${run.state ? ` [${run.state}]` : ''}${run.durationMs === undefined ? '' : ` in ${formatDuration(run.durationMs)}`}`)
      this.out(`Target ${run.target} · experiment ${run.experiment ?? run.experimentId ?? ''} · created ${run.createdAt ?? ''} · ${run.url}`)
      const params = Object.entries(run.parameters).map(([k, v]) => `${k}=${formatParamValue(v as never)}`)
      if (params.length) this.out(`Parameters: ${params.join(', ')}`)
      const ss = run.startStep
      if (ss) this.out(`Started at step ${ss.number} (${ss.step})${ss.fromRun ? `, reusing outputs of ${ss.fromRun.where === 'local' ? 'LOCAL ' : ''}run ${ss.fromRun.name} (${ss.fromRun.id})` : ''}`)
      if (run.message && run.status !== 'succeeded') this.out(run.message)
      this.out('')
      this.stepsTable(remoteStepRows(run), flags.wide)
      // Metrics come from ML Metadata; a server whose metadata cannot be read still shows the run.
      if (metricsError) this.warn(`Metrics not read: ${metricsError}`)
      this.metricsTable(metrics, flags.wide)
      return {run, metrics}
    }
    const result = await getRun({cwd: this.ctx.cwd, project: flags.project, run: args.run}, this.ctx)
    const r = result.run
    const took = r.startedAt && r.finishedAt ? ` in ${formatDuration(Date.parse(r.finishedAt) - Date.parse(r.startedAt))}` : ''
    this.out(`Run ${r.name} (${r.id}): ${r.status}${took}`)
    this.out(`Pipeline ${r.pipelineName} · experiment ${r.experiment} · ${runnerText(r)} · created ${r.createdAt}`)
    const params = Object.entries(r.parameters).map(([k, v]) => `${k}=${formatParamValue(v)}`)
    if (params.length) this.out(`Parameters: ${params.join(', ')}`)
    if (r.startStep) this.out(`Started at step ${r.startStep.number} (${startStepName(r)})${r.startStep.fromRun ? `, reusing outputs of run ${r.startStep.fromRun.id}` : ''}`)
    if (r.message && r.status !== 'succeeded') this.out(r.message)
    this.out('')
    const spec = await readSpec(result.runDir, r)
    this.stepsTable(stepRows(r, spec), flags.wide)
    const metrics = await runMetrics(r, spec)
    this.metricsTable(metrics, flags.wide)
    return {...result, metrics}
  }

  /** The scalar metrics below the steps (nothing when the run has none). */
  private metricsTable(metrics: StepMetrics[], wide?: boolean): void {
    if (!metrics.length) return
    this.out('')
    this.out('Metrics:')
    this.table(['step', 'artifact', 'metric', 'value'], metrics.flatMap((m) => Object.entries(m.metrics).map(([k, v]) => [m.number ? `${m.number}. ${m.step}` : m.step, m.artifact, k, formatMetric(v)])), {wide, keep: [0, 2, 3]})
  }
}
