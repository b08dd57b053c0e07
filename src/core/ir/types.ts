/**
 * TypeScript shapes of the KFP v2 pipeline IR (PipelineSpec, schemaVersion 2.1.0), the subset kfp writes and reads.
 * Field names are the proto3 JSON (camelCase) names of ../shared/kfp-reference/proto/pipeline_spec.proto.
 */
import type {JsonValue} from '../project/types.js'

export type IrParameterType =
  | 'NUMBER_DOUBLE'
  | 'NUMBER_INTEGER'
  | 'STRING'
  | 'BOOLEAN'
  | 'LIST'
  | 'STRUCT'
  | 'TASK_FINAL_STATUS'
  | 'TASK_CONFIG'

export interface IrParameterSpec {
  parameterType: IrParameterType
  defaultValue?: JsonValue
  isOptional?: boolean
  description?: string
}

export interface IrArtifactSpec {
  artifactType: {schemaTitle?: string; schemaVersion?: string; instanceSchema?: string}
  isArtifactList?: boolean
  isOptional?: boolean
  description?: string
}

export interface IrInputsSpec {
  parameters?: Record<string, IrParameterSpec>
  artifacts?: Record<string, IrArtifactSpec>
}

export interface IrTaskInputParameter {
  componentInputParameter?: string
  taskOutputParameter?: {producerTask: string; outputParameterKey: string}
  runtimeValue?: {constant: JsonValue}
  taskFinalStatus?: {producerTask: string}
  parameterExpressionSelector?: string
}

export interface IrTaskInputArtifact {
  componentInputArtifact?: string
  taskOutputArtifact?: {producerTask: string; outputArtifactKey: string}
}

export interface IrTask {
  taskInfo: {name: string}
  componentRef: {name: string}
  dependentTasks?: string[]
  inputs?: {parameters?: Record<string, IrTaskInputParameter>; artifacts?: Record<string, IrTaskInputArtifact>}
  cachingOptions?: {enableCache?: boolean; cacheKey?: string}
  retryPolicy?: {maxRetryCount?: number; backoffDuration?: string; backoffFactor?: number; backoffMaxDuration?: string}
  triggerPolicy?: {condition?: string; strategy?: string}
  /** dsl.ParallelFor over parameters: `items.raw` (JSON text) or `items.inputParameter` (an input of this task). */
  parameterIterator?: {items: {raw?: string; inputParameter?: string}; itemInput: string}
  /** dsl.ParallelFor over an artifact list input of this task. */
  artifactIterator?: {items: {inputArtifact: string}; itemInput: string}
  iteratorPolicy?: {parallelismLimit?: number}
}

/** One producer of a DAG output parameter. */
export interface IrParameterSelector {
  producerSubtask: string
  outputParameterKey: string
}

/** One producer of a DAG output artifact. */
export interface IrArtifactSelector {
  producerSubtask: string
  outputArtifactKey: string
}

export interface IrDag {
  tasks: Record<string, IrTask>
  outputs?: {
    parameters?: Record<string, {valueFromParameter?: IrParameterSelector; valueFromOneof?: {parameterSelectors: IrParameterSelector[]}}>
    artifacts?: Record<string, {artifactSelectors?: IrArtifactSelector[]}>
  }
}

export interface IrComponentSpec {
  executorLabel?: string
  dag?: IrDag
  inputDefinitions?: IrInputsSpec
  outputDefinitions?: IrInputsSpec
}

export interface IrResourceSpec {
  cpuLimit?: number
  cpuRequest?: number
  memoryLimit?: number
  memoryRequest?: number
  resourceCpuLimit?: string
  resourceCpuRequest?: string
  resourceMemoryLimit?: string
  resourceMemoryRequest?: string
  accelerator?: {type?: string; count?: string; resourceType?: string; resourceCount?: string}
}

export interface IrContainerSpec {
  image: string
  command?: string[]
  args?: string[]
  env?: Array<{name: string; value: string}>
  resources?: IrResourceSpec
}

/** PipelineDeploymentConfig.ImporterSpec (pipeline_spec.proto). */
export interface IrImporterSpec {
  /** `{constant: "gs://…"}` (older SDKs: `{constantValue: {stringValue}}`) or `{runtimeParameter: "uri"}`. */
  artifactUri?: {constant?: string; constantValue?: {stringValue?: string}; runtimeParameter?: string}
  typeSchema?: {schemaTitle?: string; schemaVersion?: string; instanceSchema?: string}
  metadata?: Record<string, JsonValue>
  reimport?: boolean
  downloadToWorkspace?: boolean
}

export interface IrExecutor {
  container?: IrContainerSpec
  importer?: IrImporterSpec
  resolver?: unknown
}

export interface PipelineSpec {
  pipelineInfo: {name: string; displayName?: string; description?: string}
  deploymentSpec: {executors: Record<string, IrExecutor>}
  components: Record<string, IrComponentSpec>
  root: IrComponentSpec
  schemaVersion: string
  sdkVersion: string
  defaultPipelineRoot?: string
}
