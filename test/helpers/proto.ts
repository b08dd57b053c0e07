/**
 * A strict validator of compiled pipeline IR against the real schema, test/fixtures/proto/pipeline_spec.proto
 * (a verbatim copy of kubeflow/pipelines' api/v2alpha1/pipeline_spec.proto), loaded with protobufjs.
 *
 * It walks the proto3-JSON object (what a pipeline YAML parses to) and reports every problem with its JSON path:
 * unknown fields (only the camelCase JSON names are accepted, as the SDK writes them), wrong JSON types for the field's
 * scalar type, invalid enum values, arrays where a singular field is expected and vice versa, map fields that are not
 * objects, more than one member of a oneof set, and nulls. google.protobuf.Value accepts any JSON, Struct any object,
 * Duration only "<seconds>s" strings. Struct fields whose content KFP parses as a message are checked as that message:
 * `PipelineSpec.deploymentSpec` as `PipelineDeploymentConfig`, and the `platforms.kubernetes` executors of the second
 * YAML document as `kfp_kubernetes.KubernetesExecutorConfig`.
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import protobuf from 'protobufjs'
import {parseAllDocuments} from 'yaml'

const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'proto')

/** One problem found, at a JSON path such as `root.dag.tasks.train.foo`. */
export interface ProtoProblem {
  path: string
  message: string
}

/** Struct-typed fields whose content KFP parses as a typed message: `<message full name>.<json field>` → message. */
const STRUCT_AS_MESSAGE: Record<string, string> = {
  'ml_pipelines.PipelineSpec.deploymentSpec': 'ml_pipelines.PipelineDeploymentConfig',
  'ml_pipelines.PlatformDeploymentConfig.executors': 'kfp_kubernetes.KubernetesExecutorConfig',
}

let cachedRoot: protobuf.Root | undefined

