/**
 * Resolution of the KFP v2 runtime placeholders in a container's command and args (`dsl/placeholders.py`):
 * `{{$.inputs.parameters['x']}}`, `{{$.outputs.parameters['y'].output_file}}`, artifact path/uri/metadata,
 * pipeline job/task name and uuid, pipeline root, and the JSON forms `{"Concat": [...]}` and
 * `{"IfPresent": {"InputName", "Then", "Else"}}`.
 */

/** Values a task's placeholders resolve to. */
export interface PlaceholderValues {
  /** Input parameters that are present, already formatted as text. */
  inputParameters: Record<string, string>
  /** Output parameter name → file the task writes the value to. */
  outputParameterFiles: Record<string, string>
  inputArtifacts: Record<string, {path: string; uri: string}>
  outputArtifacts: Record<string, {path: string; uri: string}>
  pipelineJobName: string
  pipelineJobUuid: string
  pipelineTaskName: string
  pipelineTaskUuid: string
  pipelineRoot: string
  /** ISO time the run was created. */
  createTime: string
}

/** Matches every placeholder the engine resolves. */
export const SUPPORTED_PLACEHOLDER =
  /^\{\{\$\.(?:inputs\.parameters\[(['"])[^'"]+\1\]|outputs\.parameters\[(['"])[^'"]+\2\]\.output_file|(?:inputs|outputs)\.artifacts\[(['"])[^'"]+\3\]\.(?:path|uri|metadata)|pipeline_job_name|pipeline_job_uuid|pipeline_job_resource_name|pipeline_job_create_time_utc|pipeline_task_name|pipeline_task_uuid|pipeline_root)\}\}$/

const ANY_PLACEHOLDER = /\{\{\$[^{}]*\}\}/g

/** Every `{{$…}}` placeholder written in a string. */
export function findPlaceholders(s: string): string[] {
  return s.match(ANY_PLACEHOLDER) ?? []
}

/** A placeholder that could not be resolved (an absent input outside IfPresent, an unknown name). */
export class PlaceholderError extends Error {}

function resolveOne(p: string, v: PlaceholderValues): string {
  let m: RegExpExecArray | null
  if ((m = /^\{\{\$\.inputs\.parameters\[['"]([^'"]+)['"]\]\}\}$/.exec(p))) {
    const val = v.inputParameters[m[1]]
    if (val === undefined) throw new PlaceholderError(`input parameter '${m[1]}' has no value`)
    return val
  }
  if ((m = /^\{\{\$\.outputs\.parameters\[['"]([^'"]+)['"]\]\.output_file\}\}$/.exec(p))) {
    const f = v.outputParameterFiles[m[1]]
    if (f === undefined) throw new PlaceholderError(`'${m[1]}' is not an output parameter of the component`)
    return f
  }
  if ((m = /^\{\{\$\.(inputs|outputs)\.artifacts\[['"]([^'"]+)['"]\]\.(path|uri|metadata)\}\}$/.exec(p))) {
    const a = (m[1] === 'inputs' ? v.inputArtifacts : v.outputArtifacts)[m[2]]
    if (!a) throw new PlaceholderError(`${m[1] === 'inputs' ? 'input' : 'output'} artifact '${m[2]}' has no value`)
    return m[3] === 'metadata' ? '{}' : m[3] === 'path' ? a.path : a.uri
  }
  switch (p) {
    case '{{$.pipeline_job_name}}':
    case '{{$.pipeline_job_resource_name}}':
      return v.pipelineJobName
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
  throw new PlaceholderError(`unsupported placeholder ${p}`)
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

function isPresent(name: string, v: PlaceholderValues): boolean {
  return v.inputParameters[name] !== undefined || v.inputArtifacts[name] !== undefined
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
