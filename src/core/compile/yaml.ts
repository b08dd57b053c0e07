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

/**
 * The reference writer: a yaml `Document` with the options above. Slow on big specs (node objects, then GC), so
 * `renderSdkYaml` only uses it for values its fast path is not sure about, and for whole specs that share objects
 * (the yaml library writes those as anchors and aliases).
 */
function renderWithDocument(value: unknown): string {
  const doc = new Document(value, {sortMapEntries: true, version: '1.1', customTags: [pythonFloatTag]})
  markDoubles(doc.contents, false)
  return doc.toString({lineWidth: 0, singleQuote: true, indentSeq: false})
}

// What the yaml library (stringify/stringifyString.js, plainString) checks before writing a string plain.
const PLAIN_UNSAFE = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/
// Control characters and lone surrogates: the library forces double quotes with escapes; left to it.
const FORCE_DOUBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u

interface ScalarTest {
  default?: boolean | string
  tag: string
  test?: RegExp
}

let resolvingTags: ScalarTest[] | undefined

/** Tags other than `str` that would read a plain string back as something else (YAML 1.1: bool, int, float, null, timestamp). */
function ambiguousTags(): ScalarTest[] {
  if (!resolvingTags) {
    const schema = new Document(null, {version: '1.1', customTags: [pythonFloatTag]}).schema as unknown as {tags: ScalarTest[]; compat?: ScalarTest[] | null}
    resolvingTags = [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test)
  }
  return resolvingTags
}

/**
 * A single-line string as the yaml library writes it with `singleQuote: true`: plain when that reads back as the same
 * string, else single-quoted (double-quoted, JSON escapes, when it holds `'` and no `"`). `undefined` for strings the
 * fast path leaves to the library: line breaks, control characters, lone surrogates, a leading document marker, `<<`.
 */
function fastString(s: string): string | undefined {
  // `<<` is the YAML 1.1 merge key, which the library writes plain through its merge tag.
  if (s.includes('\n') || FORCE_DOUBLE.test(s) || s.startsWith('---') || s.startsWith('...') || s === '<<') return undefined
  if (!PLAIN_UNSAFE.test(s) && !ambiguousTags().some((t) => t.test!.test(s))) return s
  const hasDouble = s.includes('"')
  if (s.includes("'") && !hasDouble) return JSON.stringify(s)
  return `'${s.replaceAll("'", "''")}'`
}

class SharedObject extends Error {}

const isPlainObject = (v: object): v is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(v)
  return (proto === Object.prototype || proto === null) && typeof (v as {toJSON?: unknown}).toJSON !== 'function'
}

/**
 * The fast writer: walks the value once and concatenates lines, byte for byte what `renderWithDocument` writes for
 * maps, lists, numbers, booleans, null and single-line strings. Anything else (multi-line strings, odd keys, values
 * that are not JSON) is rendered by the library alone, at the same column, and spliced in.
 */
class FastWriter {
  private out = ''
  private readonly chunks: string[] = []
  readonly seen = new Set<object>()
  private readonly strings = new Map<string, string | undefined>()

  private str(s: string): string | undefined {
    let r = this.strings.get(s)
    if (r === undefined && !this.strings.has(s)) {
      r = fastString(s)
      this.strings.set(s, r)
    }
    return r
  }

  /**
   * Moves the text written so far into a flat chunk once it is long. A long string built by `+=` is a tree of
   * concatenations that lives until the end; flattening it now and then keeps the garbage collector's work linear.
   */
  private flush(): void {
    if (this.out.length < 65536) return
    // `Number` needs the characters in one piece, so V8 flattens the string (and stops at its first letter).
    Number(this.out)
    this.chunks.push(this.out)
    this.out = ''
  }

  /** Everything written. */
  text(): string {
    return this.chunks.length === 0 ? this.out : this.chunks.join('') + this.out
  }

  private scalar(v: unknown, inDouble: boolean): string | undefined {
    switch (typeof v) {
      case 'string':
        return this.str(v)
      case 'number':
        if (inDouble) return pythonFloat(v)
        return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : undefined
      case 'boolean':
        return v ? 'true' : 'false'
      case 'object':
        return v === null ? 'null' : undefined
      default:
        return undefined
    }
  }

  /** Objects met twice become anchors and aliases in the library's output: leave the whole value to it. */
  private track(v: unknown): void {
    if (v === null || typeof v !== 'object') return
    if (this.seen.has(v)) throw new SharedObject()
    this.seen.add(v)
    if (Array.isArray(v)) for (const item of v) this.track(item)
    else for (const item of Object.values(v)) this.track(item)
  }

  /** The library's rendering of `value` nested in single-key maps so it starts at `indent`; the wrapper lines cut off. */
  private rendered(value: unknown, depth: number, inDouble: boolean): string {
    let wrapped = value
    for (let i = depth - 1; i >= 0; i--) wrapped = {[i === 0 && inDouble ? 'constant' : 'a']: wrapped}
    const text = renderWithDocument(wrapped)
    let start = 0
    for (let i = 0; i < depth; i++) start = text.indexOf('\n', start) + 1
    return text.slice(start)
  }

