import type {Ctx} from '../../ctx.js'
import {createKfpApi, type KfpApi, type KfpHealth} from '../../clients/kfp-api.js'
import type {MlmdClient, MlmdConnection} from '../../clients/mlmd.js'
import {CliError, EXIT, isCliError} from '../../lib/errors.js'
import {readTargetCa, resolveCredentials, resolveTarget, type ResolvedKfpTarget} from '../target/resolve.js'

/** A live connection to a KFP server: the client, the target it came from, and what the server said about itself. */
export interface RemoteSession {
  api: KfpApi
  target: ResolvedKfpTarget
  health: KfpHealth
  /** Server version (tag), when it says. */
  serverVersion?: string
  namespace?: string
  /** healthz `multi_user`: experiments, runs and namespaced pipelines live in profile namespaces. */
  multiUser: boolean
  /** ML Metadata behind the same endpoint and credentials (src/clients/mlmd.ts, loaded on first use). */
  mlmd: () => Promise<MlmdClient>
}

export interface ConnectOptions {
  /** --target NAME */
  target?: string
  /**
   * What to say when the chosen target is local (default: a config error asking for a KFP target). Commands that only
   * make sense on a server give their own usage error with what to do locally instead.
   */
  whenLocal?: {message: string; hints: string[]; exit: number}
  /** Progress: retries and the health check. */
  onEvent?: (e: {type: 'retry'; attempt: number; reason: string; delayMs: number} | {type: 'connected'; endpoint: string; version?: string}) => void
}

/** Resolves a kfp target (throws when the chosen target is local) and connects to it. */
export async function connectRemote(o: ConnectOptions, ctx: Ctx): Promise<RemoteSession> {
  const target = await resolveTarget({target: o.target}, ctx)
  if (target.type !== 'kfp' && o.whenLocal) {
    const w = o.whenLocal
    throw new CliError(w.exit === EXIT.USAGE ? 'USAGE' : 'TARGET_INVALID', w.message.replaceAll('{target}', target.name), {exit: w.exit, hints: w.hints})
  }
  if (target.type !== 'kfp') {
    throw new CliError('TARGET_INVALID', `This command needs a KFP server target, but the current target is '${target.name}' (local).`, {
      exit: EXIT.CONFIG,
      hints: ['Pass --target NAME (see kfp target list), set KFP_ENDPOINT, or add one: kfp target add prod --endpoint https://HOST/pipeline'],
    })
  }
  return connectTarget(target, o, ctx)
}

/**
 * First contact with a server: builds the client with credentials and TLS settings, then checks
 * `/apis/v2beta1/healthz`. A server that only has v1beta1 (KFP 1.x) is reported as unsupported.
 */
export async function connectTarget(target: ResolvedKfpTarget, o: ConnectOptions, ctx: Ctx): Promise<RemoteSession> {
  const creds = await resolveCredentials(target, ctx)
  const ca = await readTargetCa(target)
  const timeoutMs = Number(ctx.env.KFP_HTTP_TIMEOUT_MS) || undefined
  const factory = ctx.clients.kfpApi ?? createKfpApi
  // The credentials of this command; after a refused request the API client refreshes them, and every client
  // (API, ML Metadata) sends the fresh ones from then on.
  let current = creds.headers
  const refresh = creds.refresh
  const api = factory({
    endpoint: target.config.endpoint,
    headers: async () => current,
    ...(refresh ? {refreshHeaders: async () => (current = await refresh())} : {}),
    authSource: creds.source,
    targetName: target.name,
    ca,
    insecure: target.config.tls?.insecure,
    timeoutMs,
    onRetry: (i) => o.onEvent?.({type: 'retry', ...i}),
  })
  let health: KfpHealth
  try {
    health = await api.healthz()
  } catch (error) {
    if (isCliError(error) && error.kfpCode === 'SERVER_NOT_FOUND' && (await api.hasV1Api())) {
      throw new CliError('SERVER_UNSUPPORTED', `The server at ${api.endpoint} is Kubeflow Pipelines 1.x (only the v1beta1 API answers). kfp needs KFP 2.x (the v2beta1 API).`, {
        exit: EXIT.REMOTE,
        hints: ['Upgrade the KFP installation to 2.x (kfp deploy installs 2.x), or use the KFP 1.8 Python SDK for this server.'],
      })
    }
    throw error
  }
  const serverVersion = health.tag_name ?? health.apiServerTagName
  o.onEvent?.({type: 'connected', endpoint: api.endpoint, version: serverVersion})
  const mlmdConn: MlmdConnection = {endpoint: api.endpoint, headers: async () => current, ca, insecure: target.config.tls?.insecure, timeoutMs}
  let mlmd: Promise<MlmdClient> | undefined
  const mlmdClient = () =>
    (mlmd ??= ctx.clients.mlmd ? Promise.resolve(ctx.clients.mlmd(mlmdConn)) : import('../../clients/mlmd.js').then((m) => m.createMlmdClient(mlmdConn)))
  return {api, target, health, serverVersion, namespace: target.config.namespace, multiUser: health.multi_user === true, mlmd: mlmdClient}
}

/**
 * The namespace experiments and runs go to. A multi-user server refuses an empty one with 400 (experiment_server.go
 * `canAccessExperiment`, run_server.go `canAccessRun`): say exactly what to set before sending anything.
 */
export function requireNamespace(s: RemoteSession, what: string): string | undefined {
  if (!s.multiUser || s.namespace) return s.namespace
  throw new CliError('NAMESPACE_REQUIRED', `The KFP server at ${s.api.endpoint} is multi-user (healthz multi_user: true): ${what} need a profile namespace, and target '${s.target.name}' has none.`, {
    exit: EXIT.CONFIG,
    hints: namespaceHints(s),
  })
}

/** How to give a target its namespace. */
export function namespaceHints(s: Pick<RemoteSession, 'target' | 'api'>): string[] {
  return [
    `Set it on the target: kfp target add ${s.target.name} --endpoint ${s.api.endpoint} --namespace PROFILE (or namespace: PROFILE under targets.${s.target.name} in kfp.yaml)`,
    'Or for one command: KFP_NAMESPACE=PROFILE (your Kubeflow profile, usually your user name).',
  ]

}
