/**
 * Every environment variable kfp reads, in one place. Flags declare `env:` with these names.
 */
export const ENV = {
  /** Disable every prompt (same as --no-input). */
  NO_INPUT: 'KFP_NO_INPUT',
  /** Path to the project file when not ./kfp.yaml. */
  PROJECT: 'KFP_PROJECT',
  /** Default target name (local or a KFP server). */
  TARGET: 'KFP_TARGET',
  /** KFP server endpoint, overriding the target's. */
  ENDPOINT: 'KFP_ENDPOINT',
  /** Bearer token for the KFP server. */
  TOKEN: 'KFP_TOKEN',
  /** Namespace for multi-user Kubeflow. */
  NAMESPACE: 'KFP_NAMESPACE',
  /** Timeout of each KFP server request in ms (default 30000). */
  HTTP_TIMEOUT_MS: 'KFP_HTTP_TIMEOUT_MS',
  /** Standard kubeconfig path(s) for pod logs on a cluster. */
  KUBECONFIG: 'KUBECONFIG',
  /** Default experiment of `kfp run`. */
  EXPERIMENT: 'KFP_EXPERIMENT',
  /** Local runner: docker, process or auto. */
  RUNNER: 'KFP_RUNNER',
  /** Registry credentials for CI (kfp build --push). */
  REGISTRY_USERNAME: 'KFP_REGISTRY_USERNAME',
  REGISTRY_PASSWORD: 'KFP_REGISTRY_PASSWORD',
  /** Docker daemon address (standard). */
  DOCKER_HOST: 'DOCKER_HOST',
  /** Docker client config dir (standard). */
  DOCKER_CONFIG: 'DOCKER_CONFIG',
  /** Docker daemon over TLS (standard; with a tcp:// DOCKER_HOST). */
  DOCKER_TLS_VERIFY: 'DOCKER_TLS_VERIFY',
  /** GCS emulator / endpoint override (standard for @google-cloud/storage). */
  STORAGE_EMULATOR_HOST: 'STORAGE_EMULATOR_HOST',
  /** Per-user config dir override (default: $XDG_CONFIG_HOME/kfp). */
  CONFIG_DIR: 'KFP_CONFIG_DIR',
  /** Output file of `kfp compile` (same as -o). */
  COMPILE_OUTPUT: 'KFP_COMPILE_OUTPUT',
  /** Print debug information and stack traces. */
  DEBUG: 'DEBUG',
  /** Standard: set in CI, turns spinners and prompts off. */
  CI: 'CI',
  /** Output JSON from every command (oclif built-in). */
  CONTENT_TYPE: 'KFP_CONTENT_TYPE',
  /** KFP release `kfp deploy` installs (--version). */
  DEPLOY_VERSION: 'KFP_DEPLOY_VERSION',
  /** Local port of `kfp ui` (--port). */
  UI_PORT: 'KFP_UI_PORT',
  /** Google Cloud project id (kfp init --gcp-project, cluster commands). */
  GCP_PROJECT: 'KFP_GCP_PROJECT',
  /** Google Cloud region (kfp init --region, cluster commands). */
  GCP_REGION: 'KFP_GCP_REGION',
  /** Google Cloud zone (kfp init --zone, cluster commands). */
  GCP_ZONE: 'KFP_GCP_ZONE',
  /** Pipeline root the local engine gives each step (set for the step programs, read by the babyweight example). */
  PIPELINE_ROOT: 'KFP_PIPELINE_ROOT',
} as const

export type Env = Record<string, string | undefined>
