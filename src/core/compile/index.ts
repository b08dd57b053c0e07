/**
 * `core/compile`: Project → KFP v2 PipelineSpec, and the SDK-style YAML writer. Pure: no I/O, deterministic.
 */
export {
  artifactTypeOf,
  coerceValue,
  compilePipeline,
  DEFAULT_SDK_VERSION,
  IR_SCHEMA_VERSION,
  type CompiledPipeline,
  type CompilePipelineOptions,
} from './pipeline.js'
export {pythonFloat, pythonRepr, renderPipelineYaml, renderSdkYaml} from './yaml.js'
export {componentKey, executorLabel, irInputName, k8sName, pipelineChannelName} from './names.js'
export {fileOutputsScript, FILE_OUTPUTS_ARGV0, wrapCommandForFileOutputs} from './file-outputs.js'
export {cpuToFloat, memoryToGB} from './resources.js'
export {GKE_ACCELERATOR_LABEL, NVIDIA_GPU_RESOURCE, planAccelerator, platformSpecOf, type AcceleratorPlan, type CompilePlatform} from './accelerator.js'
