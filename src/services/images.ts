import type {Ctx} from '../ctx.js'
import type {Project} from '../core/project/types.js'

/**
 * The image reference each component runs with, keyed by component name.
 * Placeholder until `kfp build` records exist: `<registry>/<pipeline>-<component>:latest` when the project has a
 * registry and the component a Dockerfile, else the component's own `image`.
 */
export async function resolveImages(project: Project, _ctx: Pick<Ctx, 'env'>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const c of Object.values(project.components)) {
    out[c.name] = project.registry && c.hasDockerfile ? `${project.registry}/${project.name}-${c.name}:latest` : c.image
  }
  return out
}
