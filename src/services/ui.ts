import net from 'node:net'
import type {Ctx} from '../ctx.js'
import {createKubectl, translateKubectlFailure} from '../clients/kubectl.js'
import {KFP_NAMESPACE} from '../core/cluster/kfp.js'
import {renderScript} from '../core/cluster/shell.js'
import {CliError, EXIT, isCliError} from '../lib/errors.js'

export type UiEvent =
  | {type: 'starting'; command: string[]}
  | {type: 'ready'; url: string}
  | {type: 'opened'; url: string}
  | {type: 'open-failed'; url: string; reason: string}
  | {type: 'registered'; target: string; endpoint: string}
  | {type: 'output'; line: string; stream: 'stdout' | 'stderr'}

export interface UiOptions {
  port?: number
  open?: boolean
  namespace?: string
  /** While running, make this target's endpoint the forwarded address (restored on exit). */
  registerTarget?: string
  dryRun?: boolean
  onEvent?: (e: UiEvent) => void
  /** Opens a URL in the browser (default: the `open` package). */
  openUrl?: (url: string) => Promise<void>
}

export interface UiResult {
  url: string
  port: number
  namespace: string
  /** How the forward ended: interrupted by Ctrl-C (normal), or dry-run. */
  stopped: 'interrupted' | 'dry-run'
  registeredTarget?: string
  script?: string
}

/** The port-forward argv. */
export function portForwardArgs(namespace: string, port: number): string[] {
  return ['port-forward', '-n', namespace, 'svc/ml-pipeline-ui', `${port}:80`]
}

/** Resolves when the local port is free; PORT_IN_USE when something listens there already. */
export async function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        reject(
          new CliError('PORT_IN_USE', `Port ${port} on ${host} is ${err.code === 'EACCES' ? 'not allowed' : 'already in use'}.`, {
            exit: EXIT.CONFIG,
            hints: [`Pick another port with --port (e.g. --port ${port + 1}), or stop what uses ${port}.`],
          }),
        )
      } else reject(err)
    })
    srv.listen({port, host, exclusive: true}, () => srv.close(() => resolve()))
  })
}

async function defaultOpen(url: string): Promise<void> {
  const {default: open} = await import('open')
  await open(url)
}

/**
 * Port-forwards the KFP UI service to localhost, opens the browser, optionally registers the address as a target's
 * endpoint, and keeps running until ctx.signal aborts (Ctrl-C). A forward that dies is an error with kubectl's message.
 */
export async function openUi(o: UiOptions, ctx: Ctx): Promise<UiResult> {
  const port = o.port ?? 8085
  const namespace = o.namespace ?? KFP_NAMESPACE
  const url = `http://localhost:${port}`
  const args = portForwardArgs(namespace, port)
  if (o.dryRun) {
    return {
      url,
      port,
      namespace,
      stopped: 'dry-run',
      script: renderScript(`kfp ui: the KFP UI on ${url} (Ctrl-C stops it)`, [{title: 'Forward the ml-pipeline-ui service', cmd: {file: 'kubectl', args}}]),
    }
  }
  await assertPortFree(port)
  o.onEvent?.({type: 'starting', command: ['kubectl', ...args]})
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  ctx.signal.addEventListener('abort', onAbort, {once: true})
  let ready = false
  let restore: (() => Promise<void>) | undefined
  let sideEffects: Promise<void> = Promise.resolve()
  let sideFailure: unknown
  const onReady = async () => {
    o.onEvent?.({type: 'ready', url})
    if (o.registerTarget) {
      restore = await registerEndpoint(ctx, o.registerTarget, url)
      o.onEvent?.({type: 'registered', target: o.registerTarget, endpoint: url})
    }
    if (o.open !== false) {
      try {
        await (o.openUrl ?? defaultOpen)(url)
        o.onEvent?.({type: 'opened', url})
      } catch (error) {
        o.onEvent?.({type: 'open-failed', url, reason: (error as Error).message})
      }
    }
  }
  try {
    const r = await createKubectl(ctx).tryRun(args, {
      signal: stop.signal,
      onLine: (line, stream) => {
        o.onEvent?.({type: 'output', line, stream})
        if (!ready && /Forwarding from/.test(line)) {
          ready = true
          sideEffects = onReady().catch((error: unknown) => {
            // Registering the target failed: stop the forward and report why.
            sideFailure = error
            stop.abort()
          })
        }
      },
    })
    await sideEffects
    if (sideFailure) throw sideFailure
    if (ctx.signal.aborted) return {url, port, namespace, stopped: 'interrupted', registeredTarget: o.registerTarget}
    if (r.exitCode !== 0 || !ready) {
      const e = translateKubectlFailure(args, r)
      if (/not ?found/i.test(r.stderr) && e.kfpCode === 'EXTERNAL_COMMAND_FAILED') {
        throw new CliError('KUBE_ERROR', `The KFP UI service was not found in namespace ${namespace}:\n${r.stderr.trim()}`, {
          exit: EXIT.CONFIG,
          hints: ['Install KFP with `kfp deploy`, or pass --namespace where it is installed.'],
        })
      }
      throw e
    }
    throw new CliError('KUBE_ERROR', 'The port-forward stopped unexpectedly.', {exit: EXIT.REMOTE, hints: ['Run `kfp ui` again.']})
  } catch (error) {
    if (ctx.signal.aborted && !isCliError(error)) return {url, port, namespace, stopped: 'interrupted', registeredTarget: o.registerTarget}
    throw error
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
    await sideEffects.catch(() => {})
    if (restore) await restore()
  }
}

/**
 * Sets `targets.NAME.endpoint` in the per-user config to the forwarded URL; returns a function that restores the
 * previous entry (or removes the one it created).
 */
export async function registerEndpoint(ctx: Pick<Ctx, 'env'>, target: string, endpoint: string): Promise<() => Promise<void>> {
  const {readUserConfig, writeUserConfig} = await import('./target/config.js')
  const cfg = await readUserConfig(ctx)
  const previous = cfg.targets?.[target]
  const next = {...(previous && previous.type === 'kfp' ? previous : {}), type: 'kfp' as const, endpoint}
  await writeUserConfig(ctx, {...cfg, targets: {...cfg.targets, [target]: next}})
  return async () => {
    const now = await readUserConfig(ctx)
    const targets = {...now.targets}
    if (previous) targets[target] = previous
    else delete targets[target]
    await writeUserConfig(ctx, {...now, targets})
  }
}
