import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {listAll, type KfpPipelineVersion} from '../../clients/kfp-api.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {platformLimitations} from '../../core/compile/support.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {compileProject} from '../compile.js'
import {defaultVersionName, parseCompiledPipeline, pipelineHash, serverSpecHash, type CompiledPipeline} from '../../core/remote/spec.js'
import {connectRemote, type ConnectOptions, type RemoteSession} from './connect.js'

/** A compiled pipeline ready to send: the parsed documents, the exact text to upload, and where it came from. */
export interface PipelineSource extends CompiledPipeline {
  text: string
  /** The file it was read from, or the project file it was compiled from. */
  origin: string
  /** Folder used for the git commit in version names. */
  dir: string
  /** Step name → task key, when compiled from a project. */
  taskOfStep?: Record<string, string>
  /** What a KFP server cannot run in this pipeline (core/compile/support.ts platformLimitations), and images it pins
   * that a cluster cannot pull (compiled from a project; services/images.ts). */
  warnings: string[]
}

export interface LoadPipelineOptions {
  cwd: string
  /** A compiled file (ours or the Python SDK's). Without it the project is compiled. */
  file?: string
  /** --project */
  project?: string
}

/**
 * Reads a compiled file (uploaded as it is), or compiles the project in memory with the compiler service
 * (src/services/compile.ts). What runs on a server is each step's command as written: `--start-step` reads earlier
 * outputs from ML Metadata (src/services/remote/start-step.ts), not from anything the steps write.
 */
export async function loadPipelineSource(o: LoadPipelineOptions, ctx: Ctx): Promise<PipelineSource> {
  if (o.file) {
    const file = path.resolve(o.cwd, o.file)
    if (/\.(tar\.gz|tgz|zip)$/i.test(file)) {
      throw new CliError('IR_UNSUPPORTED', `${o.file}: archives are not uploaded by kfp; give the compiled YAML file.`, {exit: EXIT.USAGE})
    }
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch {
      throw new CliError('FILE_NOT_FOUND', `No such file: ${o.file}.`, {exit: EXIT.USAGE})
    }
    const parsed = parseCompiledPipeline(text, o.file)
    const warnings = platformLimitations(parsed.spec as unknown as PipelineSpec, 'kfp').map((l) => `${l.message}. ${l.hint}`)
    return {...parsed, text, origin: file, dir: path.dirname(file), warnings}
  }
  const r = await compileProject({cwd: o.cwd, project: o.project, write: false, platform: 'kfp'}, ctx)
  const text = r.yaml
  return {...parseCompiledPipeline(text, r.project.file), text, origin: r.project.file, dir: r.project.root, taskOfStep: r.taskOfStep, warnings: [...r.warnings, ...r.imageWarnings]}
}

export type UploadEvent =
  | {type: 'retry'; attempt: number; reason: string; delayMs: number}
  | {type: 'connected'; endpoint: string; version?: string}
  | {type: 'uploading'; pipeline: string; version: string}
  | {type: 'warning'; message: string}

export interface UploadOptions extends LoadPipelineOptions {
  target?: string
  /** --name: pipeline name (default: pipelineInfo.name). */
  name?: string
  /** --version: version name (default: content hash + git commit). */
  version?: string
  description?: string
  onEvent?: (e: UploadEvent) => void
}

export interface UploadResult {
  pipelineId: string
  pipelineName: string
  versionId: string
  versionName: string
  /** What changed on the server: a new pipeline (with its first version), a new version, or nothing. */
  created: 'pipeline' | 'version' | 'none'
  /** sha256 of the pipeline content. */
  specHash: string
  endpoint: string
  target: string
  url: string
}

