/**
 * `kfp schedule …`: recurring runs (v2beta1 `/recurringruns`) of the project's pipeline on a KFP target, pinned to the
 * uploaded version (the same upload `kfp run` does). Always sends `mode` (without it the server creates the recurring
 * run disabled) and `max_concurrency` (without it, 0, the server refuses: api_converter.go `toModelJob`).
 * On the local target there is no scheduler: a clear message, and with dry-run the crontab line that would run it.
 */
import type {Ctx} from '../../ctx.js'
import {listAll, type CreateRecurringRunBody, type KfpRecurringRun} from '../../clients/kfp-api.js'
import {shQuote} from '../../core/cluster/shell.js'
import {serverRunParameters} from '../../core/remote/spec.js'
import {crontabSchedule, describeTrigger, kfpCron, parseEvery, type Trigger} from '../../core/remote/schedule.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {resolveTarget} from '../target/resolve.js'
import {connectRemote, requireNamespace, type RemoteSession} from './connect.js'
import {ensureExperiment} from './resources.js'
import {ensureUploaded, loadPipelineSource, type UploadEvent, type UploadResult} from './upload.js'

/** A recurring run as kfp shows it. */
export interface ScheduleInfo {
  id: string
  name: string
  status: 'enabled' | 'disabled' | 'unknown'
  /** `cron 0 0 3 * * *` or `every 24h`. */
  trigger: string
  cron?: string
  intervalSeconds?: number
  maxConcurrency?: number
  catchup: boolean
  start?: string
  end?: string
  pipelineId?: string
  versionId?: string
  experimentId?: string
  namespace?: string
  parameters: Record<string, unknown>
  createdAt?: string
}

export function scheduleInfo(r: KfpRecurringRun): ScheduleInfo {
  const cron = r.trigger?.cron_schedule
  const periodic = r.trigger?.periodic_schedule
  const intervalSeconds = periodic?.interval_second ? Number(periodic.interval_second) : undefined
  return {
    id: r.recurring_run_id ?? '',
    name: r.display_name ?? '',
    status: r.status === 'ENABLED' ? 'enabled' : r.status === 'DISABLED' ? 'disabled' : 'unknown',
    trigger: describeTrigger({cron: cron?.cron, intervalSeconds}),
    ...(cron?.cron ? {cron: cron.cron} : {}),
    ...(intervalSeconds ? {intervalSeconds} : {}),
    ...(r.max_concurrency ? {maxConcurrency: Number(r.max_concurrency)} : {}),
    catchup: !r.no_catchup,
    start: cron?.start_time ?? periodic?.start_time,
    end: cron?.end_time ?? periodic?.end_time,
    pipelineId: r.pipeline_version_reference?.pipeline_id,
    versionId: r.pipeline_version_reference?.pipeline_version_id,
    experimentId: r.experiment_id,
    namespace: r.namespace || undefined,
    parameters: r.runtime_config?.parameters ?? {},
    createdAt: r.created_at,
  }
}

export interface CreateScheduleOptions {
  cwd: string
  project?: string
  target?: string
  name: string
  cron?: string
  every?: string
  params: string[]
  maxConcurrency?: number
  /** Default true: runs missed while the schedule was behind are started (KFP's default, `no_catchup: false`). */
  catchup?: boolean
  start?: string
  end?: string
  experiment?: string
  description?: string
  dryRun?: boolean
  onEvent?: (e: UploadEvent | {type: 'experiment'; name: string; created: boolean}) => void
}

export interface CreateScheduleResult {
  schedule?: ScheduleInfo
  target: string
  upload?: UploadResult
  /** The body that was (or, with dry-run, would be) sent. */
  request?: CreateRecurringRunBody
  /** Local target: the crontab line that would run the pipeline on this machine. */
  crontab?: string
  dryRun: boolean
}

