/**
 * DAG planning for the local engine: which tasks exist, what each runs, the order they may run in, and which
 * IR features the engine cannot execute (reported before anything starts).
 */
import {CliError, EXIT} from '../../lib/errors.js'
import type {IrComponentSpec, IrContainerSpec, IrDag, IrTask, PipelineSpec} from '../ir/types.js'
import {checkCondition, checkSelector, parameterNamesRead, parseCel} from './cel.js'
import {findPlaceholders, SUPPORTED_PLACEHOLDER} from './placeholders.js'
import {topoOrder, upstreamOf} from './tree.js'

/** A task ready to be scheduled: its container, its upstream tasks and its step number. */
export interface PlannedTask {
  /** Key in root.dag.tasks. */
  name: string
  /** taskInfo.name. */
  displayName: string
  /** 1-based step number (project step number, or position in a topological order for bare IR). */
  number: number
  componentName: string
  component: IrComponentSpec
  executorLabel: string
  container: IrContainerSpec
  task: IrTask
  /** Upstream tasks (data dependencies and dependentTasks), sorted. */
  upstream: string[]
}

/** One thing in an IR the local engine cannot run. */
export interface UnsupportedFeature {
  /** Task key, or '' for pipeline-level features. */
  task: string
  feature: string
}

const STRATEGIES = ['ALL_UPSTREAM_TASKS_SUCCEEDED', 'ALL_UPSTREAM_TASKS_COMPLETED']

/**
 * Lists the features of `spec` the local engine does not support, walking every sub-DAG (nested pipelines,
 * condition branches, loop bodies, exit-handler bodies) and naming each task by its path
 * (`for-loop-2/condition-3/train`): conditions outside the CEL subset the SDK writes, unknown trigger strategies,
 * loops over an input the task does not have, parameter selectors outside the subset, resolvers and unknown
 * placeholders (pipeline input artifacts come from `kfp run --artifact`). Structural errors (unknown components, cycles) are IR_INVALID from planTree.
 */
export function findUnsupportedFeatures(spec: PipelineSpec): UnsupportedFeature[] {
  const out: UnsupportedFeature[] = []
  if (!spec.root?.dag) out.push({task: '', feature: 'a pipeline without a root DAG (a single component)'})
  const walk = (dag: IrDag | undefined, scope: string, seen: string[]) => {
    for (const [name, t] of Object.entries(dag?.tasks ?? {})) {
      const path = scope ? `${scope}/${name}` : name
      for (const feature of controlFlowProblems(t)) out.push({task: path, feature})
      const comp = spec.components?.[t.componentRef?.name]
      if (!comp) continue
      if (comp.dag) {
        if (!seen.includes(t.componentRef.name)) walk(comp.dag, path, [...seen, t.componentRef.name])
        continue
      }
      for (const feature of executorProblems(spec, comp)) out.push({task: path, feature})
    }
  }
  walk(spec.root?.dag, '', [])
  return out
}

/** What the engine cannot do with a task's trigger policy, iterator and input selectors. */
function controlFlowProblems(t: IrTask): string[] {
  const out: string[] = []
  const cond = t.triggerPolicy?.condition
  if (cond) {
    const why = checkCondition(cond)
    if (why) out.push(`the condition ${cond} is outside the CEL subset the engine evaluates: ${why}`)
    else {
      const inputs = Object.keys(t.inputs?.parameters ?? {})
      const unknown = parameterNamesRead(parseCel(cond)).filter((n) => !inputs.includes(n))
      if (unknown.length) out.push(`the condition ${cond} reads ${unknown.map((u) => `'${u}'`).join(', ')}, which the task has no input for`)
    }
  }
  const strategy = t.triggerPolicy?.strategy
  if (strategy && !STRATEGIES.includes(strategy)) out.push(`trigger strategy ${strategy}`)
  const over = t.parameterIterator?.items.inputParameter
  if (over !== undefined && !t.inputs?.parameters?.[over]) out.push(`a loop over '${over}', which the task has no input for`)
  const overArt = t.artifactIterator?.items.inputArtifact
  if (overArt !== undefined && !t.inputs?.artifacts?.[overArt]) out.push(`a loop over the artifacts '${overArt}', which the task has no input for`)
  for (const [pn, p] of Object.entries(t.inputs?.parameters ?? {})) {
    const why = p.parameterExpressionSelector ? checkSelector(p.parameterExpressionSelector) : undefined
    if (why) out.push(`the selector ${p.parameterExpressionSelector} on input '${pn}' is outside the CEL subset: ${why}`)
  }
  return out
}

