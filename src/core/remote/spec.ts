/**
 * Pure helpers for sending a compiled pipeline to a KFP server: reading a compiled file (ours or the Python SDK's),
 * content hashing for idempotent uploads, version naming, and mapping server run states to kfp's run states.
 */
import {createHash} from 'node:crypto'
import {CliError, EXIT} from '../../lib/errors.js'
import {loadIrDocuments} from '../ir/read.js'
import type {TaskStatus} from '../engine/record.js'
import {resolveRunParams, type ResolvedParams} from '../engine/params.js'
import type {IrParameterSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'

/** A compiled pipeline file: the PipelineSpec document and, when present, the PlatformSpec document. */
export interface CompiledPipeline {
  spec: Record<string, unknown> & {pipelineInfo: {name: string}; root: Record<string, unknown>; schemaVersion: string}
  platformSpec?: Record<string, unknown>
}

/**
 * Parses a compiled pipeline (YAML or JSON, one or two documents). Rejects Argo Workflows (KFP v1) and anything that is
 * not a v2 PipelineSpec, naming the file.
 */
export function parseCompiledPipeline(text: string, file: string): CompiledPipeline {
  // PyYAML-compatible, as the SDK that wrote the file reads it (core/ir/read.ts).
  const docs = loadIrDocuments(text, file)
  const first = docs[0] as Record<string, unknown> | undefined
  if (first && first.kind === 'Workflow') {
    throw new CliError('IR_UNSUPPORTED', `${file} is an Argo Workflow (a KFP v1 pipeline); kfp uploads KFP v2 pipelines (PipelineSpec).`, {
      exit: EXIT.CONFIG,
      hints: ['Recompile with the KFP v2 SDK (kfp dsl compile) or with kfp compile.'],
    })
  }
  if (!first || typeof first !== 'object' || !first.pipelineInfo || !first.root || !first.schemaVersion) {
    throw new CliError('IR_INVALID', `${file} is not a compiled KFP v2 pipeline (expected pipelineInfo, root and schemaVersion).`, {
      exit: EXIT.CONFIG,
      hints: ['Give a file written by kfp compile or by the KFP Python SDK compiler.'],
    })
  }
  const second = docs[1] as Record<string, unknown> | undefined
  return {spec: first as CompiledPipeline['spec'], platformSpec: second && second.platforms ? second : undefined}
}

/** JSON with object keys sorted recursively (numbers as JSON numbers), for hashing. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * The content hash of a pipeline (sha256 hex of the canonical JSON of its PipelineSpec, plus the PlatformSpec when
 * present). Stable across YAML formatting and key order, so a server's copy hashes the same as the local file.
 */
export function pipelineHash(spec: unknown, platformSpec?: unknown): string {
  const body = platformSpec ? canonicalJson({pipeline_spec: spec, platform_spec: platformSpec}) : canonicalJson(spec)
  return createHash('sha256').update(body).digest('hex')
}

/** The hash of a version's `pipeline_spec` as the server returns it (a Struct holding the spec, or spec + platform). */
export function serverSpecHash(pipelineSpec: Record<string, unknown> | undefined): string | undefined {
  if (!pipelineSpec) return undefined
  if (pipelineSpec.pipeline_spec && typeof pipelineSpec.pipeline_spec === 'object') return pipelineHash(pipelineSpec.pipeline_spec, pipelineSpec.platform_spec)
  return pipelineHash(pipelineSpec)
}

/**
 * The run parameters a server is sent: `--param`s (and file values) checked against the pipeline's root inputs, of which
 * only what the user gave goes in `runtime_config.parameters` (the server applies the spec's defaults itself).
 */
export function serverRunParameters(
  spec: CompiledPipeline['spec'],
  flags: string[],
  fileValues: Record<string, JsonValue> = {},
  /** Where each --params-file value came from (`file:line:col`), for the messages. */
  fileOrigin?: (name: string) => string,
): {resolved: ResolvedParams; parameters: Record<string, JsonValue>} {
  const defs = ((spec.root as {inputDefinitions?: {parameters?: Record<string, IrParameterSpec>}}).inputDefinitions?.parameters ?? {}) as Record<string, IrParameterSpec>
  const resolved = resolveRunParams(defs, flags, fileValues, fileOrigin)
  return {resolved, parameters: Object.fromEntries(Object.keys(resolved.explicit).map((k) => [k, resolved.values[k]]))}
}

/**
 * Default version name: the first 12 hex digits of the content hash, plus the git short commit (and `-dirty` when the
 * working tree has changes) when the project is in a git repository: `3f2a9c1b7d4e-git-a1b2c3d`.
 */
export function defaultVersionName(hash: string, git?: {commit: string; dirty: boolean}): string {
  const base = hash.slice(0, 12)
  return git ? `${base}-git-${git.commit}${git.dirty ? '-dirty' : ''}` : base
}

/** Maps a server task state to kfp's task status. */
export function taskStatusOf(state: string | undefined): TaskStatus {
  switch (state) {
    case 'SUCCEEDED':
      return 'succeeded'
    case 'SKIPPED':
      return 'skipped'
    case 'FAILED':
      return 'failed'
    case 'CANCELED':
    case 'CANCELING':
      return 'cancelled'
    case 'RUNNING':
      return 'running'
    default:
      return 'pending'
  }
}

/** True for states after which a run does not change (PAUSED too: watching stops, as the SDK CLI does). */
export function isTerminalState(state: string | undefined): boolean {
  return state === 'SUCCEEDED' || state === 'SKIPPED' || state === 'FAILED' || state === 'CANCELED' || state === 'PAUSED'
}

/** The KFP UI link of a run (`<base>/#/runs/details/<id>`). */
export function runUrl(endpoint: string, runId: string): string {
  return `${endpoint}/#/runs/details/${runId}`
}
