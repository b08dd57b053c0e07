/**
 * The DAGs of a compiled pipeline: the root DAG and one DAG component per control-flow group, in the shape the KFP
 * SDK gives the same pipeline (kfp/compiler/pipeline_spec_builder.py, compiler_utils.py, dsl/tasks_group.py):
 *
 * - groups: `exit-handler-N` (dsl.ExitHandler around every step but the `finally:` one), `for-loop-N`
 *   (dsl.ParallelFor), `condition-N` (dsl.If), numbered by one counter in kfp.yaml order as the SDK's
 *   `Pipeline.get_next_group_id` numbers them (a loop over a literal list takes one number for its
 *   `loop-item-param-N` first, like `LoopParameterArgument.from_raw_items`). A node with both runs its loop outside and
 *   its condition inside. A `finally:` group becomes a DAG component of its own name (the SDK's pipeline-as-exit-task).
 *   Plain groups (no forEach/when/finally) add no DAG.
 * - channels: a group DAG gets every value its tasks use from outside as a `pipelinechannel--<name>` input
 *   (`compiler_utils.additional_input_name_for_pipeline_channel`), passed on by its task in the parent DAG
 *   (`build_task_spec_for_group`); loop items are `parameterIterator.itemInput`, item fields a
 *   `parameterExpressionSelector` (`_update_task_spec_for_loop_group`); outputs of a loop's steps used outside it are
 *   surfaced on each DAG on the way out as LIST outputs (`get_outputs_for_all_groups`, dsl.Collected).
 * - the `finally:` task: `dependentTasks: [exit-handler-1]`, `triggerPolicy.strategy: ALL_UPSTREAM_TASKS_COMPLETED`,
 *   `taskFinalStatus` for its PipelineTaskFinalStatus input (`build_task_spec_for_exit_task`).
 * - conditions: `triggerPolicy.condition` in CEL (cel.ts); importers: an `importer` task per `{import: …}` input with
 *   an importer executor (`build_importer_spec_for_task`).
 */
import type {
  IrArtifactSpec,
  IrComponentSpec,
  IrExecutor,
  IrInputsSpec,
  IrParameterSpec,
  IrParameterType,
  IrTask,
  IrTaskInputArtifact,
  IrTaskInputParameter,
} from '../ir/types.js'
import {itemType} from '../project/control.js'
import {finalNode, projectNodes, treeOf, type Tree} from '../project/scopes.js'
import type {Binding, ComponentIO, Control, JsonValue, NodeRef, ParamType, PipelineParam, Project, Step, WhenOperand} from '../project/types.js'
import {whenOperands} from '../project/when.js'
import {celCondition, type CelType} from './cel.js'
import {componentKey, executorLabel, uniqueName} from './names.js'
import {inputParameterPlaceholder} from './placeholders.js'

export interface IoInfo {
  irName: string
  kind: 'parameter' | 'artifact'
  raw: ComponentIO
}

export interface StepIo {
  inputs: Map<string, IoInfo>
  outputs: Map<string, IoInfo>
}

/** A DAG being built: the root, or a control-flow group. */
interface IrGroup {
  name: string
  kind: 'root' | 'loop' | 'condition' | 'exit-handler' | 'final-group'
  parent?: IrGroup
  /** The kfp node (step or group) whose control made it. */
  owner?: string
  tasks: Record<string, IrTask>
  inputs: IrInputsSpec
  outputs: IrInputsSpec
  dagOutputs: NonNullable<NonNullable<IrComponentSpec['dag']>['outputs']>
  /** Its task in the parent DAG. */
  task?: IrTask
  /** Loops: the item's input name (`pipelinechannel--loop-item-param-N` or `pipelinechannel--<items>-loop-item`). */
  itemInput?: string
  control?: Control
}

type Channel =
  | {kind: 'param'; param: string}
  | {kind: 'output'; step: string; output: string}
  | {kind: 'item'; loop: IrGroup; field?: string}
  | {kind: 'runStatus'}

