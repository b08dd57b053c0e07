/**
 * Planning of `kfp run --start-step N`: which tasks are skipped, where their outputs come from
 * (`--from-run`, the latest run that has them, `--set-output`), what is missing, and which parameter
 * changes the skipped steps did not see.
 */
import {CliError, EXIT} from '../../lib/errors.js'
import type {JsonValue} from '../project/types.js'
import {nameList} from '../project/names.js'
import {outputReads} from './control.js'
import {findTask, type PlannedTask} from './dag.js'
import {paramsReadBy} from './inputs.js'
import {formatParamValue, parseParamText, splitAssignment} from './params.js'
import {taskHasOutputs, type ReusedFrom, type RunRecord, type TaskOutputs} from './record.js'

/** One `--set-output STEP.OUTPUT=VALUE`, parsed. */
export interface SetOutput {
  task: string
  output: string
  value: string
}

/** An output a running step needs from a skipped step, which no source supplies. */
export interface MissingOutput {
  task: string
  output: string
  kind: 'parameter' | 'artifact'
  /** The exact flag that would supply it. */
  flag: string
}

export interface StartStepPlan {
  startTask: string
  startNumber: number
  /** Skipped task → the outputs it carries into this run and where they came from. */
  skipped: Record<string, {outputs: TaskOutputs; reusedFrom?: ReusedFrom}>
  /** The run whose outputs are reused (if any were needed). */
  sourceRun?: RunRecord
  missing: MissingOutput[]
  warnings: string[]
}

export interface StartStepInput {
  tasks: PlannedTask[]
  /** N, a task key, display name or step name. */
  startStep: string
  params: Record<string, JsonValue>
  /** Raw `--set-output` values. */
  setOutputs: string[]
  /** Candidate source runs of this pipeline, newest first (or just the one named by --from-run). */
  candidates: RunRecord[]
  /** True when --from-run named the run: use it even if outputs are missing. */
  fromRunExplicit: boolean
  /** Task key → project step name (what users type). */
  stepNames?: Record<string, string>
}

/** A USAGE CliError (bad --start-step / --set-output / --from-run). */
export function usage(message: string, hints: string[] = []): CliError {
  return new CliError('USAGE', message, {exit: EXIT.USAGE, hints})
}

/** The name a user types for a task (its step name for projects, else its task key). */
export function userStepName(t: PlannedTask, stepNames?: Record<string, string>): string {
  return stepNames?.[t.name] ?? t.name
}

/** Resolves `--start-step` to a task; throws STEP_NOT_FOUND listing the steps. */
export function resolveStartTask(tasks: PlannedTask[], ref: string, stepNames?: Record<string, string>): PlannedTask {
  const t = findTask(tasks, ref, stepNames)
  if (!t) {
    const list = tasks.map((x) => `  ${x.number}. ${userStepName(x, stepNames)}`).join('\n')
    throw new CliError('STEP_NOT_FOUND', `No step '${ref}' in this pipeline. Steps:\n${list}`, {exit: EXIT.USAGE})
  }
  return t
}

/** Parses `--set-output STEP.OUTPUT=VALUE` flags against the skipped tasks. */
export function parseSetOutputs(raw: string[], tasks: PlannedTask[], skipped: Set<string>, stepNames?: Record<string, string>): SetOutput[] {
  return raw.map((r) => {
    const kv = splitAssignment(r)
    const dot = kv ? kv.key.lastIndexOf('.') : -1
    if (!kv || dot <= 0) throw usage(`--set-output ${r}: expected STEP.OUTPUT=VALUE.`, ['Example: --set-output preprocess.bucket=gs://my-bucket/data'])
    const stepRef = kv.key.slice(0, dot)
    const output = kv.key.slice(dot + 1)
    const t = findTask(tasks, stepRef, stepNames)
    if (!t) throw usage(`--set-output ${r}: no step '${stepRef}'.`, [`Steps: ${nameList(tasks.map((x) => userStepName(x, stepNames)))}`])
    if (!skipped.has(t.name)) throw usage(`--set-output ${r}: step '${stepRef}' runs in this run; only steps before --start-step take outputs from --set-output.`)
    const outs = t.component.outputDefinitions ?? {}
    const names = [...Object.keys(outs.parameters ?? {}), ...Object.keys(outs.artifacts ?? {})]
    if (!names.includes(output))
      throw usage(`--set-output ${r}: step '${stepRef}' has no output '${output}'.`, [names.length ? `Its outputs: ${names.join(', ')}` : 'It has no outputs.'])
    return {task: t.name, output, value: kv.value}
  })
}

