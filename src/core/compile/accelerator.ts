/**
 * Accelerators per platform. Pure.
 *
 * kfp.yaml names an accelerator once (`resources.accelerator: {type, count}`); what that type must be in the IR
 * depends on who runs the pipeline:
 * - Vertex AI Pipelines reads Vertex machine-spec names (`NVIDIA_TESLA_T4`, `TPU_V3`) and schedules the machine itself.
 * - A KFP server's driver puts the type *as given* into the pod's `resources.limits`
 *   (kubeflow/pipelines backend/src/v2/driver/driver.go `initPodSpecPatch`: `res.Limits[ResourceName(acceleratorType)]`),
 *   so it must be a Kubernetes extended resource (`nvidia.com/gpu`). On GKE, which GPU model a pod gets is chosen with
 *   the node label `cloud.google.com/gke-accelerator` (values like `nvidia-tesla-t4`), written as kfp-kubernetes'
 *   `add_node_selector` writes it: `platforms.kubernetes.deploymentSpec.executors.<exec>.nodeSelector.labels`
 *   (kubernetes_platform/python/kfp/kubernetes/node_selector.py, snapshot test/snapshot/data/node_selector.yaml;
 *   message `NodeSelector` in kubernetes_platform/proto/kubernetes_executor_config.proto).
 */

/** Who the pipeline is compiled for: a KFP server (Kubernetes), Vertex AI, or the types exactly as written (SDK shape). */
export type CompilePlatform = 'kfp' | 'vertex'

/** The GKE node label that selects a GPU model. */
export const GKE_ACCELERATOR_LABEL = 'cloud.google.com/gke-accelerator'

/** The Kubernetes resource NVIDIA's device plugin (and GKE) advertises GPUs as. */
export const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu'

export type AcceleratorPlan =
  | {ok: true; resourceType: string; nodeSelector?: Record<string, string>}
  | {ok: false; message: string; hint: string}

/**
 * What an accelerator type becomes on `platform`:
 * - `vertex` or no platform: the type as written;
 * - `kfp`: a Kubernetes resource name (has a `/`, e.g. `nvidia.com/gpu`, `amd.com/gpu`, `google.com/tpu`) as written;
 *   a Vertex GPU name (`NVIDIA_TESLA_T4`, `NVIDIA_L4`, `NVIDIA_A100_80GB`) or a GKE accelerator label value
 *   (`nvidia-tesla-t4`) → `nvidia.com/gpu` plus the node selector `cloud.google.com/gke-accelerator: nvidia-tesla-t4`;
 *   anything else (e.g. `TPU_V3`, `tpu-v3`) is not something a Kubernetes node offers under that name: refused.
 */
export function planAccelerator(type: string, platform: CompilePlatform | undefined): AcceleratorPlan {
  if (platform !== 'kfp' || type.includes('/')) return {ok: true, resourceType: type}
  const label = /^NVIDIA_[A-Z0-9_]+$/.test(type) ? type.toLowerCase().replaceAll('_', '-') : /^nvidia-[a-z0-9-]+$/.test(type) ? type : undefined
  if (label) return {ok: true, resourceType: NVIDIA_GPU_RESOURCE, nodeSelector: {[GKE_ACCELERATOR_LABEL]: label}}
  return {
    ok: false,
    message: `accelerator type '${type}' is not a Kubernetes resource, so a KFP server cannot schedule it`,
    hint:
      'For a KFP server name a Kubernetes resource (nvidia.com/gpu, google.com/tpu) or a GPU model such as NVIDIA_TESLA_T4 ' +
      '(compiled to nvidia.com/gpu plus the GKE node selector cloud.google.com/gke-accelerator: nvidia-tesla-t4); ' +
      'for Vertex AI compile with --platform vertex.',
  }
}

/** The PlatformSpec document (second YAML document) holding each executor's node selector, or undefined when none. */
export function platformSpecOf(nodeSelectors: Record<string, Record<string, string>>): Record<string, unknown> | undefined {
  const labels = Object.keys(nodeSelectors).sort()
  if (labels.length === 0) return undefined
  const executors: Record<string, unknown> = {}
  for (const exec of labels) executors[exec] = {nodeSelector: {labels: nodeSelectors[exec]}}
  return {platforms: {kubernetes: {deploymentSpec: {executors}}}}
}
