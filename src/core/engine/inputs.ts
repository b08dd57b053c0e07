/**
 * Wiring of a task's inputs: pipeline parameters (componentInputParameter), upstream outputs
 * (taskOutputParameter / taskOutputArtifact), constants and component defaults.
 */
import type {JsonValue} from '../project/types.js'
import type {PlannedTask} from './dag.js'
import {resolveSelfReferences} from './self-references.js'
import {formatParamValue} from './params.js'
import type {ArtifactValue, TaskOutputs} from './record.js'

/** A task's resolved inputs. */
export interface TaskInputs {
  /** Typed parameter values of the inputs that are present. */
  parameters: Record<string, JsonValue>
  /** The same values formatted for the command line. */
  formatted: Record<string, string>
  /** Input artifact name → its artifacts (one, or several for a list input such as dsl.Collected). */
  artifacts: Record<string, ArtifactValue[]>
}

/** A value a task needs that is not available (an upstream output that was never produced). */
export interface MissingInput {
  input: string
  producerTask: string
  output: string
  kind: 'parameter' | 'artifact'
}

/**
 * Resolves the inputs of `t` from the pipeline parameters and artifacts (`--artifact`) and the outputs of upstream
 * tasks (`outputsOf(task)` returns undefined when that task has no outputs). Missing upstream values are
 * returned in `missing`, not thrown; an optional input artifact without a value is left out.
 */
export function resolveTaskInputs(
  t: Pick<PlannedTask, 'task' | 'component'>,
  params: Record<string, JsonValue>,
  outputsOf: (task: string) => TaskOutputs | undefined,
  pipelineArtifacts: Record<string, ArtifactValue[]> = {},
): {inputs: TaskInputs; missing: MissingInput[]} {
  const defs = t.component.inputDefinitions?.parameters ?? {}
  const parameters: Record<string, JsonValue> = {}
  const artifacts: Record<string, ArtifactValue[]> = {}
  const missing: MissingInput[] = []
  for (const [name, b] of Object.entries(t.task.inputs?.parameters ?? {})) {
    if (b.componentInputParameter !== undefined) {
      const v = params[b.componentInputParameter]
      if (v !== undefined) parameters[name] = v
    } else if (b.taskOutputParameter) {
      const {producerTask, outputParameterKey} = b.taskOutputParameter
      const v = outputsOf(producerTask)?.parameters[outputParameterKey]
      if (v === undefined) missing.push({input: name, producerTask, output: outputParameterKey, kind: 'parameter'})
      else parameters[name] = v
    } else if (b.runtimeValue) parameters[name] = b.runtimeValue.constant
  }
  for (const [name, d] of Object.entries(defs)) {
    if (parameters[name] === undefined && d.defaultValue !== undefined) parameters[name] = d.defaultValue
  }
  // Text mixing references (`pre-${{ params.x }}`): fill in the `pipelinechannel--…` placeholders (self-references.ts).
  Object.assign(parameters, resolveSelfReferences(parameters, defs))
  for (const [name, b] of Object.entries(t.task.inputs?.artifacts ?? {})) {
    if (b.componentInputArtifact !== undefined) {
      const list = pipelineArtifacts[b.componentInputArtifact]
      if (list?.length) artifacts[name] = list
      continue
    }
    if (!b.taskOutputArtifact) continue
    const {producerTask, outputArtifactKey} = b.taskOutputArtifact
    const a = outputsOf(producerTask)?.artifacts[outputArtifactKey]
    if (!a) missing.push({input: name, producerTask, output: outputArtifactKey, kind: 'artifact'})
    else artifacts[name] = [{name: outputArtifactKey, ...a}]
  }
  const formatted = Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, formatParamValue(v, defs[k]?.parameterType)]))
  return {inputs: {parameters, formatted, artifacts}, missing}
}

/** The pipeline parameters a task reads directly (componentInputParameter), by input name → parameter. */
export function paramsReadBy(t: PlannedTask): string[] {
  return Object.values(t.task.inputs?.parameters ?? {})
    .map((b) => b.componentInputParameter)
    .filter((p): p is string => p !== undefined)
}
