/**
 * The compiler: a loaded Project → KFP v2 PipelineSpec (schemaVersion 2.1.0), in the shape the Python SDK produces
 * for the same pipeline built from the same v1 component.yaml files. Pure and deterministic.
 */
import type {Component, ComponentIO, JsonValue, ParamType, PipelineParam, Project, Step} from '../project/types.js'
import type {
  IrArtifactSpec,
  IrComponentSpec,
  IrContainerSpec,
  IrExecutor,
  IrInputsSpec,
  IrParameterSpec,
  IrParameterType,
  IrResourceSpec,
  PipelineSpec,
} from '../ir/types.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {wrapCommandForFileOutputs} from './file-outputs.js'
import {buildDags, type IoInfo, type StepIo} from './dag.js'
import {componentKey, executorLabel, irInputName, k8sName, uniqueName} from './names.js'
import {outputParameterFilePlaceholder, resolveComponentArg} from './placeholders.js'
import {cpuToFloat, isCpuQuantity, isMemoryQuantity, memoryToGB} from './resources.js'
import {planAccelerator, platformSpecOf, type CompilePlatform} from './accelerator.js'

/** The IR schema version kfp writes (what KFP 2.x servers and Vertex AI Pipelines read). */
export const IR_SCHEMA_VERSION = '2.1.0'

/** Default `sdkVersion` when the caller gives none. The field is free text to the servers; the SDK writes `kfp-2.x.y`. */
export const DEFAULT_SDK_VERSION = 'kfp-cli'

export interface CompilePipelineOptions {
  /** Image reference per component name (from resolveImages); falls back to the component's own `image`. */
  images: Record<string, string>
  /** Written to `sdkVersion`, e.g. `kfp-cli-0.1.0`. */
  sdkVersion?: string
  /**
   * Who runs it (accelerator.ts): `kfp` turns GPU models into `nvidia.com/gpu` plus a GKE node selector in the
   * PlatformSpec; `vertex` or undefined keeps accelerator types as written (the SDK's shape).
   */
  platform?: CompilePlatform
}

export interface CompiledPipeline {
  spec: PipelineSpec
  /** The second YAML document (kfp-kubernetes' PlatformSpec), when a step needs one (node selectors). */
  platformSpec?: Record<string, unknown>
  /**
   * Step name → task path: the IR task keys from the root joined by '/' (`exit-handler-1/for-loop-2/train`); for a step
   * at the top level of a pipeline without control flow, its key in `root.dag.tasks`.
   */
  taskOfStep: Record<string, string>
  /** Step name → its task key (in whichever DAG it sits; unique over the pipeline). */
  taskKeyOfStep: Record<string, string>
  /** Component key in `components` (`comp-<task>`) → executor label (`exec-<task>`). */
  executorOfComponent: Record<string, string>
  /** Step name → component key in `components`. */
  componentOfStep: Record<string, string>
}

const IR_PARAMETER_TYPE: Record<ParamType, IrParameterType> = {
  string: 'STRING',
  integer: 'NUMBER_INTEGER',
  float: 'NUMBER_DOUBLE',
  boolean: 'BOOLEAN',
  list: 'LIST',
  struct: 'STRUCT',
}

// v1 artifact type names the SDK maps to system.* schema titles (`type_utils.ARTIFACT_CLASSES_MAPPING`).
const ARTIFACT_SCHEMA: Record<string, string> = {
  artifact: 'system.Artifact',
  model: 'system.Model',
  dataset: 'system.Dataset',
  metrics: 'system.Metrics',
  classificationmetrics: 'system.ClassificationMetrics',
  slicedclassificationmetrics: 'system.SlicedClassificationMetrics',
  html: 'system.HTML',
  markdown: 'system.Markdown',
}

/** The IR artifact type of a v1 artifact input/output type (untyped and unknown types are `system.Artifact`). */
export function artifactTypeOf(type: string | undefined): {schemaTitle: string; schemaVersion: string} {
  if (type && /^(google|system)\.[A-Za-z0-9_.]+$/.test(type)) return {schemaTitle: type, schemaVersion: '0.0.1'}
  return {schemaTitle: ARTIFACT_SCHEMA[(type ?? '').toLowerCase()] ?? 'system.Artifact', schemaVersion: '0.0.1'}
}

/**
 * A default or constant in the type the IR expects. v1 component.yaml defaults are strings ('2000' for an Integer
 * input); the SDK converts them (`deserialize_v1_component_yaml_default`), and so does this.
 */
