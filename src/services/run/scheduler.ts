// The hierarchical scheduler of the local engine. A DAG instance (the root, a sub-DAG task, a loop iteration)
// starts each of its tasks once that task's upstream siblings ended; a container task runs through
// executeContainerTask (task-exec.ts) in one of the run's `parallelism` slots; a sub-DAG or condition group runs
// its own DAG; a loop expands into iterations (at most `parallelismLimit` at once). The decisions come from
// core/engine/control.ts and cel.ts; this file applies them and keeps the run record (one TaskRecord per task
// instance, keyed by its path with loop indices: core/engine/naming.ts).
import {CelError, evaluateCondition, parseCel, type CelNode} from '../../core/engine/cel.js'
import {
  collectIterations,
  dagOutputs,
  dagStatus,
  decideStart,
  finalStatus,
  iterationInputs,
  LoopError,
  loopItems,
  loopLimit,
  resolveDagTaskInputs,
  runsWhateverUpstream,
  bindStepInputs,
  type ArtifactRef,
  type DagInputs,
  type Ended,
} from '../../core/engine/control.js'
import {resolveTaskInputs, type TaskInputs} from '../../core/engine/inputs.js'
import {runResourceName} from '../../core/engine/placeholders.js'
import {childKey, conditionFalseText, iterationKey, labelOf} from '../../core/engine/naming.js'
import {taskHasOutputs, type ReusedFrom, type RunRecord, type TaskOutputs, type TaskRecord, type TaskStatus} from '../../core/engine/record.js'
import type {TaskNode} from '../../core/engine/tree.js'
import type {IrTask} from '../../core/ir/types.js'
import type {JsonValue} from '../../core/project/types.js'
import type {ObjectStore} from '../../clients/gcs.js'
import {executeImporterTask} from './importer-exec.js'
import {taskResultFile, writeJsonAtomic, type TaskResultMarker} from './store.js'
import {stepRunnerOf, type TaskRunner} from './runners.js'
import {executeContainerTask, taskLogFile} from './task-exec.js'
import type {RunEventHandler, RunFault} from './types.js'

/** A record an earlier run supplies (--start-step): the task is not run, its outputs are reused. */
export interface Reused {
  status: TaskStatus
  outputs: TaskOutputs
  reusedFrom?: ReusedFrom
  message?: string
  condition?: TaskRecord['condition']
}

export interface SchedulerOptions {
  stateDir: string
  runDir: string
  record: RunRecord
  runner: TaskRunner
  parallelism: number
  noCache: boolean
  failFast: boolean
  /** Template paths that always run (the --start-step task): no cache lookup. */
  forceRun: Set<string>
  /** Record key → what an earlier run supplies for it (--start-step), if anything. */
  reuse: (key: string, node: TaskNode) => Reused | undefined
  cwdOf: (node: TaskNode) => string | undefined
  env: Record<string, string>
  /** The root DAG's input artifacts (pipeline input artifacts). */
  inputArtifacts: Record<string, ArtifactRef[]>
  /** Cloud Storage, for importers of gs:// URIs. */
  objectStore: () => Promise<ObjectStore>
  /** Ctrl-C / `kfp runs cancel`. */
  signal: AbortSignal
  onEvent: RunEventHandler
  now: () => Date
  /** Saves the record (coalesced; durable for terminal states). */
  save: (o?: {durable?: boolean}) => void
  /** Background work the run awaits before its final record (cache writes). */
  background: (p: Promise<void>) => void
}

/** A FIFO counting semaphore (a head index instead of shift(): 10,000 waiters stay linear). */
class Slots {
  private queue: Array<(() => void) | undefined> = []
  private head = 0
  constructor(private free: number) {}
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => this.queue.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      if (this.head < this.queue.length) {
        const next = this.queue[this.head]!
        this.queue[this.head++] = undefined
        if (this.head === this.queue.length) (this.queue = []), (this.head = 0)
        next()
      } else this.free++
    }
  }
}

const NO_OUTPUTS = (): TaskOutputs => ({parameters: {}, artifacts: {}})

