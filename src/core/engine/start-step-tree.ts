/**
 * `kfp run --start-step N` for pipelines with control flow (sub-DAGs, conditions, loops, exit handlers). Pipelines
 * without groups use start-step.ts's planStartStep unchanged; this is its generalisation.
 *
 * What it means (docs/architecture.md "Start-step inside control flow"):
 * - N is a step number of `kfp steps` (leaves: container and importer tasks, depth-first), a step's path or name,
 *   or a group's name or path (sub-DAG, condition, loop), meaning the group's first step.
 * - Steps numbered below N are not run. Each instance of such a step (every iteration of it inside loops) takes
 *   the outputs of the record with the same key in the source run (`for-loop-2[1]/train`). Groups always run
 *   their logic again: conditions are evaluated anew on the reused values, loops expand over their items anew.
 *   An instance the source run has no outputs for (it was skipped there, or the loop had fewer items) is skipped
 *   and says why; a later step that needs its outputs then fails naming them.
 * - Step N and every step after it run, every iteration of step N without a cache lookup.
 * - `--set-output STEP.OUTPUT=VALUE` supplies a skipped step's output. It is refused for a step inside a loop:
 *   one value cannot stand for each iteration's own output (use --from-run with a run that has them).
 * - The source run is --from-run, else the newest run of the pipeline whose records have every output that a
 *   step from N on reads from a skipped step (inside a loop: in every iteration); missing outputs are reported up front with the flag that supplies them.
 * - A pipeline parameter whose value differs from the source run's, read by a skipped step (through the groups it lies
 *   in), gets the same warning as in flat pipelines (start-step.ts paramChangeWarnings).
 */
import {outputReads} from './control.js'
import {templatePathOf} from './naming.js'
import {paramsReadBy} from './inputs.js'
import {parseParamText} from './params.js'
import {taskHasOutputs, type RunRecord, type TaskOutputs} from './record.js'
import {paramChangeWarnings, parseSetOutputs, resolveStartTask, usage, userStepName, type MissingOutput, type SetOutput, type StartStepInput} from './start-step.js'
import {ancestorsOf, leavesOf, toPlanned, walkTree, type TaskNode} from './tree.js'

/** StartStepInput with the task tree instead of the flat task list; stepNames maps template paths. */
export type TreeStartStepInput = Omit<StartStepInput, 'tasks'> & {tree: TaskNode[]}

export interface TreeStartStepPlan {
  /** Template path and number of the first step that runs. */
  startTask: string
  startNumber: number
  /** Template paths of the steps that do not run. */
  skipped: Set<string>
  sets: SetOutput[]
  sourceRun?: RunRecord
  missing: MissingOutput[]
  warnings: string[]
}

/** Resolves --start-step to a leaf: a step, or a group's first step. */
function resolveStart(tree: TaskNode[], ref: string, stepNames?: Record<string, string>): TaskNode {
  const leaves = leavesOf(tree)
  const group = walkTree(tree).find((n) => n.children && (n.path === ref || n.name === ref))
  if (group) {
    const first = leavesOf(group.children!)[0]
    if (!first) throw usage(`--start-step ${ref}: the group '${group.path}' has no steps.`)
    return first
  }
  const t = resolveStartTask(leaves.map(toPlanned), ref, stepNames)
  return leaves.find((l) => l.path === t.name)!
}

/**
 * The (step, output) pairs that tasks which run read from steps that do not: a running task's input from a
 * skipped sibling step, or from a sibling group whose DAG output comes (through any depth) from a skipped step.
 */
