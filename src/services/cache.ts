// `kfp cache list|clear`: the local step cache (`.kfp/cache/<key>.json`, written by the engine for each step that
// succeeded). Clearing an entry only means that step runs again next time; the run it came from keeps its outputs.
import type {Ctx} from '../ctx.js'
import {listCacheEntries, readRunRaw, removeCacheEntry, type StoredCacheEntry} from './run/store.js'
import {runsStateDir, type RunsScope} from './runs/index.js'

export interface CacheRow {
  key: string
  /** The step (task name) whose outputs can be reused. */
  step: string
  runId: string
  runName: string
  createdAt: string
  /** False when its run or an output artifact is gone (the entry is then never used). */
  valid: boolean
  outputs: StoredCacheEntry['entry']['outputs']
}

export interface ListCacheResult {
  stateDir: string
  entries: CacheRow[]
}

async function rows(stateDir: string): Promise<CacheRow[]> {
  const names = new Map<string, Map<string, string>>()
  const displayName = async (runId: string, task: string) => {
    if (!names.has(runId)) names.set(runId, new Map((await readRunRaw(stateDir, runId))?.tasks?.map((t) => [t.name, t.displayName ?? t.name]) ?? []))
    return names.get(runId)!.get(task) ?? task
  }
  const out: CacheRow[] = []
  for (const e of await listCacheEntries(stateDir)) {
    out.push({key: e.entry.key, step: await displayName(e.entry.runId, e.entry.task), runId: e.entry.runId, runName: e.entry.runName, createdAt: e.entry.createdAt, valid: e.valid, outputs: e.entry.outputs})
  }
  return out.sort((a, b) => a.step.localeCompare(b.step) || b.createdAt.localeCompare(a.createdAt))
}

/** The cache entries, of one step or all. */
export async function listCache(o: RunsScope & {step?: string}, ctx: Pick<Ctx, 'env'>): Promise<ListCacheResult> {
  const stateDir = await runsStateDir(o, ctx)
  const all = await rows(stateDir)
  return {stateDir, entries: o.step === undefined ? all : all.filter((r) => r.step === o.step)}
}

export interface ClearCacheResult {
  stateDir: string
  removed: CacheRow[]
  /** Steps asked for that had no entry. */
  unmatched: string[]
}

/** Removes the cache entries of the given steps (all entries when none is given). */
export async function clearCache(o: RunsScope & {steps: string[]}, ctx: Pick<Ctx, 'env'>): Promise<ClearCacheResult> {
  const stateDir = await runsStateDir(o, ctx)
  const all = await rows(stateDir)
  const wanted = new Set(o.steps)
  const removed = o.steps.length === 0 ? all : all.filter((r) => wanted.has(r.step))
  for (const r of removed) await removeCacheEntry(stateDir, r.key)
  return {stateDir, removed, unmatched: o.steps.filter((s) => !removed.some((r) => r.step === s))}
}