export class Scheduler {
  private byKey = new Map<string, TaskRecord>()
  private slots: Slots
  /** Aborted by Ctrl-C and by --fail-fast: stops running steps. */
  private stop = new AbortController()
  private failFastStopped = false
  /** Conditions parsed once per expression, not once per iteration. */
  private parsed = new Map<string, CelNode>()
  failed = false
  /** The environment failure (disk full) that stopped the run, if any. */
  fault?: RunFault

  constructor(private o: SchedulerOptions) {
    this.slots = new Slots(Math.max(1, o.parallelism))
    for (const t of o.record.tasks) this.byKey.set(t.name, t)
    if (o.signal.aborted) this.stop.abort()
    else o.signal.addEventListener('abort', () => this.stop.abort(), {once: true})
  }

  /** Runs the root DAG; the record's root tasks must exist (pending, or skipped with reused outputs). */
  async run(root: TaskNode[]): Promise<void> {
    await this.runDag(root, '', {parameters: this.o.record.parameters, artifacts: this.o.inputArtifacts})
  }

  private iso(): string {
    return this.o.now().toISOString()
  }

  /** The record of a task instance, created pending (or reused) the first time. */
  private recordFor(node: TaskNode, key: string, parent: string, extra: Partial<TaskRecord> = {}): TaskRecord {
    const have = this.byKey.get(key)
    if (have) return have
    const reused = this.o.reuse(key, node)
    const tr: TaskRecord = {
      name: key,
      displayName: node.displayName,
      number: node.number,
      status: reused ? reused.status : 'pending',
      outputs: reused ? reused.outputs : NO_OUTPUTS(),
      ...(node.kind === 'container' || node.kind === 'importer' ? {} : {kind: node.kind}),
      ...(parent ? {parent} : {}),
      ...(reused?.reusedFrom ? {reusedFrom: reused.reusedFrom} : {}),
      ...(reused?.message ? {message: reused.message} : {}),
      ...(reused?.condition ? {condition: reused.condition} : {}),
      ...(node.container ? {image: node.container.image} : {}),
      ...extra,
    }
    this.o.record.tasks.push(tr)
    this.byKey.set(key, tr)
    return tr
  }

  private ended(tr: TaskRecord): Ended {
    return {status: tr.status, message: tr.message, hasOutputs: taskHasOutputs(tr), outputs: tr.outputs, artifactLists: tr.outputs.artifactLists}
  }

  private finish(tr: TaskRecord, status: TaskStatus, message?: string): Ended {
    tr.status = status
    if (tr.startedAt) tr.finishedAt = this.iso()
    if (message) tr.message = message
    delete tr.pid
    delete tr.processStart
    delete tr.containerId
    // Flushed to disk, in order, without holding up the tasks that use it (see RecordWriter).
    this.o.save({durable: true})
    const leaf = tr.kind === undefined
    if (leaf || status === 'skipped' || status === 'cancelled' || message)
      this.o.onEvent({type: 'task-end', task: labelOf(tr.name), key: tr.name, number: tr.number, status, message, exitCode: tr.exitCode})
    if (status === 'failed' && leaf) {
      this.failed = true
      if (this.o.failFast && !this.failFastStopped) {
        this.failFastStopped = true
        this.stop.abort()
      }
    }
    return this.ended(tr)
  }

  /** Runs the tasks of one DAG instance; resolves when all ended. */
  private async runDag(nodes: TaskNode[], scope: string, inputs: DagInputs): Promise<Map<string, Ended>> {
    const records = nodes.map((n) => this.recordFor(n, childKey(scope, n.name), scope))
    const done = new Map<string, Promise<Ended>>()
    nodes.forEach((n, i) => done.set(n.name, this.runTask(n, records[i], inputs, done)))
    const out = new Map<string, Ended>()
    for (const [name, p] of done) out.set(name, await p)
    return out
  }

