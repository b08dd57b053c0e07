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
export async function resolveImages(project: Project, ctx: Pick<Ctx, 'env'>): Promise<Record<string, string>> {
  return pinnedImages(await imageStates(project, ctx))
}

/** Component → the image a compile pins, from imageStates. */
export function pinnedImages(states: Awaited<ReturnType<typeof imageStates>>): Record<string, string> {
  return Object.fromEntries(Object.entries(states).map(([c, s]) => [c, s.image]))
}

/**
 * Where the image a compile pins for a component stands: `pushed` (a digest from `kfp build --push`), `local` (built
 * for these sources but never pushed: only this machine has it), `unbuilt` (no build of these sources) or `given`
 * (the component's own `image:`, nothing kfp builds).
 */
export type ImageState = 'pushed' | 'local' | 'unbuilt' | 'given'

export async function imageStates(project: Project, _ctx: Pick<Ctx, 'env'>): Promise<Record<string, {image: string; state: ImageState}>> {
  const [builds, hashCache] = await Promise.all([readBuilds(project.root), readHashCache(project.root)])
  const out: Record<string, {image: string; state: ImageState}> = {}
  await Promise.all(
    Object.values(project.components).map(async (c) => {
      const record = builds.components[c.name]
      // Named in a registry: the project's `registry:` or this component's `images:` entry.
      const named = Boolean(project.registry || project.images?.[c.name])
      if (!c.hasDockerfile || (!named && !record)) {
        out[c.name] = {image: c.image, state: 'given'}
        return
      }
      const context = await scanContext(path.resolve(project.root, c.dir), 'Dockerfile', hashCache)
      const repository = imageRepository(project.registry, project.name, c.name, project.images?.[c.name])
      if (record && record.repository === repository && record.contextHash === context.hash) {
        out[c.name] = record.digest ? {image: `${repository}@${record.digest}`, state: 'pushed'} : {image: `${repository}:${record.tag}`, state: 'local'}
      } else if (named) {
        out[c.name] = {image: `${repository}:${contentTag(context.hash)}`, state: 'unbuilt'}
      } else {
        out[c.name] = {image: c.image, state: 'given'}
      }
    }),
  )
  return out
}

/**
 * Warnings for images a cluster could not pull: built only on this machine, or never built for the current sources.
 * `kfp compile`, `kfp upload`, a remote `kfp run` and `kfp doctor` say them; one line per step, with the command.
 */
export function unpushedImageWarnings(project: Pick<Project, 'steps'>, states: Record<string, {image: string; state: ImageState}>): string[] {
  const out: string[] = []
  for (const step of project.steps) {
    const s = states[step.component]
    if (s?.state === 'local') out.push(`step ${step.name}: image ${s.image} exists only on this machine (built, never pushed); a cluster cannot pull it. Push it: kfp build ${step.name} --push`)
    else if (s?.state === 'unbuilt') out.push(`step ${step.name}: image ${s.image} was never built and pushed for the current sources; a cluster cannot pull it. Build and push it: kfp build ${step.name} --push`)
  }
  return out
}
