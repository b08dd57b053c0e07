import type {Ctx} from '../../ctx.js'
import {equalsFilter, listAll, type KfpExperiment, type KfpPipeline, type KfpPipelineVersion} from '../../clients/kfp-api.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {connectRemote, requireNamespace, type RemoteSession} from './connect.js'

/** A pipeline as kfp shows it. */
export interface PipelineInfo {
  id: string
  name: string
  displayName?: string
  description?: string
  createdAt?: string
  namespace?: string
}

export interface PipelineVersionInfo {
  id: string
  name: string
  description?: string
  createdAt?: string
}

const pipelineInfo = (p: KfpPipeline): PipelineInfo => ({
  id: p.pipeline_id ?? '',
  name: p.name ?? p.display_name ?? '',
  displayName: p.display_name,
  description: p.description,
  createdAt: p.created_at,
  namespace: p.namespace || undefined,
})
const versionInfo = (v: KfpPipelineVersion): PipelineVersionInfo => ({
  id: v.pipeline_version_id ?? '',
  name: v.name ?? v.display_name ?? '',
  description: v.description,
  createdAt: v.created_at,
})

const UUIDISH = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface RemoteCommon {
  target?: string
}

export interface ListPipelinesResult {
  pipelines: PipelineInfo[]
  target: string
}

/** `kfp pipelines list`: every pipeline (all pages, newest first), optionally only names containing `contains`. */
export async function listPipelines(o: RemoteCommon & {limit?: number; contains?: string}, ctx: Ctx): Promise<ListPipelinesResult> {
  const s = await connectRemote({target: o.target}, ctx)
  const filter = o.contains ? {predicates: [{operation: 'IS_SUBSTRING' as const, key: 'display_name', string_value: o.contains}]} : undefined
  const items = await listAll((t) => s.api.listPipelines({namespace: s.namespace, pageToken: t, pageSize: 100, sortBy: 'created_at desc', filter}), o.limit)
  return {pipelines: items.map(pipelineInfo), target: s.target.name}
}

async function findPipeline(s: RemoteSession, ref: string): Promise<KfpPipeline> {
  const byName = await s.api.findPipelineByName(ref, s.namespace)
  if (byName) return byName
  if (UUIDISH.test(ref) || /^[\w-]{8,}$/.test(ref)) {
    try {
      return await s.api.getPipeline(ref)
    } catch (error) {
      if ((error as CliError).kfpCode !== 'SERVER_NOT_FOUND') throw error
    }
  }
  throw new CliError('SERVER_NOT_FOUND', `No pipeline named or with id '${ref}' on ${s.target.name}.`, {exit: EXIT.REMOTE, hints: ['List them: kfp pipelines list']})
}

export interface GetPipelineResult {
  pipeline: PipelineInfo
  versions: PipelineVersionInfo[]
  target: string
}

/** `kfp pipelines get NAME|ID`: the pipeline and its versions (newest first). */
export async function getPipeline(o: RemoteCommon & {ref: string}, ctx: Ctx): Promise<GetPipelineResult> {
  const s = await connectRemote({target: o.target}, ctx)
  const p = await findPipeline(s, o.ref)
  const versions = await listAll((t) => s.api.listPipelineVersions(p.pipeline_id!, {pageToken: t, pageSize: 100, sortBy: 'created_at desc'}))
  return {pipeline: pipelineInfo(p), versions: versions.map(versionInfo), target: s.target.name}
}

export interface DeletePipelineResult {
  pipeline: PipelineInfo
  deletedVersions: number
  target: string
}

/** `kfp pipelines delete NAME|ID`: deletes the pipeline and its versions, after confirmation (or --yes). */
export async function deletePipeline(o: RemoteCommon & {ref: string; yes?: boolean}, ctx: Ctx): Promise<DeletePipelineResult> {
  const s = await connectRemote({target: o.target}, ctx)
  const p = await findPipeline(s, o.ref)
  const versions = await listAll((t) => s.api.listPipelineVersions(p.pipeline_id!, {pageToken: t, pageSize: 100}))
  if (!o.yes) {
    const ok = await ctx.prompter.confirm({message: `Delete pipeline ${p.name} and its ${versions.length} version(s) on ${s.target.name}?`, flag: '--yes', default: false})
    if (!ok) throw new CliError('INTERRUPTED', 'Nothing deleted.', {exit: EXIT.INTERRUPTED})
  }
  // Versions first, then the pipeline: servers before 2.15 have no `cascade` (it is dropped as an unknown query field)
  // and refuse to delete a pipeline that still has versions (resource_manager.go `DeletePipeline`).
  for (const v of versions) await s.api.deletePipelineVersion(p.pipeline_id!, v.pipeline_version_id!)
  await s.api.deletePipeline(p.pipeline_id!, true)
  return {pipeline: pipelineInfo(p), deletedVersions: versions.length, target: s.target.name}
}