  private async runTask(node: TaskNode, tr: TaskRecord, scope: DagInputs, siblings: Map<string, Promise<Ended>>): Promise<Ended> {
    const ups = await Promise.all(node.upstream.map(async (u) => ({name: u, label: labelOf(childKey(tr.parent ?? '', u)), ended: await siblings.get(u)!})))
    if (tr.status !== 'pending') return this.ended(tr) // reused from an earlier run (--start-step)
    const decision = decideStart(node.task, ups, {interrupted: this.o.signal.aborted, failFastStopped: this.failFastStopped, stoppedBy: this.stopReason()})
    if (!decision.run) return this.finish(tr, decision.status, decision.message)
    const sibling = (name: string) => ups.find((u) => u.name === name)?.ended
    try {
      if (node.kind === 'container' || node.kind === 'importer') return await this.runStep(node, tr, scope, sibling)
      return await this.runGroup(node, tr, scope, sibling)
    } catch (err) {
      if (err instanceof LoopError || err instanceof CelError) return this.finish(tr, 'failed', err.message)
      throw err
    }
  }

  /** Evaluates the task's trigger condition; records and returns the skip when it is false. */
  private conditionSkips(node: TaskNode, tr: TaskRecord, parameters: Record<string, JsonValue>): Ended | undefined {
    const expression = node.task.triggerPolicy?.condition
    if (!expression) return undefined
    let r
    try {
      let ast = this.parsed.get(expression)
      if (!ast) this.parsed.set(expression, (ast = parseCel(expression)))
      r = evaluateCondition(expression, parameters, ast)
    } catch (err) {
      if (err instanceof CelError) return this.finish(tr, 'failed', `cannot evaluate the condition ${expression}: ${err.message}`)
      throw err
    }
    tr.condition = {expression, values: r.seen, result: r.value}
    if (r.value) return undefined
    return this.finish(tr, 'skipped', conditionFalseText(expression, r.seen, node.task.inputs?.parameters))
  }

  // ---------------------------------------------------------------------------------------- groups

  private async runGroup(node: TaskNode, tr: TaskRecord, scope: DagInputs, sibling: (n: string) => Ended | undefined): Promise<Ended> {
    const {inputs, unresolved} = resolveDagTaskInputs(this.bindFinalStatus(node.task, tr), node.component.inputDefinitions, scope, sibling)
    if (unresolved.length) return this.finish(tr, 'failed', `inputs without a value: ${unresolved.map((u) => `${u.input} (${u.reason})`).join(', ')}`)
    const skip = this.conditionSkips(node, tr, inputs.parameters)
    if (skip) return skip
    tr.status = 'running'
    tr.startedAt = this.iso()
    this.o.save()
    if (node.kind === 'loop') return this.runLoop(node, tr, inputs)
    const ended = await this.runDag(node.children!, tr.name, inputs)
    const {outputs, artifactLists} = dagOutputs(node.component.dag!, (n) => ended.get(n))
    tr.outputs = withLists(outputs, artifactLists)
    return this.finish(tr, dagStatus([...ended.values()].map((e) => e.status)))
  }

  private async runLoop(node: TaskNode, tr: TaskRecord, inputs: DagInputs): Promise<Ended> {
    const items = loopItems(node.task, inputs)
    tr.iterations = items.items.length
    const limit = loopLimit(node.task)
    const slots = new Slots(limit > 0 ? limit : Number.MAX_SAFE_INTEGER)
    const iterations = items.items.map((item, i) => {
      const key = iterationKey(tr.name, i)
      const it = this.recordFor(node, key, tr.name, {kind: 'iteration', iteration: i})
      return this.runIteration(node, it, iterationInputs(node.task, inputs, item), slots)
    })
    const ended = await Promise.all(iterations)
    const {outputs, artifactLists} = collectIterations(ended.map((e) => ({outputs: e.outputs, artifactLists: e.artifactLists})), node.component.dag!)
    tr.outputs = withLists(outputs, artifactLists)
    return this.finish(tr, dagStatus(ended.map((e) => e.status)))
  }

  private async runIteration(node: TaskNode, it: TaskRecord, inputs: DagInputs, slots: Slots): Promise<Ended> {
    if (it.status !== 'pending') return this.ended(it)
    const release = await slots.acquire()
    try {
      if (this.o.signal.aborted) return this.finish(it, 'cancelled', 'cancelled')
      it.status = 'running'
      it.startedAt = this.iso()
      const ended = await this.runDag(node.children!, it.name, inputs)
      const {outputs, artifactLists} = dagOutputs(node.component.dag!, (n) => ended.get(n))
      it.outputs = withLists(outputs, artifactLists)
      return this.finish(it, dagStatus([...ended.values()].map((e) => e.status)))
    } finally {
      release()
    }
  }

