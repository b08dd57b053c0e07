// The --dry-run decisions (src/core/engine/dry-run.ts), table-driven.
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {CacheKeyInput} from '../../../src/core/engine/cache.js'
import {decideStart, type Ended} from '../../../src/core/engine/control.js'
import {decideWithCache, decideWithoutCache, explainCacheMiss, planStart, type PlannedUpstream, type StepFacts} from '../../../src/core/engine/dry-run.js'

const facts = (o: Partial<StepFacts> = {}): StepFacts => ({task: 'b', number: 2, step: 'b', upstream: [], cacheEnabled: true, isStart: false, noCache: false, ...o})
const NONE = {parameters: {}, artifacts: {}}
const ends = {
  succeeded: {status: 'succeeded', hasOutputs: true, outputs: {parameters: {Output: 'x'}, artifacts: {}}},
  cached: {status: 'cached', hasOutputs: true, outputs: {parameters: {Output: 'x'}, artifacts: {}}},
  conditionFalse: {status: 'skipped', message: "condition false: a.Output == 'heads'", hasOutputs: false, outputs: NONE},
  reused: {status: 'skipped', hasOutputs: true, outputs: {parameters: {Output: 'x'}, artifacts: {}}},
  reusedNothing: {status: 'skipped', message: 'not run: before --start-step 2, and run first has no outputs for it (it was failed there)', hasOutputs: false, outputs: NONE},
  reusedNothingRoot: {status: 'skipped', hasOutputs: false, outputs: NONE},
} satisfies Record<string, Ended>
/** An upstream step `a`: ended as given, or one that runs (no end known); `feeds`: the step reads its outputs. */
const up = (ended?: Ended, feeds = true, name = 'a'): PlannedUpstream => ({name, label: `${name}!`, ended, feedsInputs: feeds})
const whatever = {triggerPolicy: {strategy: 'ALL_UPSTREAM_TASKS_COMPLETED'}} as const

const T = suite('decideWithoutCache')
const cases: Array<{name: string; f: StepFacts; want: 'lookup' | {action: string; reasons: string[]; values?: Record<string, string>}}> = [
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
    f: facts({upstream: [up(undefined), up(ends.cached, true, 'c')]}),
    want: {action: 'run', reasons: ['its inputs come from step a!, which runs first: the cache is checked once they are known']},
  },
  {name: 'an upstream step that runs but only comes first (.after): the cache decides', f: facts({upstream: [up(undefined, false)]}), want: 'lookup'},
  {name: 'an upstream step whose condition is false: skipped as the run records it', f: facts({upstream: [up(ends.conditionFalse)]}), want: {action: 'skipped', reasons: ['not run: upstream step a! was skipped']}},
  {name: 'an upstream step without reused outputs: skipped', f: facts({upstream: [up(ends.reusedNothing)]}), want: {action: 'skipped', reasons: ['not run: upstream step a! was skipped']}},
  {name: 'an upstream root step --start-step passed without outputs: not a skip', f: facts({upstream: [up(ends.reusedNothingRoot)]}), want: 'lookup'},
  {name: 'an upstream step that reuses outputs: the cache decides', f: facts({upstream: [up(ends.reused)]}), want: 'lookup'},
  {name: 'ignore_upstream_failure after a skipped step: it still runs, the cache decides', f: facts({...whatever, upstream: [up(ends.conditionFalse)]}), want: 'lookup'},
  {name: 'an exit task after a group that runs (ordering only): the cache decides', f: facts({...whatever, upstream: [up(undefined, false)]}), want: 'lookup'},
  {
    name: 'ignore_upstream_failure reading a step that runs: decided once it ended, whatever it did',
    f: facts({...whatever, upstream: [up(undefined)]}),
    want: {action: 'run', reasons: ['it runs after step a! whatever it does (ignore_upstream_failure or exit handler), with input defaults for outputs not produced: the cache is checked then']},
  },
  {name: 'a skipped upstream comes before --start-step: the start step is skipped too', f: facts({isStart: true, upstream: [up(ends.conditionFalse)]}), want: {action: 'skipped', reasons: ['not run: upstream step a! was skipped']}},
  {
    name: 'after a group whose condition is decided at run time: runs only if the group does',
    f: facts({upstream: [{...up(undefined, false), pending: "if a.Output == 'heads' holds (decided at run time)"}]}),
    want: {action: 'run', reasons: ["after step a!, which runs if a.Output == 'heads' holds (decided at run time)"]},
  },
  {name: 'an exit task after such a group: the cache decides', f: facts({...whatever, upstream: [{...up(undefined, false), pending: 'if x holds (decided at run time)'}]}), want: 'lookup'},
  {name: '--no-cache', f: facts({noCache: true}), want: {action: 'run', reasons: ['--no-cache']}},
  {name: 'cache: false', f: facts({cacheEnabled: false}), want: {action: 'run', reasons: ['caching is off for this step']}},
  {name: 'upstream succeeded or cached: the cache decides', f: facts({upstream: [up(ends.succeeded), up(ends.cached, true, 'c')]}), want: 'lookup'},
]
for (const c of cases) {
  T(c.name, () => {
    const got = decideWithoutCache(c.f)
    if (c.want === 'lookup') return assert.is(got, 'lookup')
    assert.ok(got !== 'lookup')
    assert.is(got.action, c.want.action)
    assert.equal(got.reasons, c.want.reasons)
    if (c.want.values) assert.equal(got.values, c.want.values)
  })
}

// planStart is the scheduler's decideStart on what the plan knows: the same answer for every upstream end the scheduler can see.
T('planStart gives decideStart\'s answer for every known upstream end, and takes a step that runs as succeeding', () => {
  for (const t of [{}, whatever])
    for (const e of Object.values(ends)) assert.equal(planStart(t, [up(e)]), decideStart(t, [{name: 'a', label: 'a!', ended: e}], {interrupted: false, failFastStopped: false}))
  assert.equal(planStart({}, [up(undefined), up(ends.conditionFalse, true, 'c')]), {run: false, status: 'skipped', message: 'not run: upstream step c! was skipped'})
  assert.equal(planStart({}, [up(undefined)]), {run: true})
})
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
