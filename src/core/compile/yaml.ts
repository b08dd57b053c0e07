/**
 * Writing a PipelineSpec as the Python SDK does (`compiler/pipeline_spec_builder.py write_pipeline_spec_to_file`):
 * header comments, then YAML of the proto3 JSON with keys sorted (`yaml.dump(sort_keys=True)`). Numbers in
 * double-typed fields (every `google.protobuf.Value` such as defaults and constants, the deprecated resource fields,
 * `backoffFactor`) are written the way Python prints floats (`2000.0`, `15.032385536`); integer fields stay integers.
 * Strings that a YAML 1.1 reader (PyYAML, Go yaml.v2 in the KFP server) would take for booleans, numbers or dates
 * are quoted. The output is a pure function of the spec: the same spec gives the same bytes.
 */
import {Document, isMap, isScalar, isSeq, type Node, type Pair, type Scalar} from 'yaml'
import type {IrParameterSpec, IrParameterType, PipelineSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'

/** Keys whose values are doubles in the proto (google.protobuf.Value subtrees, ResourceSpec doubles, RetryPolicy). */
const DOUBLE_KEYS = new Set(['defaultValue', 'constant', 'cpuLimit', 'cpuRequest', 'memoryLimit', 'memoryRequest', 'backoffFactor'])

const PY_FLOAT_FORMAT = 'PYFLOAT'

/** Python's `repr(float)` plus PyYAML's `.0e` fix-up: 2000 → `2000.0`, 1e-5 → `1.0e-05`, 1e16 → `1.0e+16`. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return '.nan'
  if (value === Number.POSITIVE_INFINITY) return '.inf'
  if (value === Number.NEGATIVE_INFINITY) return '-.inf'
  if (Object.is(value, -0)) return '-0.0'
  const [mantissa, expText] = value.toExponential().split('e')
  const exp = Number(expText)
  if (exp < -4 || exp >= 16) {
    const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`
    const sign = exp < 0 ? '-' : '+'
    return `${m}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  const fixed = String(value)
  return fixed.includes('.') ? fixed : `${fixed}.0`
}

// A number tag used only for nodes marked as doubles; `test` never matches so it plays no part in parsing.
const pythonFloatTag = {
  identify: (v: unknown) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:float',
  format: PY_FLOAT_FORMAT,
  test: /(?!)/,
  resolve: (s: string) => Number(s),
  stringify: (item: {value: unknown}) => pythonFloat(item.value as number),
}

function markDoubles(node: unknown, inDouble: boolean): void {
  if (isScalar(node)) {
    if (inDouble && typeof node.value === 'number') (node as Scalar).format = PY_FLOAT_FORMAT
  } else if (isMap(node)) {
    for (const pair of node.items as Array<Pair<Scalar, Node>>) {
      markDoubles(pair.value, inDouble || DOUBLE_KEYS.has(String(pair.key?.value)))
    }
  } else if (isSeq(node)) {
    for (const item of node.items) markDoubles(item, inDouble)
  }
}

/** YAML of any JSON-like value, sorted keys, SDK style (see the module comment). */
export function renderSdkYaml(value: unknown): string {
  const doc = new Document(value, {sortMapEntries: true, version: '1.1', customTags: [pythonFloatTag]})
  markDoubles(doc.contents, false)
  return doc.toString({lineWidth: 0, singleQuote: true, indentSeq: false})
}

const PYTHON_TYPE: Record<IrParameterType, string> = {
  NUMBER_DOUBLE: 'float',
  NUMBER_INTEGER: 'int',
  STRING: 'str',
  BOOLEAN: 'bool',
  LIST: 'list',
  STRUCT: 'dict',
  TASK_FINAL_STATUS: 'PipelineTaskFinalStatus',
  TASK_CONFIG: 'TaskConfig',
}

/** Python's `repr` of a JSON value as the SDK shows defaults in the header (`'Hello'`, `2000.0`, `True`, `['a']`). */
export function pythonRepr(value: JsonValue): string {
  if (value === null) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') {
    const f = pythonFloat(value)
    return f === '.nan' ? 'nan' : f === '.inf' ? 'inf' : f === '-.inf' ? '-inf' : f.replace('.0e', 'e')
  }
  if (typeof value === 'string') {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'"
    let out = ''
    for (const ch of value) {
      if (ch === '\\') out += '\\\\'
      else if (ch === quote) out += `\\${ch}`
      else if (ch === '\n') out += '\\n'
      else if (ch === '\r') out += '\\r'
      else if (ch === '\t') out += '\\t'
      else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`
      else out += ch
    }
    return `${quote}${out}${quote}`
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`
  // Keys sorted, so the header does not depend on the order a struct default was written in.
  return `{${Object.entries(value)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
    .join(', ')}}`
}

function headerLines(spec: PipelineSpec): string[] {
  const lines = ['# PIPELINE DEFINITION', `# Name: ${spec.pipelineInfo.name}`]
  const description = spec.pipelineInfo.description
  if (description) {
    const [first, ...rest] = description.split(/\r?\n/)
    lines.push(`# Description: ${first}`, ...rest.map((l) => (l ? `#              ${l}` : '#')))
  }
  const section = (title: string, params: Record<string, IrParameterSpec> | undefined, artifacts: Record<string, {artifactType: {schemaTitle?: string}}> | undefined) => {
    const entries: Array<[string, string]> = []
    for (const [name, p] of Object.entries(params ?? {})) {
      const d = p.defaultValue !== undefined ? ` [Default: ${pythonRepr(p.defaultValue)}]` : ''
      entries.push([name, `${name}: ${PYTHON_TYPE[p.parameterType] ?? p.parameterType}${d}`])
    }
    for (const [name, a] of Object.entries(artifacts ?? {})) entries.push([name, `${name}: ${a.artifactType.schemaTitle ?? 'system.Artifact'}`])
    if (entries.length === 0) return
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    lines.push(`# ${title}:`, ...entries.map(([, text]) => `#    ${text}`))
  }
  section('Inputs', spec.root.inputDefinitions?.parameters, spec.root.inputDefinitions?.artifacts)
  section('Outputs', spec.root.outputDefinitions?.parameters, spec.root.outputDefinitions?.artifacts)
  return lines
}

/**
 * The pipeline file text: the SDK's header comments (`# PIPELINE DEFINITION`, `# Name:`, `# Description:`,
 * `# Inputs:` with `#    startYear: int [Default: 2000.0]`, `# Outputs:`), then the spec as sorted-keys YAML.
 */
export function renderPipelineYaml(spec: PipelineSpec): string {
  return `${headerLines(spec).join('\n')}\n${renderSdkYaml(spec)}`
}
