/**
 * Cache keys of the local engine: a task is reused when its image, command, args (as written, before
 * run-specific paths are filled in), env, input values and input artifact contents match an earlier success.
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
  /** The IR's own cacheKey, when set. */
  irCacheKey?: string
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
  return v
}

/** A stable sha256 (hex) over the task's identity. */
export function taskCacheKey(i: CacheKeyInput): string {
  const body = canonical({
    v: 1,
    image: i.container.image,
    command: i.container.command ?? [],
    args: i.container.args ?? [],
    env: i.container.env ?? [],
    parameters: i.parameters,
    artifacts: i.artifactDigests,
    outputs: [...i.outputNames].sort(),
    irCacheKey: i.irCacheKey ?? null,
  })
  return createHash('sha256').update(JSON.stringify(body)).digest('hex')
}

/** Whether the task's caching options allow reuse (`cachingOptions: {}` means disabled: proto3 drops `false`). */
export function cachingEnabled(cachingOptions: {enableCache?: boolean} | undefined): boolean {
  // Absent options: the compiler default (enabled). Present without enableCache: disabled.
  return cachingOptions === undefined || cachingOptions.enableCache === true
}
