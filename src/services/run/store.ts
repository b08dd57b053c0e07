// Local run history: `.kfp/runs/<id>/run.json` (one folder per run, written atomically, no shared index),
// the cache index `.kfp/cache/<key>.json`, run references (id, id prefix, name, `latest`) and the
// `interrupted` state of runs whose kfp process is gone.
import {randomBytes} from 'node:crypto'
import {mkdir, open, readdir, readFile, rename, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {isRunFinal, isTaskFinal, type RunRecord, type TaskOutputs, type TaskRecord} from '../../core/engine/record.js'
import type {TaskNode} from '../../core/engine/tree.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {withFileLock} from '../../lib/file-lock.js'
import {processAlive} from '../../clients/process.js'

/** A heartbeat older than this, from a process that still seems alive, means the pid was reused. */
const HEARTBEAT_STALE_MS = 120_000

export function runsDir(stateDir: string): string {
  return path.join(stateDir, 'runs')
}

export function runDir(stateDir: string, id: string): string {
  return path.join(runsDir(stateDir), id)
}

/**
 * The pipeline root of one local run: `<.kfp>/pipeline-root/<pipeline>/<run-id>`, the layout a KFP server gives a run
 * (kfp-src backend/src/v2/metadata/client.go GetPipeline: GenerateOutputURI(pipelineRoot, [pipelineName, runID])),
 * so no two runs ever write into the same folder. Task outputs go below it as `<task>/<artifact>`
 * (backend/src/v2/driver/driver.go provisionOutputs). A pipeline name that is not a plain folder name (IR files may
 * hold anything) is made one.
 */
export function runPipelineRoot(stateDir: string, pipelineName: string, runId: string): string {
  return path.join(pipelineRootsDir(stateDir), safeSegment(pipelineName), runId)
}

/** The folder holding every local run's pipeline root. */
export function pipelineRootsDir(stateDir: string): string {
  return path.join(stateDir, 'pipeline-root')
}

function safeSegment(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^\.+/, '')
  return s === '' ? 'pipeline' : s.slice(0, 100)
}