async function gitInfo(dir: string, ctx: Ctx): Promise<{commit: string; dirty: boolean} | undefined> {
  try {
    const head = await ctx.exec.run('git', ['rev-parse', '--short', 'HEAD'], {cwd: dir})
    if (head.exitCode !== 0 || !head.stdout.trim()) return undefined
    const status = await ctx.exec.run('git', ['status', '--porcelain', '--', '.'], {cwd: dir})
    return {commit: head.stdout.trim(), dirty: status.exitCode === 0 && status.stdout.trim() !== ''}
  } catch (error) {
    if (isCliError(error) && error.kfpCode === 'TOOL_NOT_FOUND') return undefined
    throw error
  }
}

/** The largest file the upload endpoints read (backend/src/apiserver/common/const.go `MaxFileLength` = 32 << 20). */
export const MAX_UPLOAD_BYTES = 32 << 20

/**
 * Makes sure the server has this pipeline content: finds the pipeline by name (creating it when missing) and its
 * versions; a version whose content hash matches is reused (no new version); otherwise uploads a new version with
 * a `.yaml` filename (the server picks the parser from the filename).
 *
 * - Over 32 MiB: refused before sending (the server would only say "Failed to read a pipeline spec file").
 * - A new pipeline is a metadata-only create, then `upload_version`, so its first version gets our version name. If
 *   that second call fails, the empty pipeline is deleted again.
 * - A shared pipeline (no namespace) on a multi-user server is created with the multipart upload instead: a
 *   metadata-only create of a shared pipeline needs write rights in the server's own namespace
 *   (pipeline_server.go `createPipeline` → `canAccessPipeline`), while the upload skips that check
 *   (pipeline_upload_server.go `canUploadVersionedPipeline`).
 * - Versions are told apart by content hash and by `name`, falling back to `display_name` (servers before 2.14, #11952,
 *   return no `name`).
 */
export async function ensureUploaded(
  s: RemoteSession,
  src: PipelineSource,
  o: {name?: string; version?: string; description?: string; onEvent?: (e: UploadEvent) => void},
  ctx: Ctx,
): Promise<UploadResult> {
  const name = o.name ?? src.spec.pipelineInfo.name
  checkUploadSize(src)
  const hash = pipelineHash(src.spec, src.platformSpec)
  const ns = s.namespace
  const base = {endpoint: s.api.endpoint, target: s.target.name, specHash: hash, pipelineName: name}
  const pipelineUrl = (pid: string, vid: string) => `${s.api.endpoint}/#/pipelines/details/${pid}/version/${vid}`
  const filename = `${name}.yaml`
  const description = o.description ?? (src.spec.pipelineInfo as {description?: string}).description
  let pipeline = await s.api.findPipelineByName(name, ns)
  if (!pipeline && s.multiUser && !ns) {
    const versionName = o.version ?? name
    o.onEvent?.({type: 'uploading', pipeline: name, version: versionName})
    const p = await uploadCall(s, () => s.api.uploadPipeline({content: src.text, filename}, {name, display_name: name, description}))
    const v = (await s.api.listPipelineVersions(p.pipeline_id!, {pageSize: 1})).items[0]
    return {...base, pipelineId: p.pipeline_id!, versionId: v?.pipeline_version_id ?? '', versionName: versionLabel(v) || name, created: 'pipeline', url: pipelineUrl(p.pipeline_id!, v?.pipeline_version_id ?? '')}
  }
  let created: UploadResult['created'] = 'version'
  if (!pipeline) {
    try {
      pipeline = await s.api.createPipeline({name, display_name: name, description, namespace: ns})
      created = 'pipeline'
    } catch (error) {
      // Someone created it in the meantime: use theirs.
      if (isCliError(error) && error.data?.status === 409) pipeline = await s.api.findPipelineByName(name, ns)
      else throw error
    }
  }
  const pid = pipeline!.pipeline_id!
  const versions: KfpPipelineVersion[] = created === 'pipeline' ? [] : await listAll((t) => s.api.listPipelineVersions(pid, {pageToken: t, pageSize: 100}))
  for (const v of versions) {
    let h = serverSpecHash(v.pipeline_spec)
    if (!h && v.pipeline_version_id) h = serverSpecHash((await s.api.getPipelineVersion(pid, v.pipeline_version_id)).pipeline_spec)
    if (h === hash) {
      return {...base, pipelineId: pid, versionId: v.pipeline_version_id!, versionName: versionLabel(v), created: 'none', url: pipelineUrl(pid, v.pipeline_version_id!)}
    }
  }
  const versionName = o.version ?? defaultVersionName(hash, await gitInfo(src.dir, ctx))
  if (versions.some((v) => versionLabel(v) === versionName)) {
    throw new CliError('USAGE', `Pipeline ${name} already has a version named ${versionName} with different content.`, {
      exit: EXIT.USAGE,
      hints: ['Pass another --version, or leave it out to name the version after the content hash.'],
    })
  }
  o.onEvent?.({type: 'uploading', pipeline: name, version: versionName})
  let v: KfpPipelineVersion
  try {
    v = await uploadCall(s, () => s.api.uploadPipelineVersion({content: src.text, filename}, {pipelineid: pid, name: versionName, display_name: versionName, description: o.description}))
  } catch (error) {
    if (created === 'pipeline') await removeEmptyPipeline(s, pid, name, error)
    throw error
  }
  return {...base, pipelineId: pid, versionId: v.pipeline_version_id!, versionName, created, url: pipelineUrl(pid, v.pipeline_version_id!)}
}

