import type {Ctx} from '../../ctx.js'
import {loadProject, type LoadProjectOptions} from './load.js'

/** What `kfp validate` reports for a valid project. */
export interface ValidateProjectResult {
  valid: true
  /** Pipeline name. */
  name: string
  /** Absolute path of kfp.yaml. */
  file: string
  steps: number
  params: number
  components: number
}

/** Loads and validates the project; throws the located issues (see loadProject) when it is not valid. */
export async function validateProject(opts: LoadProjectOptions, ctx: Pick<Ctx, 'env'>): Promise<ValidateProjectResult> {
  const project = await loadProject(opts, ctx)
  return {
    valid: true,
    name: project.name,
    file: project.file,
    steps: project.steps.length,
    params: project.params.length,
    components: Object.keys(project.components).length,
  }
}
