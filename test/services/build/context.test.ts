import {chmod, mkdir, symlink, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {packContext, scanContext, type HashCache} from '../../../src/services/build/context.js'
import {tmpdir} from '../../helpers/tmp.js'

interface TarEntry {
  name: string
  type: string
  linkname?: string
  content: string
}

async function untar(stream: NodeJS.ReadableStream): Promise<TarEntry[]> {
  const {extract} = await import('tar-stream')
  const ex = extract()
  const out: TarEntry[] = []
  ex.on('entry', (h, s, next) => {
    const chunks: Buffer[] = []
    s.on('data', (c: unknown) => {
      chunks.push(c as Buffer)
    })
    s.on('end', () => {
      out.push({name: h.name, type: h.type ?? 'file', linkname: h.linkname ?? undefined, content: Buffer.concat(chunks).toString()})
      next()
    })
  })
  await new Promise<void>((res, rej) => {
    ex.on('finish', () => res())
    ex.on('error', rej)
    stream.pipe(ex)
  })
  return out
}

const ctxSuite = suite('build context')
let dir = ''
let cleanup = async () => {}
ctxSuite.before.each(async () => {
  ;({dir, cleanup} = await tmpdir('kfp-ctx-'))
})
ctxSuite.after.each(() => cleanup())

ctxSuite('honours .dockerignore but always sends the Dockerfile and .dockerignore', async () => {
  // Given a component with ignored files, an ignored folder and an exception
  const comp = path.join(dir, 'comp')
  await mkdir(path.join(comp, 'data', 'keep'), {recursive: true})
  await mkdir(path.join(comp, 'node_modules', 'x'), {recursive: true})
  await writeFile(path.join(comp, 'Dockerfile'), 'FROM scratch\n')
  await writeFile(path.join(comp, '.dockerignore'), '# comment\nDockerfile\n*.log\n/node_modules\ndata\n!data/keep/important.txt\n')
  await writeFile(path.join(comp, 'main.py'), 'print(1)\n')
  await writeFile(path.join(comp, 'debug.log'), 'noise')
  await writeFile(path.join(comp, 'node_modules', 'x', 'index.js'), '')
  await writeFile(path.join(comp, 'data', 'big.csv'), '1,2')
  await writeFile(path.join(comp, 'data', 'keep', 'important.txt'), 'keep me')
  // When
  const scanned = await scanContext(comp)
  const entries = await untar(await packContext(scanned))
  // Then
  const names = entries.map((e) => e.name).sort()
  assert.equal(names, ['.dockerignore', 'Dockerfile', 'data/keep/important.txt', 'main.py'])
  assert.is(entries.find((e) => e.name === 'data/keep/important.txt')?.content, 'keep me')
  assert.ok(scanned.hasDockerfile)
})

ctxSuite('never follows a symlink out of the folder', async () => {
  // Given a symlink to a secret file outside the component
  const comp = path.join(dir, 'comp')
  await mkdir(comp)
  await writeFile(path.join(dir, 'secret.txt'), 'TOP-SECRET')
  await writeFile(path.join(comp, 'Dockerfile'), 'FROM scratch\n')
  await symlink(path.join(dir, 'secret.txt'), path.join(comp, 'link.txt'))
  await symlink('..', path.join(comp, 'up'))
  // When
  const entries = await untar(await packContext(await scanContext(comp)))
  // Then the links travel as links, and nothing outside is read
  const link = entries.find((e) => e.name === 'link.txt')
  assert.is(link?.type, 'symlink')
  assert.is(link?.linkname, path.join(dir, 'secret.txt'))
  assert.is(entries.find((e) => e.name === 'up')?.type, 'symlink')
  assert.not.ok(entries.some((e) => e.content.includes('TOP-SECRET')))
  assert.not.ok(entries.some((e) => e.name.startsWith('up/')))
})

ctxSuite('hash: stable across touches, changes with content, mode and ignored files do not count', async () => {
  // Given
  const comp = path.join(dir, 'comp')
  await mkdir(comp)
  await writeFile(path.join(comp, 'Dockerfile'), 'FROM scratch\n')
  await writeFile(path.join(comp, '.dockerignore'), '*.log\n')
  await writeFile(path.join(comp, 'run.sh'), 'echo hi\n')
  const h1 = (await scanContext(comp)).hash
  // When only an ignored file changes, and a file is rewritten with the same content
  await writeFile(path.join(comp, 'x.log'), 'new log')
  await writeFile(path.join(comp, 'run.sh'), 'echo hi\n')
  // Then the hash stays
  assert.is((await scanContext(comp)).hash, h1)
  // When the executable bit changes, then the content
  await chmod(path.join(comp, 'run.sh'), 0o755)
  const h2 = (await scanContext(comp)).hash
  await writeFile(path.join(comp, 'run.sh'), 'echo bye\n')
  const h3 = (await scanContext(comp)).hash
  // Then each change gives a new hash
  assert.is.not(h2, h1)
  assert.is.not(h3, h2)
})

ctxSuite('reports a missing Dockerfile', async () => {
  const comp = path.join(dir, 'comp')
  await mkdir(comp)
  await writeFile(path.join(comp, 'main.py'), '')
  assert.is((await scanContext(comp)).hasDockerfile, false)
})

ctxSuite('the hash cache spares reading unchanged files, yet sees a same-size rewrite with the old mtime', async () => {
  // Given an old file hashed once with a cache
  const comp = path.join(dir, 'comp')
  await mkdir(comp)
  await writeFile(path.join(comp, 'Dockerfile'), 'FROM scratch\n')
  await writeFile(path.join(comp, 'data.txt'), 'aaaa')
  const old = new Date(Date.now() - 60_000)
  for (const f of ['Dockerfile', 'data.txt']) await utimes(path.join(comp, f), old, old)
  const racy: HashCache = {entries: {}, dirty: false}
  await scanContext(comp, 'Dockerfile', racy)
  assert.not.ok(racy.dirty, 'files changed in the last seconds are not cached')
  const cache: HashCache = {entries: {}, dirty: false, racyMs: 0}
  const h1 = (await scanContext(comp, 'Dockerfile', cache)).hash
  // Then the hashes are remembered
  assert.ok(cache.dirty)
  assert.ok(cache.entries[path.join(comp, 'data.txt')])
  assert.is((await scanContext(comp, 'Dockerfile', cache)).hash, h1)
  // When the content changes but size and mtime are put back
  await writeFile(path.join(comp, 'data.txt'), 'bbbb')
  await utimes(path.join(comp, 'data.txt'), old, old)
  // Then the change is still seen (ctime moved)
  assert.is.not((await scanContext(comp, 'Dockerfile', cache)).hash, h1)
  assert.is((await scanContext(comp, 'Dockerfile', cache)).hash, (await scanContext(comp)).hash)
})

ctxSuite.run()
