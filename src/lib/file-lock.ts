// A lock file beside a shared file, for read-modify-write cycles between kfp processes (parallel `kfp build`s
// updating .kfp/builds.json). `open(…, 'wx')` is atomic on local filesystems; the lock holds the owner's pid, and a
// lock whose owner is gone (killed kfp) or that is older than `staleMs` is taken over.
import {open, readFile, rm, stat} from 'node:fs/promises'
import {CliError, EXIT} from './errors.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function stale(lock: string, staleMs: number): Promise<boolean> {
  try {
    const [text, st] = await Promise.all([readFile(lock, 'utf8'), stat(lock)])
    const pid = Number(text.trim())
    return (Number.isInteger(pid) && pid > 0 && !alive(pid)) || Date.now() - st.mtimeMs > staleMs
  } catch {
    return false
  }
}

/** Another process held the lock for the whole wait: the environment, not kfp (exit 5). */
function lockTimeout(lock: string): CliError {
  return new CliError('FS_ERROR', `${lock} is held by another kfp process.`, {
    exit: EXIT.EXTERNAL,
    hints: ['Wait for the other kfp command to finish and run again; if none is running, remove the lock file.'],
  })
}

/** Runs `fn` while holding `<file>.lock`; waits (up to `timeoutMs`) for another holder. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, o: {timeoutMs?: number; staleMs?: number} = {}): Promise<T> {
  const lock = `${file}.lock`
  const deadline = Date.now() + (o.timeoutMs ?? 60_000)
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      const fh = await open(lock, 'wx')
      try {
        await fh.writeFile(String(process.pid))
      } catch (err) {
        // A full disk: an empty lock would hold every other process off until it is stale.
        await rm(lock, {force: true})
        throw err
      } finally {
        await fh.close()
      }
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (await stale(lock, o.staleMs ?? 30_000)) {
        await rm(lock, {force: true})
        continue
      }
      if (Date.now() > deadline) throw lockTimeout(lock)
      await new Promise((r) => setTimeout(r, wait + Math.random() * wait))
    }
  }
  try {
    return await fn()
  } finally {
    await rm(lock, {force: true})
  }
}
