// `kfp run --dry-run` on this machine: everything `kfp run` checks before starting (project, parameters,
// --start-step, runner), then a walk of the task tree that decides each step (and each loop iteration whose items are
// known) with the pure decisions of core/engine/dry-run.ts and the scheduler's own functions: whether a task starts
// (control.ts decideStart, through planStart, so an exit handler or ignore_upstream_failure step starts whatever its
// upstream did), conditions (cel.ts evaluateCondition), loops (control.ts loopItems/iterationInputs), DAG inputs
// (resolveDagTaskInputs), a step's bindings (bindStepInputs: selectors, collected artifact lists, input defaults for
// outputs an ignore_upstream_failure step's upstream did not produce). The cache is looked up by the executor's own
// key (task-exec.ts cacheKeyInputOf); a miss is explained against the latest earlier run of the step.
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {cachingEnabled, taskCacheKey, type CacheKeyInput} from '../../core/engine/cache.js'
import {CelError, evaluateCondition} from '../../core/engine/cel.js'
import {bindStepInputs, runsWhateverUpstream, collectIterations, dagOutputs, iterationInputs, LoopError, loopItems, resolveDagTaskInputs, type DagInputs, type Ended} from '../../core/engine/control.js'
import {planTasks} from '../../core/engine/dag.js'
import {decideWithCache, decideWithoutCache, planStart, type PlannedUpstream, type PlanStep, type StepFacts} from '../../core/engine/dry-run.js'
import {resolveTaskInputs} from '../../core/engine/inputs.js'
import {childKey, conditionFalseText, indicesOf, iterationKey, labelOf, readableCondition} from '../../core/engine/naming.js'
import {taskHasOutputs, type RunRecord, type TaskOutputs} from '../../core/engine/record.js'
import {reusedRecord} from '../../core/engine/start-step-tree.js'
import {resolveStartTask} from '../../core/engine/start-step.js'
import {leavesOf, producersOf, toPlanned, type TaskNode} from '../../core/engine/tree.js'
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
  private async dag(nodes: TaskNode[], scope: Scope): Promise<Siblings> {
    const done: Siblings = new Map()
    for (const n of nodes) done.set(n.name, await this.node(n, childKey(scope.key, n.name), scope, done))
    return done
  }

  private async node(n: TaskNode, key: string, scope: Scope, siblings: Siblings): Promise<Planned> {
    const sibling = (name: string) => siblings.get(name)?.ended
    const summary = (action: PlanStep['action'], reasons: string[]): PlanStep => ({task: key, number: n.number, step: this.label(n, key), action, reasons})
    if (n.kind === 'container' || n.kind === 'importer') return this.leaf(n, key, scope, siblings)
    if (scope.skip) return {step: summary('skipped', [scope.skip]), ended: skippedEnd(scope.skip)}
    const start = planStart(n.task, plannedUpstream(n, scope.key, siblings))
    const known = scope.inputs && !readsFinalStatus(n.task) && producersOf(n.task).every((u) => sibling(u)?.hasOutputs)
    const r = known ? resolveDagTaskInputs(n.task, n.component.inputDefinitions, scope.inputs!, sibling) : undefined
    const inputs = r && r.unresolved.length === 0 ? r.inputs : undefined
    const child: Scope = {key, inputs, pending: scope.pending, skip: start.run ? undefined : start.message}
    if (!inputs && !child.pending && !child.skip) child.pending = this.pendingText(n)
    const cond = n.task.triggerPolicy?.condition
    if (cond && !child.skip) {
      const c = inputs ? this.condition(cond, inputs) : undefined
      if (c === false) child.skip = this.falseText(cond, inputs!, n.task)
      else if (c === undefined) child.pending = `if ${readableCondition(cond, n.task.inputs?.parameters)} holds (decided at run time)`
    }
    const body = n.kind === 'loop' && !child.skip ? await this.loop(n, key, child) : this.groupOf(n, await this.dag(n.children ?? [], child))
    // The group ends as the scheduler ends it: skipped when it does not start or its condition is false; otherwise it
    // succeeds with the outputs dagOutputs / collectIterations make of its steps, known when none of them runs
    // (every step cached, reused or skipped), so that the steps after it can be looked up in the cache too.
    if (child.skip) return {step: summary('skipped', [child.skip]), ended: skippedEnd(child.skip)}
    if (cond && child.pending !== scope.pending) return {step: summary('run', []), pending: child.pending}
    if (body.steps.some((s) => s.action === 'run')) return {step: summary('run', [])}
    const out = body.outputs
    const action = body.steps.length && body.steps.every((s) => s.action === 'skipped') ? 'skipped' : 'cached'
    return {step: summary(action, []), ended: {status: 'succeeded', hasOutputs: Boolean(out), outputs: out ? out.outputs : NO_OUTPUTS(), ...(out ? {artifactLists: out.artifactLists} : {})}}
  }

  /** Why the steps of a group whose inputs are not known yet are decided at run time. */
  private pendingText(n: TaskNode): string {
    if (readsFinalStatus(n.task)) return `it is inside ${n.displayName}, which ${FINAL_STATUS}`
    if (n.kind === 'loop') return `once per item of ${n.displayName}, whose items come from steps that run first`
    return `it is inside ${n.displayName}, whose inputs come from steps that run first: decided at run time`
  }

  /** A DAG instance's planned steps and, when every task in it ended with outputs, its outputs (dagOutputs). */
  private groupOf(n: TaskNode, done: Siblings): {steps: PlanStep[]; outputs?: ReturnType<typeof dagOutputs>} {
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

  private async leaf(n: TaskNode, key: string, scope: Scope, siblings: Siblings): Promise<Planned> {
    const {plan, treePlan} = this.p
    const step = this.label(n, key)
    const reused = plan?.skipped[n.path] ?? (treePlan ? reusedRecord(treePlan, key, n) : undefined)
    const facts: StepFacts = {
      task: key,
      number: n.number,
      step,
      upstream: plannedUpstream(n, scope.key, siblings),
      triggerPolicy: n.task.triggerPolicy,
      cacheEnabled: cachingEnabled(n.task.cachingOptions),
      isStart: (plan?.startTask ?? treePlan?.startTask) === n.path,
      noCache: this.o.noCache || this.noCacheTasks.has(n.path),
      ...(reused ? {reused: {outputs: reused.outputs, fromRun: reused.reusedFrom?.runId ? {id: reused.reusedFrom.runId, name: reused.reusedFrom.runName ?? reused.reusedFrom.runId} : undefined, setOutputs: reused.reusedFrom?.setOutputs}} : {}),
    }
    const record = (s: PlanStep, ended?: Ended): Planned => {
      this.steps.push(s)
      return {step: s, ended: ended ?? (s.action === 'skipped' ? skippedEnd(s.reasons[0]) : undefined)}
    }
    // A step before --start-step ends as the run's record of it (scheduler.ts recordFor): skipped, with the reused
    // outputs, which count as outputs when they come from somewhere (record.ts taskHasOutputs).
    if (reused) return record(decideWithoutCache(facts) as PlanStep, {status: 'skipped', message: 'message' in reused && typeof reused.message === 'string' ? reused.message : undefined, hasOutputs: Boolean(reused.reusedFrom), outputs: reused.outputs})
    if (scope.skip) return record({task: key, number: n.number, step, action: 'skipped', reasons: [scope.skip]})
    const first = decideWithoutCache(facts)
    if (first !== 'lookup') {
      const s = first.action === 'run' && runsWhateverUpstream(n.task) && scope.inputs ? await this.ifUpstreamFails(n, key, scope, siblings, facts, first) : first
      // Inside a group whose condition decides at run time, the step runs only if the group does.
      return record(s.action === 'run' && scope.pending && !s.reasons.includes(scope.pending) ? {...s, reasons: [...s.reasons, scope.pending]} : s)
    }
    if (!scope.inputs) return record({task: key, number: n.number, step, action: 'run', reasons: [scope.pending ?? 'decided at run time']})
    const r = await this.lookup(n, key, scope, siblings, facts)
    return record(r.step, r.ended)
  }

  /**
   * An ignore_upstream_failure task whose inputs come from steps that run: should they fail, the scheduler gives it
   * the inputs' defaults (bindStepInputs) and looks it up in the cache. A hit then is said along with the plan.
   */
  private async ifUpstreamFails(n: TaskNode, key: string, scope: Scope, siblings: Siblings, facts: StepFacts, first: PlanStep): Promise<PlanStep> {
    const failed: Siblings = new Map(siblings)
    const running = facts.upstream.filter((u) => !u.ended)
    for (const u of running) failed.set(u.name, {step: siblings.get(u.name)!.step, ended: {status: 'failed', hasOutputs: false, outputs: NO_OUTPUTS()}})
    const whatIf = {...facts, upstream: plannedUpstream(n, scope.key, failed)}
    if (decideWithoutCache(whatIf) !== 'lookup') return first
    const alt = await this.lookup(n, key, scope, failed, whatIf)
    if (alt.step.action !== 'cached') return first
    const names = running.map((u) => u.label).join(', ')
    return {...first, reasons: [...first.reasons, `if ${running.length > 1 ? 'steps' : 'step'} ${names} fail${running.length > 1 ? '' : 's'}, it is cached: ${alt.step.reasons[0]}`]}
  }

  /** A step whose inputs are known now: bound and resolved as the scheduler does, its condition, then the cache. */
  private async lookup(n: TaskNode, key: string, scope: Scope, siblings: Siblings, facts: StepFacts): Promise<Planned> {
    const plan = (action: PlanStep['action'], reason: string): Planned => ({step: {task: key, number: n.number, step: facts.step, action, reasons: [reason]}, ...(action === 'skipped' ? {ended: skippedEnd(reason)} : {})})
    // An exit task reads the run's final status, which names this run (PipelineTaskFinalStatus): never an earlier run's.
    if (readsFinalStatus(n.task)) return plan('run', `it ${FINAL_STATUS}`)
    const sibling = (name: string) => siblings.get(name)?.ended
    const outputsOf = (name: string) => (sibling(name)?.hasOutputs ? sibling(name)!.outputs : undefined)
    const bound = bindStepInputs(n.task, n.component.inputDefinitions, scope.inputs!, sibling)
    if (bound.unresolved.length) return plan('run', `inputs without a value: ${bound.unresolved.join(', ')} (the run fails it)`)
    const {inputs, missing} = resolveTaskInputs({component: n.component, task: bound.task}, scope.inputs!.parameters, outputsOf, bound.available)
    if (missing.length) return plan('run', 'decided at run time (its inputs are produced while the run goes)')
    const cond = n.task.triggerPolicy?.condition
    if (cond && this.condition(cond, {parameters: inputs.parameters, artifacts: {}}) === false) return plan('skipped', this.falseText(cond, {parameters: inputs.parameters, artifacts: {}}, n.task))
    if (n.kind === 'importer' || !n.container) return plan('run', 'imports its artifact')
    const now = await cacheKeyInputOf({component: n.component, container: n.container, task: bound.task}, inputs, stepRunnerOf(this.runner, n.container.image))
    const hit = await lookupCacheEntry(this.p.loaded.stateDir, taskCacheKey(now))
    if (hit) return {step: decideWithCache(facts, hit, undefined, now), ended: {status: 'cached', hasOutputs: true, outputs: hit.outputs}}
    const s = decideWithCache(facts, undefined, await earlierOf(this.earlierRuns, this.p.loaded.stateDir, key), now)
    if (scope.pending) s.reasons.push(scope.pending)
    return {step: s}
  }
}

const FINAL_STATUS = "reads this run's final status (PipelineTaskFinalStatus), which names the run: new in every run"

function readsFinalStatus(t: TaskNode['task']): boolean {
  return Object.values(t.inputs?.parameters ?? {}).some((b) => b.taskFinalStatus)
}

/** A task as planned: its plan, how it ends when that is known now, and whether it runs at all when its condition decides at run time. */
type Planned = {step: PlanStep; ended?: Ended; pending?: string}
type Siblings = Map<string, Planned>

const NO_OUTPUTS = (): TaskOutputs => ({parameters: {}, artifacts: {}})

function skippedEnd(message: string): Ended {
  return {status: 'skipped', message, hasOutputs: false, outputs: NO_OUTPUTS()}
}

/** The upstream siblings of a task as the plan has them (labelled as the run record labels them). */
function plannedUpstream(n: TaskNode, scopeKey: string, siblings: Siblings): PlannedUpstream[] {
  const feeds = new Set(producersOf(n.task))
  return n.upstream.map((u) => ({name: u, label: labelOf(childKey(scopeKey, u)), ended: siblings.get(u)?.ended, feedsInputs: feeds.has(u), pending: siblings.get(u)?.pending}))
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

