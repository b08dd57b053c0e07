/**
 * `kfp runs compare`: runs side by side, as the KFP UI's compare page lays them out (frontend/src/pages/CompareV2.tsx:
 * a parameters table and a scalar-metrics table with one column per run, frontend/src/lib/v2/CompareUtils.ts
 * getCompareTableProps/getScalarTableProps), plus per-step status, duration and outputs. A row whose values are not
 * all the same is marked. Durations always differ a little and are never marked. Pure: the service gathers the runs.
 */
import type {MetricValue} from '../artifacts/metrics.js'
import {formatMetric} from '../artifacts/metrics.js'
import type {JsonValue} from '../project/types.js'

/** One run as the comparison needs it, local or from a server. */
export interface CompareInput {
  id: string
  name: string
  status: string
  /** `local`, or the KFP target name. */
  target: string
  parameters: Record<string, JsonValue | unknown>
  /** Scalar metrics per step and Metrics artifact. */
  metrics: Array<{task: string; artifact: string; metrics: Record<string, MetricValue>}>
  steps: Array<{
    /** The step as users see it (its label, `train[0]`; core/engine/naming.ts labelOf); steps only, no group records. */
    name: string
    number?: number
    status: string
    durationMs?: number
    /** Output name → printable value (a parameter's value, an artifact's content digest or URI). */
    outputs: Record<string, string>
  }>
}

/** One compared field: a value per run (undefined: the run has none) and whether they differ. */
export interface CompareRow {
  /** e.g. `startYear`, `train > metrics > accuracy`, `train status`, `train > model`. */
  field: string
  values: Array<string | undefined>
  differs: boolean
}

export interface Comparison {
  runs: Array<{id: string; name: string; status: string; target: string}>
  parameters: CompareRow[]
  metrics: CompareRow[]
  /** Per step: its status, duration and each output (in the order of the first run that has the step). */
  steps: CompareRow[]
}

function row(field: string, values: Array<string | undefined>, mark = true): CompareRow {
  return {field, values, differs: mark && new Set(values.map((v) => v ?? '\u0000')).size > 1}
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** Keys in order of first appearance across the runs. */
function unionKeys(lists: string[][]): string[] {
  const out: string[] = []
  for (const l of lists) for (const k of l) if (!out.includes(k)) out.push(k)
  return out
}

/** Compares two or more runs field by field. */
export function compareRuns(runs: CompareInput[], formatDuration: (ms: number | undefined) => string | undefined): Comparison {
  const parameters = unionKeys(runs.map((r) => Object.keys(r.parameters)))
    .sort()
    .map((p) => row(p, runs.map((r) => (p in r.parameters ? show(r.parameters[p]) : undefined))))
  const metricKeys = unionKeys(runs.map((r) => r.metrics.flatMap((m) => Object.keys(m.metrics).map((k) => `${m.task} > ${m.artifact} > ${k}`))))
  const metrics = metricKeys.map((key) =>
    row(
      key,
      runs.map((r) => {
        const [task, artifact, name] = key.split(' > ')
        const v = r.metrics.find((m) => m.task === task && m.artifact === artifact)?.metrics[name]
        return v === undefined ? undefined : formatMetric(v)
      }),
    ),
  )
  const steps: CompareRow[] = []
  for (const name of unionKeys(runs.map((r) => r.steps.map((s) => s.name)))) {
    const of = runs.map((r) => r.steps.find((s) => s.name === name))
    steps.push(row(`${name} status`, of.map((s) => s?.status)))
    steps.push(row(`${name} duration`, of.map((s) => (s?.durationMs === undefined ? undefined : formatDuration(s.durationMs))), false))
    for (const out of unionKeys(of.map((s) => Object.keys(s?.outputs ?? {})))) steps.push(row(`${name} > ${out}`, of.map((s) => s?.outputs[out])))
  }
  return {runs: runs.map((r) => ({id: r.id, name: r.name, status: r.status, target: r.target})), parameters, metrics, steps}
}
