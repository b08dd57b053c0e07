import {readFile, mkdir} from 'node:fs/promises'
import path from 'node:path'
import {stateDir} from '../../lib/paths.js'
import type {HashCache} from './context.js'

/** What `kfp build` remembers about the last build of a component (in `.kfp/builds.json`). */
export interface BuildRecord {
  component: string
  /** Repository without tag, e.g. localhost:5000/babyweight-preprocess. */
  repository: string
  /** The content tag (hash of context, Dockerfile and build options). */
  tag: string
  /** Every tag given to the image (content tag first). */
  tags: string[]
  /** Hash of the context files and Dockerfile path alone; `kfp compile` compares it with the sources. */
  contextHash: string
  /** Local image id (sha256:…), when built or present on this machine. */
  imageId?: string
  builtAt: string
  /** Manifest digest in the registry (sha256:…) once pushed or found there. */
  digest?: string
  pushedAt?: string
}

/** The `.kfp/builds.json` file. */
export interface BuildsFile {
  version: 1
  components: Record<string, BuildRecord>
}

/** Path of the build records of a project. */
export function buildsFilePath(projectRoot: string): string {
  return path.join(stateDir(projectRoot), 'builds.json')
}

/** Reads the build records; a missing or unreadable file counts as "nothing built yet" (it is only a cache of facts). */
export async function readBuilds(projectRoot: string): Promise<BuildsFile> {
  try {
    const data = JSON.parse(await readFile(buildsFilePath(projectRoot), 'utf8')) as BuildsFile
    if (data && data.version === 1 && data.components && typeof data.components === 'object') return data
  } catch {
    // fall through
  }
  return {version: 1, components: {}}
}

/** Writes the build records atomically (temp file + rename), so a crash never leaves half a file. */
export async function writeBuilds(projectRoot: string, data: BuildsFile): Promise<void> {
  const file = buildsFilePath(projectRoot)
  await mkdir(path.dirname(file), {recursive: true})
  const {default: writeFileAtomic} = await import('write-file-atomic')
  const sorted: BuildsFile = {version: 1, components: Object.fromEntries(Object.keys(data.components).sort().map((k) => [k, data.components[k]]))}
  await writeFileAtomic(file, `${JSON.stringify(sorted, null, 2)}\n`)
}

/**
 * Records one component's build in `.kfp/builds.json` without losing what other `kfp build`s wrote meanwhile:
 * under a lock, the file is read again, this record merged in, and the file replaced atomically.
 */
export async function saveBuildRecord(projectRoot: string, rec: BuildRecord): Promise<void> {
  const file = buildsFilePath(projectRoot)
  await mkdir(path.dirname(file), {recursive: true})
  const {withFileLock} = await import('../../lib/file-lock.js')
  await withFileLock(file, async () => {
    const current = await readBuilds(projectRoot)
    current.components[rec.component] = rec
    await writeBuilds(projectRoot, current)
  })
}

/** Path of the file-hash cache (`.kfp/hash-cache.json`), which spares re-reading unchanged build contexts. */
export function hashCachePath(projectRoot: string): string {
  return path.join(stateDir(projectRoot), 'hash-cache.json')
}

/** Reads the file-hash cache; anything unreadable counts as empty. */
export async function readHashCache(projectRoot: string): Promise<HashCache> {
  try {
    const data = JSON.parse(await readFile(hashCachePath(projectRoot), 'utf8')) as {version?: number; entries?: HashCache['entries']}
    if (data.version === 1 && data.entries && typeof data.entries === 'object') return {entries: data.entries, dirty: false}
  } catch {
    // fall through
  }
  return {entries: {}, dirty: false}
}

/** Saves the file-hash cache atomically when it changed. */
export async function writeHashCache(projectRoot: string, cache: HashCache): Promise<void> {
  if (!cache.dirty) return
  const file = hashCachePath(projectRoot)
  await mkdir(path.dirname(file), {recursive: true})
  const {default: writeFileAtomic} = await import('write-file-atomic')
  await writeFileAtomic(file, JSON.stringify({version: 1, entries: cache.entries}))
  cache.dirty = false
}
