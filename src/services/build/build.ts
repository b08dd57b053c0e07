import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import type {DockerClient} from '../../clients/docker.js'
import {dockerAuthConfig, resolveRegistryCredentials, type ExplicitCredentials, type RegistryCredentials} from '../../clients/registry-auth.js'
import {manifestDigest} from '../../clients/registry-http.js'
import {contentTag, type BuildInputs} from '../../core/build/hash.js'
import {imageRepository, isValidTag, parseBuildArgs, parseImageRef, planTags} from '../../core/build/naming.js'
import {selectComponents} from '../../core/build/select.js'
import type {Project} from '../../core/project/types.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {packContext, scanContext} from './context.js'
import {readBuilds, readHashCache, saveBuildRecord, writeHashCache, type BuildRecord, type BuildsFile} from './records.js'

/** Options of `kfp build`, independent of flags. */
export interface BuildImagesOptions {
  /** The loaded project. */
  project: Project
  /** Step names to build; empty = every step. */
  steps: string[]
  push?: boolean
  /** Extra tags besides the content tag. */
  tags?: string[]
  /** Also tag with the short git commit of the project. */
  gitTag?: boolean
  /** Also tag `latest`. */
  latest?: boolean
  /** `K=V` strings as given to --build-arg. */
  buildArgs?: string[]
  platform?: string
  target?: string
  /** Rebuild even when an image with the content tag exists, without Docker's layer cache. */
  noCache?: boolean
  /** How many images build at once (default 2). */
  parallel?: number
  /** Explicit registry credentials (--registry-username/--password-stdin). */
  credentials?: ExplicitCredentials
  onEvent?: (e: BuildEvent) => void
}

/** The outcome for one image. */
export interface BuildImageResult {
  /** First step using the component. */
  step: string
  steps: string[]
  component: string
  /** Repository without tag. */
  name: string
  /** Full reference with the content tag. */
  image: string
  /** The content tag. */
  tag: string
  tags: string[]
  /** Manifest digest in the registry, when pushed or found there. */
  digest?: string
  /** Whether anything was pushed in this invocation. */
  pushed: boolean
  /** True when no Docker build ran (the image with this content tag already existed). */
  skipped: boolean
  /** Why it was skipped, for humans. */
  reason?: string
  durationMs: number
}

export interface BuildImagesResult {
  images: BuildImageResult[]
  /** Components left out because they have no Dockerfile (only when building every step). */
  withoutDockerfile: string[]
}

/** Progress of `kfp build`, one stream per component. */
export type BuildEvent =
  | {type: 'checking'; component: string}
  | {type: 'building'; component: string; image: string}
  | {type: 'log'; component: string; line: string}
  | {type: 'pushing'; component: string; image: string; current: number; total: number}
  | {type: 'done'; component: string; result: BuildImageResult}
  | {type: 'failed'; component: string; error: CliError}

/** Failures that are not about one image: the daemon, the registry, the credentials, Ctrl-C. */
const GLOBAL_FAILURES: string[] = ['DOCKER_UNAVAILABLE', 'REGISTRY_AUTH', 'REGISTRY_UNREACHABLE', 'INTERRUPTED']

type BuildDocker = Pick<DockerClient, 'inspectImage' | 'buildImage' | 'tagImage' | 'pushImage'>

async function dockerOf(ctx: Ctx): Promise<BuildDocker> {
  if (ctx.clients.docker) return ctx.clients.docker()
  const {createDockerClient} = await import('../../clients/docker.js')
  return createDockerClient(ctx.env)
}

/**
 * Builds (and with `push`, pushes) the images of the selected steps' components. An image whose content tag
 * already exists locally (or, when pushing, in the registry) is not built again; a tag the registry already has is not
 * pushed again. Records each result in `.kfp/builds.json` so `kfp compile` pins `repo@sha256:…`.
 */
