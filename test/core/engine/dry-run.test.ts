// The --dry-run decisions (src/core/engine/dry-run.ts), table-driven.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {CacheKeyInput} from '../../../src/core/engine/cache.js'
import {decideWithCache, decideWithoutCache, explainCacheMiss, type PlanStep, type StepFacts} from '../../../src/core/engine/dry-run.js'

const facts = (o: Partial<StepFacts> = {}): StepFacts => ({task: 'b', number: 2, step: 'b', upstream: [], cacheEnabled: true, isStart: false, noCache: false, ...o})
const step = (task: string, action: PlanStep['action']): PlanStep => ({task, number: 1, step: task, action, reasons: []})
const label = (t: string) => `${t}!`

const T = suite('decideWithoutCache')
const cases: Array<{name: string; f: StepFacts; planned?: PlanStep[]; want: 'lookup' | {action: string; reasons: string[]; values?: Record<string, string>}}> = [
  {
    name: 'before --start-step: reused, with the run and the values',
    f: facts({reused: {outputs: {parameters: {n: 3, s: 'x'}, artifacts: {data: {uri: '/p/data'}}}, fromRun: {id: 'r1', name: 'first'}}}),
    want: {action: 'reused', reasons: ['before --start-step: reuses outputs of run first (r1)'], values: {n: '3', s: 'x', data: '/p/data'}},
  },
  {
    name: 'before --start-step with --set-output only',
    f: facts({reused: {outputs: {parameters: {n: 1}, artifacts: {}}, setOutputs: ['n']}}),
    want: {action: 'reused', reasons: ['before --start-step: reuses --set-output n'], values: {n: '1'}},
  },
  {name: 'the start step always runs, even with its inputs known', f: facts({isStart: true}), want: {action: 'run', reasons: ['the --start-step step always runs']}},
  {
    name: 'an upstream step that runs: decided at run time',
    f: facts({upstream: ['a', 'c']}),
    planned: [step('a', 'run'), step('c', 'cached')],
    want: {action: 'run', reasons: ['its inputs come from step a!, which runs first: the cache is checked once they are known']},
  },
  {name: 'an upstream step that does not run: skipped', f: facts({upstream: ['a']}), planned: [step('a', 'skipped')], want: {action: 'skipped', reasons: ['upstream step a! does not run']}},
  {name: '--no-cache', f: facts({noCache: true}), want: {action: 'run', reasons: ['--no-cache']}},
  {name: 'cache: false', f: facts({cacheEnabled: false}), want: {action: 'run', reasons: ['caching is off for this step']}},
  {name: 'upstream cached or reused: the cache decides', f: facts({upstream: ['a']}), planned: [step('a', 'cached')], want: 'lookup'},
]
for (const c of cases) {
  T(c.name, () => {
    const got = decideWithoutCache(c.f, new Map((c.planned ?? []).map((p) => [p.task, p])), label)
    if (c.want === 'lookup') return assert.is(got, 'lookup')
    assert.ok(got !== 'lookup')
    assert.is(got.action, c.want.action)
    assert.equal(got.reasons, c.want.reasons)
    if (c.want.values) assert.equal(got.values, c.want.values)
  })
}
T.run()

const key = (o: Partial<CacheKeyInput> = {}, c: Partial<CacheKeyInput['container']> = {}): CacheKeyInput => ({
  container: {image: 'img:1', command: ['sh', '-c', 'x'], args: ['a'], env: [{name: 'E', value: '1'}], ...c},
  parameters: {lr: 0.1, name: 'x'},
  artifactDigests: {data: 'd1'},
  outputNames: ['m'],
  runner: 'docker',
  ...o,
})

const M = suite('explainCacheMiss')
const misses: Array<{name: string; now: CacheKeyInput; want: string[]}> = [
  {name: 'nothing differs', now: key(), want: []},
  {name: 'image', now: key({}, {image: 'img:2'}), want: ['the image changed: img:1 → img:2']},
  {name: 'command and arguments', now: key({}, {command: ['sh'], args: []}), want: ['the command changed', 'the arguments changed']},
  {name: 'env names', now: key({}, {env: [{name: 'E', value: '2'}, {name: 'F', value: '1'}]}), want: ['the environment changed: E, F']},
  {name: 'which input, from → to', now: key({parameters: {lr: 0.2, name: 'x', extra: [1]}}), want: ['input extra changed: (none) → [1]', 'input lr changed: 0.1 → 0.2']},
  {name: 'an input artifact with other content', now: key({artifactDigests: {data: 'd2'}}), want: ['input artifact data has other content']},
  {name: 'the runner', now: key({runner: 'process'}), want: ['the runner changed: Docker → host process']},
  {name: 'outputs and IR cache key', now: key({outputNames: ['m', 'n'], irCacheKey: 'k'}), want: ['its outputs changed', 'its cache key changed']},
]
for (const c of misses) M(c.name, () => assert.equal(explainCacheMiss(c.now, key()), c.want))

M('decideWithCache: a hit is cached from its run; a miss runs, compared with the earlier run; no earlier run says so', () => {
  const f = {task: 'b', number: 2, step: 'b'}
  const hit = decideWithCache(f, {runId: 'r1', runName: 'first', task: 'b'}, undefined, key())
  assert.equal([hit.action, hit.fromRun], ['cached', {id: 'r1', name: 'first'}])
  const miss = decideWithCache(f, undefined, {run: {id: 'r1', name: 'first'}, input: key()}, key({}, {image: 'img:2'}))
  assert.equal([miss.action, miss.comparedWith, miss.reasons], ['run', {id: 'r1', name: 'first'}, ['the image changed: img:1 → img:2']])
  const gone = decideWithCache(f, undefined, {run: {id: 'r1', name: 'first'}, input: key()}, key())
  assert.match(gone.reasons[0], 'is gone (the run was deleted or its files removed)')
  assert.equal(decideWithCache(f, undefined, undefined, key()).reasons, ['not in the cache: no earlier run of this step had these inputs'])
})
M.run()
