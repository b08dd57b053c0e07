/**
 * `kfp login TARGET`: a Dex username/password login (src/clients/dex-login.ts) whose session cookie is stored for the
 * target (session.ts, 0600), and the credentials of a `dex` target: the stored cookie, logged in again when it has
 * expired or the server sends the login page, as long as the password is in the environment.
 */
import type {Ctx} from '../../ctx.js'
import {normalizeEndpoint} from '../../clients/kfp-api.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {registerSecret} from '../../lib/redact.js'
import {readUserConfig, writeUserConfig, type KfpTargetConfig} from './config.js'
import {readTargetCa, resolveTarget, type ResolvedKfpTarget, type TargetCredentials} from './resolve.js'
import {readSession, sessionExpired, writeSession, type StoredSession} from './session.js'

/** The environment variable a Dex target's password comes from. */
export const passwordEnvOf = (t: ResolvedKfpTarget): string => t.config.auth?.passwordEnv ?? 'KFP_PASSWORD'

export interface LoginOptions {
  target?: string
  /** --username (default: the target's `auth.username`). */
  username?: string
  /** The password, read by the command from stdin or the environment (never a flag value). */
  password: string
}

export interface LoginResult {
  target: string
  endpoint: string
  username: string
  cookieName: string
  expiresAt?: string
  sessionFile: string
  /** The target's auth was set to dex (in the user config file). */
  configured: boolean
}

/** Logs in through Dex, stores the session for the target, and makes the target use it. */
export async function loginTarget(o: LoginOptions, ctx: Ctx): Promise<LoginResult> {
  const t = await resolveTarget({target: o.target}, ctx)
  if (t.type !== 'kfp') {
    throw new CliError('USAGE', `kfp login is for KFP server targets; '${t.name}' is local.`, {exit: EXIT.USAGE, hints: ['kfp login NAME (see kfp target list)']})
  }
  const username = o.username ?? t.config.auth?.username
  if (!username) {
    throw new CliError('USAGE', `Which user? Pass --username for target '${t.name}' (your Dex login, usually an email).`, {exit: EXIT.USAGE})
  }
  const {session, file} = await dexLoginFor(t, username, o.password, ctx)
  const configured = await rememberDexAuth(t, username, ctx)
  return {target: t.name, endpoint: t.config.endpoint, username, cookieName: session.cookieName, expiresAt: session.expiresAt, sessionFile: file, configured}
}

async function dexLoginFor(t: ResolvedKfpTarget, username: string, password: string, ctx: Pick<Ctx, 'env'> & Partial<Pick<Ctx, 'now'>>): Promise<{session: StoredSession; file: string}> {
  const {dexLogin} = await import('../../clients/dex-login.js')
  const endpoint = normalizeEndpoint(t.config.endpoint)
  const got = await dexLogin({
    url: `${endpoint}/apis/v2beta1/healthz`,
    username,
    password,
    ca: await readTargetCa(t),
    insecure: t.config.tls?.insecure,
    timeoutMs: Number(ctx.env.KFP_HTTP_TIMEOUT_MS) || undefined,
    now: ctx.now,
  })
  const now = ctx.now ? ctx.now() : new Date()
  const session: StoredSession = {endpoint, username, cookie: got.cookie, cookieName: got.cookieName, ...(got.expiresAt ? {expiresAt: got.expiresAt} : {}), createdAt: now.toISOString()}
  return {session, file: await writeSession(ctx, t.name, session)}
}

/** Sets `auth: {type: dex, username}` on the target in the user file, unless it already says so. */
async function rememberDexAuth(t: ResolvedKfpTarget, username: string, ctx: Pick<Ctx, 'env'>): Promise<boolean> {
  const a = t.config.auth
  if (a?.type === 'dex' && a.username === username) return false
  const cfg = await readUserConfig(ctx)
  const existing = (cfg.targets?.[t.name] ?? {type: 'kfp'}) as KfpTargetConfig
  const auth = {type: 'dex' as const, username, ...(existing.auth?.passwordEnv ? {passwordEnv: existing.auth.passwordEnv} : {})}
  cfg.targets = {...cfg.targets, [t.name]: {...existing, type: 'kfp', auth}}
  await writeUserConfig(ctx, cfg)
  return true
}

/** Credentials of a `dex` target: the stored session; a new login when it has expired and the password is at hand. */
export async function dexCredentials(t: ResolvedKfpTarget, ctx: Pick<Ctx, 'env'> & Partial<Pick<Ctx, 'now'>>): Promise<TargetCredentials> {
  const username = t.config.auth?.username
  const pwEnv = passwordEnvOf(t)
  const source = `the Dex session of ${username ?? '?'} (kfp login ${t.name})`
  const relogin = async () => {
    const password = ctx.env[pwEnv]
    if (!password || !username) throw sessionError(t, 'has expired', pwEnv)
    registerSecret(password)
    return {cookie: (await dexLoginFor(t, username, password, ctx)).session.cookie}
  }
  const stored = await readSession(ctx, t.name)
  const now = ctx.now ? ctx.now() : new Date()
  const usable = stored && stored.endpoint === normalizeEndpoint(t.config.endpoint) && !sessionExpired(stored, now)
  if (usable) return {headers: {cookie: stored.cookie}, source, refresh: relogin}
  if (!ctx.env[pwEnv] || !username) throw sessionError(t, stored ? 'has expired' : 'does not exist yet', pwEnv)
  return {headers: await relogin(), source, refresh: relogin}
}

function sessionError(t: ResolvedKfpTarget, what: string, pwEnv: string): CliError {
  return new CliError('SERVER_AUTH', `The Dex login session of target '${t.name}' ${what}.`, {
    exit: EXIT.AUTH,
    hints: [`Log in: kfp login ${t.name} --password-stdin (the password is read from stdin), or set $${pwEnv} and kfp logs in again by itself.`],
  })
}