/** A version's name: `name`, or `display_name` on servers before 2.14 (which set it from the upload's name). */
const versionLabel = (v: KfpPipelineVersion | undefined): string => v?.name ?? v?.display_name ?? ''

function checkUploadSize(src: PipelineSource): void {
  const bytes = Buffer.byteLength(src.text)
  if (bytes <= MAX_UPLOAD_BYTES) return
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`
  throw new CliError('PIPELINE_TOO_LARGE', `${path.basename(src.origin)} compiles to ${mib(bytes)}; KFP servers read at most ${mib(MAX_UPLOAD_BYTES)} per upload (and answer a larger one only with "Failed to read a pipeline spec file").`, {
    exit: EXIT.USAGE,
    hints: ['Move large constants (long default values, inline data) out of the pipeline: pass them as files in a bucket, or as --param values.'],
  })
}

/** An upload call; a 400 on a multi-user server may be an authorization refusal (the upload handlers answer those with 400). */
async function uploadCall<T>(s: RemoteSession, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (isCliError(error) && error.data?.status === 400 && s.multiUser) {
      error.hints.push(
        `On a multi-user server the upload endpoints answer an authorization refusal with this same 400 (pipeline_upload_server.go): check that your identity may create pipelines in namespace '${s.namespace ?? '(shared)'}' (a contributor of that profile).`,
      )
    }
    throw error
  }
}

/** Deletes the pipeline a failed first upload left without versions; says so (or how to do it) on the error. */
async function removeEmptyPipeline(s: RemoteSession, pid: string, name: string, error: unknown): Promise<void> {
  const note = (h: string) => {
    if (isCliError(error)) error.hints.push(h)
  }
  try {
    await s.api.deletePipeline(pid)
    note(`The empty pipeline ${name} created for this upload was removed again.`)
  } catch {
    note(`The pipeline ${name} (${pid}) was created without a version; remove it: kfp pipelines delete ${pid} --target ${s.target.name}`)
  }
}

/** `kfp upload`: compile (or read FILE), connect, and create the pipeline or a version unless the content is already there. */
export async function uploadPipeline(o: UploadOptions, ctx: Ctx): Promise<UploadResult> {
  const src = await loadPipelineSource(o, ctx)
  for (const message of src.warnings ?? []) o.onEvent?.({type: 'warning', message})
  const session = await connectRemote({target: o.target, onEvent: o.onEvent as ConnectOptions['onEvent']}, ctx)
  return ensureUploaded(session, src, o, ctx)
}
