/**
 * `kfp run --dry-run`: what each step of a run would do, decided without running anything. The decisions are the
 * executor's: a step before --start-step reuses an earlier run's outputs; whether a step starts after its upstream
 * steps is the scheduler's decideStart (planStart); the start step always runs; a step whose inputs come from a step
 * that runs cannot be looked up in the cache before then; --no-cache and `cache: false` run;
 * otherwise the cache key (computed by the executor's own function, services/run/task-exec.ts cacheKeyInputOf) is
 * looked up, and a miss is explained against the latest earlier run of the step. Pure; the service does the lookups.
 */
import type {IrTask} from '../ir/types.js'
import type {CacheKeyInput} from './cache.js'
import {decideStart, runsWhateverUpstream, type Ended, type StartDecision} from './control.js'
import {labelOf as keyLabel} from './naming.js'
import {formatParamValue} from './params.js'
import type {TaskOutputs} from './record.js'

export type PlanAction = 'run' | 'cached' | 'reused' | 'skipped'

/** One step of the plan. */
export interface PlanStep {
  task: string
  number: number
  /** The label users see (project step name, else the task key, with loop indices: `trial[0]`). */
  step: string
  action: PlanAction
  /** cached / reused: the run whose outputs it takes. */
  fromRun?: {id: string; name: string}
  /** reused: the values it carries into the run (output → value; artifacts by URI). */
  values?: Record<string, string>
  /** Why, in words (a cache miss names what changed since `comparedWith`). */
  reasons: string[]
  /** A cache miss: the latest earlier run of the step, which the reasons compare with. */
  comparedWith?: {id: string; name: string}
}

/**
 * An upstream sibling as the plan has it: `ended` is how it ends in the run (reused, cached, skipped: known now),
 * absent for one that runs (its outcome is known once it ended; the plan shows the run in which it succeeds).
 */
export interface PlannedUpstream {
  name: string
  label: string
  ended?: Ended
  /** The step reads its outputs (taskOutputParameter / taskOutputArtifact), not only waits for it. */
  feedsInputs: boolean
  /** A group whose own condition is decided at run time: whether it runs (`if … holds (decided at run time)`). */
  pending?: string
}

/** What the service knows of a step before any cache lookup. */
export interface StepFacts {
  task: string
  number: number
  step: string
  upstream: PlannedUpstream[]
  /** The task's trigger policy (ALL_UPSTREAM_TASKS_COMPLETED: an exit task or ignore_upstream_failure). */
  triggerPolicy?: IrTask['triggerPolicy']
  cacheEnabled: boolean
  /** --start-step skips it: the outputs it carries and where from. */
  reused?: {outputs: TaskOutputs; fromRun?: {id: string; name: string}; setOutputs?: string[]}
  /** It is the --start-step step. */
  isStart: boolean
  /** --no-cache (all steps) or --no-cache STEP… naming it. */
  noCache: boolean
}

/**
 * Whether the task starts, decided by the scheduler's own decideStart (control.ts) on the upstream tasks whose end
 * the plan knows; one that runs is taken as succeeding. A task after a skipped one is skipped with the message the
 * run records; an exit task or ignore_upstream_failure task starts whatever its upstream did.
 */
export function planStart(t: Pick<IrTask, 'triggerPolicy'>, upstream: PlannedUpstream[]): StartDecision {
  const known = upstream.flatMap((u) => (u.ended ? [{name: u.name, label: u.label, ended: u.ended}] : []))
  return decideStart(t, known, {interrupted: false, failFastStopped: false})
}

/** Output values as the plan prints them. */
export function outputValues(o: TaskOutputs): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(o.parameters)) out[k] = formatParamValue(v)
  for (const [k, a] of Object.entries(o.artifacts)) out[k] = a.uri
  return out
}

