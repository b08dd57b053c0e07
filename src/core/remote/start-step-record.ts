/**
 * What a server run started with `kfp run --start-step` reused, and from where, kept in the run itself.
 *
 * A v2beta1 run has no labels or annotations, and nothing in it can change after it is created (RunService has no
 * update). What kfp can give it at creation and read back from any machine is its `description` ("Optional input.
 * Short description of the run", run.swagger.json v2beta1Run; the API server stores it as is and returns it:
 * backend/src/apiserver/server/api_converter.go toModelRun / toApiRun; the KFP UI shows it on the run's page), which
 * MySQL cuts at 255 characters, and its own pruned pipeline spec, stored whole (specWithRecord). kfp writes a sentence
 * for people in the description and the facts as JSON behind a marker in the spec's pipelineInfo.description (in the
 * description too when everything fits). The values themselves are not written (the run's spec holds them as
 * constants); neither is anything secret.
 */
import {templatePathOf} from '../engine/naming.js'
import type {ReusedFrom} from '../engine/record.js'
import {isObj} from '../obj.js'

/** A step before --start-step: not run; where the outputs it stands for came from. */
export interface ReusedStep {
  number: number
  /** The step's name (kfp.yaml step name, else its task key). */
  step: string
  /** Its template path in the pipeline (`exit-handler-1/for-loop-2/trial`). */
  path: string
  /** The run its outputs came from (every instance of it: a loop step's iterations too). */
  fromRun?: {id: string; name: string; where: 'server' | 'local'}
  /** Outputs given with --set-output instead. */
  setOutputs?: string[]
}

export interface StartStepRecord {
  start: {number: number; step: string; path: string}
  reused: ReusedStep[]
  /** The pipeline's step number of each container task the run has (its spec lost the steps before N). */
  numbers: Record<string, number>
  /** The importer tasks kfp added for the artifacts of steps before N (task path → the output it gives). */
  imports: Record<string, {step: string; output: string}>
}

const MARK = 'kfp-start-step/v1 '

/** The record from the plan: the pipeline's steps (path, number, name), the start, and each reused instance's source. */
export function startStepRecord(i: {
  leaves: Array<{path: string; number: number}>
  stepName: (path: string) => string
  start: {path: string; number: number}
  /** Record key of each reused instance → where it came from. */
  reused: Array<[string, ReusedFrom | undefined]>
  fromRun?: {id: string; name: string; where: 'server' | 'local'}
  imported: Array<{importer: string; step: string; output: string}>
}): StartStepRecord {
  const before = i.leaves.filter((l) => l.number < i.start.number)
  const reused = before.map((l): ReusedStep => {
    const froms = i.reused.filter(([k]) => templatePathOf(k) === l.path).map(([, r]) => r)
    const sets = [...new Set(froms.flatMap((r) => r?.setOutputs ?? []))]
    const fromRun = i.fromRun && froms.some((r) => r?.runId === i.fromRun!.id) ? i.fromRun : undefined
    return {number: l.number, step: i.stepName(l.path), path: l.path, ...(fromRun ? {fromRun} : {}), ...(sets.length ? {setOutputs: sets} : {})}
  })
  const numbers = Object.fromEntries(i.leaves.filter((l) => l.number >= i.start.number).map((l) => [l.path, l.number]))
  const imports = Object.fromEntries(i.imported.map((x) => [x.importer, {step: x.step, output: x.output}]))
  return {start: {number: i.start.number, step: i.stepName(i.start.path), path: i.start.path}, reused, numbers, imports}
}

/** The run description: a sentence, then the record as JSON behind its marker. */
export function startStepDescription(r: StartStepRecord): string {
  const runs = [...new Map(r.reused.flatMap((s) => (s.fromRun ? [[s.fromRun.id, s.fromRun] as const] : []))).values()]
  const from = runs.map((x) => `outputs of ${x.where === 'local' ? 'LOCAL ' : ''}run ${x.name} (${x.id})`)
  const sets = r.reused.flatMap((s) => (s.setOutputs ?? []).map((o) => `${s.step}.${o}`))
  const parts = [...from, ...(sets.length ? [`--set-output ${sets.join(', ')}`] : [])]
  const sentence = `Started by kfp run --start-step at step ${r.start.number} (${r.start.step}); the steps before it were not run${parts.length ? ` and reuse ${parts.join(' and ')}` : ''}.`
  return `${sentence}\n${MARK}${JSON.stringify(r)}`
}

