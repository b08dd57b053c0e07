import type {ErrorObject, ValidateFunction} from 'ajv'
import * as validators from './generated/validators.js'
import {didYouMean, didYouMeanSuffix} from './names.js'
import type {ProjectIssue} from './types.js'
import {positionOf, type YamlFile, type YamlPath} from './yaml-doc.js'

type Which = 'project' | 'component'

// Compiled ahead of time (scripts/gen-validators.ts): compiling the schema with ajv at start-up cost ~90 ms a command.
function validator(which: Which): ValidateFunction {
  return (which === 'project' ? validators.project : validators.component) as ValidateFunction
}

/**
 * Validates the parsed YAML against the shipped JSON Schema (kfp.yaml or component.yaml) and returns each violation
 * as an issue located in the YAML file, with a did-you-mean for unknown keys.
 */
export function checkSchema(y: YamlFile, which: Which): ProjectIssue[] {
  const validate = validator(which)
  if (validate(y.data)) return []
  const errors = withoutMisspelledRequired(relevantErrors(validate.errors ?? []))
  const issues: ProjectIssue[] = []
  const seen = new Set<string>()
  for (const e of errors) {
    const issue = toIssue(y, e, which)
    const key = `${issue.line}:${issue.col}:${issue.message}`
    if (seen.has(key)) continue
    seen.add(key)
    issues.push(issue)
  }
  return issues
}

/**
 * Drops "missing required key 'steps'" when the same mapping has an unknown key that is a misspelling of it
 * ('stpes'): the did-you-mean of the unknown key says it all.
 */
function withoutMisspelledRequired(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => {
    if (e.keyword !== 'required') return true
    const missing = String((e.params as {missingProperty: string}).missingProperty)
    return !errors.some(
      (x) =>
        x.keyword === 'additionalProperties' &&
        x.instancePath === e.instancePath &&
        didYouMean(String((x.params as {additionalProperty: string}).additionalProperty), [missing]) === missing,
    )
  })
}

/** Drops the summary errors of if/anyOf/oneOf when a more specific error explains the same place. */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const combinators = new Set(['if', 'anyOf', 'oneOf'])
  const specific = errors.filter((e) => !combinators.has(e.keyword))
  return errors.filter(
    (e) => !combinators.has(e.keyword) || !specific.some((s) => s.instancePath.startsWith(e.instancePath)),
  )
}

function pathOf(y: YamlFile, pointer: string): Array<string | number> {
  if (pointer === '') return []
  const out: Array<string | number> = []
  let value: unknown = y.data
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(value)) {
      out.push(Number(seg))
      value = value[Number(seg)]
    } else {
      out.push(seg)
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined
    }
  }
  return out
}

/** A readable name for a place: "step 'train': retries", "param 'startYear'", "gcp.zone". */
export function describePath(data: unknown, path: YamlPath): string {
  const root = (data ?? {}) as Record<string, unknown>
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const step = (root.steps as unknown[] | undefined)?.[path[1]] as Record<string, unknown> | undefined
    const who = typeof step?.name === 'string' ? `step '${step.name}'` : `step ${path[1] + 1}`
    return path.length > 2 ? `${who}: ${joinPath(path.slice(2))}` : who
  }
  if (path[0] === 'params' && path.length >= 2) {
    return path.length > 2 ? `param '${path[1]}': ${joinPath(path.slice(2))}` : `param '${path[1]}'`
  }
  if (path[0] === 'targets' && path.length >= 2) {
    return path.length > 2 ? `target '${path[1]}': ${joinPath(path.slice(2))}` : `target '${path[1]}'`
  }
  return joinPath(path)
}

function joinPath(path: YamlPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'empty'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return `'${v}'`
  return String(v)
}

const typeWords: Record<string, string> = {
  string: 'text',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
}

function toIssue(y: YamlFile, e: ErrorObject, which: Which): ProjectIssue {
  const path = pathOf(y, e.instancePath)
  const what = describePath(y.data, path)
  const prefix = what ? `${what}: ` : ''
  const file = y.file
  const at = (p: YamlPath, mode: 'key' | 'value' = 'value') => ({file, ...positionOf(y, p, mode)})
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as {additionalProperty: string}).additionalProperty)
      const allowed = Object.keys(((e.parentSchema as {properties?: object})?.properties ?? {}) as object)
      const where = what ? ` in ${what}` : ''
      return {
        ...at([...path, key], 'key'),
        message: `unknown key '${key}'${where}${didYouMeanSuffix(key, allowed)}`,
        hint: `Allowed keys here: ${allowed.join(', ')}.`,
        code: 'UNKNOWN_KEY',
      }
    }
    case 'required': {
      const key = String((e.params as {missingProperty: string}).missingProperty)
      return {
        ...at(path),
        message: `${prefix}missing required key '${key}'`,
        hint: requiredHint(which, path, key),
        code: 'SCHEMA',
      }
    }
    case 'type': {
      const want = String((e.params as {type: string}).type)
        .split(',')
        .filter((t) => t !== 'null')
        .map((t) => typeWords[t] ?? t)
        .join(' or ')
      return {...at(path), message: `${prefix}must be ${want}, got ${typeName(e.data)}`, code: 'SCHEMA'}
    }
    case 'enum': {
      const allowed = ((e.params as {allowedValues: unknown[]}).allowedValues ?? []).map(String)
      return {
        ...at(path),
        message: `${prefix}${typeName(e.data)} is not one of ${allowed.join(', ')}${didYouMeanSuffix(String(e.data), allowed)}`,
        code: 'SCHEMA',
      }
    }
    case 'minimum':
      return {...at(path), message: `${prefix}must be at least ${(e.params as {limit: number}).limit}, got ${typeName(e.data)}`, code: 'SCHEMA'}
    default:
      return {...at(path), message: `${prefix}${e.message ?? 'is not valid'}`, code: 'SCHEMA'}
  }
}

function requiredHint(which: Which, path: YamlPath, key: string): string | undefined {
  if (which === 'project' && path.length === 0 && key === 'name') return "Add a pipeline name, e.g. `name: my-pipeline`."
  if (which === 'project' && path.length === 0 && key === 'steps') return 'Add `steps:`, e.g. with `kfp component add NAME`.'
  if (which === 'project' && path[0] === 'steps' && key === 'name') return 'Every step needs a unique `name:`.'
  if (which === 'component' && key === 'image') return 'Set implementation.container.image, e.g. `image: python:3.11-slim`.'
  if (which === 'component' && key === 'container') return 'Only container components are supported: implementation: {container: {image, command, args}}.'
  if (which === 'component' && key === 'implementation') return 'Add implementation: {container: {image: IMAGE, command: [...], args: [...]}}.'
  return undefined
}
