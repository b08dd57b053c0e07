/**
 * What a real KFP server does with a pipeline spec sent to CreateRun (inline `pipeline_spec`), for the fake server.
 *
 * 1. backend/src/apiserver/template/v2_template.go NewV2SpecTemplate: `protojson.Unmarshal` into PipelineSpec (unknown
 *    fields, wrong types and bad enums are refused; here test/helpers/proto.ts checkPipelineSpec, the same proto),
 *    schema version 2.1.0, a pipelineInfo.name matching its regexp, a root. An InvalidInputError: 400.
 * 2. V2Spec.RunWorkflow → backend/src/v2/compiler/argocompiler Compile, which walks the spec with visitor.go
 *    pipelineDFS.dfs: a task's componentRef must name a component ("cannot find component ref name=…"), a component's
 *    executor label must be in deploymentSpec ("executor(label=…) not found in deployment config"), an executor must be
 *    a container or an importer; argocompiler/dag.go refuses `triggerPolicy.condition` on an importer task, and a DAG
 *    whose every task is an exit task (strategy ALL_UPSTREAM_TASKS_COMPLETED: "DAG %s must contain one or more non-exit
 *    tasks", dag.go DAG). These errors are wrapped ("Failed to compile job") without a user-error code: 500.
 * 3. What fails only once the run starts (Argo's DAG validation of `depends`, built from dependentTasks in dag.go
 *    `depends`; the driver's input resolution, backend/src/v2/driver/resolve.go resolveInputs: a producer task that is
 *    not in the same DAG, a componentInputParameter the DAG has no input for). The fake reports these as `runtime`
 *    problems (the test server records them as violations): a real run would fail, not run wrongly. Also reported: an
 *    exit task without dependentTasks, which dag.go DAG attaches as the exit hook of no task, so it never runs.
 */
import {checkPipelineSpec, formatProblems} from './proto.js'

type Json = any

export interface SpecVerdict {
  status?: number
  message?: string
  /** Problems the run would hit once it starts. */
  runtime: string[]
}

export function checkRunSpec(spec: Json): SpecVerdict {
  const problems = checkPipelineSpec(spec)
  if (problems.length) return {status: 400, message: `Invalid input error: invalid v2 pipeline spec: ${formatProblems(problems)}`, runtime: []}
  if (spec.schemaVersion !== '2.1.0') return {status: 400, message: `Invalid input error: KFP only supports schema version 2.1.0, but the pipeline spec has version ${spec.schemaVersion}`, runtime: []}
  // v2_template.go NewV2SpecTemplate: an empty name, then Go's regexp.MatchString, unanchored as upstream writes it.
  const name = spec.pipelineInfo?.name ?? ''
  if (name === '') return {status: 400, message: 'Invalid input error: invalid v2 pipeline spec: name is empty', runtime: []}
  if (!/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/.test(name))
    return {status: 400, message: "Invalid input error: invalid v2 pipeline spec: name should consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", runtime: []}
  if (!spec.root) return {status: 400, message: 'Invalid input error: invalid v2 pipeline spec: root component is empty', runtime: []}
  const runtime: string[] = []
  const compileError = dfs(spec, 'root', spec.root, new Set(), runtime)
  if (compileError) return {status: 500, message: `Internal error: Failed to compile job: ${compileError}`, runtime}
  return {runtime}
}

const isExitTask = (t: Json) => t.triggerPolicy?.strategy === 'ALL_UPSTREAM_TASKS_COMPLETED'

function dfs(spec: Json, name: string, component: Json, visited: Set<string>, runtime: string[]): string | undefined {
  if (visited.has(name)) return undefined
  visited.add(name)
  const fail = (why: string) => `error processing component name="${name}": ${why}`
  if (component.executorLabel) {
    const exec = spec.deploymentSpec?.executors?.[component.executorLabel]
    if (!exec) return fail(`executor(label="${component.executorLabel}") not found in deployment config`)
    if (!exec.container && !exec.importer) return fail(`executor(label="${component.executorLabel}"): non-container and non-importer executor not implemented`)
    return undefined
  }
  const dag = component.dag
  if (!dag) return fail('unknown component implementation')
  const tasks: Record<string, Json> = dag.tasks ?? {}
  const inputs = component.inputDefinitions ?? {}
  for (const key of Object.keys(tasks).sort()) {
    const task = tasks[key]
    const ref = task.componentRef?.name
    if (!ref) return fail(`component ref name is empty for task name="${task.taskInfo?.name}"`)
    const sub = spec.components?.[ref]
    if (!sub) return fail(`cannot find component ref name="${ref}"`)
    if (task.triggerPolicy?.condition && spec.deploymentSpec?.executors?.[sub.executorLabel]?.importer) return fail('triggerPolicy.condition on importer task is not supported')
    for (const d of task.dependentTasks ?? []) if (!tasks[d]) runtime.push(`${name}: task ${key} depends on ${d}, which is not a task of this DAG (Argo: dependency not defined)`)
    if (isExitTask(task) && !task.dependentTasks?.length) runtime.push(`${name}: exit task ${key} (ALL_UPSTREAM_TASKS_COMPLETED) has no dependentTasks: it is the exit hook of no task and never runs`)
    for (const [input, b] of Object.entries<Json>(task.inputs?.parameters ?? {})) {
      const producer = b.taskOutputParameter?.producerTask ?? b.taskFinalStatus?.producerTask
      if (producer && !tasks[producer]) runtime.push(`${name}: task ${key} input ${input} reads task ${producer}, which is not in this DAG`)
      if (b.componentInputParameter && !inputs.parameters?.[b.componentInputParameter]) runtime.push(`${name}: task ${key} input ${input} reads the DAG input ${b.componentInputParameter}, which ${name} does not declare`)
    }
    for (const [input, b] of Object.entries<Json>(task.inputs?.artifacts ?? {})) {
      const producer = b.taskOutputArtifact?.producerTask
      if (producer && !tasks[producer]) runtime.push(`${name}: task ${key} artifact ${input} reads task ${producer}, which is not in this DAG`)
      if (b.componentInputArtifact && !inputs.artifacts?.[b.componentInputArtifact]) runtime.push(`${name}: task ${key} artifact ${input} reads the DAG input ${b.componentInputArtifact}, which ${name} does not declare`)
    }
    const err = dfs(spec, ref, sub, visited, runtime)
    if (err) return err
  }
  // dag.go refuses an empty DAG the same way; the fake lets it pass, for the minimal specs of its own tests.
  const all = Object.values(tasks)
  if (all.length && all.every(isExitTask)) return `DAG ${name} must contain one or more non-exit tasks`
  for (const [k, o] of Object.entries<Json>(dag.outputs?.parameters ?? {})) {
    const sels = o.valueFromParameter ? [o.valueFromParameter] : (o.valueFromOneof?.parameterSelectors ?? [])
    for (const s of sels) if (!tasks[s.producerSubtask]) runtime.push(`${name}: DAG output ${k} reads task ${s.producerSubtask}, which is not in this DAG`)
  }
  for (const [k, o] of Object.entries<Json>(dag.outputs?.artifacts ?? {})) {
    for (const s of o.artifactSelectors ?? []) if (!tasks[s.producerSubtask]) runtime.push(`${name}: DAG output artifact ${k} reads task ${s.producerSubtask}, which is not in this DAG`)
  }
  return undefined
}
