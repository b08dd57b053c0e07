// `kfp run --dry-run` on this machine: everything `kfp run` checks before starting (project, parameters,
// --start-step, runner), then a walk of the task tree that decides each step (and each loop iteration whose items are
// known) with the pure decisions of core/engine/dry-run.ts and the engine's own control-flow functions (conditions:
// cel.ts evaluateCondition; loops: control.ts loopItems/iterationInputs; DAG inputs: resolveDagTaskInputs; collected
// artifact lists: bindCollectedArtifacts). The cache
// is looked up by the executor's own key (task-exec.ts cacheKeyInputOf); a miss is explained against the latest
// earlier run of the step.
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {cachingEnabled, taskCacheKey, type CacheKeyInput} from '../../core/engine/cache.js'
import {CelError, evaluateCondition} from '../../core/engine/cel.js'
import {bindCollectedArtifacts, bindSelectedParameters, collectIterations, dagOutputs, iterationInputs, LoopError, loopItems, resolveDagTaskInputs, type DagInputs, type Ended} from '../../core/engine/control.js'
import {planTasks} from '../../core/engine/dag.js'
import {decideWithCache, decideWithoutCache, type PlanStep, type StepFacts} from '../../core/engine/dry-run.js'
import {resolveTaskInputs} from '../../core/engine/inputs.js'
import {childKey, conditionFalseText, indicesOf, iterationKey, labelOf, readableCondition} from '../../core/engine/naming.js'
import {taskHasOutputs, type RunRecord, type TaskOutputs} from '../../core/engine/record.js'
import {reusedRecord} from '../../core/engine/start-step-tree.js'
import {resolveStartTask} from '../../core/engine/start-step.js'
import {leavesOf, toPlanned, type TaskNode} from '../../core/engine/tree.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {prepareRun, type Prepared} from './local.js'
import {selectRunner} from './runner-select.js'
import {listRunRecords, lookupCacheEntry, readSpec, runDir} from './store.js'
import {stepRunnerOf, type TaskRunner} from './runners.js'
import {cacheKeyInputFile, cacheKeyInputOf} from './task-exec.js'
import type {RunEvent, RunOptions} from './types.js'

export interface DryRunResult {
  dryRun: true
  pipeline: string
  /** How the steps would run: docker, process, or mixed (some as host processes: a warning says which). */
  runner: 'docker' | 'process' | 'mixed'
  parameters: Record<string, unknown>
  /** One entry per step, and per iteration of a loop whose items are known. */
  steps: PlanStep[]
}

/** The cache key input of a root task in an earlier run, rebuilt from that run's spec and record as the executor built it. */
async function inputIn(run: RunRecord, stateDir: string, task: string): Promise<CacheKeyInput | undefined> {
  const spec = await readSpec(runDir(stateDir, run.id), run)
  if (!spec) return undefined
  const t = planTasks(spec).find((x) => x.name === task)
  if (!t) return undefined
  const {inputs, missing} = resolveTaskInputs(t, run.parameters, (n) => {
    const r = run.tasks.find((x) => x.name === n)
    return r && taskHasOutputs(r) ? r.outputs : undefined
  })
  const rec = run.tasks.find((x) => x.name === task)
  const runner = rec?.runner ?? (run.runner === 'mixed' ? undefined : run.runner)
  return missing.length || !runner ? undefined : cacheKeyInputOf(t, inputs, runner)
}

/** The key input the executor kept for a task of an earlier run (runs before it kept one: undefined). */
async function keptInput(run: RunRecord, stateDir: string, key: string): Promise<CacheKeyInput | undefined> {
  try {
    return JSON.parse(await readFile(cacheKeyInputFile(path.join(runDir(stateDir, run.id), 'tasks', key)), 'utf8')) as CacheKeyInput
  } catch {
    return undefined
  }
}

/**
 * The latest earlier run in which the step (at the same record key: a step in a group, an iteration by its index)
 * produced a result, with its key input: the one the executor kept, else rebuilt from the run's spec (root steps).
 */
async function earlierOf(runs: RunRecord[], stateDir: string, key: string): Promise<{run: RunRecord; input: CacheKeyInput} | undefined> {
  for (const r of runs) {
    const t = r.tasks.find((x) => x.name === key)
    if (!t || (t.status !== 'succeeded' && t.status !== 'cached')) continue
    const input = (await keptInput(r, stateDir, key)) ?? (key.includes('/') ? undefined : await inputIn(r, stateDir, key))
    if (input) return {run: r, input}
  }
  return undefined
}