/**
 * The most characters a KFP server keeps of a run's description. On MySQL, KFP's default database, run_details'
 * Description is a VARCHAR(255): the model gives it no size (backend/src/apiserver/model/run.go Run.Description) and
 * client_manager.go InitDBClient opens MySQL with DefaultStringSize 255. A longer one fails the run's creation
 * ("Failed to store run … to table", storage/run_store.go CreateRun) after its workflow was created
 * (resource/resource_manager.go CreateRun): the run would go unrecorded. (PostgreSQL stores it as text.)
 */
export const MAX_RUN_DESCRIPTION = 255

/**
 * The description of a server run: `own` (--description), then what kfp keeps of --start-step, as much as fits in
 * MAX_RUN_DESCRIPTION characters: the sentence and the record, else the sentence alone, else nothing of it.
 * `recordKept` is false when the record was left out (kfp runs get cannot show what the run reused).
 */
export function runDescription(own: string | undefined, r: StartStepRecord | undefined): {description?: string; recordKept: boolean} {
  const join = (parts: Array<string | undefined>) => parts.filter(Boolean).join('\n') || undefined
  if (!r) return {description: join([own]), recordKept: false}
  const lines = startStepDescription(r).split('\n')
  const sentence = lines.slice(0, -1).join('\n')
  const fits = (text: string | undefined) => [...(text ?? '')].length <= MAX_RUN_DESCRIPTION
  const whole = join([own, sentence, lines.at(-1)])
  if (fits(whole)) return {description: whole, recordKept: true}
  const withSentence = join([own, sentence])
  return {description: fits(withSentence) ? withSentence : join([own]), recordKept: false}
}

/**
 * The most characters of PipelineInfo.description (pipeline_spec.proto: "Should not exceed 1024 characters"; the
 * API server does not check it).
 */
export const MAX_SPEC_DESCRIPTION = 1024

/**
 * The pruned spec of a --start-step run with the record after its pipelineInfo.description, where it survives what a
 * run's description cannot hold: the spec is the run's own, stored whole (model/pipeline_spec.go PipelineSpecManifest
 * is LargeText) and returned with the run (api_converter.go toApiRun, PipelineSpecManifest → pipeline_spec). The
 * pipeline's own description is kept before it when both fit MAX_SPEC_DESCRIPTION; undefined when the record alone
 * does not.
 */
export function specWithRecord<S extends {pipelineInfo: {description?: string}}>(spec: S, r: StartStepRecord): S | undefined {
  const line = `${MARK}${JSON.stringify(r)}`
  const own = spec.pipelineInfo.description
  const fitting = [own ? `${own}\n${line}` : line, line].find((d) => [...d].length <= MAX_SPEC_DESCRIPTION)
  return fitting === undefined ? undefined : {...spec, pipelineInfo: {...spec.pipelineInfo, description: fitting}}
}

/** The record of a server run kfp started with --start-step: in its description, else in its spec's pipelineInfo. */
export function startStepRecordOf(run: {description?: string}, spec: {pipelineInfo?: {description?: string}} | undefined): StartStepRecord | undefined {
  return readStartStepRecord(run.description) ?? readStartStepRecord(spec?.pipelineInfo?.description)
}

/** The record in a run description kfp wrote, else undefined (any other description, or one that does not parse). */
export function readStartStepRecord(description: string | undefined): StartStepRecord | undefined {
  const line = description?.split('\n').find((l) => l.startsWith(MARK))
  if (!line) return undefined
  let r: unknown
  try {
    r = JSON.parse(line.slice(MARK.length))
  } catch {
    return undefined
  }
  return isRecord(r) ? r : undefined
}

const isStep = (x: unknown) => isObj(x) && typeof x.number === 'number' && typeof x.step === 'string' && typeof x.path === 'string'

function isRecord(r: unknown): r is StartStepRecord {
  if (!isObj(r) || !isStep(r.start) || !Array.isArray(r.reused) || !isObj(r.numbers) || !isObj(r.imports)) return false
  if (!Object.values(r.imports).every((x) => isObj(x) && typeof x.step === 'string' && typeof x.output === 'string')) return false
  const fromOk = (f: unknown) => f === undefined || (isObj(f) && typeof f.id === 'string' && typeof f.name === 'string' && (f.where === 'server' || f.where === 'local'))
  const setsOk = (s: unknown) => s === undefined || (Array.isArray(s) && s.every((x) => typeof x === 'string'))
  return r.reused.every((s) => isStep(s) && fromOk((s as ReusedStep).fromRun) && setsOk((s as ReusedStep).setOutputs)) && Object.values(r.numbers).every((n) => typeof n === 'number')
}
