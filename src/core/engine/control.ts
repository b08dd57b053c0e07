/**
 * The control-flow decisions of the local engine, as pure functions: whether a task may start once its upstream
 * tasks ended, what a DAG task receives and outputs, how a loop expands, what a loop collects, and the
 * PipelineTaskFinalStatus an exit task sees. The executor (services/run/execute.ts) applies them.
 */
import type {IrDag, IrInputsSpec, IrTask} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'
import {applySelector, CelError} from './cel.js'
import type {ArtifactValue, TaskOutputs, TaskStatus} from './record.js'

/** An artifact as it flows between tasks (record.ts ArtifactValue: its URI, name, type, metadata). */
export type ArtifactRef = ArtifactValue

/** The inputs of one DAG instance (the root, a sub-DAG task, a loop iteration): what its tasks read through
 * componentInputParameter / componentInputArtifact. */
export interface DagInputs {
  parameters: Record<string, JsonValue>
  artifacts: Record<string, ArtifactRef[]>
}

/** What the scheduler knows of a sibling task that ended. */
export interface Ended {
  status: TaskStatus
  message?: string
  /** True when it carries outputs (it ran, was cached, or reuses an earlier run's outputs). */
  hasOutputs: boolean
  outputs: TaskOutputs
  /** Collected artifact lists (loops). */
  artifactLists?: Record<string, ArtifactRef[]>
}

export type StartDecision = {run: true} | {run: false; status: 'skipped' | 'cancelled'; message: string}

/** The trigger strategy of exit handlers and ignore_upstream_failure tasks. */
export function runsWhateverUpstream(t: Pick<IrTask, 'triggerPolicy'>): boolean {
  return t.triggerPolicy?.strategy === 'ALL_UPSTREAM_TASKS_COMPLETED'
}

/**
 * Whether a task whose upstream tasks all ended may start. Follows the backend: a task waits for its upstream
 * tasks to succeed (the Argo compiler's `depends`: "<dep>.Succeeded", compiler/argocompiler/dag.go depends), so a
 * task after a failed, cancelled or not-triggered task does not run; one with ALL_UPSTREAM_TASKS_COMPLETED
 * (dsl.ExitHandler's exit task, ignore_upstream_failure) runs whatever they did
 * (pipeline_spec_builder.py build_task_spec_for_exit_task), also after --fail-fast stopped the others.
 * `stoppedBy` says what stopped the run when it was not --fail-fast (the disk filled). The scheduler decides with
 * it when the upstream tasks ended; `kfp run --dry-run` with the upstream tasks whose end it knows (dry-run.ts planStart).
 */
export function decideStart(
  t: Pick<IrTask, 'triggerPolicy'>,
  upstream: Array<{name: string; label: string; ended: Ended}>,
  state: {interrupted: boolean; failFastStopped: boolean; stoppedBy?: string},
): StartDecision {
  if (state.interrupted) return {run: false, status: 'cancelled', message: 'cancelled'}
  if (runsWhateverUpstream(t)) return {run: true}
  const bad = upstream.find((u) => !u.ended.hasOutputs && !(u.ended.status === 'skipped' && u.ended.message === undefined))
  if (bad) {
    const why = bad.ended.status === 'skipped' ? 'was skipped' : bad.ended.status
    return {run: false, status: 'skipped', message: `not run: upstream step ${bad.label} ${why}`}
  }
  if (state.failFastStopped) return {run: false, status: 'cancelled', message: `not run: ${state.stoppedBy ?? 'stopped by --fail-fast'}`}
  return {run: true}
}

/** The status of a DAG task (or loop) from its tasks' statuses: failed if one failed, cancelled if one was. */
export function dagStatus(children: TaskStatus[]): 'succeeded' | 'failed' | 'cancelled' {
  if (children.includes('failed')) return 'failed'
  if (children.includes('cancelled')) return 'cancelled'
  return 'succeeded'
}

/**
 * The outputs of a DAG from its tasks, as the backend resolves them (driver/resolve.go resolveUpstreamParameters
 * / GetProducerTask): `valueFromParameter` reads the producer's output; `valueFromOneof` (dsl.OneOf) and several
 * `artifactSelectors` take the first producer in IR order that succeeded (COMPLETE or CACHED); one artifact
 * selector is used as is. Outputs whose producer has none are left out (a consumer then reports them missing).
 */
