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
}

const expandHome = (p: string) => (p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p)

/**
 * Reads the target's credentials. $KFP_TOKEN wins over the target's own auth. A token command runs via ctx.exec
 * with an argv array (no shell); a failure shows the command and its stderr, never a token.
 */
export async function resolveCredentials(t: ResolvedKfpTarget, ctx: Pick<Ctx, 'env' | 'exec' | 'signal'>): Promise<TargetCredentials> {
  const c = await readCredentials(t, ctx)
  // Never printed from now on, wherever a server or proxy echoes it (src/lib/redact.ts).
  for (const v of Object.values(c.headers)) registerSecret(v.replace(/^Bearer\s+/i, ''))
  return c
}

async function readCredentials(t: ResolvedKfpTarget, ctx: Pick<Ctx, 'env' | 'exec' | 'signal'>): Promise<TargetCredentials> {
  if (ctx.env.KFP_TOKEN) return {headers: {authorization: `Bearer ${ctx.env.KFP_TOKEN.trim()}`}, source: 'the token from $KFP_TOKEN'}
  const a = t.config.auth ?? {}
  const type = a.type ?? (a.cookieFile ? 'cookie' : a.tokenEnv || a.tokenFile || a.tokenCommand ? 'token' : 'none')
  if (type === 'none') return {headers: {}, source: `no credentials (target '${t.name}' has auth type none)`}
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
    return {headers: {cookie: await readSecretFile(a.cookieFile, 'cookie')}, source: `the session cookie from ${a.cookieFile}`}
  }
  let token: string
  let source: string
  if (a.tokenEnv) {
    const v = ctx.env[a.tokenEnv]
    if (!v) {
      throw new CliError('SERVER_AUTH', `Target '${t.name}' takes its token from $${a.tokenEnv}, which is not set.`, {
        exit: EXIT.AUTH,
        hints: [`export ${a.tokenEnv}=<token>`],
      })
    }
    token = v.trim()
    source = `the token from $${a.tokenEnv}`
  } else if (a.tokenFile) {
    token = await readSecretFile(a.tokenFile, 'token')
    source = `the token from ${a.tokenFile}`
  } else if (a.tokenCommand) {
    let argv: string[]
    try {
      argv = Array.isArray(a.tokenCommand) ? a.tokenCommand : splitCommandLine(a.tokenCommand)
    } catch (error) {
      throw new CliError('TARGET_INVALID', `Target '${t.name}' tokenCommand: ${(error as Error).message}`, {exit: EXIT.CONFIG})
    }
    if (argv.length === 0) throw new CliError('TARGET_INVALID', `Target '${t.name}' has an empty tokenCommand.`, {exit: EXIT.CONFIG})
    const r = await ctx.exec.run(argv[0], argv.slice(1), {signal: ctx.signal, timeoutMs: 60_000})
    if (r.exitCode !== 0) throw failedCommand(argv[0], argv.slice(1), {...r, stdout: ''}, [`The token command of target '${t.name}' failed; run it yourself to check.`])
    token = r.stdout.trim().split('\n').pop()!.trim()
    source = `the token printed by \`${argv.join(' ')}\``
  } else {
    throw new CliError('TARGET_INVALID', `Target '${t.name}' uses token auth but sets none of tokenEnv, tokenFile, tokenCommand.`, {exit: EXIT.CONFIG})
  }
  if (!token) throw new CliError('SERVER_AUTH', `The token of target '${t.name}' (${source}) is empty.`, {exit: EXIT.AUTH})
  return {headers: {authorization: `Bearer ${token}`}, source}
}
