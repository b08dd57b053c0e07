/**
 * The task tree of a pipeline: the root DAG's tasks, and inside each task whose component has a `dag` (a nested
 * pipeline, a dsl.If/Elif/Else branch, an exit-handler body, a dsl.ParallelFor body) that DAG's tasks, to any
 * depth. A sub-DAG, a loop and a condition are kinds of task: a loop is a DAG task with an iterator, a condition
 * is a task with `triggerPolicy.condition`. Step numbers are given to leaves (container and importer tasks):
 * depth-first, in each DAG's topological order, a group's steps numbered where the group stands.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import type {IrComponentSpec, IrContainerSpec, IrDag, IrTask, PipelineSpec} from '../ir/types.js'
import type {PlannedTask} from './dag.js'
import {childKey} from './naming.js'

export type NodeKind = 'container' | 'importer' | 'dag' | 'loop'

/** One task of the tree (a template: a loop's body appears once, not once per iteration). */
export interface TaskNode {
  /** Template path: task keys from the root joined by '/'. */
  path: string
  /** The task's key in its DAG. */
  name: string
  /** taskInfo.name. */
  displayName: string
  kind: NodeKind
  task: IrTask
  componentName: string
  component: IrComponentSpec
  executorLabel?: string
  container?: IrContainerSpec
  importer?: unknown
  /** Sibling task keys this task waits for (dependentTasks and producers of its inputs), sorted. */
  upstream: string[]
  /** The DAG this task runs (dag and loop kinds), its tasks in topological order. */
  children?: TaskNode[]
  /** Leaves: their step number. Groups: the number of their first step (where they stand). */
  number: number
}

function irInvalid(message: string): CliError {
  return new CliError('IR_INVALID', message, {exit: EXIT.CONFIG})
}

/** The sibling tasks `t` waits for: its dependentTasks plus the producers of its task-output inputs. */
export function upstreamOf(t: IrTask): string[] {
  const up = new Set<string>([...(t.dependentTasks ?? []), ...producersOf(t)])
  for (const p of Object.values(t.inputs?.parameters ?? {})) if (p.taskFinalStatus) up.add(p.taskFinalStatus.producerTask)
  return [...up].sort()
}

/** The sibling tasks whose outputs `t` reads (taskOutputParameter / taskOutputArtifact), sorted. */
export function producersOf(t: IrTask): string[] {
  const up = new Set<string>()
  for (const p of Object.values(t.inputs?.parameters ?? {})) if (p.taskOutputParameter) up.add(p.taskOutputParameter.producerTask)
  for (const a of Object.values(t.inputs?.artifacts ?? {})) if (a.taskOutputArtifact) up.add(a.taskOutputArtifact.producerTask)
  return [...up].sort()
}

/** Task keys of `dag` in a topological order; ties by `rank`. Throws IR_INVALID on a cycle or an unknown task. */
export function topoOrder(dag: IrDag, where: string, rank: (name: string) => number): string[] {
  const names = Object.keys(dag.tasks)
  const ups = new Map(names.map((n) => [n, upstreamOf(dag.tasks[n])]))
  const downs = new Map<string, string[]>(names.map((n) => [n, []]))
  for (const [n, us] of ups)
    for (const u of us) {
      if (!downs.has(u)) throw irInvalid(`Task '${childKey(where, n)}' depends on '${u}', which is not a task of ${where ? `'${where}'` : 'the pipeline'}.`)
      downs.get(u)!.push(n)
    }
  const indeg = new Map(names.map((n) => [n, ups.get(n)!.length]))
  const order: string[] = []
  let ready = names.filter((n) => indeg.get(n) === 0)
  while (ready.length) {
    ready.sort((a, b) => rank(a) - rank(b))
    const n = ready.shift()!
    order.push(n)
    for (const m of downs.get(n)!) {
      indeg.set(m, indeg.get(m)! - 1)
      if (indeg.get(m) === 0) ready.push(m)
    }
  }
  if (order.length !== names.length) {
    const stuck = names.filter((n) => !order.includes(n)).map((n) => childKey(where, n))
    throw irInvalid(`The tasks of ${where ? `'${where}'` : 'the pipeline'} form a cycle: ${stuck.join(', ')}.`)
  }
  return order
}

