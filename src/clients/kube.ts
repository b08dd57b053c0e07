/**
 * Narrow Kubernetes client for run logs: list pods by label and stream a container's log. Uses
 * @kubernetes/client-node (imported lazily) with the user's kubeconfig ($KUBECONFIG or ~/.kube/config).
 */
import {existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Writable} from 'node:stream'
import {StringDecoder} from 'node:string_decoder'
import {CliError, EXIT, isCliError} from '../lib/errors.js'
import type {Env} from '../lib/env.js'
import {requestTimeoutMs, withTimeout} from '../lib/timeout.js'

export interface KubePod {
  name: string
  namespace: string
  phase?: string
  labels: Record<string, string>
  annotations: Record<string, string>
  containers: string[]
  createdAt?: string
}

/** The Kubernetes log API's own window (`kubectl logs --tail/--since/--timestamps`). */
export interface KubeLogWindow {
  tailLines?: number
  sinceSeconds?: number
  /** Each line starts with its RFC 3339 time and a space. */
  timestamps?: boolean
}

export interface KubeClient {
  /** Pods matching a label selector, e.g. `pipeline/runid=<id>`. */
  listPods(namespace: string, labelSelector: string): Promise<KubePod[]>
  /** Streams a container's log, calling onChunk with text; with follow, resolves when the container ends or signal aborts. */
  streamLog(namespace: string, pod: string, container: string, o: {follow: boolean; signal: AbortSignal; onChunk: (text: string) => void} & KubeLogWindow): Promise<void>
}

function kubeError(error: unknown, what: string): CliError {
  if (isCliError(error)) return error
  const e = error as {code?: number; statusCode?: number; message?: string; body?: unknown}
  const status = e.code ?? e.statusCode
  if (status === 401 || status === 403) {
    return new CliError('KUBE_ERROR', `Kubernetes refused ${what} (${status}).`, {exit: EXIT.AUTH, hints: ['Check your kubeconfig context: kubectl config current-context', 'gcloud container clusters get-credentials CLUSTER']})
  }
  return new CliError('KUBE_ERROR', `Kubernetes: ${what} failed: ${e.message ?? String(error)}`, {exit: EXIT.REMOTE, data: {status}, hints: ['Is kubectl pointed at the cluster running KFP? kubectl get pods -n kubeflow']})
}

/**
 * Whether there is a kubeconfig to use: $KUBECONFIG, ~/.kube/config, or an in-cluster service account, the places
 * KubeConfig.loadFromDefault (@kubernetes/client-node config.ts) reads. Without any, loadFromDefault falls back to
 * http://localhost:8080, which is no cluster of the user's: kfp then does not talk to Kubernetes at all.
 */
export function hasKubeContext(env: Env): boolean {
  if (env.KUBECONFIG) return true
  const home = env.HOME ?? os.homedir()
  return existsSync(path.join(home, '.kube', 'config')) || existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token')
}

/** Creates the real client from the user's kubeconfig; calls give up after KFP_HTTP_TIMEOUT_MS (default 30 s). */
export async function createKubeClient(env: Env): Promise<KubeClient> {
  if (!hasKubeContext(env))
    throw new CliError('KUBE_ERROR', 'No Kubernetes context ($KUBECONFIG or ~/.kube/config).', {exit: EXIT.CONFIG, hints: ['gcloud container clusters get-credentials CLUSTER']})
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  try {
    if (env.KUBECONFIG) kc.loadFromFile(env.KUBECONFIG.split(':')[0])
    else kc.loadFromDefault()
  } catch (error) {
    throw new CliError('KUBE_ERROR', `Cannot load the kubeconfig: ${(error as Error).message}`, {exit: EXIT.CONFIG})
  }
  if (!kc.getCurrentCluster()) throw new CliError('KUBE_ERROR', 'No Kubernetes cluster in the kubeconfig.', {exit: EXIT.CONFIG, hints: ['gcloud container clusters get-credentials CLUSTER']})
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const timeoutMs = requestTimeoutMs(env)
  const log = new k8s.Log(kc)
  return {
    async listPods(namespace, labelSelector) {
      try {
        const list = await withTimeout(core.listNamespacedPod({namespace, labelSelector}), timeoutMs, 'The Kubernetes API', `listing pods ${labelSelector} in ${namespace}`)
        return list.items.map((p) => ({
          name: p.metadata?.name ?? '',
          namespace,
          phase: p.status?.phase,
          labels: p.metadata?.labels ?? {},
          annotations: p.metadata?.annotations ?? {},
          containers: (p.spec?.containers ?? []).map((c) => c.name),
          createdAt: p.metadata?.creationTimestamp ? new Date(p.metadata.creationTimestamp).toISOString() : undefined,
        }))
      } catch (error) {
        throw kubeError(error, `listing pods (${labelSelector}) in ${namespace}`)
      }
    },
    async streamLog(namespace, pod, container, o) {
      // Removed when the stream ends: kfp logs -f opens many streams on one signal (Node warns past 10 listeners).
      let onAbort: (() => void) | undefined
      await new Promise<void>((resolve, reject) => {
        // The body arrives in chunks cut anywhere, also inside a UTF-8 character: the decoder keeps an incomplete
        // character's bytes for the next chunk, and the end of the stream flushes what is left.
        const decoder = new StringDecoder('utf8')
        const sink = new Writable({
          write(chunk: Buffer, _enc, cb) {
            const text = decoder.write(chunk)
            if (text) o.onChunk(text)
            cb()
          },
          final(cb) {
            const text = decoder.end()
            if (text) o.onChunk(text)
            cb()
          },
        })
        sink.on('finish', () => resolve())
        // client-node pipes the response body into the sink (log.js `response.body.pipe(stream)`), and pipe() does not
        // pass a source error on: a connection broken mid-stream would otherwise leave this waiting forever.
        sink.on('pipe', (body: NodeJS.ReadableStream) =>
          body.on('error', (error) => {
            if (!o.signal.aborted) reject(kubeError(error, `reading the log of ${pod}`))
          }),
        )
        log
          .log(namespace, pod, container, sink, {follow: o.follow, tailLines: o.tailLines, sinceSeconds: o.sinceSeconds, timestamps: o.timestamps})
          .then((ctl) => {
            if (o.signal.aborted) ctl.abort()
            onAbort = () => {
              ctl.abort()
              resolve()
            }
            o.signal.addEventListener('abort', onAbort, {once: true})
          })
          .catch((error) => reject(kubeError(error, `reading the log of ${pod}`)))
      }).finally(() => onAbort && o.signal.removeEventListener('abort', onAbort))
    },
  }
}

declare module '../ctx.js' {
  interface ClientFactories {
    /** The Kubernetes client for run logs (tests point it at a fake API server). */
    kube: () => Promise<KubeClient>
  }
}
