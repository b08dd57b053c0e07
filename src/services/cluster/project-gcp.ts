import {readFile} from 'node:fs/promises'
import path from 'node:path'
import YAML from 'yaml'
import type {Ctx} from '../../ctx.js'

/** The GCP settings of the project in the working directory (`gcp:` and `registry:` of kfp.yaml), when there is one. */
export interface ProjectGcp {
  file?: string
  project?: string
  region?: string
  zone?: string
  bucket?: string
  registry?: string
}

/**
 * Reads the `gcp` and `registry` settings of ./kfp.yaml (or $KFP_PROJECT) for defaults. Tolerant: a missing or
 * unreadable file gives `{}`: the cluster commands work outside a project; `kfp validate` reports broken files.
 */
export async function readProjectGcp(ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<ProjectGcp> {
  const file = ctx.env.KFP_PROJECT ? path.resolve(ctx.cwd, ctx.env.KFP_PROJECT) : path.join(ctx.cwd, 'kfp.yaml')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return {}
  }
  try {
    const doc = YAML.parse(text) as any
    const gcp = doc && typeof doc.gcp === 'object' && doc.gcp ? doc.gcp : {}
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined)
    return {
      file,
      project: str(gcp.project),
      region: str(gcp.region),
      zone: str(gcp.zone),
      bucket: str(gcp.bucket),
      registry: str(doc?.registry),
    }
  } catch {
    return {file}
  }
}