/** The parsed schema (pipeline_spec.proto + kubernetes_executor_config.proto), loaded once per process. */
export function irSchema(): protobuf.Root {
  if (cachedRoot) return cachedRoot
  const root = new protobuf.Root()
  // google/protobuf/* come from protobufjs' bundled well-known types; everything else from the fixtures folder.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : path.join(PROTO_DIR, target))
  root.loadSync(['pipeline_spec.proto', 'kubernetes_executor_config.proto'], {keepCase: false})
  root.resolveAll()
  cachedRoot = root
  return root
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32', 'uint32', 'fixed32'])
const INT64 = new Set(['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64'])

function typeOfValue(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

function join(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`
  const k = /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key)
  return base ? `${base}.${k}` : k
}

class Walker {
  problems: ProtoProblem[] = []

  constructor(private root: protobuf.Root) {}

  problem(p: string, message: string): void {
    this.problems.push({path: p || '(root)', message})
  }

  message(value: unknown, type: protobuf.Type, p: string): void {
    if (typeOfValue(value) !== 'object') {
      this.problem(p, `expected an object (${type.fullName.slice(1)}), got ${typeOfValue(value)}`)
      return
    }
    const fieldsByJsonName = new Map<string, protobuf.Field>()
    for (const f of type.fieldsArray) fieldsByJsonName.set(f.name, f)
    const obj = value as Record<string, unknown>
    for (const [key, v] of Object.entries(obj)) {
      const field = fieldsByJsonName.get(key)
      if (!field) {
        this.problem(join(p, key), `unknown field '${key}' in ${type.fullName.slice(1)} (fields: ${[...fieldsByJsonName.keys()].join(', ')})`)
        continue
      }
      this.field(v, field, type, join(p, key))
    }
    for (const oneof of type.oneofsArray) {
      const set = oneof.fieldsArray.filter((f) => Object.hasOwn(obj, f.name))
      if (set.length > 1) this.problem(p, `oneof '${oneof.name}' of ${type.fullName.slice(1)} has more than one field set: ${set.map((f) => f.name).join(', ')}`)
    }
  }

  field(value: unknown, field: protobuf.Field, owner: protobuf.Type, p: string): void {
    const override = STRUCT_AS_MESSAGE[`${owner.fullName.slice(1)}.${field.name}`]
    const check = (v: unknown, vp: string) => (override ? this.message(v, this.root.lookupType(override), vp) : this.singular(v, field, vp))
    if (field.map) {
      if (typeOfValue(value) !== 'object') {
        this.problem(p, `expected an object (map<${(field as unknown as protobuf.MapField).keyType}, ${field.type}>), got ${typeOfValue(value)}`)
        return
      }
      const keyType = (field as unknown as protobuf.MapField).keyType
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if ((INT32.has(keyType) || INT64.has(keyType)) && !/^-?\d+$/.test(k)) this.problem(join(p, k), `map key '${k}' is not an integer`)
        if (keyType === 'bool' && k !== 'true' && k !== 'false') this.problem(join(p, k), `map key '${k}' is not a boolean`)
        check(v, join(p, k))
      }
      return
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.problem(p, `expected a list (repeated ${field.type}), got ${typeOfValue(value)}`)
        return
      }
      value.forEach((v, i) => check(v, join(p, i)))
      return
    }
    const acceptsList = ['.google.protobuf.Value', '.google.protobuf.ListValue'].includes(field.resolvedType?.fullName ?? '')
    if (Array.isArray(value) && !acceptsList) {
      this.problem(p, `expected a single ${field.type}, got a list`)
      return
    }
    check(value, p)
  }

  singular(value: unknown, field: protobuf.Field, p: string): void {
    const resolved = field.resolvedType
    if (resolved instanceof protobuf.Enum) {
      if (typeof value === 'string') {
        if (!Object.hasOwn(resolved.values, value)) {
          this.problem(p, `'${value}' is not a value of enum ${resolved.fullName.slice(1)} (${Object.keys(resolved.values).join(', ')})`)
        }
      } else if (typeof value === 'number') {
        if (!Object.values(resolved.values).includes(value)) this.problem(p, `${value} is not a number of enum ${resolved.fullName.slice(1)}`)
      } else this.problem(p, `expected an enum ${resolved.fullName.slice(1)} name, got ${typeOfValue(value)}`)
      return
    }
    if (resolved instanceof protobuf.Type) {
      this.wellKnownOrMessage(value, resolved, p)
      return
    }
    this.scalar(value, field.type, p)
  }

  wellKnownOrMessage(value: unknown, type: protobuf.Type, p: string): void {
    switch (type.fullName) {
      case '.google.protobuf.Value':
        this.json(value, p)
        return
      case '.google.protobuf.Struct':
        if (typeOfValue(value) !== 'object') this.problem(p, `expected an object (google.protobuf.Struct), got ${typeOfValue(value)}`)
        else this.json(value, p)
        return
      case '.google.protobuf.ListValue':
        if (!Array.isArray(value)) this.problem(p, `expected a list (google.protobuf.ListValue), got ${typeOfValue(value)}`)
        else this.json(value, p)
        return
      case '.google.protobuf.Duration':
        if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) {
          this.problem(p, `expected a duration string like "3600s" (google.protobuf.Duration), got ${JSON.stringify(value)}`)
        }
        return
      case '.google.protobuf.Timestamp':
        if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) this.problem(p, `expected an RFC 3339 timestamp string, got ${JSON.stringify(value)}`)
        return
      case '.google.protobuf.Any':
        if (typeOfValue(value) !== 'object' || typeof (value as Record<string, unknown>)['@type'] !== 'string') {
          this.problem(p, 'expected an object with "@type" (google.protobuf.Any)')
        }
        return
      default:
        if (value === null) {
          this.problem(p, `null is not a ${type.fullName.slice(1)}; leave the field out instead`)
          return
        }
        this.message(value, type, p)
    }
  }

  /** Any JSON value (google.protobuf.Value): no undefined, functions or non-finite numbers. */
  json(value: unknown, p: string): void {
    const t = typeOfValue(value)
    if (t === 'number' && !Number.isFinite(value as number)) this.problem(p, 'a google.protobuf.Value number must be finite')
    else if (t === 'array') (value as unknown[]).forEach((v, i) => this.json(v, join(p, i)))
    else if (t === 'object') for (const [k, v] of Object.entries(value as object)) this.json(v, join(p, k))
    else if (!['null', 'string', 'number', 'boolean'].includes(t)) this.problem(p, `${t} is not a JSON value`)
  }

  scalar(value: unknown, type: string, p: string): void {
    const t = typeOfValue(value)
    const bad = (expected: string) => this.problem(p, `expected ${expected} (${type}), got ${t} ${JSON.stringify(value)}`)
    if (value === null) {
      this.problem(p, `null is not a ${type}; leave the field out instead`)
      return
    }
    switch (type) {
      case 'string':
        if (t !== 'string') bad('a string')
        return
      case 'bool':
        if (t !== 'boolean') bad('a boolean')
        return
      case 'double':
      case 'float':
        if (!(t === 'number' || (t === 'string' && (/^(NaN|-?Infinity)$/.test(value as string) || Number.isFinite(Number(value)))))) bad('a number')
        return
      case 'bytes':
        if (t !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value as string)) bad('a base64 string')
        return
      default:
        if (INT32.has(type) || INT64.has(type)) {
          const text = t === 'number' || t === 'string' ? String(value) : ''
          const unsigned = type.startsWith('u') || type.startsWith('fixed')
          if (!/^-?\d+$/.test(text) || (unsigned && text.startsWith('-'))) {
            bad(`an integer${INT64.has(type) ? ' (a number or a decimal string)' : ''}`)
            return
          }
          if (INT32.has(type)) {
            const n = Number(text)
            const [min, max] = unsigned ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1]
            if (n < min || n > max) bad('a 32-bit integer')
          } else if (t === 'number' && !Number.isSafeInteger(value)) bad('a safe integer; write larger int64 values as strings')
          return
        }
        this.problem(p, `unsupported scalar type ${type}`)
    }
  }
}

/** Problems of `value` as the proto3-JSON form of message `typeName` (e.g. `ml_pipelines.PipelineSpec`). */
export function checkMessage(value: unknown, typeName: string, basePath = ''): ProtoProblem[] {
  const root = irSchema()
  const walker = new Walker(root)
  walker.message(value, root.lookupType(typeName), basePath)
  return walker.problems
}

/** Problems of a PipelineSpec object (the first document of a pipeline YAML). */
export function checkPipelineSpec(spec: unknown): ProtoProblem[] {
  return checkMessage(spec, 'ml_pipelines.PipelineSpec')
}

/**
 * Problems of a whole pipeline YAML text: YAML errors, the PipelineSpec document, and the optional second document
 * (a PlatformSpec). Paths of the second document start with `[platform]`.
 */
export function checkPipelineYaml(text: string): ProtoProblem[] {
  const docs = parseAllDocuments(text)
  const list = Array.isArray(docs) ? docs : [docs]
  const problems: ProtoProblem[] = []
  for (const d of list) for (const e of d.errors) problems.push({path: '(yaml)', message: e.message})
  if (problems.length > 0) return problems
  if (list.length === 0) return [{path: '(yaml)', message: 'no YAML document'}]
  if (list.length > 2) problems.push({path: '(yaml)', message: `expected 1 or 2 documents, found ${list.length}`})
  problems.push(...checkPipelineSpec(list[0].toJS()))
  if (list.length > 1) problems.push(...checkMessage(list[1].toJS(), 'ml_pipelines.PlatformSpec', '[platform]'))
  return problems
}

/** Formats problems one per line (`path: message`), for assertion messages. */
export function formatProblems(problems: ProtoProblem[]): string {
  return problems.map((x) => `${x.path}: ${x.message}`).join('\n')
}

/** Throws an Error listing every problem when the spec is not strictly valid. */
export function assertValidPipelineSpec(spec: unknown, label = 'pipeline spec'): void {
  const problems = checkPipelineSpec(spec)
  if (problems.length > 0) throw new Error(`${label} is not valid against pipeline_spec.proto:\n${formatProblems(problems)}`)
}