/** The trigger of `--cron` / `--every` (exactly one), checked and converted; a usage error otherwise. */
export function scheduleTrigger(o: {cron?: string; every?: string}): Trigger {
  if (Boolean(o.cron) === Boolean(o.every)) {
    throw new CliError('USAGE', 'Give exactly one of --cron EXPR or --every DURATION.', {exit: EXIT.USAGE, hints: ["kfp schedule create retrain --cron '0 3 * * *'", 'kfp schedule create retrain --every 24h']})
  }
  if (o.cron) {
    const c = kfpCron(o.cron)
    if (!c.ok) throw new CliError('USAGE', `--cron ${c.message}.`, {exit: EXIT.USAGE, hints: ["Five fields, as in crontab: '0 3 * * *' is 03:00 every day (kfp sends KFP's six-field form, '0 0 3 * * *')."]})
    return {kind: 'cron', cron: c.value, given: o.cron}
  }
  const e = parseEvery(o.every!)
  if (!e.ok) throw new CliError('USAGE', `--every ${e.message}.`, {exit: EXIT.USAGE})
  return {kind: 'every', seconds: e.value, given: o.every!}
}

function rfc3339(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  const ms = Date.parse(v)
  if (Number.isNaN(ms)) throw new CliError('USAGE', `${flag} '${v}' is not a date or time (e.g. 2026-01-31 or 2026-01-31T03:00:00Z).`, {exit: EXIT.USAGE})
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
}

/** `kfp schedule create NAME (--cron EXPR | --every D)`: uploads the pipeline when needed and creates the recurring run. */
export async function createSchedule(o: CreateScheduleOptions, ctx: Ctx): Promise<CreateScheduleResult> {
  const trigger = scheduleTrigger(o)
  const maxConcurrency = o.maxConcurrency ?? 1
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 10) {
    throw new CliError('USAGE', `--max-concurrency ${maxConcurrency}: KFP takes 1 to 10.`, {exit: EXIT.USAGE})
  }
  const start = rfc3339('--start', o.start)
  const end = rfc3339('--end', o.end)
  if (start && end && end <= start) throw new CliError('USAGE', `--end ${o.end} is not after --start ${o.start}.`, {exit: EXIT.USAGE})
  const src = await loadPipelineSource({cwd: o.cwd, project: o.project}, ctx)
  const {parameters} = serverRunParameters(src.spec, o.params)

  const target = await resolveTarget({target: o.target}, ctx)
  if (target.type !== 'kfp') return localSchedule(o, trigger, src.dir, target.name)
  // What a KFP server cannot run in this pipeline, and images it cannot pull (as kfp upload and kfp run say them).
  for (const message of src.warnings) o.onEvent?.({type: 'warning', message})

  const window = {...(start ? {start_time: start} : {}), ...(end ? {end_time: end} : {})}
  const schedule: CreateRecurringRunBody['trigger'] =
    trigger.kind === 'cron' ? {cron_schedule: {cron: trigger.cron, ...window}} : {periodic_schedule: {interval_second: String(trigger.seconds), ...window}}
  const s = await connectRemote({target: o.target, onEvent: o.onEvent as never}, ctx)
  requireNamespace(s, 'recurring runs')
  const body: CreateRecurringRunBody = {
    display_name: o.name,
    ...(o.description ? {description: o.description} : {}),
    runtime_config: {parameters, ...(s.target.config.pipelineRoot ? {pipeline_root: s.target.config.pipelineRoot} : {})},
    trigger: schedule,
    mode: 'ENABLE',
    max_concurrency: String(maxConcurrency),
    no_catchup: o.catchup === false,
  }
  if (o.dryRun) return {target: s.target.name, request: body, dryRun: true}
  // The name clash first: a refused create leaves nothing behind (no experiment, no upload).
  const existing = await findSchedules(s, o.name)
  if (existing.length > 0) {
    throw new CliError('USAGE', `Target ${s.target.name} already has a schedule named ${o.name} (${existing[0].recurring_run_id}).`, {
      exit: EXIT.USAGE,
      hints: [`Delete it first: kfp schedule delete ${o.name} --target ${s.target.name}`, 'Or pick another name.'],
    })
  }
  const experimentName = o.experiment ?? s.target.config.experiment ?? src.spec.pipelineInfo.name
  const exp = await ensureExperiment(s, experimentName)
  o.onEvent?.({type: 'experiment', name: experimentName, created: exp.created})
  const upload = await ensureUploaded(s, src, {onEvent: o.onEvent}, ctx)
  body.experiment_id = exp.experiment.experiment_id
  body.pipeline_version_reference = {pipeline_id: upload.pipelineId, pipeline_version_id: upload.versionId}
  // Never retried (a POST): the schedule must not be created twice.
  const created = await s.api.createRecurringRun(body)
  return {schedule: scheduleInfo(created), target: s.target.name, upload, request: body, dryRun: false}
}

