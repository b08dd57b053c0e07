/**
 * Pruning a pipeline for `--start-step` on a KFP server, for flat pipelines and pipelines with control flow.
 *
 * The server runs the spec it is given, so what the local engine decides at run time (start-step-tree.ts) is written
 * into the spec before it is sent:
 * - A step before N is removed from its DAG. Each input that read one of its output parameters becomes a constant
 *   (`runtimeValue.constant`, the source run's value); each input that read one of its output artifacts reads an
 *   importer task instead (`importer.artifactUri.constant` = the artifact's URI, `typeSchema` = its declared type),
 *   which is how the backend takes an existing artifact (backend/src/v2/component/importer_launcher.go Execute: one
 *   output artifact per importer, getOutPutArtifactName; `reimport: false` reuses the MLMD artifact with that URI).
 * - A group (sub-DAG, condition, exit-handler body) all of whose steps come before N is removed like a step; its DAG
 *   outputs are resolved through it to the source run's values (a loop's output parameter is the list of its
 *   iterations' values, in iteration order, as the driver collects it).
 * - A group with steps on both sides of N stays, with its own DAG pruned the same way: a condition is evaluated anew on
 *   the reused values, an exit handler still runs after its (pruned) body. A DAG component used by several tasks is
 *   copied first, so only this task's DAG changes.
 * - An ignore_upstream_failure task's input with a default whose producer has no value in the source run is left out
 *   (the task takes its default, as the engine gives it when that producer produced nothing); an exit or
 *   ignore_upstream_failure task whose upstream tasks were all removed runs as a plain task (untriggerOrphan).
 * Refused up front (USAGE, exit 2), because a spec cannot say it: starting inside a loop body (each iteration would
 * need its own earlier outputs), an exit task whose whole guarded group comes before N (its PipelineTaskFinalStatus
 * would name a task that does not run), a loop's output artifacts (a list of artifacts cannot be imported as one), and
 * a dsl.OneOf output whose branches fall on both sides of N.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import {defaultsWhenUnproduced, runsWhateverUpstream} from '../engine/control.js'
import type {TaskOutputs} from '../engine/record.js'
import {childKey, iterationKey} from '../engine/naming.js'
import {leavesOf, type TaskNode} from '../engine/tree.js'
import type {IrArtifactSpec, IrComponentSpec, IrDag, IrTask, PipelineSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'

export interface PruneInput {
  spec: PipelineSpec
  tree: TaskNode[]
  /** Template paths of the steps that do not run. */
  skipped: Set<string>
  /** What a step instance that does not run carries (by record key: `for-loop-2[1]/train`), if anything. */
  reused: (key: string) => TaskOutputs | undefined
  /** Record keys the source run has (to count a skipped loop's iterations). */
  sourceKeys: string[]
  startNumber: number
  /** The name a user types for a step (template path → step name). */
  stepName?: (path: string) => string
}

/** An artifact a step from N on reads from a step before it, given by an importer task. */
export interface ImportedArtifact {
  task: string
  output: string
  uri: string
  importer: string
}

type Removed = {parameters: Map<string, 'all' | 'partial'>; artifacts: Map<string, 'all' | 'partial'>}
type Resolved = {ok: true; value: JsonValue} | {ok: false; why: string}

function usage(message: string, hints: string[]): CliError {
  return new CliError('USAGE', message, {exit: EXIT.USAGE, hints})
}

function stateOf(n: TaskNode, skipped: Set<string>): 'run' | 'skip' | 'mixed' {
  const leaves = n.children ? leavesOf(n.children) : [n]
  const before = leaves.filter((l) => skipped.has(l.path)).length
  if (before === 0 || leaves.length === 0) return 'run'
  return before === leaves.length ? 'skip' : 'mixed'
}

