/**
 * IR naming rules of the KFP Python SDK (`kfp/dsl/utils.py`), so kfp names tasks, components, executors and
 * component inputs exactly as `kfp dsl compile` would for the same pipeline.
 */
import {irName} from '../project/names.js'

/** `maybe_rename_for_k8s`: the project model's {@link irName} (one rule for validation and compilation). */
export const k8sName: (name: string) => string = irName

/** `sanitize_input_name`: lowercase, runs of characters other than [_0-9a-z] → '_', trimmed of '_'. */
export function irInputName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^_0-9a-z]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

/** `make_name_unique_by_adding_index`: `name`, or `name-2`, `name-3`, … when taken. */
export function uniqueName(name: string, taken: ReadonlySet<string>, delimiter = '-'): string {
  if (!taken.has(name)) return name
  for (let i = 2; ; i++) {
    const candidate = `${name}${delimiter}${i}`
    if (!taken.has(candidate)) return candidate
  }
}

/** The component key of a task in `components:` (`comp-<task>`). */
export function componentKey(taskName: string): string {
  return `comp-${taskName}`
}

/** The executor label of a task in `deploymentSpec.executors` (`exec-<task>`). */
export function executorLabel(taskName: string): string {
  return `exec-${taskName}`
}

/** The name of a compiler-injected task input carrying a pipeline channel (`pipelinechannel--<param>` or `--<task>-<output>`). */
export function pipelineChannelName(ref: {param: string} | {task: string; output: string}): string {
  return 'param' in ref ? `pipelinechannel--${ref.param}` : `pipelinechannel--${ref.task}-${ref.output}`
}