  // ---------------------------------------------------------------------------------------- containers

  /**
   * The task as executeContainerTask's input resolution reads it (control.ts bindStepInputs), after each
   * taskFinalStatus input got the producer's PipelineTaskFinalStatus as a constant.
   */
  private bindContainerTask(node: TaskNode, tr: TaskRecord, scope: DagInputs, sibling: (n: string) => Ended | undefined): ReturnType<typeof bindStepInputs> {
    return bindStepInputs(this.bindFinalStatus(node.task, tr), node.component.inputDefinitions, scope, sibling)
  }

  /** The task with each taskFinalStatus input given its producer's final status as a constant. */
  private bindFinalStatus(t: IrTask, tr: TaskRecord): IrTask {
    const params = t.inputs?.parameters
    if (!params || !Object.values(params).some((b) => b.taskFinalStatus)) return t
    const bound = {...params}
    for (const [name, b] of Object.entries(params)) {
      if (!b.taskFinalStatus) continue
      const producerKey = childKey(tr.parent ?? '', b.taskFinalStatus.producerTask)
      const p = this.byKey.get(producerKey)
      bound[name] = {runtimeValue: {constant: finalStatus({name: b.taskFinalStatus.producerTask, status: p?.status ?? 'succeeded', message: p?.message}, runResourceName(this.o.record))}}
    }
    return {...t, inputs: {...t.inputs, parameters: bound}}
  }

  private async runStep(node: TaskNode, tr: TaskRecord, scope: DagInputs, sibling: (n: string) => Ended | undefined): Promise<Ended> {
    const bound = this.bindContainerTask(node, tr, scope, sibling)
    if (bound.unresolved.length) return this.finish(tr, 'failed', `inputs without a value: ${bound.unresolved.join(', ')}`)
    const outputsOf = (name: string) => {
      const s = sibling(name)
      return s?.hasOutputs ? s.outputs : undefined
    }
    const {inputs, missing} = resolveTaskInputs({component: node.component, task: bound.task}, scope.parameters, outputsOf, bound.available)
    tr.status = 'running'
    tr.startedAt = this.iso()
    tr.log = taskLogFile(tr.name)
    if (missing.length) return this.finish(tr, 'failed', `inputs without a value: ${missing.map((m) => `${m.input} (from ${m.producerTask}.${m.output})`).join(', ')}`)
    const skip = this.conditionSkips(node, tr, inputs.parameters)
    if (skip) return skip
    this.o.save()
    if (node.kind === 'importer') return this.importArtifact(node, tr, inputs)
    const release = await this.slots.acquire()
    try {
      return await this.execute(node, tr, bound.task, inputs)
    } finally {
      release()
    }
  }

  private async importArtifact(node: TaskNode, tr: TaskRecord, inputs: TaskInputs): Promise<Ended> {
    const ev = {task: labelOf(tr.name), key: tr.name, number: tr.number}
    const outcome = await executeImporterTask({key: tr.name, displayName: node.displayName, component: node.component, importer: node.importer!}, inputs, {
      stateDir: this.o.stateDir,
      run: this.runInfo(),
      runDir: this.o.runDir,
      objectStore: this.o.objectStore,
      onStart: () => this.o.onEvent({type: 'task-start', ...ev}),
      onLine: (line, stream) => this.o.onEvent({type: 'log', ...ev, lines: line, stream}),
    })
    tr.log = outcome.log
    if (outcome.outputs) tr.outputs = outcome.outputs
    if (outcome.status === 'succeeded') await this.markSucceeded(tr, 'succeeded')
    if (outcome.fault) this.stopFor(outcome.fault)
    return this.finish(tr, outcome.status, outcome.message)
  }

  private runInfo() {
    return {id: this.o.record.id, name: this.o.record.name, pipelineName: this.o.record.pipelineName, pipelineRoot: this.o.record.pipelineRoot, createdAt: this.o.record.createdAt}
  }