export function dagOutputs(dag: IrDag, child: (name: string) => Ended | undefined): {outputs: TaskOutputs; artifactLists: Record<string, ArtifactRef[]>} {
  const outputs: TaskOutputs = {parameters: {}, artifacts: {}}
  const artifactLists: Record<string, ArtifactRef[]> = {}
  const ok = (name: string) => {
    const c = child(name)
    return c?.hasOutputs ? c : undefined
  }
  for (const [name, spec] of Object.entries(dag.outputs?.parameters ?? {})) {
    const selectors = spec.valueFromParameter ? [spec.valueFromParameter] : (spec.valueFromOneof?.parameterSelectors ?? [])
    for (const s of selectors) {
      const v = ok(s.producerSubtask)?.outputs.parameters[s.outputParameterKey]
      if (v !== undefined) {
        outputs.parameters[name] = v
        break
      }
    }
  }
  for (const [name, spec] of Object.entries(dag.outputs?.artifacts ?? {})) {
    for (const s of spec.artifactSelectors ?? []) {
      const c = ok(s.producerSubtask)
      const list = c?.artifactLists?.[s.outputArtifactKey]
      const one = c?.outputs.artifacts[s.outputArtifactKey]
      if (list) artifactLists[name] = list
      else if (one) outputs.artifacts[name] = one
      else continue
      break
    }
  }
  return {outputs, artifactLists}
}

/**
 * A loop's outputs: for each output of its body DAG, the list of every iteration's value in item order
 * (dsl.Collected; driver/resolve.go CollectInputs walks iterations 0..n-1). Iterations without the value (a
 * condition inside the body was false) add nothing, as in CollectInputs.
 */
export function collectIterations(iterations: Array<{outputs: TaskOutputs; artifactLists?: Record<string, ArtifactRef[]>}>, dag: IrDag): {outputs: TaskOutputs; artifactLists: Record<string, ArtifactRef[]>} {
  const parameters: Record<string, JsonValue> = {}
  const artifactLists: Record<string, ArtifactRef[]> = {}
  for (const name of Object.keys(dag.outputs?.parameters ?? {})) parameters[name] = iterations.flatMap((it) => (it.outputs.parameters[name] === undefined ? [] : [it.outputs.parameters[name]]))
  for (const name of Object.keys(dag.outputs?.artifacts ?? {}))
    artifactLists[name] = iterations.flatMap((it) => it.artifactLists?.[name] ?? (it.outputs.artifacts[name] ? [it.outputs.artifacts[name]] : []))
  return {outputs: {parameters, artifacts: {}}, artifactLists}
}

/** Thrown for a loop whose items are not a list. */
export class LoopError extends Error {}

/** The items of a loop task, from its resolved inputs (driver/dag.go DAG for an iterator; driver/util.go getItems). */
export function loopItems(t: IrTask, inputs: DagInputs): {kind: 'parameter'; items: JsonValue[]} | {kind: 'artifact'; items: ArtifactRef[]} {
  if (t.artifactIterator) {
    const name = t.artifactIterator.items.inputArtifact
    const list = inputs.artifacts[name]
    if (!list) throw new LoopError(`the loop's artifact list '${name}' has no value`)
    return {kind: 'artifact', items: list}
  }
  const it = t.parameterIterator!
  let v: JsonValue | undefined
  let from: string
  if (it.items.raw !== undefined) {
    from = 'its literal items'
    v = it.items.raw
  } else {
    from = `the input '${it.items.inputParameter}'`
    v = inputs.parameters[it.items.inputParameter ?? '']
    if (v === undefined) throw new LoopError(`the loop's items (${from}) have no value`)
  }
  if (typeof v === 'string') {
    const text: string = v
    try {
      v = JSON.parse(text) as JsonValue
    } catch {
      throw new LoopError(`the loop's items (${from}) are not a JSON list: ${text.slice(0, 80)}`)
    }
  }
  if (!Array.isArray(v)) throw new LoopError(`the loop's items (${from}) are not a list: ${JSON.stringify(v).slice(0, 80)}`)
  return {kind: 'parameter', items: v}
}

