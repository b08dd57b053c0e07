import type {Binding, JsonValue, TemplatePart} from './types.js'

const REF = /\$\{\{(.*?)\}\}/g

/** A reference inside `${{ … }}`, or why it is not one. */
export type Ref =
  | {param: string}
  | {step: string; output: string}
  | {item: true; field?: string}
  | {runStatus: true}
  | {error: string; hint: string}

const REF_HINT =
  'References look like ${{ params.NAME }}, ${{ steps.STEP.outputs.OUTPUT }}, ${{ item }} (in a forEach loop) or ${{ run.status }} (in the finally step).'

/**
 * Parses the expression inside `${{ … }}`: `params.NAME`, `steps.STEP.outputs.OUTPUT`, `item`, `item.FIELD` or
 * `run.status`.
 */
export function parseRef(expr: string): Ref {
  const e = expr.trim()
  const parts = e.split('.')
  if (parts[0] === 'item') {
    if (parts.length === 1) return {item: true}
    if (parts.length === 2 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(parts[1])) return {item: true, field: parts[1]}
    return {error: `'${e}' is not a reference: write item or item.FIELD (one field name of letters, digits and '_')`, hint: REF_HINT}
  }
  if (parts[0] === 'run') {
    if (e === 'run.status') return {runStatus: true}
    return {error: `'${e}' is not a reference — the run offers only run.status`, hint: REF_HINT}
  }
  if (parts[0] === 'params' && parts.length >= 2 && parts.slice(1).join('.') !== '') {
    return {param: parts.slice(1).join('.')}
  }
  if (parts[0] === 'steps' && parts.length >= 4 && parts[2] === 'outputs' && parts[1] && parts.slice(3).join('.')) {
    return {step: parts[1], output: parts.slice(3).join('.')}
  }
  if (parts[0] === 'param' || parts[0] === 'parameters' || parts[0] === 'inputs') {
    return {error: `'${e}' is not a reference — did you mean 'params.${parts.slice(1).join('.')}'?`, hint: REF_HINT}
  }
  if (parts[0] === 'step' || (parts[0] === 'steps' && parts[2] !== 'outputs')) {
    return {
      error: `'${e}' is not a reference — write steps.${parts[1] ?? 'STEP'}.outputs.${parts.at(-1) ?? 'OUTPUT'}`,
      hint: REF_HINT,
    }
  }
  return {error: `'${e}' is not a reference`, hint: REF_HINT}
}

/** Whether a value (at any depth) contains `${{`. */
function containsRef(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('${{')
  if (Array.isArray(v)) return v.some(containsRef)
  if (v && typeof v === 'object') return Object.values(v).some(containsRef)
  return false
}

/**
 * Parses what a step input is bound to: a literal, `${{ params.NAME }}`, `${{ steps.STEP.outputs.OUT }}`,
 * `${{ item }}`/`${{ item.F }}`, `${{ run.status }}` (the whole value), a string mixing text and references
 * (a 'template'), or `{import: URI, type: T, reimport: B}`. Errors name what is wrong with the reference.
 */
export function parseBinding(value: unknown): {binding?: Binding; errors: Array<{message: string; hint: string}>} {
  if (isImport(value)) return parseImport(value)
  if (typeof value !== 'string') {
    if (containsRef(value)) {
      return {errors: [{message: 'references are only allowed in text values, not inside lists or mappings', hint: REF_HINT}]}
    }
    return {binding: {kind: 'literal', value: (value ?? null) as JsonValue}, errors: []}
  }
  const matches = [...value.matchAll(REF)]
  const rest = value.replace(REF, '')
  if (rest.includes('${{')) {
    return {errors: [{message: `unclosed '\${{' in '${value}'`, hint: 'Close each reference with }}, e.g. ${{ params.bucket }}.'}]}
  }
  if (matches.length === 0) return {binding: {kind: 'literal', value}, errors: []}
  const errors: Array<{message: string; hint: string}> = []
  const refs = matches.map((m) => {
    const r = parseRef(m[1])
    if ('error' in r) errors.push({message: r.error, hint: r.hint})
    return r
  })
  if (errors.length > 0) return {errors}
  if (matches.length === 1 && matches[0][0] === value.trim()) {
    const r = refs[0]
    if ('param' in r) return {binding: {kind: 'param', param: r.param}, errors: []}
    if ('step' in r) return {binding: {kind: 'output', step: r.step, output: r.output}, errors: []}
    if ('item' in r) return {binding: r.field ? {kind: 'item', field: r.field} : {kind: 'item'}, errors: []}
    if ('runStatus' in r) return {binding: {kind: 'runStatus'}, errors: []}
  }
  if (refs.some((r) => 'runStatus' in r)) {
    return {errors: [{message: '${{ run.status }} is a structure and cannot be used inside text', hint: 'Bind it on its own to an input of type PipelineTaskFinalStatus: status: ${{ run.status }}.'}]}
  }
  const parts: TemplatePart[] = []
  let last = 0
  matches.forEach((m, i) => {
    const start = m.index ?? 0
    if (start > last) parts.push({text: value.slice(last, start)})
    const r = refs[i]
    if ('param' in r) parts.push({param: r.param})
    else if ('step' in r) parts.push({step: r.step, output: r.output})
    else if ('item' in r) parts.push(r.field ? {item: true, field: r.field} : {item: true})
    last = start + m[0].length
  })
  if (last < value.length) parts.push({text: value.slice(last)})
  return {binding: {kind: 'template', parts}, errors: []}
}

