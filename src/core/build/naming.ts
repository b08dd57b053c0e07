/**
 * Image naming for `kfp build`: repositories, tags and registry hosts. Pure.
 */

/** Docker's rule for a tag: 1–128 chars of [A-Za-z0-9_.-], not starting with '.' or '-'. */
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

/** True when `tag` is a valid Docker image tag. */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag)
}

/**
 * The repository a component's image is built into: `<registry>/<pipeline>-<component>`, or
 * `<pipeline>-<component>` when the project has no registry (a local-only image), unless kfp.yaml `images:` names one
 * for the component (`override`). Lower-cased, as Docker requires.
 */
export function imageRepository(registry: string | undefined, pipeline: string, component: string, override?: string): string {
  if (override) return override.toLowerCase()
  const name = `${pipeline}-${component}`.toLowerCase()
  const prefix = registry?.trim().replace(/\/+$/, '')
  return prefix ? `${prefix}/${name}` : name
}

/** A parsed image reference. `registry` is the host part ('docker.io' when implicit). */
export interface ImageRef {
  registry: string
  /** Path inside the registry, e.g. my-project/babyweight-preprocess (library/ added for docker.io single names). */
  repository: string
  tag?: string
  digest?: string
}

/** Splits `host[:port]/path[:tag][@digest]` the way Docker does (the first part is a host when it has '.', ':' or is localhost). */
export function parseImageRef(ref: string): ImageRef {
  let rest = ref
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : ''
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return {registry: first, repository: rest.slice(slash + 1), tag, digest}
  }
  return {registry: 'docker.io', repository: rest.includes('/') ? rest : `library/${rest}`, tag, digest}
}

/**
 * The registry host of a kfp.yaml `registry:` prefix: its first segment when that is a host (has '.' or ':' or is
 * `localhost`, even with nothing after it: `localhost:5000`, `gcr.io`), else Docker Hub (`myuser` → `docker.io`).
 */
export function registryHostOfPrefix(prefix: string): string {
  const first = prefix.trim().split('/')[0]
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io'
}

/** True for registries on this machine (`localhost:5000`, `127.0.0.1:5000`), which usually need no login. */
export function isLoopbackRegistry(host: string): boolean {
  const name = host.replace(/:\d+$/, '')
  return name === 'localhost' || name === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(name)
}

/** The registry host of a repository (`localhost:5000/x` → `localhost:5000`; `ubuntu` → `docker.io`). */
export function registryHost(repository: string): string {
  return parseImageRef(repository).registry
}

/** The tags one build gets: the content tag first, then extra tags (deduplicated, in order). */
export function planTags(contentTag: string, extra: {tags?: string[]; gitCommit?: string; latest?: boolean} = {}): string[] {
  const out = [contentTag]
  for (const t of [...(extra.tags ?? []), ...(extra.gitCommit ? [extra.gitCommit] : []), ...(extra.latest ? ['latest'] : [])]) {
    if (!out.includes(t)) out.push(t)
  }
  return out
}

/** Parses `--build-arg K=V` values; returns the args and the malformed values. `K` alone is not supported (no env passthrough). */
export function parseBuildArgs(values: readonly string[]): {args: Record<string, string>; invalid: string[]} {
  const args: Record<string, string> = {}
  const invalid: string[] = []
  for (const v of values) {
    const eq = v.indexOf('=')
    const key = eq > 0 ? v.slice(0, eq) : ''
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      invalid.push(v)
      continue
    }
    args[key] = v.slice(eq + 1)
  }
  return {args, invalid}
}