/**
 * The inputs of iteration `i`: the loop task's inputs without the items input, plus the item under `itemInput`
 * (driver/resolve.go resolveInputs with an iteration index).
 */
export function iterationInputs(t: IrTask, loop: DagInputs, item: JsonValue | ArtifactRef): DagInputs {
  const parameters = {...loop.parameters}
  const artifacts = {...loop.artifacts}
  if (t.artifactIterator) {
    delete artifacts[t.artifactIterator.items.inputArtifact]
    artifacts[t.artifactIterator.itemInput] = [item as ArtifactRef]
  } else {
    const it = t.parameterIterator!
    if (it.items.inputParameter) delete parameters[it.items.inputParameter]
    parameters[it.itemInput] = item as JsonValue
  }
  return {parameters, artifacts}
}

/** The parallelism limit of a loop (0: none). */
export function loopLimit(t: IrTask): number {
  return Math.max(0, t.iteratorPolicy?.parallelismLimit ?? 0)
}

/** A task input that cannot be given a value. */
export interface Unresolved {
  input: string
  reason: string
}

/**
 * Resolves the inputs of a DAG task (a sub-DAG, condition group or loop) in the DAG instance `scope`: parameters
 * from the scope (componentInputParameter, with its parameterExpressionSelector applied), sibling outputs
 * (taskOutputParameter / taskOutputArtifact), constants; then the DAG's defaults for optional inputs
 * (driver/resolve.go resolveInputs for a DAG driver).
 */
export function resolveDagTaskInputs(
  t: IrTask,
  defs: IrInputsSpec | undefined,
  scope: DagInputs,
  sibling: (name: string) => Ended | undefined,
): {inputs: DagInputs; unresolved: Unresolved[]} {
  const parameters: Record<string, JsonValue> = {}
  const artifacts: Record<string, ArtifactRef[]> = {}
  const unresolved: Unresolved[] = []
  for (const [name, b] of Object.entries(t.inputs?.parameters ?? {})) {
    const r = bindParameter(b, scope, sibling)
    if ('value' in r) parameters[name] = r.value
    else if (r.reason) unresolved.push({input: name, reason: r.reason})
  }
  for (const [name, d] of Object.entries(defs?.parameters ?? {})) if (parameters[name] === undefined && d.defaultValue !== undefined) parameters[name] = d.defaultValue
  for (const [name, b] of Object.entries(t.inputs?.artifacts ?? {})) {
    if (b.componentInputArtifact !== undefined) {
      const a = scope.artifacts[b.componentInputArtifact]
      if (a) artifacts[name] = a
    } else if (b.taskOutputArtifact) {
      const {producerTask, outputArtifactKey} = b.taskOutputArtifact
      const s = sibling(producerTask)
      const a = s?.artifactLists?.[outputArtifactKey] ?? (s?.outputs.artifacts[outputArtifactKey] ? [s.outputs.artifacts[outputArtifactKey]] : undefined)
      if (a && s?.hasOutputs) artifacts[name] = a
      else unresolved.push({input: name, reason: `${producerTask} did not produce ${outputArtifactKey}`})
    }
  }
  return {inputs: {parameters, artifacts}, unresolved}
}

type Binding = NonNullable<NonNullable<IrTask['inputs']>['parameters']>[string]

function bindParameter(b: Binding, scope: DagInputs, sibling: (name: string) => Ended | undefined): {value: JsonValue} | {reason?: string} {
  if (b.componentInputParameter !== undefined) {
    const v = scope.parameters[b.componentInputParameter]
    if (v === undefined) return {}
    return b.parameterExpressionSelector ? select(b.parameterExpressionSelector, v) : {value: v}
  }
  if (b.taskOutputParameter) {
    const {producerTask, outputParameterKey} = b.taskOutputParameter
    const s = sibling(producerTask)
    const v = s?.hasOutputs ? s.outputs.parameters[outputParameterKey] : undefined
    return v === undefined ? {reason: `${producerTask} did not produce ${outputParameterKey}`} : {value: v}
  }
  if (b.runtimeValue) return {value: b.runtimeValue.constant}
  return {}
}

