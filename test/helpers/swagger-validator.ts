/**
 * Validates HTTP requests and responses against a Swagger 2.0 description (the official KFP v2beta1 swagger in
 * test/fixtures/swagger/). Swagger schemas are converted to JSON Schema for ajv: objects with declared properties
 * reject unknown fields (the KFP server parses bodies with DiscardUnknown: false), int64 strings must be digits,
 * date-times must be RFC 3339, enums are strings.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import AjvModule from 'ajv'

// ajv is CommonJS; under Node16 ESM its class is the default export's `default`.
const Ajv = ((AjvModule as unknown as {default?: typeof AjvModule}).default ?? AjvModule) as unknown as typeof AjvModule.default

type Json = any

export interface SwaggerParam {
  name: string
  in: 'path' | 'query' | 'body' | 'formData' | 'header'
  required?: boolean
  type?: string
  format?: string
  enum?: string[]
  schema?: Json
  items?: Json
}

export interface SwaggerOperation {
  method: string
  template: string
  regex: RegExp
  pathParams: string[]
  operationId: string
  parameters: SwaggerParam[]
  consumes?: string[]
  responses: Record<string, {schema?: Json}>
}

export interface IncomingCall {
  method: string
  path: string
  query: URLSearchParams
  headers: Record<string, string | string[] | undefined>
  /** Raw body (for multipart) and parsed JSON (for application/json). */
  rawBody: Buffer
}

const here = path.dirname(fileURLToPath(import.meta.url))
export const SWAGGER_FILE = path.join(here, '..', 'fixtures', 'swagger', 'v2beta1.kfp_api_single_file.swagger.json')

/** Converts one Swagger 2.0 schema node into JSON Schema (draft-07) for ajv. */
export function swaggerToJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(swaggerToJsonSchema)
  if (!node || typeof node !== 'object') return node
  const out: Json = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' || k === 'title' || k === 'readOnly' || k === 'example' || k.startsWith('x-')) continue
    if (k === '$ref') {
      out.$ref = String(v).startsWith('#/definitions/') ? `kfp-swagger${String(v)}` : v
      continue
    }
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, swaggerToJsonSchema(pv)]))
      continue
    }
    out[k] = swaggerToJsonSchema(v)
  }
  // `$ref` with siblings: JSON Schema draft-07 ignores siblings, which is what Swagger means too.
  if (out.$ref) return {$ref: out.$ref}
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false
  return out
}

/** A compiled validator for one swagger file. */
export class SwaggerValidator {
  readonly operations: SwaggerOperation[] = []
  private ajv: InstanceType<typeof Ajv>
  private cache = new Map<string, (v: unknown) => boolean>()

