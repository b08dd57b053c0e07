/**
 * Pipeline parameter values for local runs: parsing `--param key=value` text by the IR parameter type,
 * checking values from a params file, applying defaults, and formatting values for placeholders.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import type {IrArtifactSpec, IrParameterSpec, IrParameterType} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'

/** A friendly name for an IR parameter type (shown in errors and listings). */
export function typeLabel(t: IrParameterType | undefined): string {
  switch (t) {
    case 'NUMBER_INTEGER':
      return 'integer'
    case 'NUMBER_DOUBLE':
      return 'float'
    case 'BOOLEAN':
      return 'boolean'
    case 'LIST':
      return 'list (JSON array)'
    case 'STRUCT':
      return 'struct (JSON object)'
    default:
      return 'string'
  }
}

export type ParseResult = {ok: true; value: JsonValue} | {ok: false; error: string}

/**
 * The longest argument a step program can receive: Linux refuses a single argument longer than MAX_ARG_STRLEN
 * (32 pages, 128 KiB) with E2BIG, in a container as on the host.
 */
export const MAX_ARGUMENT_BYTES = 128 * 1024 - 1

/** Why a value can never reach a step as a program argument (a NUL byte, or too long), else undefined. */
export function argumentProblem(value: JsonValue): string | undefined {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  if (text.includes('\0')) return 'the value contains a NUL byte, which no program argument can hold'
  const bytes = Buffer.byteLength(text)
  if (bytes > MAX_ARGUMENT_BYTES) return `the value is ${Math.round(bytes / 1024)} KiB; a step's argument can hold at most 128 KiB (the OS limit). Pass large data as a file (an artifact) instead`
  return undefined
}

/** Parses command-line text as a value of type `t`. */
export function parseParamText(text: string, t: IrParameterType | undefined): ParseResult {
  switch (t) {
    case 'NUMBER_INTEGER': {
      const s = text.trim()
      if (!/^[+-]?\d+$/.test(s)) return {ok: false, error: `'${text}' is not an integer`}
      const n = Number(s)
      if (!Number.isSafeInteger(n)) return {ok: false, error: `'${text}' is too large for an integer`}
      return {ok: true, value: n}
    }
    case 'NUMBER_DOUBLE': {
      const s = text.trim()
      const n = Number(s)
      if (s === '' || !Number.isFinite(n)) return {ok: false, error: `'${text}' is not a number`}
      return {ok: true, value: n}
    }
    case 'BOOLEAN': {
      const s = text.trim().toLowerCase()
      if (s === 'true') return {ok: true, value: true}
      if (s === 'false') return {ok: true, value: false}
      return {ok: false, error: `'${text}' is not a boolean (use true or false)`}
    }
    case 'LIST':
    case 'STRUCT': {
      let v: unknown
      try {
        v = JSON.parse(text)
      } catch {
        return {ok: false, error: `'${text}' is not valid JSON`}
      }
      if (t === 'LIST' && !Array.isArray(v)) return {ok: false, error: `'${text}' is not a JSON array`}
      if (t === 'STRUCT' && (typeof v !== 'object' || v === null || Array.isArray(v)))
        return {ok: false, error: `'${text}' is not a JSON object`}
      return {ok: true, value: v as JsonValue}
    }
    default:
      return {ok: true, value: text}
  }
}

/** Checks a value already typed (from a YAML/JSON params file); text is parsed as on the command line. */
export function coerceParamValue(value: JsonValue, t: IrParameterType | undefined): ParseResult {
  if (typeof value === 'string') return parseParamText(value, t)
  switch (t) {
    case 'NUMBER_INTEGER':
      return typeof value === 'number' && Number.isSafeInteger(value) ? {ok: true, value} : {ok: false, error: `${JSON.stringify(value)} is not an integer`}
    case 'NUMBER_DOUBLE':
      return typeof value === 'number' ? {ok: true, value} : {ok: false, error: `${JSON.stringify(value)} is not a number`}
    case 'BOOLEAN':
      return typeof value === 'boolean' ? {ok: true, value} : {ok: false, error: `${JSON.stringify(value)} is not a boolean`}
    case 'LIST':
      return Array.isArray(value) ? {ok: true, value} : {ok: false, error: `${JSON.stringify(value)} is not a list`}
    case 'STRUCT':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? {ok: true, value}
        : {ok: false, error: `${JSON.stringify(value)} is not an object`}
    default:
      return typeof value === 'number' || typeof value === 'boolean' ? {ok: true, value: String(value)} : {ok: false, error: `${JSON.stringify(value)} is not a string`}
  }
}

/**
 * Formats a value the way the KFP launcher puts it on a command line: strings as is, integers without a
 * fraction (`200`, even when the IR default is written `200.0`), booleans `true`/`false`, lists and structs as JSON.
 */
export function formatParamValue(value: JsonValue, t?: IrParameterType): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return t === 'NUMBER_INTEGER' ? String(Math.trunc(value)) : String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return JSON.stringify(value)
}

/** Parses an output parameter file's text by the output's type. Strings lose one trailing newline (`echo` writes one). */
export function parseOutputText(text: string, t: IrParameterType | undefined): ParseResult {
  const s = text.endsWith('\n') ? text.slice(0, -1).replace(/\r$/, '') : text
  if (t === undefined || t === 'STRING') return {ok: true, value: s}
  return parseParamText(s.trim(), t)
}

/** Splits `key=value` (value may contain '='). */
export function splitAssignment(text: string): {key: string; value: string} | undefined {
  const i = text.indexOf('=')
  if (i <= 0) return undefined
  return {key: text.slice(0, i).trim(), value: text.slice(i + 1)}
}

