import type {Ctx} from '../../ctx.js'
import {describeBinding} from '../../core/project/bindings.js'
import {stepOutputs} from '../../core/project/model.js'
import type {Binding, ParamType, Resources} from '../../core/project/types.js'
import {loadProject, type LoadProjectOptions} from './load.js'

/** One step as `kfp steps` shows it. */
export interface StepSummary {
  /** 1-based; what --start-step N means. */
  number: number
  name: string
  component: string
  /** Bound inputs in the order written: name, a readable source (params.x, step.output, "literal"), and the binding. */
  inputs: Array<{name: string; source: string; binding: Binding}>
  outputs: Array<{name: string; type: ParamType | 'artifact'}>
  after: string[]
  resources?: Resources
  cache: boolean
  retries: number
}

export interface ListStepsResult {
  pipeline: string
  steps: StepSummary[]
}

/** Loads the project and lists its numbered steps with their inputs and outputs. */
export async function listSteps(opts: LoadProjectOptions, ctx: Pick<Ctx, 'env'>): Promise<ListStepsResult> {
  const project = await loadProject(opts, ctx)
  return {
    pipeline: project.name,
    steps: project.steps.map((s) => {
      const summary: StepSummary = {
        number: s.number,
        name: s.name,
        component: s.component,
        inputs: Object.entries(s.inputs).map(([name, binding]) => ({name, source: describeBinding(binding), binding})),
        outputs: stepOutputs(s, project.components[s.component]).map((o) => ({
          name: o.name,
          type: o.kind === 'artifact' ? 'artifact' : o.paramType ?? 'string',
        })),
        after: s.after,
        cache: s.cache,
        retries: s.retries,
      }
      if (s.resources) summary.resources = s.resources
      return summary
    }),
  }
}
