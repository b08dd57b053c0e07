import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import YAML from 'yaml'
import type {Ctx} from '../../ctx.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {userConfigDir} from '../../lib/paths.js'

/** Authentication of a KFP target. Secrets are never stored here: only where to get them. */
export interface KfpAuthConfig {
  type?: 'none' | 'token' | 'cookie' | 'dex' | 'userid'
  /** Read the bearer token from this environment variable. */
  tokenEnv?: string
  /** Read the bearer token from this file (relative to the file that declares the target). */
  tokenFile?: string
  /** Run this command and use its stdout as the bearer token (split into argv without a shell, or an argv array). */
  tokenCommand?: string | string[]
  /** A file holding the Cookie header value, e.g. `oauth2_proxy_kubeflow=…`. */
  cookieFile?: string
  /** Dex login (`kfp login`): the user name (usually an email). The session cookie is kept in the user config folder. */
  username?: string
  /** Dex login: the environment variable holding the password (default KFP_PASSWORD), for logging in again on expiry. */
  passwordEnv?: string
  /**
   * Send `kubeflow-userid: <userId>`: the identity header the multi-user API server trusts (the manifests' USERID_HEADER)
   * when reached directly, e.g. through `kubectl port-forward svc/ml-pipeline 8888:8888`. Istio strips it on the ingress.
   */
  userId?: string
}

/** A `type: kfp` target as written in kfp.yaml `targets:` or in the user config file. */
export interface KfpTargetConfig {
  type: 'kfp'
  endpoint?: string
  namespace?: string
  auth?: KfpAuthConfig
  tls?: {caFile?: string; insecure?: boolean}
  experiment?: string
  pipelineRoot?: string
}

/** A `type: local` target: the embedded engine, optionally pinned to a runner (`runner: docker`). */
export interface LocalTargetConfig {
  type: 'local'
  runner?: 'auto' | 'docker' | 'process'
}

export type AnyTargetConfig = KfpTargetConfig | LocalTargetConfig

/** The per-user config file: targets holding secrets' locations, and the current target per project. */
export interface UserConfig {
  targets?: Record<string, AnyTargetConfig>
  /** Current target per project root (absolute path); `*` outside any project. */
  current?: Record<string, string>
}

/** Path of the per-user config file (created with mode 0600). */
export function userConfigFile(ctx: Pick<Ctx, 'env'>): string {
  return path.join(userConfigDir(ctx.env), 'config.yaml')
}

export async function readUserConfig(ctx: Pick<Ctx, 'env'>): Promise<UserConfig> {
  const file = userConfigFile(ctx)
  if (!existsSync(file)) return {}
  const text = await readFile(file, 'utf8')
  try {
    return (YAML.parse(text) as UserConfig) ?? {}
  } catch (error) {
    throw new CliError('YAML_SYNTAX', `${file}: ${(error as Error).message}`, {exit: EXIT.CONFIG, hints: ['Fix or delete the per-user kfp config file.']})
  }
}

/** Writes the user config atomically with mode 0600 (it may point at secrets). */
export async function writeUserConfig(ctx: Pick<Ctx, 'env'>, cfg: UserConfig): Promise<string> {
  const file = userConfigFile(ctx)
  await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  const {default: writeFileAtomic} = await import('write-file-atomic')
  await writeFileAtomic(file, YAML.stringify(cfg), {mode: 0o600})
  await chmod(file, 0o600)
  return file
}

/** The project file: $KFP_PROJECT, or kfp.yaml in the cwd or a parent folder; undefined when there is none. */
export function findProjectFile(ctx: Pick<Ctx, 'cwd' | 'env'>): string | undefined {
  if (ctx.env.KFP_PROJECT) return path.resolve(ctx.cwd, ctx.env.KFP_PROJECT)
  let dir = path.resolve(ctx.cwd)
  for (;;) {
    const f = path.join(dir, 'kfp.yaml')
    if (existsSync(f)) return f
    const up = path.dirname(dir)
    if (up === dir) return undefined
    dir = up
  }
}

/** The raw `targets:` and `defaultTarget` of kfp.yaml (without validating the rest of the project). */
export async function readProjectTargets(file: string): Promise<{targets: Record<string, AnyTargetConfig>; defaultTarget?: string}> {
  const doc = YAML.parseDocument(await readFile(file, 'utf8'))
  if (doc.errors.length) {
    const e = doc.errors[0]
    const pos = e.linePos?.[0]
    throw new CliError('YAML_SYNTAX', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]}`, {exit: EXIT.CONFIG})
  }
  const data = (doc.toJS() ?? {}) as {targets?: Record<string, AnyTargetConfig>; defaultTarget?: string}
  return {targets: data.targets ?? {}, defaultTarget: data.defaultTarget}
}

/** Sets (or, with `value` undefined, deletes) `targets.<name>` in kfp.yaml, keeping comments and layout. */
export async function editProjectTarget(file: string, name: string, value: AnyTargetConfig | undefined): Promise<void> {
  const doc = YAML.parseDocument(await readFile(file, 'utf8'))
  if (value === undefined) {
    doc.deleteIn(['targets', name])
  } else if (doc.hasIn(['targets']) && YAML.isMap(doc.getIn(['targets']))) {
    doc.setIn(['targets', name], doc.createNode(value))
  } else {
    doc.set('targets', doc.createNode({local: {type: 'local'}, [name]: value}))
  }
  const {default: writeFileAtomic} = await import('write-file-atomic')
  await writeFileAtomic(file, doc.toString())
}