/** A sortable, unique run id: 20250101-120000-a1b2c3. */
export function newRunId(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const d = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`
  return `${d}-${randomBytes(3).toString('hex')}`
}

/** How durable an atomic write must be. */
export interface WriteOptions {
  /**
   * Flush the file's data to disk (fsync) before the rename, and the folder after it, so the new content survives
   * an operating-system crash or power loss, not only a killed kfp process. Costs a disk flush; see RecordWriter in
   * execute.ts for where the engine asks for it.
   */
  durable?: boolean
}

/**
 * Writes text to a file atomically: a unique temp file in the same folder, renamed over the target, so readers
 * see the old or the new content, never a partial file, and concurrent writers never share a temp file. The
 * folder is created when missing. Atomicity holds with or without `durable`: a killed process leaves the old or
 * the new file (the page cache belongs to the kernel, not to the process); `durable` adds crash safety.
 */
export async function writeTextAtomic(file: string, text: string, o: WriteOptions = {}): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  let fh
  try {
    fh = await open(tmp, 'w')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw namingTarget(err, file)
    await mkdir(path.dirname(file), {recursive: true})
    fh = await open(tmp, 'w').catch((e) => Promise.reject(namingTarget(e, file)))
  }
  try {
    try {
      await fh.writeFile(text)
      if (o.durable) await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (err) {
    // A partial temp file (the disk filled) would only take space that the next write needs.
    await rm(tmp, {force: true}).catch(() => {})
    throw namingTarget(err, file)
  }
  if (o.durable) await syncDir(path.dirname(file))
}

/** An error of a write through a temp file, naming the file meant (a file handle's write errors name none). */
function namingTarget(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException
  if (e && typeof e === 'object' && (e.path === undefined || e.path.endsWith('.tmp'))) e.path = file
  return err
}

/** Flushes a folder's entries (a rename into it) to disk; best effort where folders cannot be opened (Windows). */
async function syncDir(dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // Not supported on this platform/filesystem: the file itself is flushed already.
  } finally {
    await fh?.close()
  }
}

/** Writes a JSON file atomically (temp file + rename); see writeTextAtomic. */
export async function writeJsonAtomic(file: string, value: unknown, o: WriteOptions = {durable: true}): Promise<void> {
  await writeTextAtomic(file, JSON.stringify(value, null, 2) + '\n', o)
}

/** The path of a run's record. */
export function runFile(stateDir: string, id: string): string {
  return path.join(runDir(stateDir, id), 'run.json')
}

/**
 * A step's success (or cache hit), written into its task folder before the run record learns of it: a kfp killed between the
 * step's exit and the next run.json write would otherwise leave the step `running`, read back as cancelled, and its
 * outputs lost to `--start-step` and to `kfp runs get`. Written atomically without a flush (a killed process still
 * gets its page cache written); the run record, once written, makes it redundant.
 */
export interface TaskResultMarker {
  /** `cached`: the step reused a cache entry (no exit code; `record.reusedFrom` says from where). */
  status: 'succeeded' | 'cached'
  exitCode?: number
  cacheKey?: string
  outputs: TaskOutputs
  finishedAt: string
  /** The step's whole record at its success: put back when run.json has no record of the step at all. */
  record?: TaskRecord
  /** The records of the groups the step ran in, outermost first, as they were then (started, a loop's item count). */
  ancestors?: TaskRecord[]
}

export function taskResultFile(runFolder: string, key: string): string {
  return path.join(runFolder, 'tasks', key, 'result.json')
}

/** The result markers under a run's tasks folder, by task key (the folder path below `tasks/`). */
async function readResultMarkers(folder: string): Promise<Map<string, TaskResultMarker>> {
  const out = new Map<string, TaskResultMarker>()
  let files: string[]
  try {
    files = (await readdir(path.join(folder, 'tasks'), {recursive: true})).filter((f) => path.basename(f) === 'result.json')
  } catch {
    return out
  }
  for (const f of files) {
    try {
      const m = JSON.parse(await readFile(path.join(folder, 'tasks', f), 'utf8')) as TaskResultMarker
      if ((m?.status === 'succeeded' || m?.status === 'cached') && m.outputs) out.set(path.dirname(f).split(path.sep).join('/'), m)
    } catch {
      // A marker being written or damaged: the record stands as it is.
    }
  }
  return out
}

/**
 * Applies the result markers of steps the record still shows unfinished, or does not show at all (a step inside a
 * group whose record no run.json write covered), of a run whose kfp died before writing them.
 */
async function applyResultMarkers(stateDir: string, rec: RunRecord): Promise<void> {
  const markers = await readResultMarkers(runDir(stateDir, rec.id))
  const byKey = new Map(rec.tasks.map((t) => [t.name, t]))
  for (const [key, m] of markers) {
    if (m.record?.name !== key) continue
    for (const r of [...(m.ancestors ?? []), m.record]) {
      const have = byKey.get(r.name)
      if (!have) {
        if (r.parent !== undefined && !byKey.has(r.parent)) break
        rec.tasks.push({...r})
        byKey.set(r.name, rec.tasks.at(-1)!)
      } else if (have.kind !== undefined && have.status === 'pending' && r.status === 'running') {
        // The group had started (no run.json write said so yet): how, and over how many items.
        Object.assign(have, {status: 'running', startedAt: r.startedAt}, r.iterations !== undefined ? {iterations: r.iterations} : {})
      }
    }
  }
  for (const t of rec.tasks) {
    const m = markers.get(t.name)
    if (!m || t.kind !== undefined || (t.status !== 'running' && t.status !== 'pending')) continue
    t.status = m.status
    if (m.exitCode !== undefined) t.exitCode = m.exitCode
    if (m.record?.reusedFrom) t.reusedFrom = m.record.reusedFrom
    t.outputs = m.outputs
    t.finishedAt = m.finishedAt
    if (m.cacheKey) t.cacheKey = m.cacheKey
    t.log ??= path.join('tasks', t.name, 'log.txt')
    delete t.pid
    delete t.processStart
    delete t.containerId
  }
}

/**
 * Closes the groups of an unfinished run whose tasks all ended (core/engine/close-groups.ts), with the DAGs of the
 * spec that ran (read only when such a group exists). A spec that cannot be read leaves the groups as they are.
 */
async function closeGroups(stateDir: string, rec: RunRecord): Promise<void> {
  if (!rec.tasks.some((t) => t.kind !== undefined && !isTaskFinal(t.status))) return
  const spec = await readSpec(runDir(stateDir, rec.id), rec)
  if (!spec) return
  // Only a repair needs the engine's tree and control flow (control.ts, cel.ts): not loaded by every run read.
  const [{planTree, walkTree}, {closeEndedGroups}] = await Promise.all([import('../../core/engine/tree.js'), import('../../core/engine/close-groups.js')])
  let nodes: TaskNode[]
  try {
    nodes = walkTree(planTree(spec))
  } catch {
    return
  }
  const dags = new Map(nodes.map((n) => [n.path, n.component.dag]))
  closeEndedGroups(rec.tasks, (p) => dags.get(p))
}

/**
 * Repairs the record of an unfinished run whose kfp is gone (result markers, ended groups), marks it `interrupted` and
 * writes it back once, so later reads neither probe the owner again nor redo the repair. A live run's record catches up
 * by itself (and a large live run is not read twice over).
 */
async function repairInterrupted(stateDir: string, rec: RunRecord, read: string): Promise<void> {
  await applyResultMarkers(stateDir, rec)
  await closeGroups(stateDir, rec)
  rec.status = 'interrupted'
  const file = runFile(stateDir, rec.id)
  try {
    await withRunLock(stateDir, rec.id, async () => {
      // Another reader repaired it, or `kfp runs cancel` recorded it, since it was read: theirs stands.
      if ((await readFile(file, 'utf8')) !== read) return
      await writeRun(stateDir, rec)
    }, 2000)
  } catch {
    // A read-only or full disk, or the lock held elsewhere: this read shows the repair all the same, a later one writes it.
  }
}

/**
 * Runs `fn` holding the run's lock (`run.json.lock`): the read-modify-write cycles on the record of a run whose kfp is
 * gone (repairInterrupted, `kfp runs cancel`). The engine writing a live run's record needs none: it is the only writer.
 */
export async function withRunLock<T>(stateDir: string, id: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
  let locked = false
  try {
    return await withFileLock(runFile(stateDir, id), () => ((locked = true), fn()), {timeoutMs})
  } catch (err) {
    // The lock file cannot be made (a full or read-only disk, no permission): nor can the record, whose own write
    // then says why, naming run.json.
    if (locked || isCliError(err) || !(err as NodeJS.ErrnoException).code) throw err
    return fn()
  }
}

/** Writes a run record atomically and durably (one-off writes; the engine's frequent updates go through RecordWriter). */
export async function writeRun(stateDir: string, rec: RunRecord, o: WriteOptions = {durable: true}): Promise<void> {
  await writeJsonAtomic(runFile(stateDir, rec.id), rec, o)
}

/**
 * Whether the kfp process that runs an unfinished run is gone (or its pid was reused: a stale heartbeat). The first
 * reader that finds it gone records the run as `interrupted` (repairInterrupted), so this is asked once per run.
 */
function ownerGone(rec: RunRecord, alive: (pid: number) => boolean = processAlive, now = Date.now()): boolean {
  const beat = Date.parse(rec.heartbeatAt ?? rec.startedAt ?? rec.createdAt)
  return !alive(rec.pid) || (Number.isFinite(beat) && now - beat > HEARTBEAT_STALE_MS)
}

/**
 * Shows a run whose owner is gone (or recorded `interrupted`, with its tasks as last recorded) as `interrupted`, with
 * its unfinished tasks `cancelled`. A task whose step may have outlived kfp (its process group still answers, or it
 * ran in a container) says so, and that `kfp runs cancel` stops it; the recorded pid / container id stay in the
 * record for that. Pure apart from the liveness check, which callers may replace.
 */
export function withLiveness(rec: RunRecord, alive: (pid: number) => boolean = processAlive, now = Date.now()): RunRecord {
  if (rec.status !== 'interrupted' && (isRunFinal(rec.status) || !ownerGone(rec, alive, now))) return rec
  const leftover = (t: RunRecord['tasks'][number]): string | undefined => {
    if (t.pid !== undefined && alive(t.pid)) return `its step process (group ${t.pid}) may still be running`
    if (t.containerId) return `its step container ${t.containerId.slice(0, 12)} may still be running`
    return undefined
  }
  const left = rec.tasks.filter((t) => (t.status === 'running' || t.status === 'pending') && leftover(t)).map((t) => t.name)
  const stopHint = left.length ? ` Step${left.length > 1 ? 's' : ''} ${left.join(', ')} may still be running: \`kfp runs cancel ${rec.id}\` stops ${left.length > 1 ? 'them' : 'it'}.` : ''
  return {
    ...rec,
    status: 'interrupted',
    message: rec.message ?? `The kfp process (pid ${rec.pid}) that ran this run stopped before it finished.${stopHint}`,
    tasks: rec.tasks.map((t) => {
      if (t.status !== 'running' && t.status !== 'pending') return t
      const why = leftover(t)
      return {...t, status: 'cancelled', message: t.message ?? (why ? `interrupted; ${why} (\`kfp runs cancel ${rec.id}\` stops it)` : 'interrupted')}
    }),
  }
}

