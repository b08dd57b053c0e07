import path from 'node:path'
import type {Ctx} from '../ctx.js'
import {contentTag} from '../core/build/hash.js'
import {imageRepository} from '../core/build/naming.js'
import type {Project} from '../core/project/types.js'
import {scanContext} from './build/context.js'
import {readBuilds, readHashCache} from './build/records.js'

/**
 * The image reference each component runs with, keyed by component name:
 * - `repo@sha256:…` when the last `kfp build --push` of the component matches its current sources (a run uses exactly
 *   what was built);
 * - `repo:<content tag>` when the last (unpushed) `kfp build` matches the current sources (local runs);
 * - `<registry>/<pipeline>-<component>:<content hash>` (or the component's `images:` repository; the tag `kfp build`
 *   would give it) when the project has a registry or such an entry, and the component a Dockerfile;
 * - else the component's own `image`.
 */
export async function resolveImages(project: Project, _ctx: Pick<Ctx, 'env'>): Promise<Record<string, string>> {
  const [builds, hashCache] = await Promise.all([readBuilds(project.root), readHashCache(project.root)])
  const out: Record<string, string> = {}
  await Promise.all(
    Object.values(project.components).map(async (c) => {
      const record = builds.components[c.name]
      // Named in a registry: the project's `registry:` or this component's `images:` entry.
      const named = Boolean(project.registry || project.images?.[c.name])
      if (!c.hasDockerfile || (!named && !record)) {
        out[c.name] = c.image
        return
      }
      const context = await scanContext(path.resolve(project.root, c.dir), 'Dockerfile', hashCache)
      const repository = imageRepository(project.registry, project.name, c.name, project.images?.[c.name])
      if (record && record.repository === repository && record.contextHash === context.hash) {
        out[c.name] = record.digest ? `${repository}@${record.digest}` : `${repository}:${record.tag}`
      } else if (named) {
        out[c.name] = `${repository}:${contentTag(context.hash)}`
      } else {
        out[c.name] = c.image
      }
    }),
  )
  return out
}
