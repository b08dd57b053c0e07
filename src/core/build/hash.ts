import {createHash} from 'node:crypto'

/** One entry of a build context, as it goes into the tar sent to the Docker daemon. */
export interface ContextEntry {
  /** Path relative to the context root, with '/' separators, no leading './'. */
  path: string
  type: 'file' | 'dir' | 'symlink'
  /** Permission bits (mode & 0o7777). */
  mode: number
  /** Size in bytes (files only; 0 otherwise). */
  size: number
  /** sha256 hex of the file content (files only). */
  sha256?: string
  /** Link target as written in the symlink (symlinks only; never followed). */
  linkname?: string
}

/** What besides the files decides the image: the options of the build. */
export interface BuildInputs {
  buildArgs?: Record<string, string>
  target?: string
  platform?: string
}

/** Length of the content-hash tag (hex characters of sha256). */
export const TAG_HASH_LENGTH = 16

/**
 * The content hash of a build context: sha256 over every entry's path, type, permission bits and content
 * (file sha256 or symlink target) plus the Dockerfile path. Modification times are ignored, so a `touch`
 * or a fresh checkout does not change the hash. Entries may come in any order.
 */
export function contextHash(entries: readonly ContextEntry[], dockerfile: string): string {
  const h = createHash('sha256')
  h.update(`kfp-context-v1\0dockerfile=${dockerfile}\0`)
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  for (const e of sorted) {
    const body = e.type === 'file' ? `${e.size}:${e.sha256 ?? ''}` : e.type === 'symlink' ? (e.linkname ?? '') : ''
    h.update(`${e.type}\0${e.path}\0${(e.mode & 0o7777).toString(8)}\0${body}\n`)
  }
  return h.digest('hex')
}

/**
 * The image tag for a context hash and build options: the first {@link TAG_HASH_LENGTH} hex characters of
 * sha256(context hash, sorted build args, target, platform). Without options it is what `kfp compile` expects.
 */
export function contentTag(ctxHash: string, inputs: BuildInputs = {}): string {
  const h = createHash('sha256')
  h.update(`kfp-tag-v1\0${ctxHash}\0`)
  for (const k of Object.keys(inputs.buildArgs ?? {}).sort()) h.update(`arg\0${k}\0${inputs.buildArgs![k]}\n`)
  if (inputs.target) h.update(`target\0${inputs.target}\n`)
  if (inputs.platform) h.update(`platform\0${inputs.platform}\n`)
  return h.digest('hex').slice(0, TAG_HASH_LENGTH)
}
