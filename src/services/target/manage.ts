import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {normalizeEndpoint} from '../../clients/kfp-api.js'
import {splitCommandLine} from '../../core/remote/argv.js'
import {
  editProjectTarget,
  findProjectFile,
  readProjectTargets,
  readUserConfig,
  userConfigFile,
  writeUserConfig,
  type AnyTargetConfig,
  type KfpTargetConfig,
} from './config.js'

export interface AddTargetOptions {
  name: string
  endpoint: string
  namespace?: string
  tokenEnv?: string
  tokenFile?: string
  tokenCommand?: string
  cookieFile?: string
  /** Send `kubeflow-userid: <id>` (port-forwarded access to a multi-user ml-pipeline service). */
  kubeflowUserId?: string
  caFile?: string
  insecure?: boolean
  experiment?: string
  pipelineRoot?: string
  /** Write to the per-user config file instead of kfp.yaml. */
  user?: boolean
}

export interface AddTargetResult {
  name: string
  file: string
  scope: 'project' | 'user'
  target: KfpTargetConfig
  replaced: boolean
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/i

/** Adds (or replaces) a kfp target in kfp.yaml (comments kept) or, with `user`, in the per-user file (mode 0600). */
export async function addTarget(o: AddTargetOptions, ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<AddTargetResult> {
  if (!NAME_RE.test(o.name)) throw new CliError('USAGE', `Invalid target name '${o.name}': use letters, digits, '.', '_' or '-'.`, {exit: EXIT.USAGE})
  if (o.name === 'local') throw new CliError('USAGE', "'local' is the embedded engine; give the server target another name.", {exit: EXIT.USAGE})
  const authFlags = [
    o.tokenEnv && '--token-env',
    o.tokenFile && '--token-file',
    o.tokenCommand && '--token-command',
    o.cookieFile && '--cookie-file',
    o.kubeflowUserId && '--kubeflow-userid',
  ].filter(Boolean)
  if (authFlags.length > 1) throw new CliError('USAGE', `Use only one of ${authFlags.join(', ')}.`, {exit: EXIT.USAGE})
  if (o.tokenCommand) {
    try {
      if (splitCommandLine(o.tokenCommand).length === 0) throw new Error('empty')
    } catch (error) {
      throw new CliError('USAGE', `--token-command: ${(error as Error).message}`, {exit: EXIT.USAGE})
    }
  }
  let endpoint: string
  try {
    endpoint = normalizeEndpoint(o.endpoint)
    new URL(endpoint)
  } catch {
    throw new CliError('USAGE', `--endpoint ${o.endpoint} is not a URL.`, {exit: EXIT.USAGE, hints: ['e.g. --endpoint https://kubeflow.example.com/pipeline or http://localhost:8080']})
  }
  const target: KfpTargetConfig = {type: 'kfp', endpoint}
  if (o.namespace) target.namespace = o.namespace
  if (o.tokenEnv) target.auth = {type: 'token', tokenEnv: o.tokenEnv}
  if (o.tokenFile) target.auth = {type: 'token', tokenFile: o.tokenFile}
  if (o.tokenCommand) target.auth = {type: 'token', tokenCommand: o.tokenCommand}
  if (o.cookieFile) target.auth = {type: 'cookie', cookieFile: o.cookieFile}
  if (o.kubeflowUserId) target.auth = {type: 'userid', userId: o.kubeflowUserId}
  if (o.caFile || o.insecure) target.tls = {...(o.caFile ? {caFile: o.caFile} : {}), ...(o.insecure ? {insecure: true} : {})}
  if (o.experiment) target.experiment = o.experiment
  if (o.pipelineRoot) target.pipelineRoot = o.pipelineRoot

  if (o.user) {
    const cfg = await readUserConfig(ctx)
    const replaced = Boolean(cfg.targets?.[o.name])
    cfg.targets = {...cfg.targets, [o.name]: target}
    const file = await writeUserConfig(ctx, cfg)
    return {name: o.name, file, scope: 'user', target, replaced}
  }
  const file = findProjectFile(ctx)
  if (!file) {
    throw new CliError('PROJECT_NOT_FOUND', 'No kfp.yaml here or in a parent folder.', {
      exit: EXIT.CONFIG,
      hints: [`Add the target to your user config instead: kfp target add ${o.name} --endpoint ${endpoint} --user`, 'Or create a project: kfp init'],
    })
  }
  const {targets} = await readProjectTargets(file)
  await editProjectTarget(file, o.name, target)
  return {name: o.name, file, scope: 'project', target, replaced: Boolean(targets[o.name])}
}

export interface TargetListEntry {
  name: string
  type: 'local' | 'kfp'
  endpoint?: string
  namespace?: string
  /** Auth kind and where the secret comes from, never the secret. */
  auth: string
  experiment?: string
  pipelineRoot?: string
  /** Where it is defined. */
  scope: Array<'project' | 'user' | 'builtin'>
  current: boolean
}

export interface ListTargetsResult {
  targets: TargetListEntry[]
  current: string
  projectFile?: string
  userFile: string
}

function describeAuth(t: AnyTargetConfig): string {
  if (t.type !== 'kfp') return ''
  const a = t.auth
  if (!a || a.type === 'none') return 'none'
  if (a.cookieFile) return `cookie (file ${a.cookieFile})`
  if (a.tokenEnv) return `token ($${a.tokenEnv})`
  if (a.tokenFile) return `token (file ${a.tokenFile})`
  if (a.tokenCommand) return `token (command ${Array.isArray(a.tokenCommand) ? a.tokenCommand.join(' ') : a.tokenCommand})`
  if (a.type === 'dex' || a.username) return `dex (kfp login as ${a.username ?? '?'})`
  if (a.type === 'userid' || a.userId) return `kubeflow-userid header (${a.userId ?? '?'})`
  return a.type ?? 'none'
}

/** Lists local + project + user targets and marks the current one. */
export async function listTargets(ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<ListTargetsResult> {
  const projectFile = findProjectFile(ctx)
  const project = projectFile ? await readProjectTargets(projectFile) : {targets: {} as Record<string, AnyTargetConfig>, defaultTarget: undefined}
  const user = await readUserConfig(ctx)
  const key = projectFile ? path.dirname(projectFile) : '*'
  const current = ctx.env.KFP_TARGET || user.current?.[key] || project.defaultTarget || user.current?.['*'] || 'local'
  const names = ['local', ...Object.keys(project.targets), ...Object.keys(user.targets ?? {})].filter((v, i, a) => a.indexOf(v) === i)
  const targets = names.map((name): TargetListEntry => {
    const p = project.targets[name]
    const u = user.targets?.[name]
    const merged = {...p, ...u} as AnyTargetConfig
    const type = (merged.type ?? 'local') as 'local' | 'kfp'
    const k = merged as KfpTargetConfig
    const scope: TargetListEntry['scope'] = []
    if (p) scope.push('project')
    if (u) scope.push('user')
    if (!p && !u) scope.push('builtin')
    return {
      name,
      type,
      endpoint: type === 'kfp' ? k.endpoint : undefined,
      namespace: k.namespace,
      auth: type === 'kfp' ? describeAuth({...k, auth: {...(p as KfpTargetConfig)?.auth, ...(u as KfpTargetConfig)?.auth}}) : '',
      experiment: k.experiment,
      pipelineRoot: k.pipelineRoot,
      scope,
      current: name === current,
    }
  })
  return {targets, current, projectFile, userFile: userConfigFile(ctx)}
}

export interface UseTargetResult {
  name: string
  scope: string
  userFile: string
}

/** Makes NAME the current target for this project (or globally outside a project), in the user file. */
export async function useTarget(name: string, ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<UseTargetResult> {
  const list = await listTargets(ctx)
  if (!list.targets.some((t) => t.name === name)) {
    throw new CliError('TARGET_NOT_FOUND', `Unknown target '${name}'. Known targets: ${list.targets.map((t) => t.name).join(', ')}.`, {
      exit: EXIT.CONFIG,
      hints: [`Add it first: kfp target add ${name} --endpoint URL`],
    })
  }
  const cfg = await readUserConfig(ctx)
  const key = list.projectFile ? path.dirname(list.projectFile) : '*'
  cfg.current = {...cfg.current, [key]: name}
  const userFile = await writeUserConfig(ctx, cfg)
  return {name, scope: key === '*' ? 'global' : key, userFile}
}

export interface RemoveTargetResult {
  name: string
  removedFrom: string[]
}

/** Removes NAME from kfp.yaml and/or the user file (only the user file with `user`). */
export async function removeTarget(name: string, o: {user?: boolean}, ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<RemoveTargetResult> {
  if (name === 'local') throw new CliError('USAGE', "The 'local' target is built in and cannot be removed.", {exit: EXIT.USAGE})
  const removedFrom: string[] = []
  const projectFile = findProjectFile(ctx)
  if (!o.user && projectFile) {
    const {targets} = await readProjectTargets(projectFile)
    if (targets[name]) {
      await editProjectTarget(projectFile, name, undefined)
      removedFrom.push(projectFile)
    }
  }
  const cfg = await readUserConfig(ctx)
  let changed = false
  if (cfg.targets?.[name]) {
    delete cfg.targets[name]
    changed = true
  }
  for (const [k, v] of Object.entries(cfg.current ?? {})) {
    if (v === name) {
      delete cfg.current![k]
      changed = true
    }
  }
  if (changed) removedFrom.push(await writeUserConfig(ctx, cfg))
  if (removedFrom.length === 0) {
    throw new CliError('TARGET_NOT_FOUND', `No target named '${name}'${o.user ? ' in the user config' : ''}.`, {exit: EXIT.CONFIG, hints: ['kfp target list']})
  }
  return {name, removedFrom}
}
