// Local run history: `.kfp/runs/<id>/run.json` (one folder per run, written atomically, no shared index),
// the cache index `.kfp/cache/<key>.json`, run references (id, id prefix, name, `latest`) and the
// `interrupted` state of runs whose kfp process is gone.
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, open, readdir, readFile, rename, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {isRunFinal, type RunRecord, type TaskOutputs} from '../../core/engine/record.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {processAlive} from '../../clients/process.js'

/** A heartbeat older than this, from a process that still seems alive, means the pid was reused. */
const HEARTBEAT_STALE_MS = 120_000

export function runsDir(stateDir: string): string {
  return path.join(stateDir, 'runs')
}

export function runDir(stateDir: string, id: string): string {
  return path.join(runsDir(stateDir), id)
}

/** A sortable, unique run id: 20250101-120000-a1b2c3. */
export function newRunId(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const d = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`
  return `${d}-${randomBytes(3).toString('hex')}`
}

/** Writes a JSON file atomically (temp file + rename). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true})
  // A unique temp file in the same folder, flushed, then renamed over the target: readers see the old or the new
  // file, never a partial one, and concurrent writers never share a temp file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const fh = await open(tmp, 'w')
  try {
    await fh.writeFile(JSON.stringify(value, null, 2) + '\n')
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, file)
  } catch (err) {
    await rm(tmp, {force: true})
    throw err
  }
}

/** Writes a run record. */
export async function writeRun(stateDir: string, rec: RunRecord): Promise<void> {
  await writeJsonAtomic(path.join(runDir(stateDir, rec.id), 'run.json'), rec)
}

/**
 * Shows a run whose owner is gone as `interrupted`, with its unfinished tasks `cancelled`.
 * Pure apart from the liveness check, which callers may replace.
 */
export function withLiveness(rec: RunRecord, alive: (pid: number) => boolean = processAlive, now = Date.now()): RunRecord {
  if (isRunFinal(rec.status)) return rec
  const beat = Date.parse(rec.heartbeatAt ?? rec.startedAt ?? rec.createdAt)
  const dead = !alive(rec.pid) || (Number.isFinite(beat) && now - beat > HEARTBEAT_STALE_MS)
  if (!dead) return rec
  return {
    ...rec,
    status: 'interrupted',
    message: rec.message ?? `The kfp process (pid ${rec.pid}) that ran this run stopped before it finished.`,
    tasks: rec.tasks.map((t) =>
      t.status === 'running' || t.status === 'pending' ? {...t, status: 'cancelled', message: t.message ?? 'interrupted'} : t,
    ),
  }
}

/** Reads one run record (raw, without the liveness check); undefined when missing or unreadable. */
export async function readRunRaw(stateDir: string, id: string): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(runDir(stateDir, id), 'run.json'), 'utf8')) as RunRecord
  } catch {
    return undefined
  }
}

/** Every run, newest first, with liveness applied. Folders without a readable run.json are ignored. */
export async function listRunRecords(stateDir: string): Promise<RunRecord[]> {
  let ids: string[]
  try {
    ids = await readdir(runsDir(stateDir))
  } catch {
    return []
  }
  const recs = (await Promise.all(ids.map((id) => readRunRaw(stateDir, id)))).filter((r): r is RunRecord => r !== undefined)
  return recs.map((r) => withLiveness(r)).sort((a, b) => (b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)))
}

/**
 * Finds a run by `latest`, id, unique id prefix or name (the newest run with that name).
 * Throws RUN_NOT_FOUND with a hint.
 */
export async function resolveRun(stateDir: string, ref: string, filter?: (r: RunRecord) => boolean): Promise<RunRecord> {
  const all = (await listRunRecords(stateDir)).filter(filter ?? (() => true))
  const notFound = (msg: string) =>
    new CliError('RUN_NOT_FOUND', msg, {exit: EXIT.CONFIG, hints: ['List runs with `kfp runs list`.'], data: {ref, stateDir}})
  if (all.length === 0) throw notFound(`No local runs yet in ${stateDir} (looking for '${ref}').`)
  if (ref === 'latest') return all[0]
  const exact = all.find((r) => r.id === ref) ?? all.find((r) => r.name === ref)
  if (exact) return exact
  const prefixed = all.filter((r) => r.id.startsWith(ref))
  if (prefixed.length === 1) return prefixed[0]
  if (prefixed.length > 1) throw notFound(`'${ref}' matches ${prefixed.length} runs: ${prefixed.map((r) => r.id).join(', ')}. Give more of the id.`)
  throw notFound(`No run '${ref}' (by id, name or 'latest').`)
}

/** Deletes a run folder. */
export async function deleteRunDir(stateDir: string, id: string): Promise<void> {
  await rm(runDir(stateDir, id), {recursive: true, force: true})
}

/** One cache entry: a successful task whose outputs can be reused. */
export interface CacheEntry {
  key: string
  runId: string
  runName: string
  task: string
  outputs: TaskOutputs
  createdAt: string
}

function cacheFile(stateDir: string, key: string): string {
  return path.join(stateDir, 'cache', `${key}.json`)
}

/** Records a successful task under its cache key (one file per key; last writer wins, both are valid). */
export async function writeCacheEntry(stateDir: string, e: CacheEntry): Promise<void> {
  await writeJsonAtomic(cacheFile(stateDir, e.key), e)
}

/**
 * Looks a key up. An entry counts only while its run still exists and its artifact files are still there
 * (deleted runs invalidate their cache entries).
 */
export async function lookupCacheEntry(stateDir: string, key: string): Promise<CacheEntry | undefined> {
  let e: CacheEntry
  try {
    e = JSON.parse(await readFile(cacheFile(stateDir, key), 'utf8')) as CacheEntry
  } catch {
    return undefined
  }
  if (!existsSync(path.join(runDir(stateDir, e.runId), 'run.json'))) return undefined
  for (const a of Object.values(e.outputs.artifacts)) {
    try {
      await stat(a.uri)
    } catch {
      return undefined
    }
  }
  return e
}