/** The valid parameters and their types, one per line, for error messages. */
export function describeParams(defs: Record<string, IrParameterSpec>): string {
  const names = Object.keys(defs).sort()
  if (names.length === 0) return 'This pipeline takes no parameters.'
  return (
    'Valid parameters:\n' +
    names
      .map((n) => {
        const d = defs[n]
        const def = d.defaultValue !== undefined ? ` (default: ${formatParamValue(d.defaultValue, d.parameterType)})` : d.isOptional ? '' : ' (required)'
        return `  ${n}: ${typeLabel(d.parameterType)}${def}`
      })
      .join('\n')
  )
}

export interface ResolvedParams {
  /** Every parameter with a value (given or default), typed. */
  values: Record<string, JsonValue>
  /** What the user gave (text), for the resume command. */
  explicit: Record<string, string>
}

/**
 * Resolves the run's parameter values: `--params-file` values, then `--param` flags over them, then defaults.
 * Throws PARAM_INVALID (exit 2, a usage error) for unknown names, bad values and missing required parameters,
 * listing the valid parameters and their types.
 */
export function resolveRunParams(
  defs: Record<string, IrParameterSpec>,
  flags: string[],
  fileValues: Record<string, JsonValue> = {},
  /** The --params-file name, or where each of its values is (`file:line:col`), to say where a bad file value came from. */
  fileName?: string | ((name: string) => string),
): ResolvedParams {
  const errors: string[] = []
  const values: Record<string, JsonValue> = {}
  const explicit: Record<string, string> = {}
  // Own keys only: a name such as `constructor` or `toString` is not a declared parameter.
  const def = (name: string): IrParameterSpec | undefined => (Object.hasOwn(defs, name) ? defs[name] : undefined)
  const check = (name: string, r: ParseResult, text: string, from = '') => {
    const d = def(name)
    const bad = r.ok ? argumentProblem(r.value) : r.error
    if (!d) errors.push(`${from}Unknown parameter '${name}'.`)
    else if (bad) errors.push(`${from}Parameter '${name}' (${typeLabel(d.parameterType)}): ${bad}.`)
    else if (r.ok) {
      values[name] = r.value
      explicit[name] = text
    }
  }
  for (const [name, v] of Object.entries(fileValues)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v)
    const d = def(name)
    check(name, d ? coerceParamValue(v, d.parameterType) : {ok: true, value: v}, text, fileName ? `${typeof fileName === 'string' ? fileName : fileName(name)}: ` : '')
  }
  for (const f of flags) {
    const kv = splitAssignment(f)
    if (!kv) {
      errors.push(`--param ${f}: expected key=value.`)
      continue
    }
    const d = def(kv.key)
    check(kv.key, d ? parseParamText(kv.value, d.parameterType) : {ok: true, value: kv.value}, kv.value)
  }
  for (const [name, d] of Object.entries(defs)) {
    if (values[name] !== undefined) continue
    if (d.defaultValue !== undefined) {
      const r = coerceParamValue(d.defaultValue, d.parameterType)
      values[name] = r.ok ? r.value : d.defaultValue
    } else if (!d.isOptional) errors.push(`Parameter '${name}' (${typeLabel(d.parameterType)}) is required.`)
  }
  if (errors.length) {
    throw new CliError('PARAM_INVALID', `${errors.join('\n')}\n${describeParams(defs)}`, {
      exit: EXIT.USAGE,
      hints: ['Pass parameters as --param name=value (repeatable) or in --params-file FILE (YAML or JSON).'],
      data: {errors, parameters: Object.fromEntries(Object.entries(defs).map(([n, d]) => [n, typeLabel(d.parameterType)]))},
    })
  }
  return {values, explicit}
}

/**
 * Parses `--artifact NAME=PATH|gs://…` flags against the pipeline's input artifacts (root inputDefinitions):
 * unknown names, a flag without '=' and a required input artifact that was not given are usage errors (exit 2);
 * an optional one (`isOptional`) may be left out. Returns name → the URI or path as given.
 */
export function resolveRunArtifacts(defs: Record<string, IrArtifactSpec>, flags: string[]): Record<string, string> {
  const errors: string[] = []
  const given: Record<string, string> = {}
  for (const f of flags) {
    const kv = splitAssignment(f)
    if (!kv || kv.value === '') errors.push(`--artifact ${f}: expected NAME=PATH or NAME=gs://BUCKET/OBJECT.`)
    else if (!defs[kv.key]) errors.push(`Unknown input artifact '${kv.key}'.`)
    else given[kv.key] = kv.value
  }
  for (const [name, d] of Object.entries(defs)) {
    if (given[name] === undefined && !d.isOptional) errors.push(`Input artifact '${name}' (${d.artifactType.schemaTitle ?? 'artifact'}) is required.`)
  }
  if (errors.length) {
    const names = Object.keys(defs).sort()
    const list = names.length
      ? `Input artifacts:\n${names.map((n) => `  ${n}: ${defs[n].artifactType.schemaTitle ?? 'artifact'}${defs[n].isOptional ? ' (optional)' : ' (required)'}`).join('\n')}`
      : 'This pipeline takes no input artifacts.'
    throw new CliError('PARAM_INVALID', `${errors.join('\n')}\n${list}`, {
      exit: EXIT.USAGE,
      hints: ['Give input artifacts as --artifact NAME=PATH (a local file or folder) or --artifact NAME=gs://BUCKET/OBJECT (repeatable).'],
      data: {errors},
    })
  }
  return given
}