export interface DagContext {
  project: Project
  io: Map<string, StepIo>
  /** Step name → task key (unique over the whole pipeline). */
  taskOfStep: Record<string, string>
  componentOfStep: Record<string, string>
  fail: (step: Step, message: string, hint?: string) => never
  coerce: (value: JsonValue, type: ParamType | undefined) => JsonValue
  parameterType: (t: ParamType) => IrParameterType
  artifactType: (type: string | undefined) => {schemaTitle: string; schemaVersion: string}
}

export interface BuiltDags {
  root: IrComponentSpec
  /** Group DAG components and importer components, by key. */
  components: Record<string, IrComponentSpec>
  executors: Record<string, IrExecutor>
  /** Step name → task path from the root (`exit-handler-1/for-loop-2/train`). */
  taskPathOfStep: Record<string, string>
}

const CHANNEL = 'pipelinechannel--'

/** Builds the root DAG and every group DAG of the project (the steps' own components come from pipeline.ts). */
export function buildDags(c: DagContext): BuiltDags {
  return new DagBuilder(c).build()
}

class DagBuilder {
  private readonly tree: Tree
  private readonly root: IrGroup = blank('root', 'root')
  private readonly groups: IrGroup[] = []
  private readonly groupOfStep = new Map<string, IrGroup>()
  private readonly groupOfFrame = new Map<string, IrGroup>()
  private readonly taken: Set<string>
  private readonly params: Map<string, PipelineParam>
  private readonly components: Record<string, IrComponentSpec> = {}
  private readonly executors: Record<string, IrExecutor> = {}
  private exitHandler?: IrGroup
  private counter = 0

  constructor(private readonly c: DagContext) {
    this.tree = treeOf(c.project)
    this.taken = new Set(Object.values(c.taskOfStep))
    this.params = new Map(c.project.params.map((p) => [p.name, p]))
  }

  build(): BuiltDags {
    const fin = finalNode(this.tree)
    if (fin) {
      this.exitHandler = this.newGroup('exit-handler', this.root, undefined, `exit-handler-${++this.counter}`)
    }
    for (const n of projectNodes(this.c.project)) {
      const isFinal = fin !== undefined && sameNode(n, fin)
      this.place(n, isFinal || !this.exitHandler ? this.root : this.exitHandler, isFinal)
    }
    for (const step of this.c.project.steps) this.stepTask(step)
    for (const g of this.groups) this.groupControl(g)
    for (const g of this.groups) this.components[componentKey(g.name)] = componentOf(g)
    const taskPathOfStep: Record<string, string> = {}
    for (const step of this.c.project.steps) {
      const path = chain(this.groupOfStep.get(step.name)!).filter((g) => g !== this.root).map((g) => g.name)
      taskPathOfStep[step.name] = [...path, this.c.taskOfStep[step.name]].join('/')
    }
    const root: IrComponentSpec = {dag: {tasks: this.root.tasks}}
    return {root, components: this.components, executors: this.executors, taskPathOfStep}
  }

  /** Creates the IR groups of a node's control (loop outside, condition inside) and places its content. */
  private place(n: NodeRef, parent: IrGroup, isFinal: boolean): void {
    const name = 'step' in n ? n.step : n.group
    const control = ('step' in n ? this.tree.steps.get(n.step) : this.tree.groups[n.group]) as Control | undefined
    let into = parent
    if (isFinal && 'group' in n) {
      into = this.newGroup('final-group', into, name, uniqueName(name, this.taken))
      into.control = {final: true}
    }
    if (control?.loop) {
      const literal = control.loop.items.kind === 'literal'
      const itemCode = literal ? ++this.counter : 0
      const g = this.newGroup('loop', into, name, `for-loop-${++this.counter}`)
      g.control = {loop: control.loop}
      g.itemInput = literal ? `${CHANNEL}loop-item-param-${itemCode}` : `${CHANNEL}${this.itemsFullName(control.loop.items)}-loop-item`
      g.inputs.parameters ??= {}
      g.inputs.parameters[g.itemInput] = {parameterType: this.itemIrType(control)}
      this.groupOfFrame.set(`loop:${name}`, g)
      into = g
    }
    if (control?.when) {
      const g = this.newGroup('condition', into, name, `condition-${++this.counter}`)
      g.control = {when: control.when}
      this.groupOfFrame.set(`condition:${name}`, g)
      into = g
    }
    if ('step' in n) {
      this.groupOfStep.set(n.step, into)
      return
    }
    for (const child of this.tree.groups[n.group]?.children ?? []) this.place(child, into, false)
  }