  private fallbackPair(key: string, value: unknown, indent: string, prefix: string, inDouble: boolean): void {
    this.track(value)
    this.out += prefix + this.rendered({[key]: value}, indent.length / 2, inDouble).slice(indent.length)
  }

  private fallbackItem(item: unknown, indent: string, prefix: string, inDouble: boolean): void {
    this.track(item)
    this.out += prefix + this.rendered([item], indent.length / 2 + 1, inDouble).slice(indent.length)
  }

  /** Keys with a defined value, sorted as the library sorts them (string comparison). */
  private static keys(obj: Record<string, unknown>): string[] {
    const keys: string[] = []
    for (const k of Object.keys(obj)) if (obj[k] !== undefined) keys.push(k)
    return keys.sort()
  }

  /** A non-empty map whose entries start at `indent`; the first one on the current line when `inline` (after `- `). */
  map(obj: Record<string, unknown>, keys: string[], indent: string, inline: boolean, inDouble: boolean): void {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]
      const value = obj[key]
      const prefix = i === 0 && inline ? '' : indent
      const valueDouble = inDouble || DOUBLE_KEYS.has(key)
      const keyText = this.str(key)
      if (keyText === undefined || keyText.length > 1000) {
        this.fallbackPair(key, value, indent, prefix, inDouble)
        continue
      }
      if (value !== null && typeof value === 'object') {
        if (this.seen.has(value)) throw new SharedObject()
        if (Array.isArray(value)) {
          this.seen.add(value)
          if (value.length === 0) this.out += `${prefix}${keyText}: []\n`
          else {
            this.out += `${prefix}${keyText}:\n`
            this.seq(value, indent, false, valueDouble)
          }
          continue
        }
        if (isPlainObject(value)) {
          this.seen.add(value)
          const childKeys = FastWriter.keys(value)
          if (childKeys.length === 0) this.out += `${prefix}${keyText}: {}\n`
          else {
            this.out += `${prefix}${keyText}:\n`
            this.map(value, childKeys, `${indent}  `, false, valueDouble)
          }
          continue
        }
      }
      const text = this.scalar(value, valueDouble)
      if (text === undefined) this.fallbackPair(key, value, indent, prefix, inDouble)
      else this.out += `${prefix}${keyText}: ${text}\n`
      this.flush()
    }
  }

  /** A non-empty list whose `- ` items start at `indent` (lists are not indented under their key). */
  seq(items: unknown[], indent: string, inline: boolean, inDouble: boolean): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i]
      const prefix = i === 0 && inline ? '' : indent
      if (item !== null && typeof item === 'object') {
        if (this.seen.has(item)) throw new SharedObject()
        if (Array.isArray(item)) {
          this.seen.add(item)
          if (item.length === 0) this.out += `${prefix}- []\n`
          else {
            this.out += `${prefix}- `
            this.seq(item, `${indent}  `, true, inDouble)
          }
          continue
        }
        if (isPlainObject(item)) {
          this.seen.add(item)
          const keys = FastWriter.keys(item)
          if (keys.length === 0) this.out += `${prefix}- {}\n`
          else {
            this.out += `${prefix}- `
            this.map(item, keys, `${indent}  `, true, inDouble)
          }
          continue
        }
      }
      const text = this.scalar(item, inDouble)
      if (text === undefined) this.fallbackItem(item, indent, prefix, inDouble)
      else this.out += `${prefix}- ${text}\n`
      this.flush()
    }
  }
}

/** YAML of any JSON-like value, sorted keys, SDK style (see the module comment). */
export function renderSdkYaml(value: unknown): string {
  if (value === null || typeof value !== 'object') return renderWithDocument(value)
  const writer = new FastWriter()
  writer.seen.add(value)
  try {
    if (Array.isArray(value)) {
      if (value.length === 0) return renderWithDocument(value)
      writer.seq(value, '', false, false)
    } else {
      if (!isPlainObject(value)) return renderWithDocument(value)
      const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort()
      if (keys.length === 0) return renderWithDocument(value)
      writer.map(value, keys, '', false, false)
    }
  } catch (error) {
    if (error instanceof SharedObject) return renderWithDocument(value)
    throw error
  }
  return writer.text()
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
 * `# Inputs:` with `#    startYear: int [Default: 2000.0]`, `# Outputs:`), then the spec as sorted-keys YAML, then the
 * PlatformSpec (when there is one) as a second document, as `yaml.dump_all` writes it (`---` between documents).
 */
export function renderPipelineYaml(spec: PipelineSpec, platformSpec?: Record<string, unknown>): string {
  const text = `${headerLines(spec).join('\n')}\n${renderSdkYaml(spec)}`
  return platformSpec ? `${text}---\n${renderSdkYaml(platformSpec)}` : text
}
