import {readFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {failedCommand} from '../../clients/exec.js'
import {registerSecret} from '../../lib/redact.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {splitCommandLine} from '../../core/remote/argv.js'
import {
  findProjectFile,
  readProjectTargets,
  readUserConfig,
  userConfigFile,
  type AnyTargetConfig,
  type KfpTargetConfig,
  type LocalTargetConfig,
} from './config.js'

/** Where the chosen target name came from (for messages and `kfp target list`). */
export type TargetSource = 'flag' | 'env' | 'user-current' | 'project-default' | 'default' | 'endpoint-env'

export interface ResolvedLocalTarget {
  name: string
  type: 'local'
  source: TargetSource
  projectFile?: string
  /** The target's `runner:` pin (the user file's wins over kfp.yaml's); --runner and KFP_RUNNER win over it. */
  runner?: 'auto' | 'docker' | 'process'
}

export interface ResolvedKfpTarget {
  name: string
  type: 'kfp'
  source: TargetSource
  projectFile?: string
  /** Merged config: kfp.yaml's, then the user file's, then KFP_ENDPOINT / KFP_NAMESPACE. */
  config: KfpTargetConfig & {endpoint: string}
  /** Folder relative paths (tokenFile, caFile) resolve against: the file that declared them. */
  baseDir: string
}

export type ResolvedTarget = ResolvedLocalTarget | ResolvedKfpTarget

export interface ResolveTargetOptions {
  /** --target NAME */
  target?: string
}

/**
 * Picks the target a command talks to and merges its settings.
 * Name: --target > $KFP_TARGET > `kfp target use` (per project, in the user file) > kfp.yaml defaultTarget > local.
 * A bare $KFP_ENDPOINT without any chosen target makes an ad-hoc `kfp` target named `env` (which `--target env`
 * also names, unless a target of that name is configured).
 * Settings: kfp.yaml `targets.NAME`, overlaid by the user file's `targets.NAME` (secrets' locations), then env vars.
 */
export async function resolveTarget(o: ResolveTargetOptions, ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<ResolvedTarget> {
  const projectFile = findProjectFile(ctx)
  const project = projectFile ? await readProjectTargets(projectFile) : {targets: {} as Record<string, AnyTargetConfig>, defaultTarget: undefined}
  const user = await readUserConfig(ctx)
  const projectKey = projectFile ? path.dirname(projectFile) : '*'
  let name: string
  let source: TargetSource
  if (o.target) [name, source] = [o.target, 'flag']
  else if (ctx.env.KFP_TARGET) [name, source] = [ctx.env.KFP_TARGET, 'env']
  else if (user.current?.[projectKey]) [name, source] = [user.current[projectKey], 'user-current']
  else if (project.defaultTarget) [name, source] = [project.defaultTarget, 'project-default']
  else if (user.current?.['*']) [name, source] = [user.current['*'], 'user-current']
  else [name, source] = ['local', 'default']

  const endpointEnv = ctx.env.KFP_ENDPOINT
  // `--target env` names the ad-hoc target too (the hints of commands run against it say `--target env`).
  const namesAdHoc = name === 'env' && !project.targets.env && !user.targets?.env
  if (endpointEnv && ((name === 'local' && (source === 'default' || source === 'project-default')) || namesAdHoc)) {
    return {
      name: 'env',
      type: 'kfp',
      source: 'endpoint-env',
      projectFile,
      baseDir: ctx.cwd,
      config: {type: 'kfp', endpoint: endpointEnv, namespace: ctx.env.KFP_NAMESPACE || undefined},
    }
  }
  if (name === 'local' && !project.targets.local && !user.targets?.local) return {name, type: 'local', source, projectFile}

  const fromProject = project.targets[name]
  const fromUser = user.targets?.[name]
  if (!fromProject && !fromUser) {
    const known = ['local', ...Object.keys(project.targets), ...Object.keys(user.targets ?? {})].filter((v, i, a) => a.indexOf(v) === i)
    throw new CliError('TARGET_NOT_FOUND', `Unknown target '${name}'${source === 'env' ? ' (from KFP_TARGET)' : ''}. Known targets: ${known.join(', ')}.`, {
      exit: EXIT.CONFIG,
      hints: [`Add it: kfp target add ${name} --endpoint https://HOST/pipeline`, 'List targets: kfp target list'],
    })
  }
  const type = (fromUser?.type ?? fromProject?.type) as string
  if (type === 'local') {
    const runner = (fromUser as LocalTargetConfig | undefined)?.runner ?? (fromProject as LocalTargetConfig | undefined)?.runner
    return {name, type: 'local', source, projectFile, ...(runner ? {runner} : {})}
  }
  if (type !== 'kfp') {
    throw new CliError('TARGET_INVALID', `Target '${name}' has type '${type}'; expected kfp or local.`, {exit: EXIT.CONFIG})
  }
  const p = (fromProject ?? {}) as KfpTargetConfig
  const u = (fromUser ?? {}) as KfpTargetConfig
  const config: KfpTargetConfig = {
    ...p,
    ...u,
    type: 'kfp',
    auth: p.auth || u.auth ? {...p.auth, ...u.auth} : undefined,
    tls: p.tls || u.tls ? {...p.tls, ...u.tls} : undefined,
  }
  if (endpointEnv) config.endpoint = endpointEnv
  if (ctx.env.KFP_NAMESPACE) config.namespace = ctx.env.KFP_NAMESPACE
  if (!config.endpoint) {
    throw new CliError('TARGET_INVALID', `Target '${name}' has no endpoint.`, {
      exit: EXIT.CONFIG,
      hints: [`kfp target add ${name} --endpoint https://HOST/pipeline`, 'Or set KFP_ENDPOINT.'],
    })
  }
  // Relative paths belong to the file that declared them; the user file's win when they set them.
  const baseDir = fromUser && (u.auth?.tokenFile || u.auth?.cookieFile || u.tls?.caFile) ? path.dirname(userConfigFile(ctx)) : projectFile ? path.dirname(projectFile) : ctx.cwd
  return {name, type: 'kfp', source, projectFile, baseDir, config: config as ResolvedKfpTarget['config']}
}

/** Resolved credentials: headers to send and a description of their source (never the secret itself). */
export interface TargetCredentials {
  headers: Record<string, string>
  source: string
  /**
   * Fresh credentials after the server refused these (401, or a login page for a cookie): the token command run again,
   * the token file read again, a Dex login again. Undefined when nothing fresher can be had ($KFP_TOKEN, a token env var).
   */
  refresh?: () => Promise<Record<string, string>>
}

const expandHome = (p: string) => (p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p)

/** The CA bundle of a target's `tls.caFile`, if it has one. */
export async function readTargetCa(target: ResolvedKfpTarget): Promise<Buffer | undefined> {
  if (!target.config.tls?.caFile) return undefined
  const p = path.resolve(target.baseDir, target.config.tls.caFile)
  try {
    return await readFile(p)
  } catch {
    throw new CliError('FILE_NOT_FOUND', `Cannot read the CA file ${p} of target '${target.name}'.`, {exit: EXIT.CONFIG})
  }
}

/** The auth kind a target's `auth` block means (explicit `type`, else the field it sets). */
export function authType(a: KfpTargetConfig['auth']): NonNullable<NonNullable<KfpTargetConfig['auth']>['type']> {
  if (a?.type) return a.type
  if (a?.cookieFile) return 'cookie'
  if (a?.username) return 'dex'
  if (a?.userId) return 'userid'
  return a?.tokenEnv || a?.tokenFile || a?.tokenCommand ? 'token' : 'none'
}

/**
 * Reads the target's credentials. $KFP_TOKEN wins over the target's own auth. A token command runs via ctx.exec
 * with an argv array (no shell); a failure shows the command and its stderr, never a token.
 */
export async function resolveCredentials(t: ResolvedKfpTarget, ctx: Pick<Ctx, 'env' | 'exec' | 'signal'> & Partial<Pick<Ctx, 'now'>>): Promise<TargetCredentials> {
  const c = await readCredentials(t, ctx)
  // Never printed from now on, wherever a server or proxy echoes it (src/lib/redact.ts); refreshed ones too.
  registerHeaders(c.headers)
  const refresh = c.refresh
  return refresh ? {...c, refresh: async () => registerHeaders(await refresh())} : c
}

/** Registers the secret auth headers (a bearer token; a cookie header, whose values registerSecret splits out). */
function registerHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(headers)) if (k !== 'kubeflow-userid') registerSecret(v.replace(/^Bearer\s+/i, ''))
  return headers
}

