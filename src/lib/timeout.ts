import {CliError, EXIT} from './errors.js'

/** The per-request time limit of clients talking to servers: KFP_HTTP_TIMEOUT_MS, default 30 s. */
export function requestTimeoutMs(env: Record<string, string | undefined>): number {
  return Number(env.KFP_HTTP_TIMEOUT_MS) || 30_000
}

/**
 * Rejects with SERVER_TIMEOUT when `p` has not settled after `ms`. For client libraries whose own timeout options do
 * not cover every call (GCS downloads, the Kubernetes client): the request is abandoned, not cancelled.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, service: string, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new CliError('SERVER_TIMEOUT', `${service} did not answer within ${Math.round(ms / 100) / 10}s (${what}).`, {
          exit: EXIT.REMOTE,
          hints: ['Check the service is reachable from here.', 'Set KFP_HTTP_TIMEOUT_MS to wait longer.'],
        }),
      )
    }, ms)
    timer.unref?.()
  })
  return Promise.race([p, limit]).finally(() => clearTimeout(timer))
}