  private newGroup(kind: IrGroup['kind'], parent: IrGroup, owner: string | undefined, wanted: string): IrGroup {
    const name = uniqueName(wanted, this.taken)
    this.taken.add(name)
    const g = blank(name, kind)
    g.parent = parent
    if (owner !== undefined) g.owner = owner
    // dsl.If/ParallelFor(name=…) and pipeline-as-exit-task show the user's name as taskInfo.name; a step's own loop or
    // condition has no name of its own (the SDK shows the group name).
    const display = owner !== undefined && this.tree.groups[owner] ? owner : name
    g.task = {componentRef: {name: componentKey(name)}, taskInfo: {name: display}}
    parent.tasks[name] = g.task
    this.groups.push(g)
    return g
  }

  /** The channel full name of what a loop iterates over (`rates`, `make-list-Output`). */
  private itemsFullName(items: NonNullable<Control['loop']>['items']): string {
    if (items.kind === 'param') return items.param
    if (items.kind === 'output') return this.fullName({kind: 'output', step: items.step, output: items.output})
    return ''
  }

  /**
   * The IR type of a loop's item input: the first element's type for literal items (`_get_first_element_type`),
   * STRING over a channel (`LoopParameterArgument.from_pipeline_channel` defaults to 'String').
   */
  private itemIrType(control: Control): IrParameterType {
    const items = control.loop!.items
    if (items.kind !== 'literal') return 'STRING'
    const first = items.items[0]
    if (first !== null && typeof first === 'object') return Array.isArray(first) ? 'LIST' : 'STRUCT'
    if (typeof first === 'boolean') return 'BOOLEAN'
    if (typeof first === 'number') return Number.isInteger(first) ? 'NUMBER_INTEGER' : 'NUMBER_DOUBLE'
    return 'STRING'
  }

  // ---- channels ----

  private fullName(ch: Channel): string {
    switch (ch.kind) {
      case 'param':
        return ch.param
      case 'output':
        return `${this.c.taskOfStep[ch.step]}-${this.outputOf(ch).irName}`
      case 'item':
        return `${ch.loop.itemInput!.slice(CHANNEL.length)}${ch.field ? `-subvar-${ch.field}` : ''}`
      case 'runStatus':
        return 'status'
    }
  }

  private outputOf(ch: Extract<Channel, {kind: 'output'}>): IoInfo {
    return this.c.io.get(ch.step)!.outputs.get(ch.output)!
  }

  private isArtifact(ch: Channel): boolean {
    return ch.kind === 'output' && this.outputOf(ch).kind === 'artifact'
  }

  /** Where a channel's value is directly available to a consumer in group `g`, and how. */
  private home(ch: Channel, g: IrGroup): {group: IrGroup; collectedVia?: IrGroup} {
    switch (ch.kind) {
      case 'param':
        return {group: this.root}
      case 'item':
        return {group: ch.loop}
      case 'runStatus':
        return {group: chain(g).find((x) => x.kind === 'final-group') ?? this.root}
      case 'output': {
        const p = this.groupOfStep.get(ch.step)!
        const mine = chain(g)
        if (mine.includes(p)) return {group: p}
        const theirs = chain(p)
        let k = 0
        while (k < mine.length && k < theirs.length && mine[k] === theirs[k]) k++
        return {group: mine[k - 1], collectedVia: theirs[k]}
      }
    }
  }