function select(expr: string, v: JsonValue): {value: JsonValue} | {reason: string} {
  try {
    return {value: applySelector(expr, v)}
  } catch (err) {
    if (err instanceof CelError) return {reason: `${expr}: ${err.message}`}
    throw err
  }
}

/**
 * A container task's parameter bindings with each `parameterExpressionSelector` input (a loop item's field,
 * `item.lr`) applied to its scope value and bound as a constant (resolve.go handleParameterExpressionSelector), and
 * the inputs whose selector finds nothing. The executor and `kfp run --dry-run` bind a step's inputs with it.
 */
export function bindSelectedParameters(
  params: NonNullable<IrTask['inputs']>['parameters'],
  scope: Record<string, JsonValue>,
): {parameters: NonNullable<NonNullable<IrTask['inputs']>['parameters']>; unresolved: string[]} {
  const parameters = {...params}
  const unresolved: string[] = []
  for (const [name, b] of Object.entries(parameters)) {
    if (!b.parameterExpressionSelector || b.componentInputParameter === undefined) continue
    const v = scope[b.componentInputParameter]
    if (v === undefined) continue
    const r = select(b.parameterExpressionSelector, v)
    if ('value' in r) parameters[name] = {runtimeValue: {constant: r.value}}
    else unresolved.push(`${name} (${r.reason})`)
  }
  return {parameters, unresolved}
}

type ArtifactBindings = NonNullable<NonNullable<IrTask['inputs']>['artifacts']>
type ParameterBindings = NonNullable<NonNullable<IrTask['inputs']>['parameters']>

/**
 * A container task's input bindings as the executor resolves them: selectors applied (bindSelectedParameters),
 * collected artifact lists bound (bindCollectedArtifacts) and, for a task that runs whatever its upstream did
 * (runsWhateverUpstream), inputs its upstream did not produce left to their defaults (dropUnproduced). The
 * scheduler and `kfp run --dry-run` bind a step with it; `available` is the artifact scope resolveTaskInputs reads.
 */
export function bindStepInputs(
  t: IrTask,
  defs: IrInputsSpec | undefined,
  scope: DagInputs,
  sibling: (name: string) => Ended | undefined,
): {task: IrTask; unresolved: string[]; available: DagInputs['artifacts']} {
  const {parameters, unresolved} = bindSelectedParameters(t.inputs?.parameters, scope.parameters)
  const {artifacts, available} = bindCollectedArtifacts(t.inputs?.artifacts, scope.artifacts, sibling)
  if (runsWhateverUpstream(t)) dropUnproduced(defs, parameters, artifacts, sibling)
  return {task: {...t, inputs: {parameters, artifacts}}, unresolved, available}
}

/**
 * An ignore_upstream_failure task whose upstream did not produce an output gets the input's default instead: the
 * SDK allows .ignore_upstream_failure() only when every input from an upstream task has one (dsl/pipeline_task.py
 * ignore_upstream_failure: "in case the upstream task fails to produce its output").
 */
function dropUnproduced(defs: IrInputsSpec | undefined, parameters: ParameterBindings, artifacts: ArtifactBindings, sibling: (n: string) => Ended | undefined): void {
  for (const [name, b] of Object.entries(parameters)) {
    const from = b.taskOutputParameter
    if (from && hasDefault(defs, name, 'parameter') && sibling(from.producerTask)?.outputs.parameters[from.outputParameterKey] === undefined) delete parameters[name]
  }
  for (const [name, b] of Object.entries(artifacts)) {
    const from = b.taskOutputArtifact
    if (from && hasDefault(defs, name, 'artifact') && !sibling(from.producerTask)?.outputs.artifacts[from.outputArtifactKey]) delete artifacts[name]
  }
}

/** True when input `name` of a component can go without a value: a parameter with a default or optional, an optional artifact. */
function hasDefault(defs: IrInputsSpec | undefined, name: string, kind: 'parameter' | 'artifact'): boolean {
  if (kind === 'artifact') return Boolean(defs?.artifacts?.[name]?.isOptional)
  const d = defs?.parameters?.[name]
  return d?.defaultValue !== undefined || Boolean(d?.isOptional)
}