/** An experiment as kfp shows it. */
export interface ExperimentInfo {
  id: string
  name: string
  description?: string
  createdAt?: string
  lastRunAt?: string
  namespace?: string
  archived: boolean
}

const experimentInfo = (e: KfpExperiment): ExperimentInfo => ({
  id: e.experiment_id ?? '',
  name: e.display_name ?? '',
  description: e.description,
  createdAt: e.created_at,
  lastRunAt: e.last_run_created_at,
  namespace: e.namespace || undefined,
  archived: e.storage_state === 'ARCHIVED',
})

export interface ListExperimentsResult {
  experiments: ExperimentInfo[]
  target: string
}

/** `kfp experiments list`: available experiments (and archived ones with `archived`). */
export async function listExperiments(o: RemoteCommon & {archived?: boolean; limit?: number}, ctx: Ctx): Promise<ListExperimentsResult> {
  const s = await connectRemote({target: o.target}, ctx)
  requireNamespace(s, 'experiments')
  const items = await listAll((t) => s.api.listExperiments({namespace: s.namespace, pageToken: t, pageSize: 100, sortBy: 'created_at desc'}))
  const shown = items.map(experimentInfo).filter((e) => o.archived || !e.archived)
  return {experiments: o.limit ? shown.slice(0, o.limit) : shown, target: s.target.name}
}

/** Finds an experiment by display name (in the session's namespace). */
export async function findExperimentByName(s: RemoteSession, name: string): Promise<KfpExperiment | undefined> {
  requireNamespace(s, 'experiments and runs')
  const page = await s.api.listExperiments({namespace: s.namespace, filter: equalsFilter('display_name', name), pageSize: 10})
  return page.items.find((e) => e.display_name === name)
}

/** Gets an experiment by name, creating it when missing. */
export async function ensureExperiment(s: RemoteSession, name: string, description?: string): Promise<{experiment: KfpExperiment; created: boolean}> {
  const found = await findExperimentByName(s, name)
  if (found) return {experiment: found, created: false}
  try {
    return {experiment: await s.api.createExperiment({display_name: name, description, namespace: s.namespace}), created: true}
  } catch (error) {
    const again = (error as CliError).data?.status === 409 ? await findExperimentByName(s, name) : undefined
    if (again) return {experiment: again, created: false}
    throw error
  }
}

export interface CreateExperimentResult {
  experiment: ExperimentInfo
  created: boolean
  target: string
}

/** `kfp experiments create NAME`: creates it, or returns the existing one of that name (idempotent). */
export async function createExperiment(o: RemoteCommon & {name: string; description?: string}, ctx: Ctx): Promise<CreateExperimentResult> {
  const s = await connectRemote({target: o.target}, ctx)
  const r = await ensureExperiment(s, o.name, o.description)
  return {experiment: experimentInfo(r.experiment), created: r.created, target: s.target.name}
}

export interface ArchiveExperimentResult {
  experiment: ExperimentInfo
  target: string
}

/** `kfp experiments archive NAME|ID`. */
export async function archiveExperiment(o: RemoteCommon & {ref: string}, ctx: Ctx): Promise<ArchiveExperimentResult> {
  const s = await connectRemote({target: o.target}, ctx)
  let e = await findExperimentByName(s, o.ref)
  if (!e) {
    try {
      e = await s.api.getExperiment(o.ref)
    } catch (error) {
      if ((error as CliError).kfpCode !== 'SERVER_NOT_FOUND') throw error
      throw new CliError('SERVER_NOT_FOUND', `No experiment named or with id '${o.ref}' on ${s.target.name}.`, {exit: EXIT.REMOTE, hints: ['kfp experiments list']})
    }
  }
  await s.api.archiveExperiment(e.experiment_id!)
  return {experiment: {...experimentInfo(e), archived: true}, target: s.target.name}
}
