import type {JsonValue, ParamType} from './types.js'

const V1_TYPES: Record<string, ParamType> = {
  string: 'string',
  str: 'string',
  text: 'string',
  integer: 'integer',
  int: 'integer',
  float: 'float',
  double: 'float',
  boolean: 'boolean',
  bool: 'boolean',
  jsonarray: 'list',
  list: 'list',
  jsonobject: 'struct',
  dict: 'struct',
}

/**
 * What a KFP v1 component input/output type means here: String/str/text → string, Integer/int → integer,
 * Float/double → float, Boolean/bool → boolean, JsonArray/List → list, JsonObject/Dict → struct (case-insensitive);
 * untyped or any other type (URI, GCSPath, Dataset, {GCSPath: …}) → an artifact.
 */
export function mapV1Type(type: unknown): {kind: 'parameter'; paramType: ParamType} | {kind: 'artifact'} {
  if (typeof type === 'string') {
    const p = V1_TYPES[type.toLowerCase()]
    if (p) return {kind: 'parameter', paramType: p}
  }
  return {kind: 'artifact'}
}

/** The type a parameter's short form `name: value` implies. */
export function inferParamType(value: unknown): ParamType {
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float'
  if (typeof value === 'boolean') return 'boolean'
  if (Array.isArray(value)) return 'list'
  if (value && typeof value === 'object') return 'struct'
  return 'string'
}

/** Whether a literal value is of the given parameter type (an integer is also a float). */
export function valueMatchesType(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'float':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'list':
      return Array.isArray(value)
    case 'struct':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
  }
}

/** "an integer", "text", … for messages. */
export function typeWord(type: ParamType | 'artifact'): string {
  return {
    string: 'a string',
    integer: 'an integer',
    float: 'a float',
    boolean: 'a boolean',
    list: 'a list',
    struct: 'a struct',
    artifact: 'an artifact',
  }[type]
}

/** "'abc' (a string)" style description of a literal for messages. */
export function describeValue(value: unknown): string {
  const t = inferParamType(value)
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value)
  return `${shown} (${typeWord(t)})`
}

/**
 * Whether a value of type `from` may feed an input of type `to`: the same type, integer → float, or anything → string
 * (a string input receives the value's text). Artifacts only feed artifacts.
 */
export function isCompatible(from: ParamType | 'artifact', to: ParamType | 'artifact'): boolean {
  if (from === 'artifact' || to === 'artifact') return from === to
  return from === to || (from === 'integer' && to === 'float') || to === 'string'
}

/** The text a non-string literal becomes when it feeds a string input (JSON for lists and structs). */
export function toStringValue(value: JsonValue): string {
  if (typeof value === 'string') return value
  return JSON.stringify(value)
}

/**
 * Converts a v1 component default (the v1 format writes defaults as strings: `default: '2000'`) to a value of the
 * input's type. Returns an error message when it cannot be read as that type.
 */
export function convertV1Default(value: unknown, type: ParamType): {value: JsonValue} | {error: string} {
  if (valueMatchesType(value, type)) return {value: value as JsonValue}
  if (type === 'string') {
    if (typeof value === 'number' || typeof value === 'boolean') return {value: String(value)}
    return {error: `must be a string`}
  }
  if (typeof value !== 'string') return {error: `must be ${typeWord(type)}`}
  const s = value.trim()
  switch (type) {
    case 'integer':
      if (/^[-+]?\d+$/.test(s)) return {value: Number(s)}
      break
    case 'float':
      if (s !== '' && Number.isFinite(Number(s))) return {value: Number(s)}
      break
    case 'boolean':
      if (/^(true|false)$/i.test(s)) return {value: s.toLowerCase() === 'true'}
      break
    case 'list':
    case 'struct':
      try {
        const parsed = JSON.parse(s) as JsonValue
        if (valueMatchesType(parsed, type)) return {value: parsed}
      } catch {}
      break
  }
  return {error: `'${value}' is not ${typeWord(type)}`}
}
