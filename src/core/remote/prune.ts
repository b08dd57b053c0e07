/**
 * Pruning a pipeline for `--start-step` on a cluster: the skipped tasks are removed from the root DAG and every
 * input that read one of their output parameters becomes a constant (`runtimeValue.constant`). Components and
 * executors no task uses any more are dropped. Artifacts cannot become constants, so reading a skipped step's
 * artifact is an error.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import type {PipelineSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'

/**
 * Returns a copy of `spec` without the `skipped` tasks, with their output parameters replaced by the given values.
 * Throws OUTPUTS_MISSING naming the flag when a needed value is absent, IR_UNSUPPORTED for artifacts.
 */
export function pruneSpecForStartStep(spec: PipelineSpec, skipped: string[], outputs: Record<string, Record<string, JsonValue>>, stepName: (task: string) => string = (t) => t): PipelineSpec {
  const out = structuredClone(spec)
  const tasks = out.root.dag?.tasks ?? {}
  const skip = new Set(skipped)
  for (const name of skipped) delete tasks[name]
  for (const [name, t] of Object.entries(tasks)) {
    for (const [input, b] of Object.entries(t.inputs?.parameters ?? {})) {
      const ref = b.taskOutputParameter
      if (!ref || !skip.has(ref.producerTask)) continue
      const value = outputs[ref.producerTask]?.[ref.outputParameterKey]
      if (value === undefined) {
        throw new CliError('OUTPUTS_MISSING', `Step ${stepName(name)} needs ${stepName(ref.producerTask)}.${ref.outputParameterKey}, which no source supplies.`, {
          exit: EXIT.USAGE,
          hints: [`Pass --set-output ${stepName(ref.producerTask)}.${ref.outputParameterKey}=VALUE`],
        })
      }
      t.inputs!.parameters![input] = {runtimeValue: {constant: value}}
    }
    for (const b of Object.values(t.inputs?.artifacts ?? {})) {
      if (b.taskOutputArtifact && skip.has(b.taskOutputArtifact.producerTask)) {
        throw new CliError('IR_UNSUPPORTED', `Step ${stepName(name)} reads the artifact ${b.taskOutputArtifact.outputArtifactKey} of skipped step ${stepName(b.taskOutputArtifact.producerTask)}; on a cluster only output parameters can be reused.`, {
          exit: EXIT.USAGE,
          hints: ['Start at an earlier step.'],
        })
      }
    }
    if (t.dependentTasks) {
      t.dependentTasks = t.dependentTasks.filter((d) => !skip.has(d))
      if (t.dependentTasks.length === 0) delete t.dependentTasks
    }
  }
  // Root outputs that came from skipped tasks cannot be produced any more.
  for (const [k, v] of Object.entries(out.root.dag?.outputs?.parameters ?? {})) {
    if (v.valueFromParameter && skip.has(v.valueFromParameter.producerSubtask)) delete out.root.dag!.outputs!.parameters![k]
  }
  const usedComponents = new Set(Object.values(tasks).map((t) => t.componentRef.name))
  for (const c of Object.keys(out.components)) if (!usedComponents.has(c) && !isReferencedByDag(out, c)) delete out.components[c]
  const usedExecutors = new Set(Object.values(out.components).map((c) => c.executorLabel).filter(Boolean))
  for (const e of Object.keys(out.deploymentSpec.executors)) if (!usedExecutors.has(e)) delete out.deploymentSpec.executors[e]
  return out
}

function isReferencedByDag(spec: PipelineSpec, component: string): boolean {
  return Object.values(spec.components).some((c) => Object.values(c.dag?.tasks ?? {}).some((t) => t.componentRef.name === component))
}