/** A DAG instance being planned: its key, its inputs when known, and what its steps inherit. */
interface Scope {
  key: string
  inputs?: DagInputs
  /** Why its steps' fate is not known yet (a condition or loop decided at run time). */
  pending?: string
  /** Why none of its steps run (a false condition, an upstream step that does not run). */
  skip?: string
}

/** Walks the tree once, in each DAG's topological order (the order the executor starts tasks in). */
class Planner {
  readonly steps: PlanStep[] = []
  private earlierRuns: RunRecord[] = []
  private noCacheTasks = new Set<string>()

  constructor(
    private o: RunOptions,
    private p: Prepared,
    private runner: Pick<TaskRunner, 'kind' | 'kindOf'>,
  ) {}

  async plan(): Promise<PlanStep[]> {
    const {loaded, tree, params} = this.p
    this.earlierRuns = (await listRunRecords(loaded.stateDir)).filter((r) => r.pipelineName === loaded.spec.pipelineInfo.name)
    const leaves = leavesOf(tree).map(toPlanned)
    this.noCacheTasks = new Set((this.o.noCacheSteps ?? []).map((ref) => resolveStartTask(leaves, ref, loaded.stepNames).name))
    const artifacts = Object.fromEntries(Object.entries(this.p.artifacts).map(([k, v]) => [k, [{uri: v}]]))
    await this.dag(tree, {key: '', inputs: {parameters: params.values, artifacts}})
    return this.steps
  }

  /** The step's label as `kfp runs get` shows it: its step name (else task key) with the loop indices (`trial[0]`). */
  private label(n: TaskNode, key: string): string {
    const name = this.p.loaded.stepNames?.[n.path]
    return name ? `${name}${indicesOf(key).map((i) => `[${i}]`).join('')}` : labelOf(key)
  }

  /** Plans one DAG instance; returns what each of its tasks amounts to, for its siblings and its parent. */
  private async dag(nodes: TaskNode[], scope: Scope): Promise<Map<string, {step: PlanStep; ended?: Ended}>> {
    const done = new Map<string, {step: PlanStep; ended?: Ended}>()
    for (const n of nodes) done.set(n.name, await this.node(n, childKey(scope.key, n.name), scope, done))
    return done
  }

  private async node(n: TaskNode, key: string, scope: Scope, siblings: Map<string, {step: PlanStep; ended?: Ended}>): Promise<{step: PlanStep; ended?: Ended}> {
    const sibling = (name: string) => siblings.get(name)?.ended
    const summary = (action: PlanStep['action'], reasons: string[]): PlanStep => ({task: key, number: n.number, step: this.label(n, key), action, reasons})
    if (n.kind === 'container' || n.kind === 'importer') return this.leaf(n, key, scope, siblings)
    if (scope.skip) return {step: summary('skipped', [scope.skip]), ended: {status: 'skipped', message: scope.skip, hasOutputs: false, outputs: {parameters: {}, artifacts: {}}}}
    const blocked = n.upstream.map((u) => siblings.get(u)?.step).find((s) => s?.action === 'skipped')
    const known = scope.inputs && n.upstream.every((u) => sibling(u)?.hasOutputs)
    const r = known ? resolveDagTaskInputs(n.task, n.component.inputDefinitions, scope.inputs!, sibling) : undefined
    const inputs = r && r.unresolved.length === 0 ? r.inputs : undefined
    const child: Scope = {key, inputs, pending: scope.pending, skip: blocked ? `upstream step ${blocked.step} does not run` : undefined}
    if (!inputs && !child.pending && !child.skip)
      child.pending = n.kind === 'loop' ? `once per item of ${n.displayName}, whose items come from steps that run first` : `it is inside ${n.displayName}, whose inputs come from steps that run first: decided at run time`
    const cond = n.task.triggerPolicy?.condition
    if (cond && !child.skip) {
      const c = inputs ? this.condition(cond, inputs) : undefined
      if (c === false) child.skip = this.falseText(cond, inputs!, n.task)
      else if (c === undefined) child.pending = `if ${readableCondition(cond, n.task.inputs?.parameters)} holds (decided at run time)`
    }
    const body = n.kind === 'loop' && !child.skip ? await this.loop(n, key, child) : this.groupOf(n, await this.dag(n.children ?? [], child))
    const steps = body.steps
    const action: PlanStep['action'] = steps.every((s) => s.action === 'skipped') && steps.length ? 'skipped' : steps.some((s) => s.action === 'run') ? 'run' : 'cached'
    // A group's outputs are known when nothing inside it runs (every step cached or reused): what the engine's
    // dagOutputs / collectIterations make of them, so the steps after it can be looked up in the cache too.
    if (action === 'run') return {step: summary(action, [])}
    const out = action === 'cached' ? body.outputs : undefined
    return {
      step: summary(action, []),
      ended: {status: action === 'skipped' ? 'skipped' : 'succeeded', hasOutputs: Boolean(out), outputs: out ? out.outputs : {parameters: {}, artifacts: {}}, ...(out ? {artifactLists: out.artifactLists} : {})},
    }
  }

