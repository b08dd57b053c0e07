/**
 * Resolution of the KFP v2 runtime placeholders in a container's command and args (`dsl/placeholders.py`):
 * `{{$.inputs.parameters['x']}}`, `{{$.outputs.parameters['y'].output_file}}`, artifact path/uri/metadata,
 * pipeline job/task name and uuid, pipeline root, `{{$}}` (the ExecutorInput JSON), `{{$.outputs.output_file}}`, and the JSON forms `{"Concat": [...]}` and
 * `{"IfPresent": {"InputName", "Then", "Else"}}`.
 */
import type {JsonValue} from '../project/types.js'
import {artifactPath, type ExecutorInput} from './executor-io.js'

/** Values a task's placeholders resolve to. */
export interface PlaceholderValues {
  /** Input parameters that are present (defaults included), already formatted as text. */
  inputParameters: Record<string, string>
  /** The task's ExecutorInput (with defaults): `{{$}}`, the output files, the artifacts. */
  executorInput: ExecutorInput
  pipelineJobName: string
  /** The run's unique resource name: `{{$.pipeline_job_resource_name}}` and PipelineTaskFinalStatus. */
  pipelineJobResourceName: string
  pipelineJobUuid: string
  pipelineTaskName: string
  pipelineTaskUuid: string
  pipelineRoot: string
  /** ISO time the run was created. */
  createTime: string
}

/** The job/task values of PlaceholderValues: what `{{$.pipeline_*}}` placeholders resolve to. */
export type JobValues = Omit<PlaceholderValues, 'inputParameters' | 'executorInput'>

/** What the job values are made from: the run record's identity. */
export interface RunIdentity {
  id: string
  name: string
  pipelineName: string
  pipelineRoot: string
  createdAt: string
}

/**
 * The run's resource name, unique per run even when two runs share a display name (`--name`, or two runs started in
 * the same second): `<pipeline name>-<run id>`. The backend fills `{{$.pipeline_job_resource_name}}` and the final
 * status's `pipelineJobResourceName` with the run's Kubernetes object name, not its display name
 * (backend/src/v2/driver/driver.go Options.RunName vs RunDisplayName; resolve.go resolveInputParameter,
 * TaskFinalStatus); kfp.local uses the pipeline name and a microsecond timestamp
 * (sdk/python/kfp/local/executor_input_utils.py get_local_pipeline_resource_name).
 */
export function runResourceName(run: Pick<RunIdentity, 'id' | 'pipelineName'>): string {
  return `${run.pipelineName}-${run.id}`
}

/** The job/task values of one task of a run (the task uuid is `<run id>-<task key>`). */
export function jobValues(run: RunIdentity, task: {key: string; displayName: string}): JobValues {
  return {
    pipelineJobName: run.name,
    pipelineJobResourceName: runResourceName(run),
    pipelineJobUuid: run.id,
    pipelineTaskName: task.displayName,
    pipelineTaskUuid: `${run.id}-${task.key}`,
    pipelineRoot: run.pipelineRoot,
    createTime: run.createdAt,
  }
}

const KEY = String.raw`\[['"]([^'"]+)['"]\]`
const INPUT_PARAM = new RegExp(String.raw`^\{\{\$\.inputs\.parameters${KEY}\}\}$`)
const OUTPUT_PARAM_FILE = new RegExp(String.raw`^\{\{\$\.outputs\.parameters${KEY}\.output_file\}\}$`)
const ARTIFACT = new RegExp(String.raw`^\{\{\$\.(inputs|outputs)\.artifacts${KEY}(?:\.(path|uri|metadata)(?:${KEY})?)?\}\}$`)
const CONSTANTS = [
  '{{$}}',
  '{{$.outputs.output_file}}',
  '{{$.outputMetadataUri}}',
  '{{$.pipeline_job_name}}',
  '{{$.pipeline_job_resource_name}}',
  '{{$.pipeline_job_uuid}}',
  '{{$.pipeline_job_create_time_utc}}',
  '{{$.pipeline_task_name}}',
  '{{$.pipeline_task_uuid}}',
  '{{$.pipeline_root}}',
]

/** Whether the engine resolves placeholder `p` (one `{{$…}}` as findPlaceholders returns it). */
export function isSupportedPlaceholder(p: string): boolean {
  return CONSTANTS.includes(p) || INPUT_PARAM.test(p) || OUTPUT_PARAM_FILE.test(p) || ARTIFACT.test(p)
}

/** Matches every placeholder the engine resolves (kept for callers that test with a RegExp). */
export const SUPPORTED_PLACEHOLDER = {test: isSupportedPlaceholder}

const ANY_PLACEHOLDER = /\{\{\$[^{}]*\}\}/g

/** Every `{{$…}}` placeholder written in a string. */
export function findPlaceholders(s: string): string[] {
  return s.match(ANY_PLACEHOLDER) ?? []
}

/** A placeholder that could not be resolved (an absent input outside IfPresent, an unknown name). */
export class PlaceholderError extends Error {}

/** JSON values as kfp.local puts them in a command line (placeholder_utils.py resolve_io_placeholders): strings as is. */
function text(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : JSON.stringify(v ?? null)
}

/**
 * An artifact placeholder (launcher_v2.go getPlaceholders: `.uri`, `.path` of the first artifact of the list;
 * kfp.local placeholder_utils.py resolve_io_placeholders: `.metadata` as JSON, `.metadata['k']`). The bare form
 * `{{$.inputs.artifacts['x']}}` (a list input) is the JSON list of its RuntimeArtifacts.
 */
