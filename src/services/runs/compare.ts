// `kfp runs compare RUN RUN [RUN…]`: gathers each run (a local record, or a server run through the remote run
// services) into core/runs/compare.ts's shape and compares them. `TARGET:RUN` names a run on another target than
// --target (e.g. `local:latest prod:3f2a…`).
import type {Ctx} from '../../ctx.js'
import {formatParamValue} from '../../core/engine/params.js'
import type {RunRecord} from '../../core/engine/record.js'
import {compareRuns, type CompareInput, type Comparison} from '../../core/runs/compare.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {formatDuration} from '../../ui/table.js'
import {orderedSteps, runMetrics, type StepMetrics} from '../artifacts/local.js'
import {artifactPath} from '../../core/engine/executor-io.js'
import {readSpec, resolveRun, runDir} from '../run/store.js'
import {digestPath} from '../run/task-exec.js'
import {resolveTarget} from '../target/resolve.js'
import {runsStateDir, type RunsScope} from './index.js'

export interface CompareOptions extends RunsScope {
  runs: string[]
  /** --target: where runs without a `TARGET:` prefix live. */
  target?: string
}

export interface CompareResult extends Comparison {}

const ms = (a?: string, b?: string) => (a && b && !b.startsWith('1970') ? Date.parse(b) - Date.parse(a) : undefined)

/** Metrics rows named by their step's label, as the steps are. */
const labelled = (ms: StepMetrics[]) => ms.map((m) => ({...m, task: m.step}))

/** A local run as the comparison needs it; artifacts are compared by content digest (the cache's). */
async function localInput(run: RunRecord, dir: string): Promise<CompareInput> {
  const steps: CompareInput['steps'] = []
  // Steps by the label users see (`train[0]`), as in kfp runs get; group records (loops, conditions) are not steps.
  for (const {task: t, step} of orderedSteps(run)) {
    const outputs: Record<string, string> = {}
    for (const [k, v] of Object.entries(t.outputs.parameters)) outputs[k] = formatParamValue(v)
    for (const [k, a] of Object.entries(t.outputs.artifacts))
      outputs[k] = a.uri.includes('://') && !a.customPath ? a.uri : `sha256:${(await digestPath(artifactPath(a))).slice(0, 12)}`
    steps.push({name: step, number: t.number, status: t.status, durationMs: ms(t.startedAt, t.finishedAt), outputs})
  }
  return {id: run.id, name: run.name, status: run.status, target: 'local', parameters: run.parameters, metrics: labelled(await runMetrics(run, await readSpec(dir, run))), steps}
}

async function serverInput(target: string, id: string, ctx: Ctx): Promise<CompareInput> {
  // Metrics from ML Metadata, when the server's metadata can be read (else the comparison goes on without them).
  const {getRemoteRunWithMetrics} = await import('../artifacts/server-view.js')
  const {run: r, metrics: m} = await getRemoteRunWithMetrics({target, run: id}, ctx)
  const metrics = labelled(m)
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    target: r.target,
    parameters: r.parameters,
    metrics,
    steps: r.tasks.map((t) => ({name: t.name, status: t.status, durationMs: ms(t.startedAt, t.finishedAt), outputs: Object.fromEntries(Object.entries(t.outputs ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))})),
  }
}

/** Splits `TARGET:RUN` when TARGET is a known target; else the whole text is the run. */
async function targetOf(ref: string, fallback: string | undefined, ctx: Ctx): Promise<{target: string | undefined; run: string}> {
  const m = /^([a-z0-9][a-z0-9-]*):(.+)$/.exec(ref)
  if (m) {
    try {
      await resolveTarget({target: m[1]}, ctx)
      return {target: m[1], run: m[2]}
    } catch (err) {
      if (!isCliError(err) || err.kfpCode !== 'TARGET_NOT_FOUND') throw err
    }
  }
  return {target: fallback, run: ref}
}

/** Compares the runs, in the order given. */
export async function compareRunRefs(o: CompareOptions, ctx: Ctx): Promise<CompareResult> {
  if (o.runs.length < 2) {
    throw new CliError('USAGE', 'kfp runs compare needs at least two runs.', {exit: EXIT.USAGE, hints: ['kfp runs compare RUN RUN [RUN…], e.g. kfp runs compare try1 try2']})
  }
  const inputs: CompareInput[] = []
  for (const ref of o.runs) {
    const {target, run} = await targetOf(ref, o.target, ctx)
    const t = await resolveTarget({target}, ctx)
    if (t.type === 'kfp') {
      inputs.push(await serverInput(t.name, run, ctx))
      continue
    }
    const stateDir = await runsStateDir(o, ctx)
    const rec = await resolveRun(stateDir, run)
    inputs.push(await localInput(rec, runDir(stateDir, rec.id)))
  }
  return compareRuns(inputs, formatDuration)
}