export function neededOutputs(tree: TaskNode[], skipped: Set<string>): Array<{task: string; output: string; kind: 'parameter' | 'artifact'; optional: boolean}> {
  const out = new Map<string, {task: string; output: string; kind: 'parameter' | 'artifact'; optional: boolean}>()
  // `optional`: every reader takes its default without it (an ignore_upstream_failure input with a default).
  const need = (producer: TaskNode | undefined, key: string, kind: 'parameter' | 'artifact', optional: boolean): void => {
    if (!producer) return
    if (!producer.children) {
      const id = `${producer.path}\0${key}\0${kind}`
      if (skipped.has(producer.path)) out.set(id, {task: producer.path, output: key, kind, optional: optional && (out.get(id)?.optional ?? true)})
      return
    }
    const outs = producer.component.dag?.outputs
    const spec = kind === 'parameter' ? outs?.parameters?.[key] : outs?.artifacts?.[key]
    if (!spec) return
    const selectors: Array<{producerSubtask: string; key: string}> =
      kind === 'parameter'
        ? [...('valueFromParameter' in spec && spec.valueFromParameter ? [spec.valueFromParameter] : []), ...(('valueFromOneof' in spec && spec.valueFromOneof?.parameterSelectors) || [])].map((s) => ({producerSubtask: s.producerSubtask, key: s.outputParameterKey}))
        : (('artifactSelectors' in spec && spec.artifactSelectors) || []).map((s) => ({producerSubtask: s.producerSubtask, key: s.outputArtifactKey}))
    for (const s of selectors) need(producer.children.find((c) => c.name === s.producerSubtask), s.key, kind, optional)
  }
  const runs = (n: TaskNode): boolean => (n.children ? leavesOf(n.children).some((l) => !skipped.has(l.path)) : !skipped.has(n.path))
  const visit = (nodes: TaskNode[]) => {
    for (const n of nodes) {
      if (!runs(n)) continue
      for (const r of outputReads(n.task, n.component.inputDefinitions)) need(nodes.find((x) => x.name === r.producer), r.output, r.kind, r.optional)
      if (n.children) visit(n.children)
    }
  }
  visit(tree)
  return [...out.values()]
}

/**
 * The pipeline parameters a leaf reads: its componentInputParameter bindings followed up through the groups it lies
 * in (a group's own input binding, or a loop's item input back to the list it iterates) to the root's inputs.
 */
export function rootParamsReadBy(tree: TaskNode[], leaf: TaskNode): string[] {
  const chain = ancestorsOf(tree, leaf.path)
  const toRoot = (depth: number, name: string): string | undefined => {
    if (depth === 0) return name
    const g = chain[depth - 1].task
    const b = g.inputs?.parameters?.[name]
    if (b?.componentInputParameter) return toRoot(depth - 1, b.componentInputParameter)
    const it = g.parameterIterator
    if (it?.itemInput === name && it.items.inputParameter && it.items.inputParameter !== name) return toRoot(depth, it.items.inputParameter)
    return undefined
  }
  return paramsReadBy(toPlanned(leaf))
    .map((p) => toRoot(chain.length, p))
    .filter((p): p is string => p !== undefined)
}

/**
 * True when `run` has the output for the template path `task`: in every record of it (each loop iteration's; a run
 * where one iteration failed has only part of a collected list), except records a condition of their own skipped.
 * With `some`: in at least one (the fallback source, so the missing-output error names the run that came closest).
 */
function runHas(run: RunRecord, n: {task: string; output: string; kind: 'parameter' | 'artifact'}, some = false): boolean {
  const records = run.tasks.filter((t) => templatePathOf(t.name) === n.task && !(t.status === 'skipped' && t.condition?.result === false))
  const has = (t: RunRecord['tasks'][number]) => taskHasOutputs(t) && (n.kind === 'parameter' ? t.outputs.parameters[n.output] !== undefined : t.outputs.artifacts[n.output] !== undefined)
  return some ? records.some(has) : records.length > 0 && records.every(has)
}