async function readCredentials(t: ResolvedKfpTarget, ctx: Pick<Ctx, 'env' | 'exec' | 'signal'> & Partial<Pick<Ctx, 'now'>>): Promise<TargetCredentials> {
  if (ctx.env.KFP_TOKEN) return {headers: {authorization: `Bearer ${ctx.env.KFP_TOKEN.trim()}`}, source: 'the token from $KFP_TOKEN'}
  const a = t.config.auth ?? {}
  const type = authType(a)
  if (type === 'none') return {headers: {}, source: `no credentials (target '${t.name}' has auth type none)`}
  if (type === 'userid') {
    if (!a.userId) throw new CliError('TARGET_INVALID', `Target '${t.name}' uses auth type userid but has no userId.`, {exit: EXIT.CONFIG})
    return {headers: {'kubeflow-userid': a.userId}, source: `the kubeflow-userid header (${a.userId})`}
  }
  if (type === 'dex') {
    const {dexCredentials} = await import('./login.js')
    return dexCredentials(t, ctx)
  }
  const readSecretFile = async (file: string, what: string) => {
    const p = path.resolve(t.baseDir, expandHome(file))
    try {
      return (await readFile(p, 'utf8')).trim()
    } catch {
      throw new CliError('FILE_NOT_FOUND', `Cannot read the ${what} file ${p} of target '${t.name}'.`, {exit: EXIT.AUTH, hints: ['Check auth in kfp target list, or re-add the target.']})
    }
  }
  if (type === 'cookie') {
    if (!a.cookieFile) throw new CliError('TARGET_INVALID', `Target '${t.name}' uses cookie auth but has no cookieFile.`, {exit: EXIT.CONFIG})
    const read = async () => ({cookie: await readSecretFile(a.cookieFile!, 'cookie')})
    return {headers: await read(), source: `the session cookie from ${a.cookieFile}`, refresh: read}
  }
  const got = await tokenGetter(t, a, readSecretFile, ctx)
  const bearer = async () => {
    const token = await got.get()
    if (!token) throw new CliError('SERVER_AUTH', `The token of target '${t.name}' (${got.source}) is empty.`, {exit: EXIT.AUTH})
    return {authorization: `Bearer ${token}`}
  }
  return {headers: await bearer(), source: got.source, ...(got.refreshable ? {refresh: bearer} : {})}
}

