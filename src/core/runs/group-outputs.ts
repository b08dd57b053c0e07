/**
 * The names users know for a group's outputs. The compiler names a sub-DAG's or loop's outputs after the channel
 * they carry (`pipelinechannel--trial-rmse`, sdk/python/kfp/compiler/compiler_utils.py additional_input_name_for_
 * pipeline_channel); its `dag.outputs` selectors say which task and output each one is. Followed through nested
 * groups down to the step, a group output reads as the step output it is: `trial.rmse`. Pure.
 */
import type {IrComponentSpec, IrTask, PipelineSpec} from '../ir/types.js'

/** The component a template path (`exit-handler-1/for-loop-2`) runs, from the root. */
function componentAt(spec: PipelineSpec, templatePath: string): IrComponentSpec | undefined {
  let comp: IrComponentSpec | undefined = spec.root
  for (const seg of templatePath.split('/')) {
    const task: IrTask | undefined = comp?.dag?.tasks?.[seg]
    comp = task ? spec.components?.[task.componentRef.name] : undefined
  }
  return comp
}

type Selector = {producerSubtask: string; key: string}

function selectorOf(comp: IrComponentSpec, name: string, kind: 'parameters' | 'artifacts'): Selector | undefined {
  if (kind === 'parameters') {
    const o = comp.dag?.outputs?.parameters?.[name]
    const s = o?.valueFromParameter ?? o?.valueFromOneof?.parameterSelectors?.[0]
    return s ? {producerSubtask: s.producerSubtask, key: s.outputParameterKey} : undefined
  }
  const s = comp.dag?.outputs?.artifacts?.[name]?.artifactSelectors?.[0]
  return s ? {producerSubtask: s.producerSubtask, key: s.outputArtifactKey} : undefined
}

/** `step.output` for output `name` of the group component `comp`, following nested groups (depth-bounded). */
function userName(spec: PipelineSpec, comp: IrComponentSpec, name: string, kind: 'parameters' | 'artifacts', depth = 0): string | undefined {
  const sel = selectorOf(comp, name, kind)
  if (!sel || depth > 50) return undefined
  const producer = comp.dag?.tasks?.[sel.producerSubtask]
  const inner = producer ? spec.components?.[producer.componentRef.name] : undefined
  if (inner?.dag) return userName(spec, inner, sel.key, kind, depth + 1) ?? `${sel.producerSubtask}.${sel.key}`
  return `${sel.producerSubtask}.${sel.key}`
}

/** Output name → the name users know, for the group at `templatePath`; names it cannot follow stay as they are. */
export function groupOutputNames(spec: PipelineSpec | undefined, templatePath: string, names: {parameters: string[]; artifacts: string[]}): Record<string, string> {
  const comp = spec ? componentAt(spec, templatePath) : undefined
  const out: Record<string, string> = {}
  for (const kind of ['parameters', 'artifacts'] as const)
    for (const n of names[kind]) out[n] = (comp && userName(spec!, comp, n, kind)) ?? n
  return out
}