const IMPORT_HINT = 'Import an existing artifact with {import: "gs://BUCKET/PATH", type: Dataset}, optionally reimport: true.'

function isImport(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'import' in value
}

/** `{import: URI, type?: T, reimport?: B}`: URI is text, a param reference or text with references. */
function parseImport(value: Record<string, unknown>): {binding?: Binding; errors: Array<{message: string; hint: string}>} {
  const errors: Array<{message: string; hint: string}> = []
  for (const k of Object.keys(value)) {
    if (!['import', 'type', 'reimport'].includes(k)) errors.push({message: `unknown key '${k}' in an import (keys: import, type, reimport)`, hint: IMPORT_HINT})
  }
  if (typeof value.import !== 'string' || value.import.trim() === '') errors.push({message: 'import: needs the artifact URI as text, e.g. gs://bucket/train.csv', hint: IMPORT_HINT})
  if (value.type !== undefined && (typeof value.type !== 'string' || value.type.trim() === '')) errors.push({message: 'the type of an import must be an artifact type name such as Dataset or Model', hint: IMPORT_HINT})
  if (value.reimport !== undefined && typeof value.reimport !== 'boolean') errors.push({message: 'reimport must be true or false', hint: IMPORT_HINT})
  if (errors.length > 0) return {errors}
  const uri = parseBinding(value.import)
  if (uri.errors.length > 0) return {errors: uri.errors}
  const b = uri.binding!
  if (b.kind === 'output' || b.kind === 'item' || b.kind === 'runStatus' || b.kind === 'import') {
    const what = b.kind === 'output' ? "a step's output" : b.kind === 'item' ? 'the loop item alone' : 'the run status'
    return {errors: [{message: `the URI of an import cannot be ${what}`, hint: 'Write the URI as text, ${{ params.NAME }}, or text with references such as gs://${{ params.bucket }}/train.csv.'}]}
  }
  const binding: Binding = {kind: 'import', uri: b, reimport: value.reimport === true}
  if (typeof value.type === 'string') binding.type = value.type.trim()
  return {binding, errors: []}
}

/** A reference a binding or template part makes. */
export type BindingRef = {param: string} | {step: string; output: string} | {item: true; field?: string} | {runStatus: true}

/** The references a binding makes (params, step outputs, the loop item, the run status), in order. */
export function bindingRefs(b: Binding): BindingRef[] {
  switch (b.kind) {
    case 'param':
      return [{param: b.param}]
    case 'output':
      return [{step: b.step, output: b.output}]
    case 'item':
      return [b.field ? {item: true, field: b.field} : {item: true}]
    case 'runStatus':
      return [{runStatus: true}]
    case 'template':
      return b.parts.filter((p): p is Exclude<TemplatePart, {text: string}> => !('text' in p))
    case 'import':
      return bindingRefs(b.uri)
    default:
      return []
  }
}

function describePart(p: TemplatePart): string {
  if ('text' in p) return p.text
  if ('param' in p) return `{params.${p.param}}`
  if ('item' in p) return p.field ? `{item.${p.field}}` : '{item}'
  return `{${p.step}.${p.output}}`
}

/** How a binding reads in `kfp steps`: params.x, step.output, item, run.status, a quoted literal, or the template text. */
export function describeBinding(b: Binding): string {
  switch (b.kind) {
    case 'param':
      return `params.${b.param}`
    case 'output':
      return `${b.step}.${b.output}`
    case 'literal':
      return JSON.stringify(b.value)
    case 'item':
      return b.field ? `item.${b.field}` : 'item'
    case 'runStatus':
      return 'run.status'
    case 'template':
      return JSON.stringify(b.parts.map(describePart).join(''))
    case 'import':
      return `import ${describeBinding(b.uri)}${b.type ? ` (${b.type})` : ''}${b.reimport ? ' reimport' : ''}`
  }
}
