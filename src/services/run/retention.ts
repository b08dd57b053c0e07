// What removing local runs removes, so that removing one never breaks another (issue 11 point 2, issue 12 item 14).
//
// A run owns two folders: its record and logs (`.kfp/runs/<id>/`) and its data, the run's pipeline root
// (`.kfp/pipeline-root/<pipeline>/<id>/`, see runPipelineRoot). Other runs can point into that data: a step reused
// from the cache or skipped by --start-step carries the producing run's outputs (artifact URIs, and parameters that
// are paths such as a bucket folder), and so do cache entries. Removing a run therefore
//   1. drops the cache entries its steps wrote (those steps run again next time),
//   2. removes its record and logs,
//   3. removes its data unless a remaining run or cache entry still points into it; kept data goes with the last
//      run or entry that uses it (every removal sweeps data whose run is gone and that nothing uses any more).
import {readdir, rm} from 'node:fs/promises'
import path from 'node:path'
import type {RunRecord} from '../../core/engine/record.js'
import {existsSync} from 'node:fs'
import {listCacheEntries, pipelineRootsDir, removeCacheEntry, runDir, runFile, type CacheEntry} from './store.js'

/** Data of a removed run that was kept because something still uses it. */
export interface KeptData {
  runId: string
  /** The kept folder (the run's pipeline root). */
  path: string
  /** Runs that still use it (ids). */
  usedByRuns: string[]
  /** Cache entries that still use it (steps of other runs). */
  usedByCacheEntries: number
}

export interface RemovalReport {
  removed: string[]
  /** Cache entries dropped because their run was removed. */
  droppedCacheEntries: number
  kept: KeptData[]
  /** Data folders of earlier removed runs that nothing uses any more, removed now. */
  sweptData: string[]
}

/** Every run's pipeline root folder on disk: `<roots>/<pipeline>/<id>` → id. */
async function dataFolders(stateDir: string): Promise<Array<{id: string; dir: string}>> {
  const roots = pipelineRootsDir(stateDir)
  const out: Array<{id: string; dir: string}> = []
  let pipelines: string[]
  try {
    pipelines = await readdir(roots)
  } catch {
    return out
  }
  for (const p of pipelines) {
    let ids: string[]
    try {
      ids = await readdir(path.join(roots, p))
    } catch {
      continue
    }
    for (const id of ids) out.push({id, dir: path.join(roots, p, id)})
  }
  return out
}

/** The text that says what a run or cache entry points at: its outputs (and, for runs, the runs it reused). */
function usesText(o: {tasks?: RunRecord['tasks']; outputs?: CacheEntry['outputs']}): string {
  if (o.outputs) return JSON.stringify(o.outputs)
  return JSON.stringify((o.tasks ?? []).map((t) => [t.outputs, t.reusedFrom?.runId]))
}

function pointsInto(text: string, dir: string, id: string): boolean {
  return text.includes(dir) || text.includes(`"${id}"`)
}

/**
 * Removes the runs `ids` (record, logs, cache entries, and their data where nothing else uses it) and sweeps data
 * of runs removed earlier that is no longer used. `remaining` are the run records that stay.
 */
export async function removeRuns(stateDir: string, ids: string[], remaining: RunRecord[]): Promise<RemovalReport> {
  const gone = new Set(ids)
  const entries = await listCacheEntries(stateDir)
  let dropped = 0
  const keptEntries: CacheEntry[] = []
  for (const e of entries) {
    if (gone.has(e.entry.runId)) {
      await removeCacheEntry(stateDir, e.entry.key)
      dropped++
    } else keptEntries.push(e.entry)
  }
  for (const id of ids) await rm(runDir(stateDir, id), {recursive: true, force: true})

  const runUses = remaining.filter((r) => !gone.has(r.id)).map((r) => ({id: r.id, text: usesText(r)}))
  const entryUses = keptEntries.map((e) => usesText(e))
  const report: RemovalReport = {removed: ids, droppedCacheEntries: dropped, kept: [], sweptData: []}
  for (const f of await dataFolders(stateDir)) {
    // Data of a run that still has its record belongs to that run.
    if (!gone.has(f.id) && existsSync(runFile(stateDir, f.id))) continue
    const usedByRuns = runUses.filter((u) => u.id !== f.id && pointsInto(u.text, f.dir, f.id)).map((u) => u.id)
    const usedByCacheEntries = entryUses.filter((t) => pointsInto(t, f.dir, f.id)).length
    if (usedByRuns.length || usedByCacheEntries) {
      if (gone.has(f.id)) report.kept.push({runId: f.id, path: f.dir, usedByRuns, usedByCacheEntries})
      continue
    }
    await rm(f.dir, {recursive: true, force: true})
    if (!gone.has(f.id)) report.sweptData.push(f.dir)
  }
  return report
}

/** One line per fact of a removal report, for the commands. */
export function describeRemoval(r: RemovalReport, relative: (p: string) => string): string[] {
  const lines: string[] = []
  if (r.droppedCacheEntries) {
    lines.push(`Dropped ${r.droppedCacheEntries} cache entr${r.droppedCacheEntries === 1 ? 'y' : 'ies'} of ${r.removed.length === 1 ? 'its' : 'their'} steps (they run again next time).`)
  }
  for (const k of r.kept) {
    const users = [
      ...(k.usedByRuns.length ? [`run${k.usedByRuns.length > 1 ? 's' : ''} ${k.usedByRuns.join(', ')}`] : []),
      ...(k.usedByCacheEntries ? [`${k.usedByCacheEntries} cache entr${k.usedByCacheEntries === 1 ? 'y' : 'ies'}`] : []),
    ].join(' and ')
    lines.push(`Kept the outputs of run ${k.runId} in ${relative(k.path)}: ${users} still use${k.usedByRuns.length + k.usedByCacheEntries === 1 ? 's' : ''} them (removed with the last of those).`)
  }
  if (r.sweptData.length) lines.push(`Removed ${r.sweptData.length} folder${r.sweptData.length > 1 ? 's' : ''} of earlier deleted runs that nothing uses any more.`)
  return lines
}