/** Returns the pruned copy of `spec` and the importer tasks it added. Throws USAGE for what a spec cannot say. */
export function pruneSpecForStartStep(i: PruneInput): {spec: PipelineSpec; imported: ImportedArtifact[]} {
  const out = structuredClone(i.spec)
  const name = i.stepName ?? ((p: string) => p)
  const imported: ImportedArtifact[] = []
  const refs = new Map<string, number>()
  const count = (dag: IrDag | undefined) => {
    for (const t of Object.values(dag?.tasks ?? {})) {
      refs.set(t.componentRef.name, (refs.get(t.componentRef.name) ?? 0) + 1)
      count(out.components[t.componentRef.name]?.dag)
    }
  }
  count(out.root.dag)

  const firstNumberAfter = (n: TaskNode) => Math.max(...leavesOf([n]).map((l) => l.number)) + 1

  /** The source value of output `key` of `n` (instance `at`), through groups down to the steps. */
  const valueOf = (n: TaskNode, at: string, key: string): Resolved => {
    if (!n.children) {
      const v = i.reused(at)?.parameters[key]
      return v === undefined ? {ok: false, why: `${name(n.path)}.${key}`} : {ok: true, value: v}
    }
    const spec = n.component.dag?.outputs?.parameters?.[key]
    const selectors = spec?.valueFromParameter ? [spec.valueFromParameter] : (spec?.valueFromOneof?.parameterSelectors ?? [])
    const through = (instance: string): Resolved => {
      let last: Resolved = {ok: false, why: `${n.path}.${key}`}
      for (const s of selectors) {
        const child = n.children!.find((c) => c.name === s.producerSubtask)
        if (!child) continue
        last = valueOf(child, childKey(instance, child.name), s.outputParameterKey)
        if (last.ok) return last
      }
      return last
    }
    if (n.kind !== 'loop') return through(at)
    // The iteration indices of the source run's keys inside this loop instance (`${at}[i]/…`).
    const iterationOf = (k: string) => (k.startsWith(`${at}[`) ? /^\[(\d+)\]\//.exec(k.slice(at.length))?.[1] : undefined)
    const iterations = [...new Set(i.sourceKeys.map(iterationOf).filter((x): x is string => x !== undefined).map(Number))].sort((a, b) => a - b)
    if (!iterations.length) return {ok: false, why: `${n.path}.${key} (the source run has no iterations of ${n.path})`}
    const values: JsonValue[] = []
    for (const it of iterations) {
      const r = through(iterationKey(at, it))
      if (!r.ok) return r
      values.push(r.value)
    }
    return {ok: true, value: values}
  }

  /** The source URI and declared type of output artifact `key` of `n` (instance `at`). */
  const artifactOf = (n: TaskNode, at: string, key: string): {uri: string; type: IrArtifactSpec['artifactType']} | {why: string} => {
    const type = n.component.outputDefinitions?.artifacts?.[key]?.artifactType ?? {schemaTitle: 'system.Artifact', schemaVersion: '0.0.1'}
    if (!n.children) {
      const uri = i.reused(at)?.artifacts[key]?.uri
      return uri ? {uri, type} : {why: `${name(n.path)}.${key}`}
    }
    if (n.kind === 'loop') {
      throw usage(`--start-step ${i.startNumber}: a step from ${i.startNumber} on reads the artifacts '${key}' of every iteration of the loop '${n.path}', which comes before it; a KFP server can import one artifact, not a list of them.`, [
        `Start at the loop's first step (--start-step ${leavesOf([n])[0]?.number}) to compute them again.`,
      ])
    }
    let last: {why: string} = {why: `${n.path}.${key}`}
    for (const s of n.component.dag?.outputs?.artifacts?.[key]?.artifactSelectors ?? []) {
      const child = n.children.find((c) => c.name === s.producerSubtask)
      if (!child) continue
      const r = artifactOf(child, childKey(at, child.name), s.outputArtifactKey)
      if ('uri' in r) return {...r, type}
      last = r
    }
    return last
  }

  const missing = (consumer: string, what: string) =>
    new CliError('OUTPUTS_MISSING', `Step ${consumer} needs ${what}, which no source supplies.`, {
      exit: EXIT.USAGE,
      hints: [`Pick a run that has it with --from-run RUN, pass --set-output ${what}=VALUE for a step outside loops, or start at an earlier step.`],
    })

  /** An importer task in `dag` giving artifact `key` of the removed task `producer`; its name. */
  const importerFor = (dag: IrDag, scope: string, producer: string, key: string, a: {uri: string; type: IrArtifactSpec['artifactType']}): string => {
    const base = `importer-${producer}-${key}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-')
    if (dag.tasks[base]?.componentRef.name === `comp-${base}`) return base
    let task = base
    for (let n = 2; dag.tasks[task] || out.components[`comp-${task}`] || out.deploymentSpec.executors[`exec-${task}`]; n++) task = `${base}-${n}`
    out.components[`comp-${task}`] = {executorLabel: `exec-${task}`, outputDefinitions: {artifacts: {[key]: {artifactType: a.type}}}}
    out.deploymentSpec.executors[`exec-${task}`] = {importer: {artifactUri: {constant: a.uri}, typeSchema: a.type}}
    dag.tasks[task] = {taskInfo: {name: task}, componentRef: {name: `comp-${task}`}, cachingOptions: {enableCache: true}}
    imported.push({task: childKey(scope, producer), output: key, uri: a.uri, importer: childKey(scope, task)})
    return task
  }

  /** Prunes the DAG of `comp` (the instance `scope`, whose tasks are `nodes`); returns the outputs it had to drop. */
  const pruneDag = (comp: IrComponentSpec, nodes: TaskNode[], scope: string): Removed => {
    const dag = comp.dag!
    const byName = new Map(nodes.map((n) => [n.name, n]))
    const states = new Map(nodes.map((n) => [n.name, stateOf(n, i.skipped)]))
    const dropped = new Map<string, Removed>()
    for (const n of nodes) {
      if (states.get(n.name) !== 'mixed') continue
      if (n.kind === 'loop') {
        throw usage(`--start-step ${i.startNumber} starts inside the loop '${n.path}': on a KFP server each iteration would need its own outputs of the steps before ${i.startNumber}, which a pipeline spec cannot carry.`, [
          `Start at the loop's first step (--start-step ${leavesOf([n])[0].number}) to run every iteration again, or after the loop (--start-step ${firstNumberAfter(n)}).`,
          'A local run (--target local) can start inside a loop: it reuses each iteration\'s own outputs.',
        ])
      }
      const task = dag.tasks[n.name]
      let compName = task.componentRef.name
      if ((refs.get(compName) ?? 0) > 1) {
        // Shared with another task: this task gets its own copy.
        refs.set(compName, refs.get(compName)! - 1)
        let copy = `${compName}-from-step-${i.startNumber}`
        for (let k = 2; out.components[copy]; k++) copy = `${compName}-from-step-${i.startNumber}-${k}`
        out.components[copy] = structuredClone(out.components[compName])
        task.componentRef = {name: copy}
        compName = copy
      }
      dropped.set(n.name, pruneDag(out.components[compName], n.children!, n.path))
    }
    const gone = (producer: string, key: string, kind: 'parameters' | 'artifacts'): 'all' | 'partial' | undefined =>
      states.get(producer) === 'skip' ? 'all' : dropped.get(producer)?.[kind].get(key)
    for (const [tname, t] of Object.entries(dag.tasks)) {
      if (states.get(tname) === 'skip') continue
      const consumer = name(childKey(scope, tname))
      for (const [input, b] of Object.entries(t.inputs?.parameters ?? {})) {
        if (b.taskFinalStatus && states.get(b.taskFinalStatus.producerTask) === 'skip') {
          const group = byName.get(b.taskFinalStatus.producerTask)!
          throw usage(`--start-step ${i.startNumber}: the exit handler step ${consumer} reports the final status of '${group.path}', whose steps all come before ${i.startNumber}; on a KFP server it would have no task to report on.`, [
            `Start at the last step '${group.path}' guards (--start-step ${firstNumberAfter(group) - 1}) or earlier.`,
          ])
        }
        const ref = b.taskOutputParameter
        const how = ref && gone(ref.producerTask, ref.outputParameterKey, 'parameters')
        if (!ref || !how) continue
        if (how === 'partial') throw oneOfRefused(consumer, ref.producerTask, ref.outputParameterKey)
        const v = valueOf(byName.get(ref.producerTask)!, childKey(scope, ref.producerTask), ref.outputParameterKey)
        if (!v.ok && defaultsWhenUnproduced(t, out.components[t.componentRef.name]?.inputDefinitions, input, 'parameter')) {
          delete t.inputs!.parameters![input]
          continue
        }
        if (!v.ok) throw missing(consumer, v.why)
        t.inputs!.parameters![input] = {runtimeValue: {constant: v.value}, ...(b.parameterExpressionSelector ? {parameterExpressionSelector: b.parameterExpressionSelector} : {})}
      }
      for (const [input, b] of Object.entries(t.inputs?.artifacts ?? {})) {
        const ref = b.taskOutputArtifact
        const how = ref && gone(ref.producerTask, ref.outputArtifactKey, 'artifacts')
        if (!ref || !how) continue
        if (how === 'partial') throw oneOfRefused(consumer, ref.producerTask, ref.outputArtifactKey)
        const a = artifactOf(byName.get(ref.producerTask)!, childKey(scope, ref.producerTask), ref.outputArtifactKey)
        if ('why' in a && defaultsWhenUnproduced(t, out.components[t.componentRef.name]?.inputDefinitions, input, 'artifact')) {
          delete t.inputs!.artifacts![input]
          continue
        }
        if ('why' in a) throw missing(consumer, a.why)
        const importer = importerFor(dag, scope, ref.producerTask, ref.outputArtifactKey, a)
        t.inputs!.artifacts![input] = {taskOutputArtifact: {producerTask: importer, outputArtifactKey: ref.outputArtifactKey}}
        t.dependentTasks = [...new Set([...(t.dependentTasks ?? []), importer])].sort()
      }
      const waited = Boolean(t.dependentTasks?.length)
      keepDependencies(t, (d) => states.get(d) !== 'skip')
      if (waited) untriggerOrphan(t)
    }
    for (const [tname, st] of states) if (st === 'skip') delete dag.tasks[tname]
    const removed = droppedOutputs(dag, gone)
    // The outputs that came from removed tasks cannot be produced any more.
    for (const k of removed.parameters.keys()) delete comp.outputDefinitions?.parameters?.[k]
    for (const k of removed.artifacts.keys()) delete comp.outputDefinitions?.artifacts?.[k]
    return removed
  }

  const oneOfRefused = (consumer: string, group: string, key: string) =>
    usage(`--start-step ${i.startNumber}: step ${consumer} reads '${group}.${key}', a dsl.OneOf output whose branches lie on both sides of step ${i.startNumber}.`, ['Start before the first branch, or after the step that reads it.'])

  pruneDag(out.root, i.tree, '')
  dropUnused(out)
  return {spec: out, imported}
}

