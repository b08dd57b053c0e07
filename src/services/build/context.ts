import {createHash} from 'node:crypto'
import {createReadStream} from 'node:fs'
import {lstat, readFile, readdir, readlink} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {contextHash, type ContextEntry} from '../../core/build/hash.js'

/** A scanned build context: the entries that go into the tar, and their content hash. */
export interface BuildContext {
  /** Absolute folder of the context (the component folder). */
  dir: string
  /** Dockerfile path relative to `dir`. */
  dockerfile: string
  entries: ContextEntry[]
  /** sha256 hex over the entries and the Dockerfile path (see core/build/hash). */
  hash: string
  /** Whether the Dockerfile exists in the context. */
  hasDockerfile: boolean
}

const HASH_IN_MEMORY_LIMIT = 8 * 1024 * 1024

/**
 * Remembers file hashes by (size, mtime, ctime, inode) so an unchanged context is not read again. Files modified in
 * the last seconds are never trusted from the cache (a write in the same clock tick as the hash would go unseen).
 */
export interface HashCache {
  entries: Record<string, [size: number, mtimeMs: number, ctimeMs: number, ino: number, sha256: string]>
  /** Set when entries changed and the cache should be saved. */
  dirty: boolean
  /** Files changed less than this many ms ago are not cached (default 3000). */
  racyMs?: number
}

const RACY_MS = 3000

function cached(cache: HashCache | undefined, abs: string, st: import('node:fs').Stats): string | undefined {
  const e = cache?.entries[abs]
  if (!e || e[0] !== st.size || e[1] !== st.mtimeMs || e[2] !== st.ctimeMs || e[3] !== st.ino) return undefined
  return e[4]
}

function remember(cache: HashCache | undefined, abs: string, st: import('node:fs').Stats, sha: string): void {
  if (!cache || Date.now() - Math.max(st.mtimeMs, st.ctimeMs) < (cache.racyMs ?? RACY_MS)) return
  cache.entries[abs] = [st.size, st.mtimeMs, st.ctimeMs, st.ino, sha]
  cache.dirty = true
}

async function sha256File(file: string, size: number): Promise<string> {
  if (size <= HASH_IN_MEMORY_LIMIT) return createHash('sha256').update(await readFile(file)).digest('hex')
  const h = createHash('sha256')
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/**
 * Walks a component folder the way `docker build` sends it: `.dockerignore` rules applied (the Dockerfile and
 * `.dockerignore` itself are always sent), symlinks kept as links and never followed (so nothing outside the folder
 * is read), sockets and devices skipped. Ignored folders are not descended unless an exception (`!pattern`) may
 * re-include something below them.
 */
export async function scanContext(dir: string, dockerfile = 'Dockerfile', cache?: HashCache): Promise<BuildContext> {
  const root = path.resolve(dir)
  const dockerfileRel = dockerfile.split(path.sep).join('/')
  let patterns: string[] = []
  try {
    patterns = parseDockerignore(await readFile(path.join(root, '.dockerignore'), 'utf8'))
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  const mod = (await import('@balena/dockerignore')) as unknown as {default: typeof import('@balena/dockerignore').default}
  const ig = mod.default().add(patterns)
  const hasExceptions = patterns.some((p) => p.startsWith('!'))
  const alwaysSent = new Set([dockerfileRel, '.dockerignore'])
  const entries: ContextEntry[] = []
  let hasDockerfile = false

  async function walk(abs: string, rel: string): Promise<void> {
    const names = (await readdir(abs)).sort()
    await Promise.all(
      names.map(async (name) => {
        const childRel = rel ? `${rel}/${name}` : name
        const childAbs = path.join(abs, name)
        const st = await lstat(childAbs)
        const ignored = patterns.length > 0 && !alwaysSent.has(childRel) && ig.ignores(childRel)
        if (st.isDirectory()) {
          if (!ignored) entries.push({path: childRel, type: 'dir', mode: st.mode & 0o7777, size: 0})
          if (!ignored || hasExceptions) await walk(childAbs, childRel)
          return
        }
        if (ignored) return
        if (st.isSymbolicLink()) {
          entries.push({path: childRel, type: 'symlink', mode: st.mode & 0o7777, size: 0, linkname: await readlink(childAbs)})
        } else if (st.isFile()) {
          if (childRel === dockerfileRel) hasDockerfile = true
          let sha = cached(cache, childAbs, st)
          if (!sha) {
            sha = await sha256File(childAbs, st.size)
            remember(cache, childAbs, st, sha)
          }
          entries.push({path: childRel, type: 'file', mode: st.mode & 0o7777, size: st.size, sha256: sha})
        }
      }),
    )
  }
  await walk(root, '')
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return {dir: root, dockerfile: dockerfileRel, entries, hash: contextHash(entries, dockerfileRel), hasDockerfile}
}

/** Lines of a .dockerignore: comments and blank lines dropped, leading '/' and './' removed like Docker does. */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const neg = l.startsWith('!')
      let p = neg ? l.slice(1).trim() : l
      p = p.replace(/^(\.\/)+/, '').replace(/^\/+/, '')
      return neg ? `!${p}` : p
    })
    .filter((l) => l && l !== '!')
}

/**
 * Streams the scanned context as a tar (uid/gid 0, as `docker build` sends it). Files are read when packed;
 * a file that changed size since the scan fails the stream rather than sending a context that differs from its hash.
 */
export async function packContext(ctx: BuildContext): Promise<Readable> {
  // Named export under Node, but only `default` when bundled (CJS interop): accept both.
  const mod = (await import('tar-stream')) as typeof import('tar-stream') & {default?: typeof import('tar-stream')}
  const pack = (mod.pack ?? mod.default!.pack)()
  const write = async () => {
    for (const e of ctx.entries) {
      const abs = path.join(ctx.dir, ...e.path.split('/'))
      const header = {name: e.path, mode: e.mode, uid: 0, gid: 0, mtime: new Date(0)}
      if (e.type === 'dir') {
        await new Promise<void>((res, rej) => pack.entry({...header, name: `${e.path}/`, type: 'directory'}, (err) => (err ? rej(err) : res())))
      } else if (e.type === 'symlink') {
        await new Promise<void>((res, rej) => pack.entry({...header, type: 'symlink', linkname: e.linkname}, (err) => (err ? rej(err) : res())))
      } else {
        await new Promise<void>((res, rej) => {
          const sink = pack.entry({...header, type: 'file', size: e.size}, (err) => (err ? rej(err) : res()))
          const src = createReadStream(abs)
          src.on('error', rej)
          src.pipe(sink)
        })
      }
    }
    pack.finalize()
  }
  write().catch((err) => pack.destroy(err))
  return pack as unknown as Readable
}