/** How to get the bearer token of a token target, and whether asking again can give a newer one. */
async function tokenGetter(
  t: ResolvedKfpTarget,
  a: NonNullable<KfpTargetConfig['auth']>,
  readSecretFile: (file: string, what: string) => Promise<string>,
  ctx: Pick<Ctx, 'env' | 'exec' | 'signal'>,
): Promise<{get: () => Promise<string>; source: string; refreshable: boolean}> {
  if (a.tokenEnv) {
    const name = a.tokenEnv
    return {
      source: `the token from $${name}`,
      refreshable: false,
      get: async () => {
        const v = ctx.env[name]
        if (!v) throw new CliError('SERVER_AUTH', `Target '${t.name}' takes its token from $${name}, which is not set.`, {exit: EXIT.AUTH, hints: [`export ${name}=<token>`]})
        return v.trim()
      },
    }
  }
  if (a.tokenFile) {
    // A projected Kubernetes service-account token file is rotated in place: read it again on refresh.
    return {source: `the token from ${a.tokenFile}`, refreshable: true, get: () => readSecretFile(a.tokenFile!, 'token')}
  }
  if (a.tokenCommand) {
    let argv: string[]
    try {
      argv = Array.isArray(a.tokenCommand) ? a.tokenCommand : splitCommandLine(a.tokenCommand)
    } catch (error) {
      throw new CliError('TARGET_INVALID', `Target '${t.name}' tokenCommand: ${(error as Error).message}`, {exit: EXIT.CONFIG})
    }
    if (argv.length === 0) throw new CliError('TARGET_INVALID', `Target '${t.name}' has an empty tokenCommand.`, {exit: EXIT.CONFIG})
    return {
      source: `the token printed by \`${argv.join(' ')}\``,
      refreshable: true,
      get: async () => {
        const r = await ctx.exec.run(argv[0], argv.slice(1), {signal: ctx.signal, timeoutMs: 60_000})
        if (r.exitCode !== 0) throw failedCommand(argv[0], argv.slice(1), {...r, stdout: ''}, [`The token command of target '${t.name}' failed; run it yourself to check.`])
        return r.stdout.trim().split('\n').pop()!.trim()
      },
    }
  }
  throw new CliError('TARGET_INVALID', `Target '${t.name}' uses token auth but sets none of tokenEnv, tokenFile, tokenCommand.`, {exit: EXIT.CONFIG})
}