export function coerceValue(value: JsonValue, type: ParamType | undefined): JsonValue {
  if (typeof value !== 'string' || type === undefined || type === 'string') return value
  const text = value.trim()
  switch (type) {
    case 'integer':
      return /^[-+]?\d+$/.test(text) ? Number(text) : value
    case 'float':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value
    case 'boolean':
      return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : value
    case 'list':
    case 'struct':
      try {
        const parsed = JSON.parse(text) as JsonValue
        return (type === 'list') === Array.isArray(parsed) && typeof parsed === 'object' && parsed !== null ? parsed : value
      } catch {
        return value
      }
    default:
      return value
  }
}


/**
 * Compiles a project into a KFP v2 PipelineSpec: one component `comp-<task>` and executor `exec-<task>` per step,
 * root DAG tasks wired with `componentInputParameter` / `taskOutputParameter` / `taskOutputArtifact` /
 * `runtimeValue.constant`, f-string bindings as `pipelinechannel--…` inputs, caching, retries, resources, env and
 * fixed-path outputs. Throws a COMPILE_FAILED CliError naming the step for what the project loader let through
 * but cannot be compiled.
 */
export function compilePipeline(project: Project, opts: CompilePipelineOptions): CompiledPipeline {
  const taskOfStep: Record<string, string> = {}
  const componentOfStep: Record<string, string> = {}
  const executorOfComponent: Record<string, string> = {}
  const taken = new Set<string>()
  for (const step of project.steps) {
    const base = k8sName(step.name)
    if (!base) throw new CliError('COMPILE_FAILED', `Step name '${step.name}' has no letters or digits.`, {exit: EXIT.CONFIG})
    const task = uniqueName(base, taken)
    taken.add(task)
    taskOfStep[step.name] = task
    componentOfStep[step.name] = componentKey(task)
    executorOfComponent[componentKey(task)] = executorLabel(task)
  }

  const ioOfStep = new Map<string, StepIo>()
  for (const step of project.steps) {
    const component = componentOf(project, step)
    ioOfStep.set(step.name, ioMaps(component, step))
  }

  const components: Record<string, IrComponentSpec> = {}
  const executors: Record<string, IrExecutor> = {}
  const nodeSelectors: Record<string, Record<string, string>> = {}
  for (const step of project.steps) {
    const component = componentOf(project, step)
    const io = ioOfStep.get(step.name)!
    const compKey = componentOfStep[step.name]
    components[compKey] = {
      executorLabel: executorOfComponent[compKey],
      ...definitions(io.inputs, io.outputs),
    }
    const container = containerOf(project, step, component, io, opts)
    executors[executorOfComponent[compKey]] = {container}
    const selector = acceleratorSelector(step, container, opts.platform)
    if (selector) nodeSelectors[executorOfComponent[compKey]] = selector
  }
  const dags = buildDags({
    project,
    io: ioOfStep,
    taskOfStep,
    componentOfStep,
    fail,
    coerce: coerceValue,
    parameterType: (t) => IR_PARAMETER_TYPE[t],
    artifactType: artifactTypeOf,
  })
  Object.assign(components, dags.components)
  Object.assign(executors, dags.executors)

  const root: IrComponentSpec = dags.root
  if (project.params.length > 0) root.inputDefinitions = {parameters: rootParameters(project.params)}

  const pipelineInfo: PipelineSpec['pipelineInfo'] = {name: project.name}
  if (project.description) pipelineInfo.description = project.description
  const spec: PipelineSpec = {
    components,
    deploymentSpec: {executors},
    pipelineInfo,
    root,
    schemaVersion: IR_SCHEMA_VERSION,
    sdkVersion: opts.sdkVersion ?? DEFAULT_SDK_VERSION,
  }
  if (project.pipelineRoot) spec.defaultPipelineRoot = project.pipelineRoot
  const platformSpec = platformSpecOf(nodeSelectors)
  const extra = platformSpec ? {platformSpec} : {}
  const taskPathOfStep = dags.taskPathOfStep
  const names = {taskOfStep: taskPathOfStep, taskKeyOfStep: taskOfStep, executorOfComponent, componentOfStep, ...extra}
  return {spec, ...names}
}

/** Rewrites the container's accelerator for `platform` (accelerator.ts) and returns the node selector it needs. */
function acceleratorSelector(step: Step, container: IrContainerSpec, platform: CompilePlatform | undefined): Record<string, string> | undefined {
  const acc = container.resources?.accelerator
  if (!acc?.resourceType) return undefined
  const plan = planAccelerator(acc.resourceType, platform)
  if (!plan.ok) fail(step, plan.message, plan.hint)
  acc.resourceType = plan.resourceType
  acc.type = plan.resourceType
  return plan.nodeSelector
}