  /** A DAG instance's planned steps and, when every task in it ended with outputs, its outputs (dagOutputs). */
  private groupOf(n: TaskNode, done: Map<string, {step: PlanStep; ended?: Ended}>): {steps: PlanStep[]; outputs?: ReturnType<typeof dagOutputs>} {
    const steps = [...done.values()].map((x) => x.step)
    const all = [...done.values()].every((x) => x.ended && (x.ended.hasOutputs || x.ended.status === 'skipped'))
    return {steps, outputs: all && n.component.dag ? dagOutputs(n.component.dag, (name) => done.get(name)?.ended) : undefined}
  }

  private condition(expr: string, inputs: DagInputs): boolean | undefined {
    try {
      return evaluateCondition(expr, inputs.parameters).value
    } catch (err) {
      if (err instanceof CelError) return undefined
      throw err
    }
  }

  private falseText(expr: string, inputs: DagInputs, task: TaskNode['task']): string {
    return conditionFalseText(expr, evaluateCondition(expr, inputs.parameters).seen, task.inputs?.parameters)
  }

  /** A loop with known items: one plan per iteration (and its collected outputs when all are known); else its body once, decided at run time. */
  private async loop(n: TaskNode, key: string, scope: Scope): Promise<{steps: PlanStep[]; outputs?: ReturnType<typeof dagOutputs>}> {
    let items
    try {
      items = scope.inputs ? loopItems(n.task, scope.inputs) : undefined
    } catch (err) {
      if (!(err instanceof LoopError)) throw err
    }
    if (!items) return {steps: [...(await this.dag(n.children ?? [], {...scope, inputs: undefined, pending: scope.pending ?? `once per item of ${n.displayName}, whose items are known at run time`})).values()].map((x) => x.step)}
    const steps: PlanStep[] = []
    const iterations: Array<ReturnType<typeof dagOutputs> | undefined> = []
    for (let i = 0; i < items.items.length; i++) {
      const inputs = iterationInputs(n.task, scope.inputs!, items.items[i])
      const it = this.groupOf(n, await this.dag(n.children ?? [], {...scope, key: iterationKey(key, i), inputs}))
      steps.push(...it.steps)
      iterations.push(it.outputs)
    }
    const dag = n.component.dag
    const known = dag && iterations.every((x) => x !== undefined)
    return {steps, outputs: known ? collectIterations(iterations.map((x) => ({outputs: x!.outputs, artifactLists: x!.artifactLists})), dag) : undefined}
  }

