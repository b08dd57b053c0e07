/**
 * Retries of a failed task as the KFP backend runs them. The Argo compiler turns `retryPolicy` into the executor's
 * Argo `retryStrategy` (kfp-src backend/src/v2/compiler/argocompiler/container.go getTaskRetryParametersWithValues,
 * getTaskRetryStrategyFromInput: `limit` = maxRetryCount, `backoff.duration` = backoffDuration, `backoff.factor` =
 * backoffFactor, `backoff.maxDuration` = backoffMaxDuration; every missing one defaults to "0"), and Argo's
 * controller (workflow/controller/operator.go processNodeRetries) decides each retry:
 * - at most `limit` retries after the first attempt;
 * - the wait before retry n (1-based) is `duration * factor^(n-1)` when factor > 0, else `duration`;
 * - `maxDuration` bounds the whole: no retry once `maxDuration` has passed since the first attempt started
 *   ("Max duration limit exceeded"), nor one whose wait would end after that ("Backoff would exceed max duration
 *   limit"). A zero maxDuration means no bound.
 */
import type {IrTask} from '../ir/types.js'

/** Milliseconds of a protobuf Duration in JSON form (`"3600s"`, `"0.5s"`); undefined or malformed is 0. */
export function durationMs(d: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)s$/.exec((d ?? '').trim())
  return m ? Math.round(Number(m[1]) * 1000) : 0
}

export interface RetryState {
  /** Attempts made so far (1 after the first one failed). */
  attempts: number
  /** When the first attempt started, and when the last one ended (ms since the epoch). */
  firstStartMs: number
  lastEndMs: number
  nowMs: number
}

export type RetryDecision = {retry: true; waitMs: number} | {retry: false; reason?: string}

/** Whether a failed task runs again, and after how long. */
export function nextRetry(policy: IrTask['retryPolicy'], s: RetryState): RetryDecision {
  const limit = Math.max(0, policy?.maxRetryCount ?? 0)
  const retryNumber = s.attempts
  if (retryNumber > limit) return {retry: false}
  const base = durationMs(policy?.backoffDuration)
  const factor = policy?.backoffFactor ?? 0
  const waitMs = factor > 0 ? base * Math.pow(factor, retryNumber - 1) : base
  const max = durationMs(policy?.backoffMaxDuration)
  if (max > 0) {
    const deadline = s.firstStartMs + max
    if (s.nowMs > deadline) return {retry: false, reason: 'max duration limit exceeded'}
    if (s.lastEndMs + waitMs > deadline) return {retry: false, reason: 'backoff would exceed max duration limit'}
  }
  return {retry: true, waitMs}
}

/** How many attempts the policy allows at most. */
export function maxAttempts(policy: IrTask['retryPolicy']): number {
  return 1 + Math.max(0, policy?.maxRetryCount ?? 0)
}
