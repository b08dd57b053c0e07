import {readFile} from 'node:fs/promises'
import YAML from 'yaml'
import type {Ctx} from '../../ctx.js'
import {findProjectFile} from '../project/load.js'

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
 * Reads the `gcp` and `registry` settings of the project for defaults, found like every other command finds it
 * ($KFP_PROJECT as a file or folder, else the nearest kfp.yaml in cwd or a parent). Tolerant: no project, or an
 * unreadable or invalid file, gives what could be read: the cluster commands and `kfp doctor` work outside a project,
 * and `kfp validate` reports broken files.
 */
export async function readProjectGcp(ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<ProjectGcp> {
  let file: string
  let text: string
  try {
    file = findProjectFile({cwd: ctx.cwd}, ctx)
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