  private async leaf(n: TaskNode, key: string, scope: Scope, siblings: Map<string, {step: PlanStep; ended?: Ended}>): Promise<{step: PlanStep; ended?: Ended}> {
    const {loaded, plan, treePlan} = this.p
    const step = this.label(n, key)
    const reused = plan?.skipped[n.path] ?? (treePlan ? reusedRecord(treePlan, key, n) : undefined)
    const facts: StepFacts = {
      task: key,
      number: n.number,
      step,
      upstream: n.upstream,
      cacheEnabled: cachingEnabled(n.task.cachingOptions),
      isStart: (plan?.startTask ?? treePlan?.startTask) === n.path,
      noCache: this.o.noCache || this.noCacheTasks.has(n.path),
      ...(reused ? {reused: {outputs: reused.outputs, fromRun: reused.reusedFrom?.runId ? {id: reused.reusedFrom.runId, name: reused.reusedFrom.runName ?? reused.reusedFrom.runId} : undefined, setOutputs: reused.reusedFrom?.setOutputs}} : {}),
    }
    const record = (s: PlanStep, outputs?: TaskOutputs) => {
      this.steps.push(s)
      return {step: s, ended: outputs ? {status: 'succeeded' as const, hasOutputs: true, outputs} : s.action === 'skipped' ? {status: 'skipped' as const, message: s.reasons[0], hasOutputs: false, outputs: {parameters: {}, artifacts: {}}} : undefined}
    }
    if (scope.skip && !reused) return record({task: key, number: n.number, step, action: 'skipped', reasons: [scope.skip]})
    const planned = new Map([...siblings].map(([k, v]) => [k, v.step]))
    const first = decideWithoutCache(facts, planned, (t) => siblings.get(t)?.step.step ?? t)
    if (first !== 'lookup') return record(first, first.action === 'reused' ? reused!.outputs : undefined)
    if (!scope.inputs) return record({task: key, number: n.number, step, action: 'run', reasons: [scope.pending ?? 'decided at run time']})
    // An exit task reads the run's final status, which names this run (PipelineTaskFinalStatus): never an earlier run's.
    if (Object.values(n.task.inputs?.parameters ?? {}).some((b) => b.taskFinalStatus))
      return record({task: key, number: n.number, step, action: 'run', reasons: ["it reads this run's final status (PipelineTaskFinalStatus), which names the run: new in every run"]})
    const outputsOf = (name: string) => siblings.get(name)?.ended?.outputs
    // Bound as the executor binds them (a loop item's field, `item.lr`, is its own value).
    const bound = bindSelectedParameters(n.task.inputs?.parameters, scope.inputs.parameters)
    if (bound.unresolved.length) return record({task: key, number: n.number, step, action: 'run', reasons: [`inputs without a value: ${bound.unresolved.join(', ')} (the run fails it)`]})
    // A loop's collected artifact list (dsl.Collected) read as the executor reads it.
    const collected = bindCollectedArtifacts(n.task.inputs?.artifacts, scope.inputs.artifacts, (name) => siblings.get(name)?.ended)
    const task = {...n.task, inputs: {...n.task.inputs, parameters: bound.parameters, artifacts: collected.artifacts}}
    const {inputs, missing} = resolveTaskInputs({component: n.component, task}, scope.inputs.parameters, outputsOf, collected.available)
    if (missing.length) return record({task: key, number: n.number, step, action: 'run', reasons: ['decided at run time (its inputs are produced while the run goes)']})
    const cond = n.task.triggerPolicy?.condition
    if (cond) {
      const c = this.condition(cond, {parameters: inputs.parameters, artifacts: {}})
      if (c === false) return record({task: key, number: n.number, step, action: 'skipped', reasons: [this.falseText(cond, {parameters: inputs.parameters, artifacts: {}}, n.task)]})
    }
    if (n.kind === 'importer' || !n.container) return record({task: key, number: n.number, step, action: 'run', reasons: ['imports its artifact']})
    const now = await cacheKeyInputOf({component: n.component, container: n.container, task}, inputs, stepRunnerOf(this.runner, n.container.image))
    const hit = await lookupCacheEntry(loaded.stateDir, taskCacheKey(now))
    if (hit) return record(decideWithCache(facts, hit, undefined, now), hit.outputs)
    const s = decideWithCache(facts, undefined, await earlierOf(this.earlierRuns, loaded.stateDir, key), now)
    if (scope.pending) s.reasons.push(scope.pending)
    return record(s)
  }
}

/** Plans the run without running anything. */
export async function dryRunLocal(o: RunOptions, ctx: Ctx, onEvent: (e: RunEvent) => void = () => {}): Promise<DryRunResult> {
  const p = await prepareRun(o, ctx, onEvent)
  const {loaded, params, plan, treePlan} = p
  const toRun = leavesOf(p.tree)
    .filter((n) => !plan?.skipped[n.path] && !treePlan?.skipped.has(n.path) && n.container)
    .map(toPlanned)
  const mode = o.build ? 'docker' : (o.runner ?? o.runnerPin?.runner ?? 'auto')
  // --build would build first and run everything in Docker; without it, the runner choice is made (and said) as kfp run makes it.
  const runner: Pick<TaskRunner, 'kind' | 'kindOf'> = o.build
    ? {kind: 'docker'}
    : await selectRunner({mode, pinnedBy: o.runner === undefined ? o.runnerPin?.by : undefined, tasks: toRun, buildable: loaded.buildableImages ?? [], stepNames: loaded.stepNames}, ctx, onEvent)
  const steps = await new Planner(o, p, runner).plan()
  return {dryRun: true, pipeline: loaded.spec.pipelineInfo.name, runner: runner.kind, parameters: params.values, steps}
}