function fail(step: Step, message: string, hint?: string): never {
  const where = step.pos ? `${step.pos.file}:${step.pos.line}:${step.pos.col}: ` : ''
  throw new CliError('COMPILE_FAILED', `${where}step '${step.name}': ${message}`, {exit: EXIT.CONFIG, hints: hint ? [hint] : []})
}

function componentOf(project: Project, step: Step): Component {
  const component = project.components[step.component]
  if (!component) fail(step, `component '${step.component}' is not loaded`, `Create components/${step.component}/component.yaml.`)
  return component
}

/** The merged fixed-path outputs of a step (the component's, overridden by the step's). */
function fileOutputsOf(step: Step, component: Component): Record<string, string> {
  return {...component.fileOutputs, ...step.fileOutputs}
}

function ioMaps(component: Component, step: Step): {inputs: Map<string, IoInfo>; outputs: Map<string, IoInfo>} {
  const inputs = new Map<string, IoInfo>()
  const outputs = new Map<string, IoInfo>()
  const seen = new Map<string, string>()
  const add = (map: Map<string, IoInfo>, io: ComponentIO, what: string) => {
    const irName = irInputName(io.name)
    if (!irName) fail(step, `${what} '${io.name}' of component '${component.name}' has no letters or digits`)
    const clash = seen.get(`${what}:${irName}`)
    if (clash !== undefined) {
      fail(step, `${what}s '${clash}' and '${io.name}' of component '${component.name}' both become '${irName}' in the IR`, `Rename one of them in component.yaml.`)
    }
    seen.set(`${what}:${irName}`, io.name)
    map.set(io.name, {irName, kind: io.kind, raw: io})
  }
  for (const i of component.inputs) add(inputs, i, 'input')
  for (const o of component.outputs) add(outputs, o, 'output')
  // Fixed-path outputs are String parameters unless the component declares them with a parameter type.
  for (const name of Object.keys(fileOutputsOf(step, component))) {
    const declared = outputs.get(name)
    if (declared && declared.kind !== 'parameter') {
      fail(step, `output '${name}' is an artifact, but fileOutputs can only pass parameter values`, `Give the output a type such as String in component.yaml.`)
    }
    if (!declared) add(outputs, {name, kind: 'parameter', paramType: 'string', type: 'String'}, 'output')
  }
  return {inputs, outputs}
}

function parameterSpec(io: ComponentIO): IrParameterSpec {
  // PipelineTaskFinalStatus inputs are optional TASK_FINAL_STATUS parameters (the SDK's exit-task components).
  if (io.finalStatus) return {isOptional: true, parameterType: 'TASK_FINAL_STATUS'}
  const spec: IrParameterSpec = {parameterType: IR_PARAMETER_TYPE[io.paramType ?? 'string']}
  if (io.default !== undefined && io.default !== null) spec.defaultValue = coerceValue(io.default, io.paramType)
  if (io.optional || (io.default !== undefined && io.default !== null)) spec.isOptional = true
  return spec
}

function artifactSpec(io: ComponentIO): IrArtifactSpec {
  const spec: IrArtifactSpec = {artifactType: artifactTypeOf(io.type)}
  if (io.optional || (io.default !== undefined && io.default !== null)) spec.isOptional = true
  return spec
}

function definitions(inputs: Map<string, IoInfo>, outputs: Map<string, IoInfo>): Pick<IrComponentSpec, 'inputDefinitions' | 'outputDefinitions'> {
  const build = (map: Map<string, IoInfo>, isInput: boolean): IrInputsSpec | undefined => {
    const out: IrInputsSpec = {}
    for (const io of map.values()) {
      if (io.kind === 'parameter') {
        const p = parameterSpec(io.raw)
        // Output parameters carry only their type (ComponentOutputsSpec.ParameterSpec).
        ;(out.parameters ??= {})[io.irName] = isInput ? p : {parameterType: p.parameterType}
      } else {
        const a = artifactSpec(io.raw)
        ;(out.artifacts ??= {})[io.irName] = isInput ? a : {artifactType: a.artifactType}
      }
    }
    return out.parameters || out.artifacts ? out : undefined
  }
  const result: Pick<IrComponentSpec, 'inputDefinitions' | 'outputDefinitions'> = {}
  const i = build(inputs, true)
  const o = build(outputs, false)
  if (i) result.inputDefinitions = i
  if (o) result.outputDefinitions = o
  return result
}