/** Plans a start-step run. Throws usage errors for bad flags; returns missing outputs for the caller to report. */
export function planStartStep(i: StartStepInput): StartStepPlan {
  const start = resolveStartTask(i.tasks, i.startStep, i.stepNames)
  const skippedTasks = i.tasks.filter((t) => t.number < start.number)
  const skippedNames = new Set(skippedTasks.map((t) => t.name))
  const sets = parseSetOutputs(i.setOutputs, i.tasks, skippedNames, i.stepNames)
  const byName = new Map(i.tasks.map((t) => [t.name, t]))

  // Outputs of skipped tasks that running tasks read; `optional` when every reader does without it (its default).
  const needed: Array<{task: string; output: string; kind: 'parameter' | 'artifact'; optional: boolean}> = []
  const need = (task: string, output: string, kind: 'parameter' | 'artifact', optional: boolean) => {
    if (!skippedNames.has(task)) return
    const have = needed.find((n) => n.task === task && n.output === output)
    if (have) have.optional &&= optional
    else needed.push({task, output, kind, optional})
  }
  for (const t of i.tasks) {
    if (skippedNames.has(t.name)) continue
    for (const r of outputReads(t.task, t.component.inputDefinitions)) need(r.producer, r.output, r.kind, r.optional)
  }
  const isSet = (task: string, output: string) => sets.some((s) => s.task === task && s.output === output)
  const fromSource = needed.filter((n) => !isSet(n.task, n.output))
  const has = (run: RunRecord, task: string, output: string, kind: 'parameter' | 'artifact') => {
    const rec = run.tasks.find((x) => x.name === task)
    if (!rec || !taskHasOutputs(rec)) return false
    return kind === 'parameter' ? rec.outputs.parameters[output] !== undefined : rec.outputs.artifacts[output] !== undefined
  }
  let sourceRun: RunRecord | undefined
  if (i.fromRunExplicit) sourceRun = i.candidates[0]
  else if (fromSource.length > 0) {
    sourceRun =
      i.candidates.find((r) => fromSource.every((n) => has(r, n.task, n.output, n.kind))) ??
      i.candidates.find((r) => fromSource.some((n) => has(r, n.task, n.output, n.kind)))
  }

  // An output only readers that take their default without it read is used when the source has it, else left out.
  const missing: MissingOutput[] = fromSource
    .filter((n) => !n.optional && (!sourceRun || !has(sourceRun, n.task, n.output, n.kind)))
    .map(({optional: _optional, ...n}) => ({
      ...n,
      flag: `--set-output ${userStepName(byName.get(n.task)!, i.stepNames)}.${n.output}=${n.kind === 'artifact' ? 'PATH' : 'VALUE'}`,
    }))

  const skipped: StartStepPlan['skipped'] = {}
  for (const t of skippedTasks) {
    const src = sourceRun?.tasks.find((x) => x.name === t.name)
    const base: TaskOutputs =
      src && taskHasOutputs(src)
        ? {parameters: {...src.outputs.parameters}, artifacts: {...src.outputs.artifacts}}
        : {parameters: {}, artifacts: {}}
    const mine = sets.filter((s) => s.task === t.name)
    for (const s of mine) {
      const ptype = t.component.outputDefinitions?.parameters?.[s.output]?.parameterType
      if (ptype !== undefined || !t.component.outputDefinitions?.artifacts?.[s.output]) {
        const r = parseParamText(s.value, ptype)
        if (!r.ok) throw usage(`--set-output ${userStepName(t, i.stepNames)}.${s.output}: ${r.error}.`)
        base.parameters[s.output] = r.value
      } else base.artifacts[s.output] = {uri: s.value}
    }
    const usedSource = src && taskHasOutputs(src) && sourceRun
    const reusedFrom: ReusedFrom | undefined =
      usedSource || mine.length
        ? {
            ...(usedSource ? {runId: sourceRun!.id, runName: sourceRun!.name, task: t.name} : {}),
            ...(mine.length ? {setOutputs: mine.map((s) => s.output)} : {}),
          }
        : undefined
    skipped[t.name] = {outputs: base, reusedFrom}
  }

  const readers = skippedTasks.map((t) => ({step: userStepName(t, i.stepNames), number: t.number, params: paramsReadBy(t)}))
  const warnings = paramChangeWarnings(readers, i.params, sourceRun)
  return {startTask: start.name, startNumber: start.number, skipped, sourceRun, missing, warnings}
}

/** A skipped step and the pipeline parameters it reads (through any enclosing groups). */
export interface ParamReader {
  step: string
  number: number
  params: string[]
}

/**
 * One warning per pipeline parameter whose value in this run differs from the source run's while skipped steps
 * read it: those steps' reused outputs were computed with the old value.
 */
export function paramChangeWarnings(readers: ParamReader[], params: Record<string, JsonValue>, sourceRun?: RunRecord): string[] {
  if (!sourceRun) return []
  const byParam = new Map<string, ParamReader[]>()
  for (const r of readers) for (const p of new Set(r.params)) byParam.set(p, [...(byParam.get(p) ?? []), r])
  const fmt = (v: JsonValue | undefined) => (v === undefined ? '(unset)' : formatParamValue(v))
  const warnings: string[] = []
  for (const [p, rs] of byParam) {
    const now = params[p]
    const then = sourceRun.parameters[p]
    if (JSON.stringify(now) === JSON.stringify(then)) continue
    const steps = [...new Set(rs.map((r) => r.step))]
    warnings.push(
      `Parameter ${p} is ${fmt(now)} in this run but was ${fmt(then)} in run ${sourceRun.name} (${sourceRun.id}), whose outputs are reused; ` +
        `skipped step${steps.length > 1 ? 's' : ''} ${steps.join(', ')} read${steps.length > 1 ? '' : 's'} it and will not see the new value. ` +
        `Use --start-step ${Math.min(...rs.map((r) => r.number))} to recompute.`,
    )
  }
  return warnings
}

/** The OUTPUTS_MISSING error listing each missing output with the flag that supplies it. */
export function missingOutputsError(missing: MissingOutput[], sourceRun?: RunRecord): CliError {
  const where = sourceRun ? `run ${sourceRun.name} (${sourceRun.id}) does not have` : 'no earlier run of this pipeline has'
  const lines = missing.map((m) => `  - ${m.task}.${m.output}: pass ${m.flag}`)
  return new CliError('OUTPUTS_MISSING', `The steps from --start-step on need outputs that ${where}:\n${lines.join('\n')}`, {
    exit: EXIT.USAGE,
    hints: ['Run the whole pipeline once (or from an earlier step), pick a run that has them with --from-run, or supply them with the flags above.'],
    data: {missing},
  })
}