/** What the engine cannot run in a leaf component's executor. */
function executorProblems(spec: PipelineSpec, comp: IrComponentSpec): string[] {
  const exec = comp.executorLabel ? spec.deploymentSpec?.executors?.[comp.executorLabel] : undefined
  if (!exec) return []
  if (exec.importer) return [] // importer-exec.ts
  if (exec.resolver) return ['a resolver']
  const c = exec.container
  if (!c) return []
  // Python-function components ({{$}}) run: the executor contract is the launcher's (task-exec.ts).
  const placeholders = [...(c.command ?? []), ...(c.args ?? [])].flatMap((s) => findPlaceholders(s))
  return [...new Set(placeholders.filter((p) => !SUPPORTED_PLACEHOLDER.test(p)))].map((p) => `the placeholder ${p}`)
}

/** Throws IR_UNSUPPORTED naming each task and feature when the spec cannot run locally. */
export function assertSupported(spec: PipelineSpec): void {
  const issues = findUnsupportedFeatures(spec)
  if (issues.length === 0) return
  const lines = issues.map((i) => (i.task ? `task '${i.task}': ${i.feature}` : i.feature))
  throw new CliError('IR_UNSUPPORTED', `The local engine cannot run this pipeline:\n${lines.map((l) => `  - ${l}`).join('\n')}`, {
    exit: EXIT.CONFIG,
    hints: ['Run it on a KFP server target, or change these tasks into container components without those features.'],
    data: {unsupported: issues},
  })
}

function irInvalid(message: string): CliError {
  return new CliError('IR_INVALID', message, {exit: EXIT.CONFIG})
}

export {upstreamOf} from './tree.js'

/**
 * Plans the tasks of the root DAG in a topological order. Step numbers come from `stepNumbers` (task → number,
 * e.g. the project's step order) when given, else from that order (ties keep the order of the file).
 * Throws IR_INVALID on references to unknown tasks, components or executors, and on cycles.
 */
export function planTasks(spec: PipelineSpec, stepNumbers?: Record<string, number>): PlannedTask[] {
  const tasks = spec.root?.dag?.tasks ?? {}
  const names = Object.keys(tasks)
  const planned = new Map<string, Omit<PlannedTask, 'number'>>()
  for (const name of names) {
    const t = tasks[name]
    const componentName = t.componentRef?.name
    const component = spec.components?.[componentName]
    if (!component) throw irInvalid(`Task '${name}' refers to component '${componentName}', which is not in the spec's components.`)
    const executorLabel = component.executorLabel ?? ''
    const container = spec.deploymentSpec?.executors?.[executorLabel]?.container
    if (!container) throw irInvalid(`Component '${componentName}' (task '${name}') has no container executor '${executorLabel}'.`)
    const upstream = upstreamOf(t)
    for (const u of upstream) if (!tasks[u]) throw irInvalid(`Task '${name}' depends on '${u}', which is not a task of the pipeline.`)
    planned.set(name, {name, displayName: t.taskInfo?.name ?? name, componentName, component, executorLabel, container, task: t, upstream})
  }
  // Ready tasks in file order (or step-number order when given) so numbering is stable.
  const order = topoOrder(spec.root?.dag ?? {tasks: {}}, '', (n) => stepNumbers?.[n] ?? names.indexOf(n) + 1_000_000)
  return order.map((n, i) => ({...planned.get(n)!, number: stepNumbers?.[n] ?? i + 1}))
}

/** All tasks downstream of `name` (transitively). */
export function downstreamOf(tasks: PlannedTask[], name: string): string[] {
  const out = new Set<string>()
  const visit = (n: string) => {
    for (const t of tasks) if (t.upstream.includes(n) && !out.has(t.name)) {
      out.add(t.name)
      visit(t.name)
    }
  }
  visit(name)
  return [...out]
}

/**
 * Finds a task by step number (`3`), task key, display name or step name (`stepNames`: task → step name).
 * Returns undefined when nothing matches.
 */
export function findTask(tasks: PlannedTask[], ref: string, stepNames?: Record<string, string>): PlannedTask | undefined {
  if (/^\d+$/.test(ref)) return tasks.find((t) => t.number === Number(ref))
  return (
    tasks.find((t) => t.name === ref) ??
    tasks.find((t) => stepNames?.[t.name] === ref) ??
    tasks.find((t) => t.displayName === ref)
  )
}