  /** The input spec a group gets for a channel (a collected output is a LIST). */
  private channelSpec(ch: Channel, collected: boolean): {parameter?: IrParameterSpec; artifact?: IrArtifactSpec} {
    switch (ch.kind) {
      case 'param':
        return {parameter: {parameterType: this.c.parameterType(this.params.get(ch.param)!.type)}}
      case 'item':
        return {parameter: {parameterType: ch.field ? 'STRING' : ch.loop.inputs.parameters![ch.loop.itemInput!].parameterType}}
      case 'runStatus':
        return {parameter: {parameterType: 'TASK_FINAL_STATUS', isOptional: true}}
      case 'output': {
        const out = this.outputOf(ch)
        if (out.kind === 'artifact') return {artifact: {artifactType: this.c.artifactType(out.raw.type)}}
        return {parameter: {parameterType: collected ? 'LIST' : this.c.parameterType(out.raw.paramType ?? 'string')}}
      }
    }
  }

  /** How a task in group `g` reads a channel, and the task in `g`'s DAG it then depends on. */
  private resolve(g: IrGroup, ch: Channel): {parameter?: IrTaskInputParameter; artifact?: IrTaskInputArtifact; dep?: string} {
    const h = this.home(ch, g)
    const name = CHANNEL + this.fullName(ch)
    if (h.group !== g) {
      this.need(g, ch)
      return this.isArtifact(ch) ? {artifact: {componentInputArtifact: name}} : {parameter: {componentInputParameter: name}}
    }
    switch (ch.kind) {
      case 'param':
        return {parameter: {componentInputParameter: ch.param}}
      case 'item': {
        const p: IrTaskInputParameter = {componentInputParameter: ch.loop.itemInput!}
        if (ch.field) p.parameterExpressionSelector = `parseJson(string_value)["${ch.field}"]`
        return {parameter: p}
      }
      case 'runStatus':
        if (h.group.kind === 'final-group') this.need(h.group, ch)
        return {parameter: {componentInputParameter: 'status'}}
      case 'output': {
        if (h.collectedVia) {
          this.surface(ch, h.collectedVia)
          return {parameter: {taskOutputParameter: {outputParameterKey: name, producerTask: h.collectedVia.name}}, dep: h.collectedVia.name}
        }
        const task = this.c.taskOfStep[ch.step]
        const out = this.outputOf(ch)
        return out.kind === 'artifact'
          ? {artifact: {taskOutputArtifact: {outputArtifactKey: out.irName, producerTask: task}}, dep: task}
          : {parameter: {taskOutputParameter: {outputParameterKey: out.irName, producerTask: task}}, dep: task}
      }
    }
  }

  /** Makes channel `ch` an input of group `g` (and of its task in the parent DAG, resolved there). */
  private need(g: IrGroup, ch: Channel): string {
    const name = ch.kind === 'runStatus' && g.kind === 'final-group' ? 'status' : CHANNEL + this.fullName(ch)
    if (g.inputs.parameters?.[name] || g.inputs.artifacts?.[name]) return name
    const collected = ch.kind === 'output' && this.home(ch, g).collectedVia !== undefined
    const spec = this.channelSpec(ch, collected)
    const task = g.task!
    if (ch.kind === 'runStatus' && g.kind === 'final-group') {
      ;(g.inputs.parameters ??= {})[name] = spec.parameter!
      ;((task.inputs ??= {}).parameters ??= {})[name] = {taskFinalStatus: {producerTask: this.exitHandler!.name}}
      return name
    }
    if (spec.artifact) (g.inputs.artifacts ??= {})[name] = spec.artifact
    else (g.inputs.parameters ??= {})[name] = spec.parameter!
    const r = this.resolve(g.parent!, ch)
    if (r.artifact) ((task.inputs ??= {}).artifacts ??= {})[name] = r.artifact
    if (r.parameter) ((task.inputs ??= {}).parameters ??= {})[name] = r.parameter
    if (r.dep) addDep(task, r.dep)
    return name
  }