/** A run folder whose run.json cannot be used: named with its path, and removable with `kfp runs delete ID`. */
export interface BadRunRecord {
  id: string
  file: string
  problem: string
}

/** What is wrong with a parsed run.json, if anything (every command relies on these fields). */
function recordProblem(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `it holds ${v === null ? 'null' : Array.isArray(v) ? 'a list' : `a ${typeof v}`}, not a run record`
  const r = v as Partial<RunRecord>
  for (const k of ['id', 'createdAt', 'status', 'name'] as const) if (typeof r[k] !== 'string') return `it has no ${k}`
  if (!Array.isArray(r.tasks)) return 'it has no tasks list'
  if (r.tasks.some((t) => !t || typeof t !== 'object' || typeof t.name !== 'string' || typeof t.status !== 'string')) return 'a task in it has no name or status'
  return undefined
}

/** Reads one run record: the record, a bad record (unreadable or not a record), or undefined when there is none. */
export async function readRunChecked(stateDir: string, id: string): Promise<{rec: RunRecord} | {bad: BadRunRecord} | undefined> {
  const file = runFile(stateDir, id)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // No run.json (yet): a run being created, or an empty folder. Anything else (EACCES, EISDIR) is a bad record.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    return {bad: {id, file, problem: `it cannot be read (${code ?? (err as Error).message})`}}
  }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return {bad: {id, file, problem: text.trim() === '' ? 'it is empty' : 'it is not valid JSON (truncated or overwritten?)'}}
  }
  const problem = recordProblem(v)
  if (problem) return {bad: {id, file, problem}}
  const rec = v as RunRecord
  rec.parameters ??= {}
  rec.explicitParameters ??= {}
  // Older records name the start step's source run by its id only; every reader sees {id, name}.
  const from = rec.startStep?.fromRun as unknown
  if (typeof from === 'string') rec.startStep!.fromRun = {id: from, name: from}
  if (!isRunFinal(rec.status) && ownerGone(rec)) await repairInterrupted(stateDir, rec, text)
  return {rec}
}

