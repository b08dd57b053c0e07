import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

/** Creates a fresh temp dir; returns its path and a cleanup function. */
export async function tmpdir(prefix = 'kfp-test-'): Promise<{dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  return {dir, cleanup: () => rm(dir, {recursive: true, force: true})}
}

/** `fn` on a fresh temp dir, removed after whatever `fn` does (the tmpdir + try/finally of many tests). */
export async function withTmp<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const tmp = await tmpdir(prefix)
  try {
    return await fn(tmp.dir)
  } finally {
    await tmp.cleanup()
  }
}