function localSchedule(o: CreateScheduleOptions, trigger: Trigger, dir: string, target: string): CreateScheduleResult {
  const when = crontabSchedule(trigger)
  const argv = ['kfp', 'run', '--target', 'local', ...o.params.flatMap((p) => ['--param', p])]
  const line = when.ok ? `${when.value} cd ${shQuote(dir)} && ${argv.map(shQuote).join(' ')}` : undefined
  if (o.dryRun && line) return {target, crontab: line, dryRun: true}
  throw new CliError('USAGE', `Schedules run on a KFP server; the current target '${target}' is the local engine, which has no scheduler.`, {
    exit: EXIT.USAGE,
    hints: [
      'Pass --target NAME (a KFP server; see kfp target list).',
      line ? `Or run it from cron on this machine (crontab -e): ${line}` : `Or schedule kfp run with cron yourself (${when.ok ? '' : when.message}).`,
    ],
  })
}

/** The recurring runs of this target (its namespace) whose name or id is `ref`. */
async function findSchedules(s: RemoteSession, ref: string): Promise<KfpRecurringRun[]> {
  const all = await listAll((t) => s.api.listRecurringRuns({namespace: s.namespace, pageToken: t, pageSize: 100}))
  return all.filter((r) => r.display_name === ref || r.recurring_run_id === ref)
}

const ON_LOCAL = {
  message: 'Schedules are recurring runs on a KFP server; the target {target} is the local engine.',
  hints: ['Pass --target NAME (a KFP server; see kfp target list).', 'kfp schedule create NAME --dry-run on the local target prints a crontab line instead.'],
  exit: EXIT.USAGE,
}

export interface ListSchedulesResult {
  schedules: ScheduleInfo[]
  target: string
}

/** `kfp schedule list`: every recurring run in the target's namespace, newest first. */
export async function listSchedules(o: {target?: string}, ctx: Ctx): Promise<ListSchedulesResult> {
  const s = await connectRemote({target: o.target, whenLocal: ON_LOCAL}, ctx)
  requireNamespace(s, 'recurring runs')
  const all = await listAll((t) => s.api.listRecurringRuns({namespace: s.namespace, pageToken: t, pageSize: 100, sortBy: 'created_at desc'}))
  return {schedules: all.map(scheduleInfo), target: s.target.name}
}

async function oneSchedule(s: RemoteSession, ref: string): Promise<KfpRecurringRun> {
  const found = await findSchedules(s, ref)
  if (found.length > 1) {
    throw new CliError('USAGE', `${found.length} schedules are named ${ref} on ${s.target.name}: give the id.`, {exit: EXIT.USAGE, hints: found.map((r) => `${r.recurring_run_id} (${r.status})`)})
  }
  if (found.length === 0) {
    throw new CliError('SERVER_NOT_FOUND', `No schedule named or with id '${ref}' on ${s.target.name}.`, {exit: EXIT.REMOTE, hints: [`kfp schedule list --target ${s.target.name}`]})
  }
  return found[0]
}

export interface ScheduleActionResult {
  schedule: ScheduleInfo
  target: string
  action: 'get' | 'pause' | 'resume' | 'delete'
}

/** `kfp schedule get|pause|resume|delete NAME|ID`. */
export async function actOnSchedule(o: {target?: string; ref: string; action: ScheduleActionResult['action']}, ctx: Ctx): Promise<ScheduleActionResult> {
  const s = await connectRemote({target: o.target, whenLocal: ON_LOCAL}, ctx)
  requireNamespace(s, 'recurring runs')
  const r = await oneSchedule(s, o.ref)
  const id = r.recurring_run_id!
  if (o.action === 'pause' || o.action === 'resume') await s.api.setRecurringRunEnabled(id, o.action === 'resume')
  if (o.action === 'delete') await s.api.deleteRecurringRun(id)
  const after = o.action === 'pause' || o.action === 'resume' ? await s.api.getRecurringRun(id) : r
  return {schedule: scheduleInfo(after), target: s.target.name, action: o.action}
}