  constructor(file = SWAGGER_FILE) {
    const doc = JSON.parse(readFileSync(file, 'utf8'))
    this.ajv = new Ajv({strict: false, allErrors: true})
    this.ajv.addFormat('int64', /^-?\d+$/)
    this.ajv.addFormat('uint64', /^\d+$/)
    this.ajv.addFormat('int32', true)
    this.ajv.addFormat('double', true)
    this.ajv.addFormat('float', true)
    this.ajv.addFormat('byte', /^[A-Za-z0-9+/=_-]*$/)
    this.ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
    const definitions = Object.fromEntries(Object.entries(doc.definitions).map(([k, v]) => [k, swaggerToJsonSchema(v)]))
    this.ajv.addSchema({$id: 'kfp-swagger', definitions})
    for (const [template, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const pathParams: string[] = []
        const pattern = template
          .split(/(\{[^}]+\})/)
          .map((part) => {
            if (part.startsWith('{')) {
              pathParams.push(part.slice(1, -1))
              return '([^/:]+)'
            }
            return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          })
          .join('')
        this.operations.push({
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^${pattern}$`),
          pathParams,
          operationId: op.operationId,
          parameters: op.parameters ?? [],
          consumes: op.consumes,
          responses: op.responses,
        })
      }
    }
  }

  /** The operation for a method and path, with decoded path parameters. */
  match(method: string, urlPath: string): {op: SwaggerOperation; params: Record<string, string>} | undefined {
    // Prefer the most specific template (literal segments beat parameters, e.g. /pipelines/upload vs /pipelines/{id}).
    const candidates = this.operations
      .filter((o) => o.method === method && o.regex.test(urlPath))
      .sort((a, b) => a.pathParams.length - b.pathParams.length)
    const op = candidates[0]
    if (!op) return undefined
    const m = op.regex.exec(urlPath)!
    const params = Object.fromEntries(op.pathParams.map((p, i) => [p, decodeURIComponent(m[i + 1])]))
    return {op, params}
  }

  /** Validates a value against a definition (e.g. `v2beta1Run`); returns error strings. */
  validateDefinition(name: string, value: unknown): string[] {
    return this.validateSchema({$ref: `kfp-swagger#/definitions/${name}`}, value)
  }

  validateSchema(schema: Json, value: unknown): string[] {
    const key = JSON.stringify(schema)
    let fn = this.cache.get(key)
    if (!fn) {
      const compiled = this.ajv.compile(swaggerToJsonSchema(schema)) as (v: unknown) => boolean
      this.cache.set(key, compiled)
      fn = compiled
    }
    if (fn(value)) return []
    return ((fn as unknown as {errors?: Array<{instancePath: string; message?: string; params?: unknown}>}).errors ?? []).map(
      (e) => `${e.instancePath || '(root)'} ${e.message} ${JSON.stringify(e.params)}`,
    )
  }

  /** Checks a request: path, query (names, types, required), headers, and the body (JSON or multipart). */
  validateRequest(call: IncomingCall): {op?: SwaggerOperation; params: Record<string, string>; body?: unknown; file?: {filename: string; content: Buffer}; errors: string[]} {
    const errors: string[] = []
    const found = this.match(call.method, call.path)
    if (!found) return {params: {}, errors: [`no swagger operation for ${call.method} ${call.path}`]}
    const {op, params} = found
    const declared = new Map(op.parameters.map((p) => [p.name, p]))
    for (const name of new Set(call.query.keys())) {
      const p = declared.get(name)
      if (!p || p.in !== 'query') {
        errors.push(`unknown query parameter "${name}"`)
        continue
      }
      const v = call.query.get(name)!
      if (call.query.getAll(name).length > 1 && p.type !== 'array') errors.push(`query parameter "${name}" repeated`)
      if (p.type === 'integer' && !/^-?\d+$/.test(v)) errors.push(`query "${name}" must be an integer, got ${JSON.stringify(v)}`)
      if (p.type === 'boolean' && v !== 'true' && v !== 'false') errors.push(`query "${name}" must be true/false`)
      if (p.enum && !p.enum.includes(v)) errors.push(`query "${name}" not in ${p.enum.join('|')}`)
      if (name === 'filter') {
        try {
          const f = JSON.parse(v)
          errors.push(...this.validateDefinition('v2beta1Filter', f).map((e) => `filter: ${e}`))
        } catch {
          errors.push('query "filter" is not JSON')
        }
      }
    }
    for (const p of op.parameters) {
      if (p.in === 'query' && p.required && !call.query.has(p.name)) errors.push(`missing required query "${p.name}"`)
      if (p.in === 'path' && !params[p.name]) errors.push(`empty path parameter "${p.name}"`)
    }
    const auth = call.headers.authorization
    if (auth !== undefined && !/^Bearer \S+$/.test(String(auth))) errors.push('authorization header must be "Bearer <token>"')
    const ct = String(call.headers['content-type'] ?? '')
    const bodyParam = op.parameters.find((p) => p.in === 'body')
    const fileParam = op.parameters.find((p) => p.in === 'formData')
    let body: unknown
    let file: {filename: string; content: Buffer} | undefined
    if (bodyParam) {
      if (!/^application\/json\b/.test(ct)) errors.push(`content-type must be application/json, got "${ct}"`)
      try {
        body = JSON.parse(call.rawBody.toString('utf8'))
        errors.push(...this.validateSchema(bodyParam.schema, body).map((e) => `body${e}`))
      } catch {
        errors.push('body is not JSON')
      }
    } else if (fileParam) {
      const m = /^multipart\/form-data;\s*boundary=(.+)$/.exec(ct)
      if (!m) errors.push(`content-type must be multipart/form-data with a boundary, got "${ct}"`)
      else {
        const parts = parseMultipart(call.rawBody, m[1].replace(/^"|"$/g, ''))
        const part = parts.find((x) => x.name === fileParam.name)
        if (!part) errors.push(`multipart part "${fileParam.name}" missing`)
        else if (!part.filename) errors.push(`multipart part "${fileParam.name}" has no filename`)
        else file = {filename: part.filename, content: part.content}
        for (const x of parts) if (x.name !== fileParam.name) errors.push(`unexpected multipart part "${x.name}"`)
      }
    } else if (call.rawBody.length > 0 && !(call.method === 'POST' && call.rawBody.toString().trim() === '{}')) {
      errors.push(`${call.method} ${op.template} takes no body`)
    }
    return {op, params, body, file, errors}
  }

  /** Checks a response body against the operation's schema for that status (200 or default = googleRpcStatus). */
  validateResponse(op: SwaggerOperation, status: number, body: unknown): string[] {
    const r = op.responses[String(status)] ?? op.responses.default
    if (!r) return [`no response declared for ${status}`]
    if (!r.schema) return []
    return this.validateSchema(r.schema, body).map((e) => `response ${status} of ${op.operationId}: ${e}`)
  }
}

/** Minimal multipart/form-data parser (enough for the upload endpoints). */
export function parseMultipart(body: Buffer, boundary: string): Array<{name: string; filename?: string; content: Buffer}> {
  const out: Array<{name: string; filename?: string; content: Buffer}> = []
  const delim = Buffer.from(`--${boundary}`)
  let pos = body.indexOf(delim)
  while (pos >= 0) {
    const start = pos + delim.length
    if (body.subarray(start, start + 2).toString() === '--') break
    const next = body.indexOf(delim, start)
    if (next < 0) break
    const part = body.subarray(start + 2, next - 2)
    const headerEnd = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, headerEnd).toString('utf8')
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? ''
    const filename = /filename="([^"]*)"/.exec(head)?.[1]
    out.push({name, filename, content: part.subarray(headerEnd + 4)})
    pos = next
  }
  return out
}