/**
 * Reads one run record (raw: an `interrupted` one has its tasks as last recorded, not withLiveness's view);
 * undefined when missing or unusable.
 */
export async function readRunRaw(stateDir: string, id: string): Promise<RunRecord | undefined> {
  const r = await readRunChecked(stateDir, id)
  return r && 'rec' in r ? r.rec : undefined
}

/** A temp file of an atomic write (`<file>.<pid>.<hex>.tmp`) whose writer is gone: a leftover of a killed kfp. */
function leftoverTemp(name: string): boolean {
  const m = /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name)
  return m !== null && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))
}

/** Removes leftover temp files of killed writes from a folder (best effort). */
async function cleanTemps(dir: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  await Promise.all(names.filter(leftoverTemp).map((n) => rm(path.join(dir, n), {force: true}).catch(() => {})))
}

/**
 * Every run, newest first, with liveness applied, and every run folder whose run.json is unusable (never skipped
 * silently: commands name them). Leftover temp files of killed writes are cleaned on the way.
 */
export async function scanRuns(stateDir: string): Promise<{runs: RunRecord[]; bad: BadRunRecord[]}> {
  let ids: string[]
  try {
    ids = await readdir(runsDir(stateDir))
  } catch {
    return {runs: [], bad: []}
  }
  const reads = await Promise.all(
    ids.map(async (id) => {
      await cleanTemps(runDir(stateDir, id))
      return readRunChecked(stateDir, id)
    }),
  )
  const runs: RunRecord[] = []
  const bad: BadRunRecord[] = []
  for (const r of reads) if (r && 'rec' in r) runs.push(withLiveness(r.rec))
  else if (r) bad.push(r.bad)
  runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
  return {runs, bad}
}

/** Every usable run, newest first, with liveness applied (see scanRuns for the unusable ones). */
export async function listRunRecords(stateDir: string): Promise<RunRecord[]> {
  return (await scanRuns(stateDir)).runs
}

/** The error for a run reference that names an unusable record. */
export function badRecordError(b: BadRunRecord): CliError {
  return new CliError('RUN_RECORD_INVALID', `The record of run ${b.id} (${b.file}) is unusable: ${b.problem}.`, {
    exit: EXIT.CONFIG,
    hints: [`Remove the run with \`kfp runs delete ${b.id} --yes\`.`],
    data: {file: b.file, problem: b.problem},
  })
}

/**
 * Finds a run by `latest`, id, unique id prefix or name (the newest run with that name).
 * Throws RUN_NOT_FOUND with a hint.
 */
