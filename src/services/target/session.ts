/**
 * Dex sessions of targets (`kfp login`): the session cookie and its expiry, one file per target in the per-user config
 * folder (`sessions/<target>.json`, mode 0600 in a 0700 folder). Never printed.
 */
import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {userConfigDir} from '../../lib/paths.js'

export interface StoredSession {
  endpoint: string
  username: string
  cookie: string
  cookieName: string
  /** ISO time the cookie expires, when the auth proxy said. */
  expiresAt?: string
  createdAt: string
}

export function sessionFile(ctx: Pick<Ctx, 'env'>, target: string): string {
  return path.join(userConfigDir(ctx.env), 'sessions', `${target}.json`)
}

export async function readSession(ctx: Pick<Ctx, 'env'>, target: string): Promise<StoredSession | undefined> {
  const file = sessionFile(ctx, target)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(await readFile(file, 'utf8')) as StoredSession
  } catch {
    return undefined
  }
}

export async function writeSession(ctx: Pick<Ctx, 'env'>, target: string, s: StoredSession): Promise<string> {
  const file = sessionFile(ctx, target)
  await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  await chmod(path.dirname(file), 0o700)
  const {default: writeFileAtomic} = await import('write-file-atomic')
  await writeFileAtomic(file, `${JSON.stringify(s, null, 2)}\n`, {mode: 0o600})
  await chmod(file, 0o600)
  return file
}

/** Whether the session has expired at `now` (a minute early, so a command does not start with a dying cookie). */
export function sessionExpired(s: StoredSession, now: Date): boolean {
  return s.expiresAt !== undefined && Date.parse(s.expiresAt) - 60_000 <= now.getTime()
}