/** The decision that needs no cache lookup, or `lookup` when the cache decides. */
export function decideWithoutCache(f: StepFacts): PlanStep | 'lookup' {
  const base = {task: f.task, number: f.number, step: f.step}
  if (f.reused) {
    const from = f.reused.fromRun ? [`outputs of run ${f.reused.fromRun.name} (${f.reused.fromRun.id})`] : []
    const set = f.reused.setOutputs?.length ? [`--set-output ${f.reused.setOutputs.join(', ')}`] : []
    return {...base, action: 'reused', ...(f.reused.fromRun ? {fromRun: f.reused.fromRun} : {}), values: outputValues(f.reused.outputs), reasons: [`before --start-step: reuses ${[...from, ...set].join(' and ') || 'no outputs'}`]}
  }
  const start = planStart(f, f.upstream)
  if (!start.run) return {...base, action: 'skipped', reasons: [start.message]}
  if (f.isStart) return {...base, action: 'run', reasons: ['the --start-step step always runs']}
  // After a group that may be skipped, a step that waits for success runs only if the group does.
  const undecided = runsWhateverUpstream(f) ? undefined : f.upstream.find((u) => u.pending)
  if (undecided) return {...base, action: 'run', reasons: [`after step ${undecided.label}, which runs ${undecided.pending}`]}
  const running = f.upstream.filter((u) => !u.ended && u.feedsInputs).map((u) => u.label)
  if (running.length) return {...base, action: 'run', reasons: [runningUpstreamText(running, runsWhateverUpstream(f))]}
  if (f.noCache) return {...base, action: 'run', reasons: ['--no-cache']}
  if (!f.cacheEnabled) return {...base, action: 'run', reasons: ['caching is off for this step']}
  return 'lookup'
}

/** Why a step whose inputs come from steps that run is decided once they ended. */
function runningUpstreamText(names: string[], whatever: boolean): string {
  const [steps, runs] = names.length > 1 ? ['steps', 'run'] : ['step', 'runs']
  if (!whatever) return `its inputs come from ${steps} ${names.join(', ')}, which ${runs} first: the cache is checked once they are known`
  return `it runs after ${steps} ${names.join(', ')} whatever ${names.length > 1 ? 'they do' : 'it does'} (ignore_upstream_failure or exit handler), with input defaults for outputs not produced: the cache is checked then`
}

const runnerWords = {docker: 'Docker', process: 'host process'} as const

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

function shown(v: unknown): string {
  if (v === undefined) return '(none)'
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s.length > 60 ? `${s.slice(0, 57)}…` : s
}

/** What differs between the cache key input of this run and of an earlier run of the step: the cache-miss reasons. */
export function explainCacheMiss(now: CacheKeyInput, before: CacheKeyInput): string[] {
  const why: string[] = []
  if (now.container.image !== before.container.image) why.push(`the image changed: ${before.container.image} → ${now.container.image}`)
  if (now.runner && before.runner && now.runner !== before.runner) why.push(`the runner changed: ${runnerWords[before.runner]} → ${runnerWords[now.runner]}`)
  if (!same(now.container.command, before.container.command)) why.push('the command changed')
  if (!same(now.container.args, before.container.args)) why.push('the arguments changed')
  const envNames = new Set([...(now.container.env ?? []), ...(before.container.env ?? [])].map((e) => e.name))
  const envOf = (c: CacheKeyInput, n: string) => c.container.env?.find((e) => e.name === n)?.value
  const env = [...envNames].filter((n) => envOf(now, n) !== envOf(before, n))
  if (env.length) why.push(`the environment changed: ${env.join(', ')}`)
  for (const k of [...new Set([...Object.keys(before.parameters), ...Object.keys(now.parameters)])].sort())
    if (!same(now.parameters[k], before.parameters[k])) why.push(`input ${k} changed: ${shown(before.parameters[k])} → ${shown(now.parameters[k])}`)
  for (const k of [...new Set([...Object.keys(before.artifactDigests), ...Object.keys(now.artifactDigests)])].sort())
    if (now.artifactDigests[k] !== before.artifactDigests[k]) why.push(`input artifact ${k} has other content`)
  if (!same([...now.outputNames].sort(), [...before.outputNames].sort())) why.push('its outputs changed')
  if ((now.irCacheKey ?? null) !== (before.irCacheKey ?? null)) why.push('its cache key changed')
  return why
}

/** The decision after the lookup: cached from the hit, else runs with the reasons of the miss. */
export function decideWithCache(
  f: Pick<StepFacts, 'task' | 'number' | 'step'>,
  hit: {runId: string; runName: string; task: string} | undefined,
  earlier: {run: {id: string; name: string}; input: CacheKeyInput} | undefined,
  now: CacheKeyInput,
): PlanStep {
  const base = {task: f.task, number: f.number, step: f.step}
  if (hit) return {...base, action: 'cached', fromRun: {id: hit.runId, name: hit.runName}, reasons: [`same image, command and inputs as step ${keyLabel(hit.task)} of run ${hit.runName} (${hit.runId})`]}
  if (!earlier) return {...base, action: 'run', reasons: ['not in the cache: no earlier run of this step had these inputs']}
  const why = explainCacheMiss(now, earlier.input)
  return {
    ...base,
    action: 'run',
    comparedWith: {id: earlier.run.id, name: earlier.run.name},
    reasons: why.length ? why : [`the result of run ${earlier.run.name} (${earlier.run.id}) is gone (the run was deleted or its files removed)`],
  }
}
