/**
 * `when:` → the CEL condition the KFP SDK writes on a condition group's task (`triggerPolicy.condition`), following
 * kfp/compiler/pipeline_spec_builder.py `_single_binary_operation_to_cel_condition` for each comparison: references
 * read `inputs.parameter_values['pipelinechannel--…']`, NUMBER_INTEGER references are wrapped in `int(…)`, text
 * literals are quoted '…', booleans are `true`/`false`, and when an integer meets a double the integer side becomes
 * `double(…)`. `and`/`or`/`not` become `&&`/`||`/`!(…)` (the SDK joins its conditions with ' && ' and negates with
 * '!(…)'; it has no `or`, CEL's `||` is the same kind of operator).
 *
 * Types come from validation (core/project/control.ts), which rejects the mixes the SDK would cast to text or to
 * booleans (text vs number, boolean vs number); an operand of unknown type (a loop item over a list param without
 * a default) is compared as is.
 */
import type {CompareOp, WhenExpr, WhenOperand} from '../project/types.js'
import {pythonFloat} from './yaml.js'

export type CelType = 'STRING' | 'NUMBER_INTEGER' | 'NUMBER_DOUBLE' | 'BOOLEAN' | 'ANY'

/** What the compiler knows of a reference operand: its task input name and its type. */
export interface CelOperand {
  input: string
  type: CelType
}

function literalOf(o: Extract<WhenOperand, {kind: 'literal'}>): {text: string; type: CelType} {
  if (typeof o.value === 'boolean') return {text: String(o.value), type: 'BOOLEAN'}
  if (typeof o.value === 'string') return {text: `'${o.value}'`, type: 'STRING'}
  // Python's str() of the int or float the user wrote.
  if (/^-?\d+$/.test(o.text)) return {text: BigInt(o.text).toString(), type: 'NUMBER_INTEGER'}
  return {text: pythonFloat(o.value).replace('.0e', 'e'), type: 'NUMBER_DOUBLE'}
}

function comparison(op: CompareOp, left: WhenOperand, right: WhenOperand, ref: (o: WhenOperand) => CelOperand): string {
  const sides = [left, right].map((o) => {
    if (o.kind === 'literal') return literalOf(o)
    const r = ref(o)
    const text = `inputs.parameter_values['${r.input}']`
    return {text: r.type === 'NUMBER_INTEGER' ? `int(${text})` : text, type: r.type}
  })
  const types = new Set(sides.map((s) => s.type).filter((t) => t !== 'ANY'))
  if (types.size === 2 && types.has('NUMBER_INTEGER') && types.has('NUMBER_DOUBLE')) {
    for (const s of sides) if (s.type === 'NUMBER_INTEGER') s.text = `double(${s.text})`
  }
  return `${sides[0].text} ${op} ${sides[1].text}`
}

/** The CEL text of a `when:` expression; `ref` names the task input (and type) of each reference operand. */
export function celCondition(e: WhenExpr, ref: (o: WhenOperand) => CelOperand): string {
  switch (e.op) {
    case 'cmp':
      return comparison(e.cmp, e.left, e.right, ref)
    case 'not':
      return `!(${celCondition(e.arg, ref)})`
    case 'and':
      return `${wrapOr(e.left, ref)} && ${wrapOr(e.right, ref)}`
    case 'or':
      return `${celCondition(e.left, ref)} || ${celCondition(e.right, ref)}`
  }
}

function wrapOr(e: WhenExpr, ref: (o: WhenOperand) => CelOperand): string {
  const text = celCondition(e, ref)
  return e.op === 'or' ? `(${text})` : text
}
