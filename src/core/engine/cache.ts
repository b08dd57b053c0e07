/**
 * Cache keys of the local engine: a task is reused when its image, command, args (as written, before
 * run-specific paths are filled in), env, input values, input artifact contents and output names and types match
 * an earlier success. Follows kfp-src backend/src/v2/driver/cache.go getFingerPrint and cacheutils/cache.go
 * GenerateCacheKey (image, raw command + args, input values, output parameter types, output artifact types),
 * where that makes sense locally: input artifacts count by content (the backend counts MLMD artifact names, which
 * are new for every run here), and env is included. GenerateCacheKey keys the execution environment (the image and
 * the command the container runs); a local step runs in Docker or as a host process, two environments for the same
 * image string, so the runner is in the key too: a result computed on the host is never reused by a Docker run of the
 * step, nor the other way round. A task's own `cachingOptions.cacheKey` replaces all of it, as
 * in getFingerPrint: sha256(componentRef name, NUL, cacheKey).
 */
import {createHash} from 'node:crypto'
import type {IrContainerSpec} from '../ir/types.js'
import type {JsonValue} from '../project/types.js'

/** What identifies a task's work. `artifactDigests` are content digests of the input artifacts. */
export interface CacheKeyInput {
  container: IrContainerSpec
  parameters: Record<string, JsonValue>
  artifactDigests: Record<string, string>
  outputNames: string[]
  /** Output name → parameter type or artifact schema title (GenerateCacheKey's outputParametersSpec / outputArtifactsSpec). */
  outputTypes?: Record<string, string>
  /** Where the step runs: in Docker, or as a host process (the image string alone does not say). */
  runner?: 'docker' | 'process'
  /** The IR's own cacheKey, when set, and the task's componentRef name it is salted with. */
  irCacheKey?: string
  componentName?: string
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
  return v
}

/** A stable sha256 (hex) over the task's identity. */
export function taskCacheKey(i: CacheKeyInput): string {
  if (i.irCacheKey) return createHash('sha256').update(`${i.componentName ?? ''}\0${i.irCacheKey}`).digest('hex')
  const body = canonical({
    v: 1,
    image: i.container.image,
    command: i.container.command ?? [],
    args: i.container.args ?? [],
    env: i.container.env ?? [],
    parameters: i.parameters,
    artifacts: i.artifactDigests,
    outputs: [...i.outputNames].sort(),
    ...(i.outputTypes ? {outputTypes: i.outputTypes} : {}),
    ...(i.runner ? {runner: i.runner} : {}),
  })
  return createHash('sha256').update(JSON.stringify(body)).digest('hex')
}

/** Whether the task's caching options allow reuse (`cachingOptions: {}` means disabled: proto3 drops `false`). */
export function cachingEnabled(cachingOptions: {enableCache?: boolean} | undefined): boolean {
  // Absent options: the compiler default (enabled). Present without enableCache: disabled.
  return cachingOptions === undefined || cachingOptions.enableCache === true
}