function resolveArtifact(m: RegExpExecArray, v: PlaceholderValues): string {
  const [, side, name, field, key] = m
  const list = (side === 'inputs' ? v.executorInput.inputs.artifacts : v.executorInput.outputs.artifacts)[name]?.artifacts
  if (!list || list.length === 0) throw new PlaceholderError(`${side === 'inputs' ? 'input' : 'output'} artifact '${name}' has no value`)
  if (!field) return JSON.stringify(list)
  const a = list[0]
  if (field === 'uri') return a.uri
  if (field === 'path') return artifactPath(a)
  return key === undefined ? JSON.stringify(a.metadata) : text(a.metadata[key])
}

function resolveOne(p: string, v: PlaceholderValues): string {
  let m: RegExpExecArray | null
  if ((m = INPUT_PARAM.exec(p))) {
    const val = v.inputParameters[m[1]]
    if (val === undefined) throw new PlaceholderError(`input parameter '${m[1]}' has no value`)
    return val
  }
  if ((m = OUTPUT_PARAM_FILE.exec(p))) {
    const f = v.executorInput.outputs.parameters[m[1]]?.outputFile
    if (f === undefined) throw new PlaceholderError(`'${m[1]}' is not an output parameter of the component`)
    return f
  }
  if ((m = ARTIFACT.exec(p))) return resolveArtifact(m, v)
  switch (p) {
    // launcher_v2.go compileCmdAndArgs: {{$}} is the protojson ExecutorInput with defaults.
    case '{{$}}':
      return JSON.stringify(v.executorInput)
    case '{{$.outputs.output_file}}':
    case '{{$.outputMetadataUri}}':
      return v.executorInput.outputs.outputFile
  }
  const job = pipelinePlaceholder(p, v)
  if (job !== undefined) return job
  throw new PlaceholderError(`unsupported placeholder ${p}`)
}

/** The value of a `{{$.pipeline_*}}` placeholder, or undefined for any other text. */
export function pipelinePlaceholder(p: string, v: Omit<PlaceholderValues, 'inputParameters' | 'executorInput'>): string | undefined {
  switch (p) {
    case '{{$.pipeline_job_name}}':
      return v.pipelineJobName
    case '{{$.pipeline_job_resource_name}}':
      return v.pipelineJobResourceName
    case '{{$.pipeline_job_uuid}}':
      return v.pipelineJobUuid
    case '{{$.pipeline_job_create_time_utc}}':
      return v.createTime
    case '{{$.pipeline_task_name}}':
      return v.pipelineTaskName
    case '{{$.pipeline_task_uuid}}':
      return v.pipelineTaskUuid
    case '{{$.pipeline_root}}':
      return v.pipelineRoot
  }
  return undefined
}

/**
 * Task inputs whose constant is exactly a `{{$.pipeline_*}}` placeholder get its value, as the driver resolves
 * them (driver/resolve.go resolveInputParameter: `runtimeValue.constant` equal to PIPELINE_JOB_NAME_PLACEHOLDER …).
 * Returns the inputs to replace (name → value).
 */
export function runtimeConstantPlaceholders(
  task: {inputs?: {parameters?: Record<string, {runtimeValue?: {constant?: unknown}}>}},
  v: JobValues,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [n, b] of Object.entries(task.inputs?.parameters ?? {})) {
    const c = b.runtimeValue?.constant
    const value = typeof c === 'string' ? pipelinePlaceholder(c, v) : undefined
    if (value !== undefined) out[n] = value
  }
  return out
}

/** Replaces the placeholders inside one string. */
export function resolveString(s: string, v: PlaceholderValues): string {
  return s.replace(ANY_PLACEHOLDER, (p) => resolveOne(p, v))
}

type JsonArg = string | {Concat: JsonArg[]} | {IfPresent: {InputName: string; Then?: JsonArg[] | JsonArg; Else?: JsonArg[] | JsonArg}}

function parseStructured(s: string): JsonArg | undefined {
  const t = s.trim()
  if (!(t.startsWith('{"Concat"') || t.startsWith('{"IfPresent"'))) return undefined
  try {
    return JSON.parse(t) as JsonArg
  } catch {
    return undefined
  }
}

// kfp.local placeholder_utils.py resolve_struct_placeholders: present = a provided parameter or artifact.
function isPresent(name: string, v: PlaceholderValues): boolean {
  return v.inputParameters[name] !== undefined || (v.executorInput.inputs.artifacts[name]?.artifacts.length ?? 0) > 0
}

function expand(arg: JsonArg, v: PlaceholderValues): string[] {
  if (typeof arg === 'string') {
    const structured = parseStructured(arg)
    return structured ? expand(structured, v) : [resolveString(arg, v)]
  }
  if ('Concat' in arg) return [arg.Concat.flatMap((a) => expand(a, v)).join('')]
  if ('IfPresent' in arg) {
    const branch = isPresent(arg.IfPresent.InputName, v) ? arg.IfPresent.Then : arg.IfPresent.Else
    if (branch === undefined) return []
    return (Array.isArray(branch) ? branch : [branch]).flatMap((a) => expand(a, v))
  }
  throw new PlaceholderError(`unsupported structured placeholder ${JSON.stringify(arg)}`)
}

/**
 * Resolves a command or args list. IfPresent may expand to zero or more items, Concat to one.
 * Throws PlaceholderError naming the placeholder that has no value.
 */
export function resolveArgs(list: string[] | undefined, v: PlaceholderValues): string[] {
  return (list ?? []).flatMap((a) => expand(a, v))
}