function keepDependencies(t: IrTask, keep: (d: string) => boolean): void {
  if (!t.dependentTasks) return
  t.dependentTasks = t.dependentTasks.filter(keep)
  if (t.dependentTasks.length === 0) delete t.dependentTasks
}

/**
 * An exit task or ignore_upstream_failure task all of whose upstream tasks were removed runs as a plain task: a KFP
 * server runs an ALL_UPSTREAM_TASKS_COMPLETED task only as the exit hook of the tasks in its dependentTasks
 * (argocompiler/dag.go DAG), so with none left it would never run (and a DAG of nothing else is refused: "must contain
 * one or more non-exit tasks"). Run whatever its upstream did, and with no upstream, it simply runs.
 */
function untriggerOrphan(t: IrTask): void {
  if (!runsWhateverUpstream(t) || t.dependentTasks?.length) return
  const {strategy: _strategy, ...rest} = t.triggerPolicy!
  if (Object.keys(rest).length) t.triggerPolicy = rest
  else delete t.triggerPolicy
}

/** Removes the outputs of `dag` that read a removed task (all their producers gone, or only some: a OneOf). */
function droppedOutputs(dag: IrDag, gone: (producer: string, key: string, kind: 'parameters' | 'artifacts') => 'all' | 'partial' | undefined): Removed {
  const out: Removed = {parameters: new Map(), artifacts: new Map()}
  const verdict = (hits: Array<'all' | 'partial' | undefined>) => (hits.every((h) => h === 'all') ? 'all' : hits.some((h) => h) ? 'partial' : undefined)
  for (const [k, v] of Object.entries(dag.outputs?.parameters ?? {})) {
    const sels = v.valueFromParameter ? [v.valueFromParameter] : (v.valueFromOneof?.parameterSelectors ?? [])
    const how = verdict(sels.map((s) => gone(s.producerSubtask, s.outputParameterKey, 'parameters')))
    if (!how) continue
    out.parameters.set(k, how)
    delete dag.outputs!.parameters![k]
  }
  for (const [k, v] of Object.entries(dag.outputs?.artifacts ?? {})) {
    const how = verdict((v.artifactSelectors ?? []).map((s) => gone(s.producerSubtask, s.outputArtifactKey, 'artifacts')))
    if (!how) continue
    out.artifacts.set(k, how)
    delete dag.outputs!.artifacts![k]
  }
  if (dag.outputs?.parameters && !Object.keys(dag.outputs.parameters).length) delete dag.outputs.parameters
  if (dag.outputs?.artifacts && !Object.keys(dag.outputs.artifacts).length) delete dag.outputs.artifacts
  if (dag.outputs && !Object.keys(dag.outputs).length) delete dag.outputs
  return out
}

/** Drops components no task uses any more, and executors no component names. */
function dropUnused(spec: PipelineSpec): void {
  const used = new Set<string>()
  const visit = (dag: IrDag | undefined) => {
    for (const t of Object.values(dag?.tasks ?? {})) {
      if (used.has(t.componentRef.name)) continue
      used.add(t.componentRef.name)
      visit(spec.components[t.componentRef.name]?.dag)
    }
  }
  visit(spec.root.dag)
  for (const c of Object.keys(spec.components)) if (!used.has(c)) delete spec.components[c]
  const executors = new Set(Object.values(spec.components).map((c) => c.executorLabel).filter(Boolean))
  for (const e of Object.keys(spec.deploymentSpec.executors)) if (!executors.has(e)) delete spec.deploymentSpec.executors[e]
}
