/**
 * Text that mixes literals and references (`"pre-${{ params.message }}"`, the SDK's f-strings) compiles to a task
 * input whose constant holds `{{$.inputs.parameters['pipelinechannel--message']}}`, next to a task input
 * `pipelinechannel--message` bound to the referenced value. Before a task runs, such placeholders in its string
 * inputs are replaced by the values of the inputs they name, as kfp.local does
 * (kfp-src sdk/python/kfp/local/placeholder_utils.py resolve_self_references_in_executor_input, one pass, values
 * that are not strings written as JSON). Pure.
 */
import type {IrParameterSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'
import {formatParamValue} from './params.js'

const SELF_REF = /\{\{\$\.inputs\.parameters\['([^']+)'\]\}\}/g

/** The task's parameters with references to its other parameters filled in (a reference to a missing one stays). */
export function resolveSelfReferences(parameters: Record<string, JsonValue>, defs: Record<string, IrParameterSpec> = {}): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {...parameters}
  for (const [name, v] of Object.entries(parameters)) {
    if (typeof v !== 'string' || !v.includes('{{$.inputs.parameters[')) continue
    out[name] = v.replace(SELF_REF, (whole, ref: string) => {
      if (ref === name || !Object.hasOwn(parameters, ref)) return whole
      return formatParamValue(parameters[ref], Object.hasOwn(defs, ref) ? defs[ref].parameterType : undefined)
    })
  }
  return out
}