  private async execute(node: TaskNode, tr: TaskRecord, task: IrTask, inputs: TaskInputs): Promise<Ended> {
    const label = labelOf(tr.name)
    const ev = {task: label, key: tr.name, number: tr.number}
    const exitTask = runsWhateverUpstream(node.task)
    tr.runner = stepRunnerOf(this.o.runner, node.container!.image)
    const outcome = await executeContainerTask({key: tr.name, displayName: node.displayName, component: node.component, container: node.container!, task}, inputs, {
      stateDir: this.o.stateDir,
      runner: this.o.runner,
      run: this.runInfo(),
      runDir: this.o.runDir,
      env: this.o.env,
      cwd: this.o.cwdOf(node),
      noCacheLookup: this.o.noCache || this.o.forceRun.has(node.path),
      // An exit task still runs after --fail-fast stopped the others; only Ctrl-C stops it.
      signal: exitTask ? this.o.signal : this.stop.signal,
      cancelMessage: () => (this.o.signal.aborted ? 'cancelled' : this.stopReason()),
      now: this.o.now,
      onStart: () => this.o.onEvent({type: 'task-start', ...ev}),
      onRetry: (attempt) => this.o.onEvent({type: 'task-retry', ...ev, attempt}),
      onAttempt: (attempt) => {
        tr.attempts = attempt
      },
      onHandle: (h) => {
        // Recorded so that `kfp runs cancel` can stop the step if this kfp process is killed.
        if ('pid' in h) {
          tr.pid = h.pid
          if (h.processStart) tr.processStart = h.processStart
        } else tr.containerId = h.containerId
        this.o.save()
      },
      // Once per chunk of output (thousands for a chatty step): a literal of fixed shape, not a spread.
      onLines: (lines, stream) => this.o.onEvent({type: 'log', task: ev.task, key: ev.key, number: ev.number, lines, stream}),
      onWarning: (message) => this.o.onEvent({type: 'warning', message}),
      background: this.o.background,
    })
    tr.cacheKey = outcome.cacheKey
    tr.exitCode = outcome.exitCode
    tr.log = outcome.log
    if (outcome.outputs) tr.outputs = outcome.outputs
    if (outcome.reusedFrom) tr.reusedFrom = outcome.reusedFrom
    if (outcome.status === 'succeeded' || outcome.status === 'cached') await this.markSucceeded(tr, outcome.status)
    if (outcome.fault) this.stopFor(outcome.fault)
    return this.finish(tr, outcome.status, outcome.message)
  }

  /** Why steps were stopped or not started once the run was stopped (--fail-fast, or the fault that stopped it). */
  stopReason(): string {
    return this.fault ? `stopped: ${this.fault.message}` : 'stopped by --fail-fast'
  }

  /**
   * Stops the run when the environment failed under a step (its log could not be written: the disk is full):
   * every other step would fail the same way, so the running ones are stopped and the rest not started.
   */
  private stopFor(fault: RunFault): void {
    if (this.fault) return
    this.fault = fault
    this.failFastStopped = true
    this.stop.abort()
  }

  /**
   * Writes the step's result (a success or a cache hit) into its task folder before the run record hears of it, so that a kfp killed now
   * still leaves the success, even of a step whose record no run.json write covered yet (see TaskResultMarker).
   */
  private async markSucceeded(tr: TaskRecord, status: 'succeeded' | 'cached'): Promise<void> {
    const finishedAt = this.iso()
    const {pid: _pid, processStart: _start, containerId: _container, ...rest} = tr
    const ancestors: TaskRecord[] = []
    for (let p = tr.parent; p !== undefined; p = this.byKey.get(p)?.parent) if (this.byKey.has(p)) ancestors.unshift({...this.byKey.get(p)!})
    const marker: TaskResultMarker = {status, exitCode: tr.exitCode, cacheKey: tr.cacheKey, outputs: tr.outputs, finishedAt, record: {...rest, status, finishedAt}, ancestors}
    await writeJsonAtomic(taskResultFile(this.o.runDir, tr.name), marker, {durable: false}).catch(() => {})
  }
}

function withLists(outputs: TaskOutputs, lists: Record<string, ArtifactRef[]>): TaskOutputs {
  return Object.keys(lists).length ? {...outputs, artifactLists: lists} : outputs
}