  /** Surfaces a loop step's output on every DAG from the producer's up to `top`, as the SDK does for dsl.Collected. */
  private surface(ch: Extract<Channel, {kind: 'output'}>, top: IrGroup): void {
    const name = CHANNEL + this.fullName(ch)
    const out = this.outputOf(ch)
    let child = this.c.taskOfStep[ch.step]
    let key = out.irName
    for (let g = this.groupOfStep.get(ch.step)!; ; g = g.parent!) {
      ;(g.dagOutputs.parameters ??= {})[name] = {valueFromParameter: {outputParameterKey: key, producerSubtask: child}}
      ;(g.outputs.parameters ??= {})[name] = {parameterType: 'LIST'}
      if (g === top) return
      child = g.name
      key = name
    }
  }

  // ---- tasks ----

  private stepTask(step: Step): void {
    const g = this.groupOfStep.get(step.name)!
    const io = this.c.io.get(step.name)!
    const key = this.c.taskOfStep[step.name]
    const task: IrTask = {
      cachingOptions: step.cache ? {enableCache: true} : {},
      componentRef: {name: this.c.componentOfStep[step.name]},
      taskInfo: {name: key},
    }
    const parameters: Record<string, IrTaskInputParameter> = {}
    const artifacts: Record<string, IrTaskInputArtifact> = {}
    const use = (r: ReturnType<DagBuilder['resolve']>, name: string) => {
      if (r.parameter) parameters[name] = r.parameter
      if (r.artifact) artifacts[name] = r.artifact
      if (r.dep) addDep(task, r.dep)
    }
    const isFinal = g === this.root && this.exitHandler !== undefined
    for (const [name, binding] of Object.entries(step.inputs) as Array<[string, Binding]>) {
      const target = io.inputs.get(name)
      if (!target) this.c.fail(step, `input '${name}' is not an input of component '${step.component}'`)
      const irName = target.irName
      switch (binding.kind) {
        case 'literal':
          if (target.kind === 'artifact') this.c.fail(step, `input '${name}' is an artifact; it can only be bound to another step's artifact output`, 'Give the input a parameter type (String, Integer, …) in component.yaml to pass a value.')
          parameters[irName] = {runtimeValue: {constant: this.c.coerce(binding.value, target.raw.paramType)}}
          break
        case 'param':
          if (!this.params.has(binding.param)) this.c.fail(step, `input '${name}' refers to unknown pipeline parameter '${binding.param}'`)
          use(this.resolve(g, {kind: 'param', param: binding.param}), irName)
          break
        case 'output':
          this.checkOutput(step, `input '${name}'`, binding, target.kind)
          use(this.resolve(g, {kind: 'output', step: binding.step, output: binding.output}), irName)
          break
        case 'item':
          use(this.resolve(g, {kind: 'item', loop: this.loopAround(g, step), ...(binding.field ? {field: binding.field} : {})}), irName)
          break
        case 'runStatus':
          if (isFinal) parameters[irName] = {taskFinalStatus: {producerTask: this.exitHandler!.name}}
          else use(this.resolve(g, {kind: 'runStatus'}), irName)
          break
        case 'template':
          parameters[irName] = {runtimeValue: {constant: this.template(g, step, binding.parts, (n, r) => use(r, n))}}
          break
        case 'import':
          use(this.importer(g, step, binding, target), irName)
          break
      }
    }
    for (const after of step.after) {
      const dep = this.afterDep(g, after)
      if (dep && dep !== key) addDep(task, dep)
    }
    if (isFinal) {
      addDep(task, this.exitHandler!.name)
      task.triggerPolicy = {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'}
    }
    const inputs: NonNullable<IrTask['inputs']> = {}
    if (Object.keys(parameters).length > 0) inputs.parameters = parameters
    if (Object.keys(artifacts).length > 0) inputs.artifacts = artifacts
    if (inputs.parameters || inputs.artifacts) task.inputs = inputs
    if (step.retries > 0) {
      // The SDK always writes the defaults too, "so that IR is more reflective of runtime behavior".
      task.retryPolicy = {backoffDuration: '0s', backoffFactor: 2, backoffMaxDuration: '3600s', maxRetryCount: step.retries}
    }
    g.tasks[key] = task
    this.passConditionChannels(g)
  }

  /** What the loader checks, again for projects built in code: the producer, its output and the kinds on both ends. */
  private checkOutput(step: Step, where: string, ref: {step: string; output: string}, kind: 'parameter' | 'artifact'): void {
    const io = this.c.io.get(ref.step)
    if (!io) this.c.fail(step, `${where} refers to unknown step '${ref.step}'`)
    if (ref.step === step.name) this.c.fail(step, `${where} refers to the step's own output '${ref.output}'`)
    const out = io.outputs.get(ref.output)
    if (!out) this.c.fail(step, `${where} refers to '${ref.output}', which is not an output of step '${ref.step}'`)
    if (out.kind === kind) return
    if (where === 'text') this.c.fail(step, `text puts the artifact '${ref.step}.outputs.${ref.output}' into a string`, 'Only parameter outputs can be used inside text; bind the artifact to an artifact input instead.')
    if (kind === 'artifact') this.c.fail(step, `${where} is an artifact but '${ref.step}.outputs.${ref.output}' is a parameter`, 'Make both typed parameters or both artifacts in component.yaml.')
    this.c.fail(step, `${where} is a parameter but '${ref.step}.outputs.${ref.output}' is an artifact`, 'Give the output a parameter type (String, …) in component.yaml, or remove the input\'s type.')
  }

  /** Text with references, like an SDK f-string: each reference a `pipelinechannel--…` input, the text a constant. */
  private template(
    g: IrGroup,
    step: Step,
    parts: Extract<Binding, {kind: 'template'}>['parts'],
    use: (name: string, r: ReturnType<DagBuilder['resolve']>) => void,
  ): string {
    let text = ''
    for (const part of parts) {
      if ('text' in part) {
        text += part.text
        continue
      }
      const ch: Channel =
        'param' in part
          ? {kind: 'param', param: part.param}
          : 'item' in part
            ? {kind: 'item', loop: this.loopAround(g, step), ...(part.field ? {field: part.field} : {})}
            : {kind: 'output', step: part.step, output: part.output}
      if (ch.kind === 'output') this.checkOutput(step, 'text', ch, 'parameter')
      if (ch.kind === 'param' && !this.params.has(ch.param)) this.c.fail(step, `text refers to unknown pipeline parameter '${ch.param}'`)
      const name = CHANNEL + this.fullName(ch)
      use(name, this.resolve(g, ch))
      text += inputParameterPlaceholder(name)
    }
    return text
  }

  /** The innermost loop around group `g` (validation guarantees there is one where `${{ item }}` is used). */
  private loopAround(g: IrGroup, step: Step): IrGroup {
    const loop = [...chain(g)].reverse().find((x) => x.kind === 'loop')
    if (!loop) this.c.fail(step, '${{ item }} is used outside a forEach: loop')
    return loop
  }

  /** `{import: URI}`: an importer task next to the step (dsl.importer), whose artifact the step reads. */
  private importer(g: IrGroup, step: Step, b: Extract<Binding, {kind: 'import'}>, target: IoInfo): ReturnType<DagBuilder['resolve']> {
    const name = uniqueName('importer', this.taken)
    this.taken.add(name)
    const artifactType = this.c.artifactType(b.type ?? target.raw.type)
    const task: IrTask = {cachingOptions: step.cache ? {enableCache: true} : {}, componentRef: {name: componentKey(name)}, taskInfo: {name}}
    const parameters: Record<string, IrTaskInputParameter> = {}
    const use = (n: string, r: ReturnType<DagBuilder['resolve']>) => {
      if (r.parameter) parameters[n] = r.parameter
      if (r.dep) addDep(task, r.dep)
    }
    const uri = b.uri
    let artifactUri: {constant: string} | {runtimeParameter: string} = {runtimeParameter: 'uri'}
    if (uri.kind === 'literal') {
      parameters.uri = {runtimeValue: {constant: String(uri.value)}}
      artifactUri = {constant: String(uri.value)}
    } else if (uri.kind === 'param') {
      use('uri', this.resolve(g, {kind: 'param', param: uri.param}))
    } else if (uri.kind === 'template') {
      parameters.uri = {runtimeValue: {constant: this.template(g, step, uri.parts, use)}}
    } else {
      this.c.fail(step, 'the URI of an import must be text, a param or text with references')
    }
    task.inputs = {parameters}
    g.tasks[name] = task
    this.components[componentKey(name)] = {
      executorLabel: executorLabel(name),
      inputDefinitions: {parameters: {uri: {parameterType: 'STRING'}}},
      outputDefinitions: {artifacts: {artifact: {artifactType}}},
    }
    const importer: Record<string, unknown> = {artifactUri, typeSchema: {...artifactType}}
    if (b.reimport) importer.reimport = true
    this.executors[executorLabel(name)] = {importer}
    return {artifact: {taskOutputArtifact: {outputArtifactKey: 'artifact', producerTask: name}}, dep: name}
  }

  /** The task (step or group) in `g`'s DAG that `after: [step]` waits for. */
  private afterDep(g: IrGroup, after: string): string | undefined {
    const p = this.groupOfStep.get(after)
    if (!p) return undefined
    const mine = chain(g)
    const theirs = chain(p)
    if (mine.includes(p)) return p === g ? this.c.taskOfStep[after] : undefined
    let k = 0
    while (k < mine.length && k < theirs.length && mine[k] === theirs[k]) k++
    // The common DAG holds an ancestor of each: the dependency is between those (the SDK's uncommon ancestors).
    const upstream = theirs[k]?.name ?? this.c.taskOfStep[after]
    const downstreamGroup = mine[k]
    if (downstreamGroup && downstreamGroup !== g) {
      addDep(downstreamGroup.task!, upstream)
      return undefined
    }
    return upstream
  }

  // ---- groups ----

  private groupControl(g: IrGroup): void {
    const task = g.task!
    if (g.kind === 'loop') {
      const loop = g.control!.loop!
      const items = loop.items
      if (items.kind === 'literal') {
        task.parameterIterator = {itemInput: g.itemInput!, items: {raw: pythonJsonDumps(items.items)}}
      } else {
        const ch: Channel = items.kind === 'param' ? {kind: 'param', param: items.param} : {kind: 'output', step: items.step, output: items.output}
        const input = this.need(g, ch)
        task.parameterIterator = {itemInput: g.itemInput!, items: {inputParameter: input}}
      }
      if (loop.parallelism !== undefined && loop.parallelism > 0) task.iteratorPolicy = {parallelismLimit: loop.parallelism}
    }
    if (g.kind === 'condition') {
      const when = g.control!.when!
      const condition = celCondition(when.expr, (o) => this.celOperand(g, o))
      task.triggerPolicy = {condition}
    }
    if (g.kind === 'final-group') {
      addDep(task, this.exitHandler!.name)
      task.triggerPolicy = {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'}
    }
  }

  /** A condition operand: the group's input carrying it, and the type CEL compares it as. */
  private celOperand(g: IrGroup, o: WhenOperand): {input: string; type: CelType} {
    const ch = this.whenChannel(g, o)!
    const input = this.need(g, ch)
    return {input, type: this.celType(ch)}
  }

  /** The channel a reference operand of condition group `g` reads (undefined for a literal). */
  private whenChannel(g: IrGroup, o: WhenOperand): Channel | undefined {
    if (o.kind === 'literal') return undefined
    if (o.kind === 'param') return {kind: 'param', param: o.param}
    if (o.kind === 'output') return {kind: 'output', step: o.step, output: o.output}
    return {kind: 'item', loop: [...chain(g.parent!)].reverse().find((x) => x.kind === 'loop')!, ...(o.field ? {field: o.field} : {})}
  }

  /**
   * Every DAG between a condition's operands and a task inside it gets the operands as inputs, as the SDK passes
   * them (`get_condition_channels_for_tasks` feeding `get_inputs_for_all_groups`).
   */
  private passConditionChannels(g: IrGroup): void {
    for (const c of chain(g)) {
      if (c.kind !== 'condition') continue
      for (const o of whenOperands(c.control!.when!.expr)) {
        const ch = this.whenChannel(c, o)
        if (ch && this.home(ch, g).group !== g) this.need(g, ch)
      }
    }
  }

  private celType(ch: Channel): CelType {
    const fromParam = (t: ParamType | 'any' | 'artifact'): CelType =>
      t === 'integer' ? 'NUMBER_INTEGER' : t === 'float' ? 'NUMBER_DOUBLE' : t === 'boolean' ? 'BOOLEAN' : t === 'string' ? 'STRING' : 'ANY'
    if (ch.kind === 'param') return fromParam(this.params.get(ch.param)!.type)
    if (ch.kind === 'output') return fromParam(this.outputOf(ch).raw.paramType ?? 'string')
    if (ch.kind === 'item') {
      // The type validation inferred from the items (the IR declares channel items STRING, as the SDK does).
      const t = itemType(ch.loop.control!.loop!, this.params, ch.field, ch.loop.owner ?? '')
      return t.ok ? fromParam(t.type) : 'ANY'
    }
    return 'ANY'
  }
}

function blank(name: string, kind: IrGroup['kind']): IrGroup {
  return {name, kind, tasks: {}, inputs: {}, outputs: {}, dagOutputs: {}}
}

function sameNode(a: NodeRef, b: NodeRef): boolean {
  return ('step' in a ? `s:${a.step}` : `g:${a.group}`) === ('step' in b ? `s:${b.step}` : `g:${b.group}`)
}

/** The groups from the root down to `g`. */
function chain(g: IrGroup): IrGroup[] {
  const out: IrGroup[] = []
  for (let x: IrGroup | undefined = g; x; x = x.parent) out.unshift(x)
  return out
}

function addDep(task: IrTask, dep: string): void {
  const deps = new Set(task.dependentTasks ?? [])
  deps.add(dep)
  task.dependentTasks = [...deps].sort()
}

function componentOf(g: IrGroup): IrComponentSpec {
  const dag: NonNullable<IrComponentSpec['dag']> = {tasks: g.tasks}
  if (g.dagOutputs.parameters || g.dagOutputs.artifacts) dag.outputs = g.dagOutputs
  const spec: IrComponentSpec = {dag}
  if (g.inputs.parameters || g.inputs.artifacts) spec.inputDefinitions = g.inputs
  if (g.outputs.parameters || g.outputs.artifacts) spec.outputDefinitions = g.outputs
  return spec
}

/** Python's `json.dumps(value, sort_keys=True)`: ', ' and ': ' separators, sorted keys, Python float text. */
export function pythonJsonDumps(value: JsonValue): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value)
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(value[k])}`)
    .join(', ')}}`
}

/** Python's float repr (shortest round-trip), e.g. 0.01, 1e-05, 1e+16. */
function pyFloatRepr(v: number): string {
  const [mantissa, expText] = v.toExponential().split('e')
  const exp = Number(expText)
  if (exp < -4 || exp >= 16) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  return String(v)
}