/**
 * True when a task does without input `name` when its upstream did not produce it (an ignore_upstream_failure task's
 * input with a default: bindStepInputs leaves it to the default). --start-step uses it when a skipped step has no output.
 */
export function defaultsWhenUnproduced(t: Pick<IrTask, 'triggerPolicy'>, defs: IrInputsSpec | undefined, name: string, kind: 'parameter' | 'artifact'): boolean {
  return runsWhateverUpstream(t) && hasDefault(defs, name, kind)
}

/**
 * The sibling outputs a task reads (taskOutputParameter / taskOutputArtifact), parameters first; `optional` when the
 * task does without it (defaultsWhenUnproduced). --start-step finds with it the outputs skipped steps must provide.
 */
export function outputReads(
  t: Pick<IrTask, 'triggerPolicy' | 'inputs'>,
  defs: IrInputsSpec | undefined,
): Array<{producer: string; output: string; kind: 'parameter' | 'artifact'; optional: boolean}> {
  const out: Array<{producer: string; output: string; kind: 'parameter' | 'artifact'; optional: boolean}> = []
  for (const [input, b] of Object.entries(t.inputs?.parameters ?? {}))
    if (b.taskOutputParameter) out.push({producer: b.taskOutputParameter.producerTask, output: b.taskOutputParameter.outputParameterKey, kind: 'parameter', optional: defaultsWhenUnproduced(t, defs, input, 'parameter')})
  for (const [input, b] of Object.entries(t.inputs?.artifacts ?? {}))
    if (b.taskOutputArtifact) out.push({producer: b.taskOutputArtifact.producerTask, output: b.taskOutputArtifact.outputArtifactKey, kind: 'artifact', optional: defaultsWhenUnproduced(t, defs, input, 'artifact')})
  return out
}

/**
 * A task's artifact bindings with each input from a sibling's collected artifact list (a loop's dsl.Collected, or a
 * sub-DAG passing one on) bound to that list: the list joins the scope's artifacts under a name no scope input can
 * have, and the input reads it as if it were one of them (componentInputArtifact). The executor and
 * `kfp run --dry-run` bind a step's artifacts with it.
 */
export function bindCollectedArtifacts(
  bindings: ArtifactBindings | undefined,
  scope: DagInputs['artifacts'],
  sibling: (name: string) => Pick<Ended, 'artifactLists'> | undefined,
): {artifacts: ArtifactBindings; available: DagInputs['artifacts']} {
  const artifacts = {...bindings}
  const available = {...scope}
  for (const [name, b] of Object.entries(artifacts)) {
    const from = b.taskOutputArtifact
    const list = from ? sibling(from.producerTask)?.artifactLists?.[from.outputArtifactKey] : undefined
    if (!list) continue
    const via = `${from!.producerTask}.${from!.outputArtifactKey} (collected)`
    available[via] = list
    artifacts[name] = {componentInputArtifact: via}
  }
  return {artifacts, available}
}

/**
 * The PipelineTaskFinalStatus an exit task receives for its producer, in the shape kfp.local and Vertex AI write
 * and the SDK's executor reads (dsl/executor.py: `state`, `pipelineJobResourceName`, `pipelineTaskName`,
 * `error.code`/`error.message`; kfp.local orchestrator_utils.py puts code 1 and "Task X failed." on failure).
 */
export function finalStatus(producer: {name: string; status: TaskStatus; message?: string}, runName: string): JsonValue {
  const state = producer.status === 'failed' ? 'FAILED' : producer.status === 'cancelled' ? 'CANCELLED' : 'SUCCEEDED'
  const error: Record<string, JsonValue> = state === 'SUCCEEDED' ? {} : {code: 1, message: `Task ${producer.name} ${state === 'FAILED' ? 'failed' : 'was cancelled'}.${producer.message ? ` ${producer.message}` : ''}`}
  return {state, pipelineJobResourceName: runName, pipelineTaskName: producer.name, error}
}
