// Brings an artifact URI's bytes to this machine for a local run: importers and pipeline input artifacts
// (`kfp run --artifact NAME=PATH|gs://…`). Local paths are used in place; gs:// objects (or every object under a
// gs:// prefix) are downloaded with @google-cloud/storage and Application Default Credentials (clients/gcs.ts).
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import type {ObjectStore} from '../../clients/gcs.js'
import {importSource} from '../../core/engine/importer.js'
import type {ArtifactValue} from '../../core/engine/record.js'
import type {IrArtifactSpec} from '../../core/ir/types.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'

export interface FetchOptions {
  stateDir: string
  /** Where a fresh copy goes (reimport, or a first import). */
  freshDir: string
  /**
   * false: an earlier download of the same URI is reused (`.kfp/imports/<hash>/`), as the backend reuses the
   * artifact an earlier import of the URI made (importer_launcher.go findOrNewArtifactToImport).
   */
  reimport: boolean
  objectStore: () => Promise<ObjectStore>
}

export type FetchResult = {ok: true; localPath: string; downloaded: boolean} | {ok: false; error: string; cause?: CliError}

/** The local file or folder holding `uri`'s bytes. */
export async function fetchArtifact(uri: string, o: FetchOptions): Promise<FetchResult> {
  const src = importSource(uri)
  if (src.kind === 'unsupported') return {ok: false, error: `${uri}: the local engine reads local paths and gs:// URIs, not ${src.scheme}://`}
  if (src.kind === 'local') {
    if (!path.isAbsolute(src.path)) return {ok: false, error: `${uri}: a local artifact path must be absolute`}
    return existsSync(src.path) ? {ok: true, localPath: src.path, downloaded: false} : {ok: false, error: `${uri} does not exist`}
  }
  const shared = path.join(o.stateDir, 'imports', createHash('sha256').update(uri).digest('hex').slice(0, 24))
  const name = path.posix.basename(uri.replace(/\/+$/, '')) || 'artifact'
  if (!o.reimport && existsSync(path.join(shared, '.complete'))) return {ok: true, localPath: path.join(shared, name), downloaded: false}
  const dir = o.reimport ? o.freshDir : shared
  const tmp = `${dir}.part-${process.pid}`
  await rm(tmp, {recursive: true, force: true})
  await mkdir(tmp, {recursive: true})
  try {
    const store = await o.objectStore()
    const target = path.join(tmp, name)
    if (!(await store.download(uri, target))) {
      // Not an object: a folder artifact is every object under `uri/`.
      const prefix = uri.replace(/\/+$/, '') + '/'
      const objects = (await store.list(prefix)).filter((u) => !u.endsWith('/'))
      if (objects.length === 0) return {ok: false, error: `${uri} does not exist (no object, and no objects under ${prefix})`}
      for (const u of objects) {
        const file = path.join(target, ...u.slice(prefix.length).split('/'))
        await mkdir(path.dirname(file), {recursive: true})
        await store.download(u, file)
      }
    }
    await writeFile(path.join(tmp, '.complete'), uri + '\n')
    await rm(dir, {recursive: true, force: true})
    await mkdir(path.dirname(dir), {recursive: true})
    await rename(tmp, dir)
    return {ok: true, localPath: path.join(dir, name), downloaded: true}
  } catch (err) {
    return {ok: false, error: (err as Error).message, ...(isCliError(err) ? {cause: err} : {})}
  } finally {
    await rm(tmp, {recursive: true, force: true})
  }
}

/**
 * The pipeline input artifacts of a run (`--artifact NAME=PATH|gs://…`, names already checked by
 * core/engine/params.ts resolveRunArtifacts): relative paths are taken from `cwd`; gs:// objects are downloaded
 * (an earlier download of the same URI is reused). Throws FILE_NOT_FOUND (exit 2) for a path or object that does
 * not exist, and the GCS client's own errors (access refused: exit 4).
 */
export async function resolveInputArtifacts(
  defs: Record<string, IrArtifactSpec>,
  given: Record<string, string>,
  o: {cwd: string; stateDir: string; runDir: string; objectStore: () => Promise<ObjectStore>},
): Promise<Record<string, ArtifactValue>> {
  const out: Record<string, ArtifactValue> = {}
  for (const [name, raw] of Object.entries(given)) {
    const src = importSource(raw)
    const uri = src.kind === 'local' ? path.resolve(o.cwd, src.path) : raw
    const r = await fetchArtifact(uri, {stateDir: o.stateDir, freshDir: path.join(o.runDir, 'inputs', name), reimport: false, objectStore: o.objectStore})
    if (!r.ok) {
      if (r.cause && r.cause.kfpCode !== 'GCS_NOT_FOUND') throw r.cause
      throw new CliError('FILE_NOT_FOUND', `--artifact ${name}: ${r.error}.`, {
        exit: EXIT.USAGE,
        hints: ['Give a local file or folder (absolute or relative to this folder) or gs://BUCKET/OBJECT.'],
      })
    }
    out[name] = {
      uri,
      name,
      type: defs[name].artifactType,
      metadata: {},
      ...(r.localPath !== uri ? {customPath: r.localPath} : {}),
    }
  }
  return out
}
