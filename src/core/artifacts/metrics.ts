/**
 * Scalar metrics of a run, as the KFP UI shows them (frontend/src/components/viewers/MetricsVisualizations.tsx
 * ScalarMetricsSection, frontend/src/lib/v2/CompareUtils.ts addScalarDataItems): every custom property of a
 * `system.Metrics` artifact, except `display_name` and the reserved ones (frontend/src/lib/ReservedArtifactProperties.ts).
 * The SDK's `Metrics.log_metric(name, value)` sets `metadata[name] = value` (sdk/python/kfp/dsl/types/artifact_types.py),
 * which reaches the record through the executor output. A container that does not write an executor output may
 * instead write a flat JSON object (`{"accuracy": 0.91, "loss": 0.2}`) into the artifact file itself; kfp reads that
 * when the metadata holds no metric. KFP v1's `{"metrics": [{"name", "numberValue"}]}` file is read too.
 * Pure: the caller passes the file's text.
 */
import type {ArtifactValue} from '../engine/record.js'
import type {JsonValue} from '../project/types.js'

export type MetricValue = number | string | boolean

/** The properties the UI never shows as metrics. */
const NOT_METRICS = new Set(['display_name', 'store_session_info'])

/** True for a `system.Metrics` artifact (by the type the record carries, else the output's declared type). */
export function isMetricsArtifact(a: Pick<ArtifactValue, 'type'>, declaredSchemaTitle?: string): boolean {
  return (a.type?.schemaTitle ?? declaredSchemaTitle) === 'system.Metrics'
}

function scalarEntries(o: Record<string, unknown>): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {}
  for (const [k, v] of Object.entries(o)) {
    if (NOT_METRICS.has(k)) continue
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v
  }
  return out
}

/** Metrics from the file's text: a flat JSON object, or KFP v1's metrics list; {} for anything else. */
export function metricsFromFile(text: string): Record<string, MetricValue> {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return {}
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {}
  const list = (v as {metrics?: unknown}).metrics
  if (Array.isArray(list)) {
    const out: Record<string, MetricValue> = {}
    for (const m of list as Array<{name?: unknown; numberValue?: unknown}>) if (typeof m?.name === 'string' && typeof m.numberValue === 'number') out[m.name] = m.numberValue
    return out
  }
  return scalarEntries(v as Record<string, unknown>)
}

/** The metrics of one Metrics artifact: its metadata's scalars, else (none there) those of its file. */
export function metricsOf(metadata: Record<string, JsonValue> | undefined, fileText: string | undefined): Record<string, MetricValue> {
  const fromMeta = scalarEntries(metadata ?? {})
  if (Object.keys(fromMeta).length || fileText === undefined) return fromMeta
  return metricsFromFile(fileText)
}

/** How a metric is printed: numbers as written (JSON), strings bare. */
export function formatMetric(v: MetricValue | undefined): string {
  if (v === undefined) return ''
  return typeof v === 'string' ? v : JSON.stringify(v)
}