export async function resolveRun(stateDir: string, ref: string, filter?: (r: RunRecord) => boolean): Promise<RunRecord> {
  const scan = await scanRuns(stateDir)
  const all = scan.runs.filter(filter ?? (() => true))
  const badHit = scan.bad.find((b) => b.id === ref) ?? (ref.length >= 6 ? scan.bad.find((b) => b.id.startsWith(ref)) : undefined)
  if (badHit && !all.some((r) => r.id === ref || r.name === ref)) throw badRecordError(badHit)
  const skipped = scan.bad.length ? [`Skipped ${scan.bad.length} unusable run record${scan.bad.length > 1 ? 's' : ''}: ${scan.bad.map((b) => b.file).join(', ')}.`] : []
  const notFound = (msg: string) =>
    new CliError('RUN_NOT_FOUND', msg, {exit: EXIT.CONFIG, hints: ['List runs with `kfp runs list`.', ...skipped], data: {ref, stateDir}})
  if (all.length === 0) throw notFound(`No local runs yet in ${stateDir} (looking for '${ref}').`)
  if (ref === 'latest') return all[0]
  const exact = all.find((r) => r.id === ref) ?? all.find((r) => r.name === ref)
  if (exact) return exact
  const prefixed = all.filter((r) => r.id.startsWith(ref))
  if (prefixed.length === 1) return prefixed[0]
  if (prefixed.length > 1) throw notFound(`'${ref}' matches ${prefixed.length} runs: ${prefixed.map((r) => r.id).join(', ')}. Give more of the id.`)
  throw notFound(`No run '${ref}' (by id, name or 'latest').`)
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

function cacheDir(stateDir: string): string {
  return path.join(stateDir, 'cache')
}

function cacheFile(stateDir: string, key: string): string {
  return path.join(cacheDir(stateDir), `${key}.json`)
}

/** A cache entry as stored, with whether it can still be reused (its run and artifact files are there). */
export interface StoredCacheEntry {
  entry: CacheEntry
  file: string
  valid: boolean
}

/** Every readable cache entry (unreadable files are skipped: an entry is only a hint that a step can be reused). */
export async function listCacheEntries(stateDir: string): Promise<StoredCacheEntry[]> {
  let names: string[]
  try {
    names = (await readdir(cacheDir(stateDir))).filter((n) => n.endsWith('.json'))
  } catch {
    return []
  }
  const out: StoredCacheEntry[] = []
  for (const n of names.sort()) {
    const key = n.slice(0, -'.json'.length)
    const entry = await readCacheEntry(stateDir, key)
    if (entry) out.push({entry, file: cacheFile(stateDir, key), valid: await cacheEntryUsable(stateDir, entry)})
  }
  return out
}

/** Removes one cache entry (missing is fine). */
export async function removeCacheEntry(stateDir: string, key: string): Promise<void> {
  await rm(cacheFile(stateDir, key), {force: true})
}

async function readCacheEntry(stateDir: string, key: string): Promise<CacheEntry | undefined> {
  try {
    const e = JSON.parse(await readFile(cacheFile(stateDir, key), 'utf8')) as CacheEntry
    if (!e || typeof e !== 'object' || typeof e.runId !== 'string' || typeof e.task !== 'string' || !e.outputs || typeof e.outputs !== 'object') return undefined
    e.outputs.parameters ??= {}
    e.outputs.artifacts ??= {}
    return {...e, key}
  } catch {
    return undefined
  }
}

async function cacheEntryUsable(stateDir: string, e: CacheEntry): Promise<boolean> {
  try {
    await Promise.all([runFile(stateDir, e.runId), ...Object.values(e.outputs.artifacts).map((a) => a.uri)].map((f) => stat(f)))
    return true
  } catch {
    return false
  }
}

/**
 * Records a successful task under its cache key (one file per key; last writer wins, both are valid). Atomic but
 * not flushed to disk: an entry lost in a machine crash only means the task runs again next time.
 */
export async function writeCacheEntry(stateDir: string, e: CacheEntry): Promise<void> {
  await writeJsonAtomic(cacheFile(stateDir, e.key), e, {durable: false})
}

/**
 * Looks a key up. An entry counts only while its run still exists and its artifact files are still there
 * (deleted runs invalidate their cache entries).
 */
export async function lookupCacheEntry(stateDir: string, key: string): Promise<CacheEntry | undefined> {
  const e = await readCacheEntry(stateDir, key)
  return e && (await cacheEntryUsable(stateDir, e)) ? e : undefined
}

/** The compiled spec a local run ran (undefined when it cannot be read). */
export async function readSpec(dir: string, run: RunRecord): Promise<PipelineSpec | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, run.spec), 'utf8')) as PipelineSpec
  } catch {
    return undefined
  }
}
