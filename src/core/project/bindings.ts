import type {Binding, JsonValue} from './types.js'

const REF = /\$\{\{(.*?)\}\}/g

/** A reference inside `${{ … }}`, or why it is not one. */
export type Ref = {param: string} | {step: string; output: string} | {error: string; hint: string}

const REF_HINT = 'References look like ${{ params.NAME }} or ${{ steps.STEP.outputs.OUTPUT }}.'

/** Parses the expression inside `${{ … }}`: `params.NAME` or `steps.STEP.outputs.OUTPUT`. */
export function parseRef(expr: string): Ref {
  const e = expr.trim()
  const parts = e.split('.')
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
 * Parses what a step input is bound to: a literal, `${{ params.NAME }}`, `${{ steps.STEP.outputs.OUT }}` (the whole
 * value), or a string mixing text and references (a 'template'). Errors name what is wrong with the reference.
 */
export function parseBinding(value: unknown): {binding?: Binding; errors: Array<{message: string; hint: string}>} {
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
  }
  const parts: Array<{text: string} | {param: string} | {step: string; output: string}> = []
  let last = 0
  matches.forEach((m, i) => {
    const start = m.index ?? 0
    if (start > last) parts.push({text: value.slice(last, start)})
    const r = refs[i]
    if ('param' in r) parts.push({param: r.param})
    else if ('step' in r) parts.push({step: r.step, output: r.output})
    last = start + m[0].length
  })
  if (last < value.length) parts.push({text: value.slice(last)})
  return {binding: {kind: 'template', parts}, errors: []}
}

/** The references a binding makes (params and step outputs), in order. */
export function bindingRefs(b: Binding): Array<{param: string} | {step: string; output: string}> {
  if (b.kind === 'param') return [{param: b.param}]
  if (b.kind === 'output') return [{step: b.step, output: b.output}]
  if (b.kind === 'template') return b.parts.filter((p): p is {param: string} | {step: string; output: string} => !('text' in p))
  return []
}

/** How a binding reads in `kfp steps`: params.x, step.output, a quoted literal, or the template text. */
export function describeBinding(b: Binding): string {
  switch (b.kind) {
    case 'param':
      return `params.${b.param}`
    case 'output':
      return `${b.step}.${b.output}`
    case 'literal':
      return JSON.stringify(b.value)
    case 'template':
      return JSON.stringify(
        b.parts.map((p) => ('text' in p ? p.text : 'param' in p ? `{params.${p.param}}` : `{${p.step}.${p.output}}`)).join(''),
      )
  }
}