/** Plans a start-step run over the task tree. Throws usage errors for bad flags; returns missing outputs. */
export function planTreeStartStep(i: TreeStartStepInput): TreeStartStepPlan {
  const start = resolveStart(i.tree, i.startStep, i.stepNames)
  const leaves = leavesOf(i.tree)
  const skipped = new Set(leaves.filter((l) => l.number < start.number).map((l) => l.path))
  const sets = parseSetOutputs(i.setOutputs, leaves.map(toPlanned), skipped, i.stepNames)
  for (const s of sets) {
    const loop = ancestorsOf(i.tree, s.task).find((a) => a.kind === 'loop')
    if (loop)
      throw usage(`--set-output ${s.task}.${s.output}: step '${s.task}' runs once per iteration of the loop '${loop.path}'; one value cannot stand for each iteration's output.`, [
        'Reuse the outputs of an earlier run with --from-run RUN, or start at an earlier step.',
      ])
  }
  const needed = neededOutputs(i.tree, skipped).filter((n) => !sets.some((s) => s.task === n.task && s.output === n.output))
  const sourceRun = i.fromRunExplicit ? i.candidates[0] : needed.length ? (i.candidates.find((r) => needed.every((n) => runHas(r, n))) ?? i.candidates.find((r) => needed.some((n) => runHas(r, n, true)))) : i.candidates[0]
  const byPath = new Map(leaves.map((l) => [l.path, l]))
  // An output only readers that take their default without it read is used when the source has it, else left out.
  const missing: MissingOutput[] = needed
    .filter((n) => !n.optional && (!sourceRun || !runHas(sourceRun, n)))
    .map(({optional: _optional, ...n}) => {
      const inLoop = ancestorsOf(i.tree, n.task).some((a) => a.kind === 'loop')
      const name = userStepName(toPlanned(byPath.get(n.task)!), i.stepNames)
      return {...n, flag: inLoop ? '--from-run RUN (a run that has it)' : `--set-output ${name}.${n.output}=${n.kind === 'artifact' ? 'PATH' : 'VALUE'}`}
    })
  const readers = leaves.filter((l) => skipped.has(l.path)).map((l) => ({step: userStepName(toPlanned(l), i.stepNames), number: l.number, params: rootParamsReadBy(i.tree, l)}))
  const warnings = paramChangeWarnings(readers, i.params, sourceRun)
  return {startTask: start.path, startNumber: start.number, skipped, sets, sourceRun, missing, warnings}
}

/**
 * What a record `key` of a step that does not run carries in this run: the source run's record with the same key
 * (its outputs, and --set-output values for it), or a skip saying the source has nothing for it.
 */
export function reusedRecord(plan: TreeStartStepPlan, key: string, node: TaskNode): {status: 'skipped'; outputs: TaskOutputs; reusedFrom?: {runId?: string; runName?: string; task?: string; setOutputs?: string[]}; message?: string} | undefined {
  if (node.children || !plan.skipped.has(node.path)) return undefined
  const src = plan.sourceRun?.tasks.find((t) => t.name === key)
  const mine = plan.sets.filter((s) => s.task === node.path)
  const outputs: TaskOutputs = src && taskHasOutputs(src) ? {parameters: {...src.outputs.parameters}, artifacts: {...src.outputs.artifacts}} : {parameters: {}, artifacts: {}}
  for (const s of mine) {
    const ptype = node.component.outputDefinitions?.parameters?.[s.output]?.parameterType
    if (ptype !== undefined || !node.component.outputDefinitions?.artifacts?.[s.output]) {
      const r = parseParamText(s.value, ptype)
      if (!r.ok) throw usage(`--set-output ${s.task}.${s.output}: ${r.error}.`)
      outputs.parameters[s.output] = r.value
    } else outputs.artifacts[s.output] = {uri: s.value}
  }
  const used = src && taskHasOutputs(src) && plan.sourceRun
  if (!used && !mine.length)
    return {status: 'skipped', outputs, message: `not run: before --start-step ${plan.startNumber}, and ${plan.sourceRun ? `run ${plan.sourceRun.name} has no outputs for it${src ? ` (it was ${src.status} there)` : ''}` : 'no earlier run has its outputs'}`}
  return {
    status: 'skipped',
    outputs,
    reusedFrom: {...(used ? {runId: plan.sourceRun!.id, runName: plan.sourceRun!.name, task: key} : {}), ...(mine.length ? {setOutputs: mine.map((s) => s.output)} : {})},
  }
}
