import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {durationMs, maxAttempts, nextRetry, type RetryDecision} from '../../../src/core/engine/retry.js'
import type {IrTask} from '../../../src/core/ir/types.js'

const D = suite('core/engine retry durations')
for (const [text, ms] of [['0s', 0], ['3600s', 3_600_000], ['0.5s', 500], [undefined, 0], ['5m', 0]] as const) {
  D(`${text} → ${ms} ms`, () => assert.is(durationMs(text), ms))
}
D('attempts allowed', () => {
  assert.is(maxAttempts(undefined), 1)
  assert.is(maxAttempts({maxRetryCount: 3}), 4)
})
D.run()

// [name, policy, attempts made, first start, last end = now, decision] (Argo processNodeRetries, see retry.ts)
const R = suite('core/engine nextRetry')
const sdk: IrTask['retryPolicy'] = {backoffDuration: '0s', backoffFactor: 2, backoffMaxDuration: '3600s', maxRetryCount: 3}
const cases: Array<[string, IrTask['retryPolicy'], number, number, number, RetryDecision]> = [
  ['no policy: no retry', undefined, 1, 0, 10, {retry: false}],
  ['the SDK default policy retries at once', sdk, 1, 0, 10, {retry: true, waitMs: 0}],
  ['up to maxRetryCount retries', sdk, 3, 0, 10, {retry: true, waitMs: 0}],
  ['then stops', sdk, 4, 0, 10, {retry: false}],
  ['first retry waits the base duration', {maxRetryCount: 5, backoffDuration: '1s', backoffFactor: 2}, 1, 0, 10, {retry: true, waitMs: 1000}],
  ['then base * factor^(n-1)', {maxRetryCount: 5, backoffDuration: '1s', backoffFactor: 2}, 3, 0, 10, {retry: true, waitMs: 4000}],
  ['a factor of 0 (unset) keeps the base', {maxRetryCount: 5, backoffDuration: '2s'}, 3, 0, 10, {retry: true, waitMs: 2000}],
  ['maxDuration passed since the first start: no retry', {maxRetryCount: 5, backoffDuration: '1s', backoffMaxDuration: '10s'}, 2, 0, 10_001, {retry: false, reason: 'max duration limit exceeded'}],
  ['a wait that would end after maxDuration: no retry', {maxRetryCount: 5, backoffDuration: '4s', backoffFactor: 2, backoffMaxDuration: '10s'}, 2, 0, 3_000, {retry: false, reason: 'backoff would exceed max duration limit'}],
  ['a wait that ends before maxDuration: retry', {maxRetryCount: 5, backoffDuration: '4s', backoffFactor: 1, backoffMaxDuration: '10s'}, 1, 0, 3_000, {retry: true, waitMs: 4000}],
]
for (const [name, policy, attempts, first, now, want] of cases) {
  R(name, () => assert.equal(nextRetry(policy, {attempts, firstStartMs: first, lastEndMs: now, nowMs: now}), want))
}
R.run()
