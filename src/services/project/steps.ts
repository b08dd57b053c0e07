import type {Ctx} from '../../ctx.js'
import {describeBinding} from '../../core/project/bindings.js'
import {stepOutputs} from '../../core/project/model.js'
import {ancestors, projectNodes} from '../../core/project/scopes.js'
import type {Binding, Control, Group, NodeRef, ParamType, Project, Resources} from '../../core/project/types.js'
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
  /** Enclosing groups, outermost first. */
  groups: string[]
  /** The step's own control flow. */
  forEach?: LoopSummary
  when?: string
  finally?: boolean
  /** The control flow around the step, outermost first, as `kfp steps` shows it ('' when none). */
  flow: string
}

/** A loop as `kfp steps` shows it: what it iterates over (params.x, step.output, or the literal list) and its limit. */
export interface LoopSummary {
  items: string
  parallelism?: number
}

/** The structure of `steps:`: steps (by number) and groups with their control flow and children. */
export type StructureNode =
  | {kind: 'step'; number: number; name: string}
  | {kind: 'group'; name: string; forEach?: LoopSummary; when?: string; finally?: boolean; children: StructureNode[]}

export interface ListStepsResult {
  pipeline: string
  steps: StepSummary[]
  /** Top-level nodes in kfp.yaml order (groups nest). */
  structure: StructureNode[]
}

function loopSummary(c: Control): LoopSummary | undefined {
  if (!c.loop) return undefined
  const i = c.loop.items
  const items = i.kind === 'param' ? `params.${i.param}` : i.kind === 'output' ? `${i.step}.${i.output}` : JSON.stringify(i.items)
  return c.loop.parallelism ? {items, parallelism: c.loop.parallelism} : {items}
}

/** One node's control flow in words: "for each params.rates (2 at a time)", "when …", "finally". */
function describeControl(c: Control): string[] {
  const out: string[] = []
  const loop = loopSummary(c)
  if (c.final) out.push('finally')
  if (loop) out.push(`for each ${loop.items}${loop.parallelism ? ` (${loop.parallelism} at a time)` : ''}`)
  if (c.when) out.push(`when ${readable(c.when.text)}`)
  return out
}

/** `${{ steps.S.outputs.O }}` → `S.O`, `${{ params.P }}` → `params.P`, as inputs read in `kfp steps`. */
function readable(text: string): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, ref: string) => ref.replace(/^steps\.([^.]+)\.outputs\./, '$1.'))
}

function structureOf(project: Project, nodes: NodeRef[]): StructureNode[] {
  const groups = project.groups ?? {}
  return nodes.map((n) => {
    if ('step' in n) {
      const s = project.steps.find((x) => x.name === n.step)!
      return {kind: 'step', number: s.number, name: s.name}
    }
    const g: Group = groups[n.group]
    const node: Extract<StructureNode, {kind: 'group'}> = {kind: 'group', name: g.name, children: structureOf(project, g.children)}
    const loop = loopSummary(g)
    if (loop) node.forEach = loop
    if (g.when) node.when = readable(g.when.text)
    if (g.final) node.finally = true
    return node
  })
}

/** Loads the project and lists its numbered steps with their inputs and outputs. */
export async function listSteps(opts: LoadProjectOptions, ctx: Pick<Ctx, 'env'>): Promise<ListStepsResult> {
  const project = await loadProject(opts, ctx)
  const tree = {nodes: projectNodes(project), groups: project.groups ?? {}, steps: new Map(project.steps.map((s) => [s.name, s]))}
  return {
    pipeline: project.name,
    structure: structureOf(project, tree.nodes),
    steps: project.steps.map((s) => {
      const groups = ancestors(tree, {step: s.name})
      const flow = [
        ...groups.flatMap((g) => [`group ${g}${describeControl(tree.groups[g]).length > 0 ? ':' : ''}`, ...describeControl(tree.groups[g])].join(' ')),
        ...describeControl(s),
      ]
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
        groups,
        flow: flow.join(' › '),
      }
      if (s.resources) summary.resources = s.resources
      const loop = loopSummary(s)
      if (loop) summary.forEach = loop
      if (s.when) summary.when = readable(s.when.text)
      if (s.final) summary.finally = true
      return summary
    }),
  }
}