function kindOf(t: IrTask, comp: IrComponentSpec, spec: PipelineSpec, path: string): Pick<TaskNode, 'kind' | 'executorLabel' | 'container' | 'importer'> {
  if (comp.dag) return {kind: t.parameterIterator || t.artifactIterator ? 'loop' : 'dag'}
  const executorLabel = comp.executorLabel ?? ''
  const exec = spec.deploymentSpec?.executors?.[executorLabel]
  if (exec?.container) return {kind: 'container', executorLabel, container: exec.container}
  if (exec?.importer) return {kind: 'importer', executorLabel, importer: exec.importer}
  throw irInvalid(`Component '${t.componentRef?.name}' (task '${path}') has no container or importer executor '${executorLabel}'.`)
}

/**
 * Plans the task tree of `spec`. `stepNumbers` (template path → number, e.g. the project's step order) orders
 * and numbers leaves when given; else leaves are numbered 1… depth-first in topological order (ties keep file order).
 * Throws IR_INVALID on unknown components, executors or tasks, and on cycles.
 */
export function planTree(spec: PipelineSpec, stepNumbers?: Record<string, number>): TaskNode[] {
  let next = 1
  const plan = (dag: IrDag, scope: string, stack: string[]): TaskNode[] => {
    const names = Object.keys(dag.tasks)
    const firstNumber = (n: string): number => minNumber(spec, dag.tasks[n], childKey(scope, n), stepNumbers) ?? 1_000_000 + names.indexOf(n)
    return topoOrder(dag, scope, firstNumber).map((name) => {
      const t = dag.tasks[name]
      const path = childKey(scope, name)
      const comp = spec.components?.[t.componentRef?.name]
      if (!comp) throw irInvalid(`Task '${path}' refers to component '${t.componentRef?.name}', which is not in the spec's components.`)
      if (stack.includes(t.componentRef.name)) throw irInvalid(`Component '${t.componentRef.name}' contains itself (task '${path}').`)
      const base = {path, name, displayName: t.taskInfo?.name ?? name, task: t, componentName: t.componentRef.name, component: comp, upstream: upstreamOf(t)}
      const k = kindOf(t, comp, spec, path)
      if (comp.dag) {
        const number = next
        const children = plan(comp.dag, path, [...stack, t.componentRef.name])
        return {...base, ...k, children, number: children.length ? Math.min(...children.map((c) => c.number)) : number}
      }
      const number = stepNumbers?.[path] ?? next
      next = Math.max(next, number) + 1
      return {...base, ...k, number}
    })
  }
  return plan(spec.root?.dag ?? {tasks: {}}, '', [])
}

/** The smallest project step number inside a task (itself for a leaf), for ordering; undefined without numbers. */
function minNumber(spec: PipelineSpec, t: IrTask, path: string, stepNumbers?: Record<string, number>): number | undefined {
  if (!stepNumbers) return undefined
  if (stepNumbers[path] !== undefined) return stepNumbers[path]
  const dag = spec.components?.[t.componentRef?.name]?.dag
  if (!dag) return undefined
  const ns = Object.entries(dag.tasks)
    .map(([n, c]) => minNumber(spec, c, childKey(path, n), stepNumbers))
    .filter((n): n is number => n !== undefined)
  return ns.length ? Math.min(...ns) : undefined
}

/** Every task of the tree, depth-first (a group before its tasks). */
export function walkTree(nodes: TaskNode[]): TaskNode[] {
  return nodes.flatMap((n) => [n, ...walkTree(n.children ?? [])])
}

/** The leaves (container and importer tasks), depth-first: what `kfp steps` lists and --start-step numbers. */
export function leavesOf(nodes: TaskNode[]): TaskNode[] {
  return walkTree(nodes).filter((n) => n.kind === 'container' || n.kind === 'importer')
}

/** The groups (dag and loop tasks) a template path lies in, outermost first. */
export function ancestorsOf(nodes: TaskNode[], path: string): TaskNode[] {
  const out: TaskNode[] = []
  let level = nodes
  const segs = path.split('/')
  for (let i = 0; i < segs.length - 1; i++) {
    const n = level.find((x) => x.name === segs[i])
    if (!n) break
    out.push(n)
    level = n.children ?? []
  }
  return out
}

/** A leaf in the flat shape of dag.ts (name = template path), for the per-task input resolution and start-step. */
export function toPlanned(n: TaskNode): PlannedTask {
  return {
    name: n.path,
    displayName: n.displayName,
    number: n.number,
    componentName: n.componentName,
    component: n.component,
    executorLabel: n.executorLabel ?? '',
    container: n.container ?? {image: ''},
    task: n.task,
    upstream: n.upstream,
  }
}