function rootParameters(params: PipelineParam[]): Record<string, IrParameterSpec> {
  const out: Record<string, IrParameterSpec> = {}
  for (const p of params) {
    const spec: IrParameterSpec = {parameterType: IR_PARAMETER_TYPE[p.type]}
    if (p.default !== undefined && p.default !== null) {
      spec.defaultValue = coerceValue(p.default, p.type)
      spec.isOptional = true
    }
    if (p.description) spec.description = p.description
    out[p.name] = spec
  }
  return out
}

function containerOf(
  project: Project,
  step: Step,
  component: Component,
  io: {inputs: Map<string, IoInfo>; outputs: Map<string, IoInfo>},
  opts: CompilePipelineOptions,
): IrContainerSpec {
  const image = opts.images[component.name] || component.image
  if (!image) {
    fail(
      step,
      `component '${component.name}' has no image`,
      project.registry
        ? `Add a Dockerfile to ${component.dir} and run \`kfp build ${component.name}\`, or set implementation.container.image in component.yaml.`
        : `Set \`registry:\` in kfp.yaml and add a Dockerfile, or set implementation.container.image in component.yaml.`,
    )
  }
  const fileOutputs = fileOutputsOf(step, component)
  const outputPaths = new Set<string>()
  const isPresent = (name: string) => {
    if (Object.hasOwn(step.inputs, name)) return true
    const d = io.inputs.get(name)?.raw.default
    return d !== undefined && d !== null
  }
  const ctx = {
    inputs: io.inputs,
    outputs: io.outputs,
    isPresent,
    fail: (message: string, hint?: string): never => fail(step, message, hint),
    onOutputPath: (name: string) => outputPaths.add(name),
  }
  let command = component.command.flatMap((a) => resolveComponentArg(a, ctx))
  const args = component.args.flatMap((a) => resolveComponentArg(a, ctx))

  const fixed = Object.keys(fileOutputs)
  if (fixed.length > 0) {
    for (const name of fixed) {
      if (outputPaths.has(name)) {
        fail(step, `output '${name}' is both passed with {outputPath} and read from the fixed file ${fileOutputs[name]}`, `Remove it from fileOutputs, or stop passing {outputPath: ${name}}.`)
      }
    }
    if (command.length === 0) {
      fail(step, 'fileOutputs need the component to set implementation.container.command', 'Write the program to run as `command:` in component.yaml (the image entrypoint cannot be wrapped).')
    }
    command = wrapCommandForFileOutputs(
      command,
      fixed.map((name) => ({outputFile: outputParameterFilePlaceholder(io.outputs.get(name)!.irName), path: fileOutputs[name]})),
    )
  }

  const container: IrContainerSpec = {image}
  if (args.length > 0) container.args = args
  if (command.length > 0) container.command = command
  const env = {...component.env, ...step.env}
  const envNames = Object.keys(env)
  if (envNames.length > 0) container.env = envNames.map((name) => ({name, value: env[name]}))
  const resources = resourcesOf(step)
  if (resources) container.resources = resources
  return container
}

function resourcesOf(step: Step): IrResourceSpec | undefined {
  const r = step.resources
  if (!r) return undefined
  const out: IrResourceSpec = {}
  const cpu = (value: string | undefined, field: 'Request' | 'Limit') => {
    if (value === undefined) return
    const text = String(value)
    if (!isCpuQuantity(text)) fail(step, `cpu ${field.toLowerCase()} '${text}' is not a CPU quantity`, `Use a number of cores like 1, 0.5 or 500m.`)
    out[`cpu${field}`] = cpuToFloat(text)
    out[`resourceCpu${field}`] = text
  }
  const memory = (value: string | undefined, field: 'Request' | 'Limit') => {
    if (value === undefined) return
    const text = String(value)
    if (!isMemoryQuantity(text)) fail(step, `memory ${field.toLowerCase()} '${text}' is not a memory quantity`, `Use a size like 2G, 512Mi or 14Gi.`)
    out[`memory${field}`] = memoryToGB(text)
    out[`resourceMemory${field}`] = text
  }
  cpu(r.cpuRequest, 'Request')
  cpu(r.cpuLimit, 'Limit')
  memory(r.memoryRequest, 'Request')
  memory(r.memoryLimit, 'Limit')
  if (r.accelerator) {
    const count = String(r.accelerator.count)
    // Both forms, as the SDK writes them: the deprecated {type, count (int64 → JSON string)} and the current strings.
    out.accelerator = {count, resourceCount: count, resourceType: r.accelerator.type, type: r.accelerator.type}
  }
  return Object.keys(out).length > 0 ? out : undefined
}