export async function buildImages(opts: BuildImagesOptions, ctx: Ctx): Promise<BuildImagesResult> {
  const {project} = opts
  const emit = opts.onEvent ?? (() => {})
  const {selected, unknown} = selectComponents(project, opts.steps)
  if (unknown.length) {
    const u = unknown[0]
    throw new CliError('STEP_NOT_FOUND', `No step named "${u.name}" in ${path.basename(project.file)}.`, {
      exit: EXIT.USAGE,
      hints: [u.suggestion ? `Did you mean "${u.suggestion}"?` : 'Run `kfp steps` to list the steps.', `Steps: ${project.steps.map((s) => s.name).join(', ')}`],
    })
  }
  const {args: buildArgs, invalid} = parseBuildArgs(opts.buildArgs ?? [])
  if (invalid.length) {
    throw new CliError('USAGE', `Invalid --build-arg "${invalid[0]}": expected KEY=VALUE.`, {exit: EXIT.USAGE, hints: ['Example: --build-arg PYTHON_VERSION=3.11']})
  }
  for (const t of opts.tags ?? []) {
    if (!isValidTag(t)) {
      throw new CliError('USAGE', `Invalid --tag "${t}": a tag is up to 128 letters, digits, '_', '.', '-' and cannot start with '.' or '-'.`, {exit: EXIT.USAGE})
    }
  }
  // Pushing needs a registry for every selected component: the project's `registry:` or the component's `images:` entry.
  const unnamed = selected.filter((s) => !project.registry && !project.images?.[s.component])
  if (opts.push && unnamed.length > 0) {
    throw new CliError('PROJECT_INVALID', `--push needs a registry: add \`registry:\` to ${path.basename(project.file)}${project.images ? ` (or an \`images:\` entry for ${unnamed.map((s) => s.component).join(', ')})` : ''}.`, {
      exit: EXIT.CONFIG,
      hints: ['Example: `registry: gcr.io/my-project` (images become <registry>/<pipeline>-<component>:<content hash>).'],
    })
  }
  const inputs: BuildInputs = {buildArgs, target: opts.target, platform: opts.platform}
  const gitCommit = opts.gitTag ? await gitShortCommit(project.root, ctx) : undefined

  // Components named explicitly must be buildable; with every step, components using a stock image are left out.
  const explicit = opts.steps.length > 0
  const withoutDockerfile: string[] = []
  const work = selected.filter((s) => {
    const c = project.components[s.component]
    if (c?.hasDockerfile) return true
    if (explicit) {
      throw new CliError('DOCKERFILE_NOT_FOUND', `Step "${s.steps[0]}" uses component ${s.component}, which has no Dockerfile in ${c?.dir ?? `components/${s.component}`}.`, {
        exit: EXIT.CONFIG,
        hints: [`Add ${path.join(c?.dir ?? `components/${s.component}`, 'Dockerfile')}, or keep using the image in its component.yaml (${c?.image ?? 'none'}) and do not build it.`],
      })
    }
    withoutDockerfile.push(s.component)
    return false
  })

  if (opts.noCache && work.length) (await import('../../clients/docker-build.js')).prefetchDockerode()
  const docker = await dockerOf(ctx)
  const [records, hashCache]: [BuildsFile, Awaited<ReturnType<typeof readHashCache>>] = await Promise.all([readBuilds(project.root), readHashCache(project.root)])
  let writing: Promise<void> = Promise.resolve()
  const save = (rec: BuildRecord) => {
    // An up-to-date component leaves the file untouched (no write at all on a no-change build).
    if (JSON.stringify(records.components[rec.component]) === JSON.stringify(rec)) return writing
    records.components[rec.component] = rec
    // Merged into the file under a lock: parallel `kfp build`s each keep their components (records.ts).
    writing = writing.then(() => saveBuildRecord(project.root, rec))
    return writing
  }

  let credentials: Promise<RegistryCredentials | undefined> | undefined
  const creds = (registry: string) => (credentials ??= resolveRegistryCredentials(registry, {env: ctx.env, exec: ctx.exec, explicit: opts.credentials}))

  // Checking (hashing, inspecting, asking the registry) runs for every component at once; only builds and pushes
  // take one of `parallel` slots, so an up-to-date pipeline costs one round trip, not one per slot.
  const parallel = Math.max(1, Math.floor(opts.parallel ?? 2))
  const STOPPED = Symbol('stopped')
  let stopped = false
  let active = 0
  const waiters: Array<() => void> = []
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    while (active >= parallel) await new Promise<void>((r) => waiters.push(r))
    if (stopped || ctx.signal.aborted) throw STOPPED
    active++
    try {
      return await fn()
    } finally {
      active--
      waiters.shift()?.()
    }
  }

  const buildOne = async (sel: (typeof work)[number]): Promise<BuildImageResult> => {
    const t0 = Date.now()
    const component = project.components[sel.component]
    emit({type: 'checking', component: sel.component})
    const context = await scanContext(path.resolve(project.root, component.dir), 'Dockerfile', hashCache)
    if (!context.hasDockerfile) {
      throw new CliError('DOCKERFILE_NOT_FOUND', `Component ${sel.component} has no Dockerfile in ${component.dir} (or .dockerignore hides it).`, {
        exit: EXIT.CONFIG,
        hints: [`Add ${path.join(component.dir, 'Dockerfile')}.`],
      })
    }
    const repository = imageRepository(project.registry, project.name, sel.component, project.images?.[sel.component])
    const tag = contentTag(context.hash, inputs)
    const image = `${repository}:${tag}`
    const tags = planTags(tag, {tags: opts.tags, gitCommit, latest: opts.latest})
    const previous = records.components[sel.component]
    const ref = parseImageRef(repository)

    let local = opts.noCache ? undefined : await docker.inspectImage(image)
    let remoteDigest: string | undefined
    let remoteChecked = false
    const checkRemote = async () => {
      if (!remoteChecked) remoteDigest = await manifestDigest(ref.registry, ref.repository, tag, {credentials: await creds(ref.registry), actions: 'pull,push', signal: ctx.signal})
      remoteChecked = true
      return remoteDigest
    }
    // When pushing, the registry may already hold this exact content: then nothing needs building at all.
    const satisfiedByRegistry = !local && !opts.noCache && opts.push && tags.length === 1 && (await checkRemote()) !== undefined
    let built = false
    let imageId = local?.id
    let pushed = false
    let digest = previous && previous.repository === repository && previous.tag === tag ? previous.digest : undefined
    await slot(async () => {
      if (!local && !satisfiedByRegistry) {
        emit({type: 'building', component: sel.component, image})
        const r = await buildRetryingLayerRace(async () => docker.buildImage({
          context: await packContext(context),
          dockerfile: context.dockerfile,
          tag: image,
          buildArgs,
          platform: opts.platform,
          target: opts.target,
          noCache: opts.noCache,
          // One label only: the classic builder adds one LABEL step (a layer commit) per label.
          labels: {'dev.kfp.pipeline': project.name},
          signal: ctx.signal,
          onLog: (line) => emit({type: 'log', component: sel.component, line}),
        }))
        built = true
        imageId = r.imageId || imageId
        local = {id: imageId ?? '', repoDigests: [], repoTags: [image]}
      }
      for (const extra of tags.slice(1)) await docker.tagImage(image, repository, extra)

      if (opts.push) {
        const c = await creds(ref.registry)
        const auth = c ? dockerAuthConfig(c) : undefined
        const have = await checkRemote()
        const toPush = have ? tags.slice(1) : tags
        if (have) digest = have
        for (const t of toPush) {
          emit({type: 'pushing', component: sel.component, image: `${repository}:${t}`, current: 0, total: 0})
          const r = await docker.pushImage({
            repository,
            tag: t,
            auth,
            authSource: c?.source,
            signal: ctx.signal,
            onProgress: (p) => emit({type: 'pushing', component: sel.component, image: `${repository}:${t}`, current: p.current, total: p.total}),
          })
          pushed = true
          if (t === tag) digest = r.digest ?? (await manifestDigest(ref.registry, ref.repository, tag, {credentials: c, signal: ctx.signal}))
        }
      }
    })
    const now = ctx.now().toISOString()
    await save({
      component: sel.component,
      repository,
      tag,
      tags,
      contextHash: context.hash,
      imageId: imageId || previous?.imageId,
      builtAt: built || !previous || previous.tag !== tag ? now : previous.builtAt,
      digest,
      pushedAt: pushed ? now : digest ? previous?.pushedAt : undefined,
    })
    const reason = built ? undefined : satisfiedByRegistry ? 'already in the registry' : 'up to date'
    return {step: sel.steps[0], steps: sel.steps, component: sel.component, name: repository, image, tag, tags, digest, pushed, skipped: !built, reason, durationMs: Date.now() - t0}
  }

  const results: Array<BuildImageResult | undefined> = new Array(work.length)
  const errors: CliError[] = []
  await Promise.all(
    work.map(async (sel, i) => {
      try {
        const r = await buildOne(sel)
        results[i] = r
        emit({type: 'done', component: sel.component, result: r})
      } catch (err) {
        if (err === STOPPED) return
        const e = isCliError(err) ? err : new CliError('EXTERNAL_COMMAND_FAILED', `Building ${sel.component} failed: ${(err as Error).message}`, {exit: EXIT.EXTERNAL, cause: err})
        errors.push(e)
        emit({type: 'failed', component: sel.component, error: e})
        // Daemon and credential problems would fail every image the same way: start no further builds or pushes.
        if (GLOBAL_FAILURES.includes(e.kfpCode)) stopped = true
      }
    }),
  )
  await writing
  await writeHashCache(project.root, hashCache).catch(() => {})
  if (ctx.signal.aborted && !errors.length) throw new CliError('INTERRUPTED', 'Interrupted.', {exit: EXIT.INTERRUPTED})
  if (errors.length) {
    const first = errors[0]
    // The same daemon or registry problem hits every image: say it once.
    const others = errors.filter((e) => e.kfpCode !== first.kfpCode || !GLOBAL_FAILURES.includes(first.kfpCode)).length - (GLOBAL_FAILURES.includes(first.kfpCode) ? 0 : 1)
    if (others > 0) first.message += `\n(${others} more image${others > 1 ? 's' : ''} failed too.)`
    throw first
  }
  return {images: results.filter((r): r is BuildImageResult => Boolean(r)), withoutDockerfile}
}

async function gitShortCommit(root: string, ctx: Ctx): Promise<string> {
  const r = await ctx.exec.run('git', ['rev-parse', '--short=12', 'HEAD'], {cwd: root})
  if (r.exitCode !== 0 || !r.stdout.trim()) {
    throw new CliError('USAGE', `--git-tag needs a git repository with at least one commit (in ${root}).`, {
      exit: EXIT.USAGE,
      hints: ['Commit your work first, or drop --git-tag.'],
    })
  }
  const dirty = await ctx.exec.run('git', ['status', '--porcelain'], {cwd: root})
  return `git-${r.stdout.trim()}${dirty.exitCode === 0 && dirty.stdout.trim() ? '-dirty' : ''}`
}

/** Options of `kfp build` before the project is loaded. */
export type BuildProjectOptions = Omit<BuildImagesOptions, 'project'> & {
  /** Where the command runs. */
  cwd: string
  /** --project: kfp.yaml or its folder. */
  project?: string
}

/** Loads the project (kfp.yaml) and builds its images: the service behind `kfp build`. */
export async function buildProject(opts: BuildProjectOptions, ctx: Ctx): Promise<BuildImagesResult> {
  const {loadProject} = await import('../project/load.js')
  const project = await loadProject({cwd: opts.cwd, project: opts.project}, ctx)
  return buildImages({...opts, project}, ctx)
}

/**
 * The classic builder can lose a cached layer that a concurrent build on the same daemon is committing ("failed to
 * set parent …: unknown parent image ID"): kfp builds components in parallel, and components share their first
 * Dockerfile steps. The build itself is fine; it is run again (twice at most) with a fresh context.
 */
export async function buildRetryingLayerRace<T>(build: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await build()
    } catch (error) {
      if (i >= tries || !isLayerRace(error)) throw error
    }
  }
}

function isLayerRace(error: unknown): boolean {
  if (!isCliError(error) || error.code !== 'DOCKER_BUILD_FAILED') return false
  return /unknown parent image ID|failed to set parent/.test(String(error.data?.error ?? error.message))
}
