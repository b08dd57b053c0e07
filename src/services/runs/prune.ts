// `kfp runs prune`: removes finished local runs beyond the newest N or older than a given age, with their logs,
// outputs and cache entries, never what the kept runs or cache entries still use (see run/retention.ts).
import type {Ctx} from '../../ctx.js'
import {isRunFinal, type RunRecord} from '../../core/engine/record.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {listRunRecords} from '../run/store.js'
import type {RemovalReport} from '../run/retention.js'
import {runsStateDir, type RunsScope} from './index.js'

export interface PruneOptions extends RunsScope {
  /** Keep the newest N runs. */
  keep?: number
  /** Remove runs created longer ago than this (`30d`, `12h`, `90m`, `2w`). */
  olderThan?: string
  yes: boolean
  dryRun?: boolean
}

export interface PruneResult {
  stateDir: string
  /** The runs removed (or that would be, with --dry-run). */
  runs: Array<Pick<RunRecord, 'id' | 'name' | 'status' | 'createdAt'>>
  kept: number
  dryRun: boolean
  removal?: RemovalReport
}

const UNIT_MS: Record<string, number> = {m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000}

/** `30d` → milliseconds; throws a usage error naming the flag. */
export function parseAge(text: string): number {
  const m = /^(\d+)([mhdw])$/.exec(text.trim())
  if (!m || Number(m[1]) === 0)
    throw new CliError('USAGE', `--older-than '${text}' is not an age.`, {exit: EXIT.USAGE, hints: ['Use a number and a unit: 90m, 12h, 30d or 2w.']})
  return Number(m[1]) * UNIT_MS[m[2]]
}

/** Picks the runs to remove: finished ones beyond the newest `keep` and (when given) older than `olderThan`. */
export function pickPrunable(runs: RunRecord[], o: {keep?: number; olderThanMs?: number; now: number}): RunRecord[] {
  return runs.filter((r, i) => {
    if (!isRunFinal(r.status)) return false
    if (o.keep !== undefined && i < o.keep) return false
    if (o.olderThanMs !== undefined) {
      const t = Date.parse(r.createdAt)
      if (!Number.isFinite(t) || o.now - t <= o.olderThanMs) return false
    }
    return true
  })
}

export async function pruneRuns(o: PruneOptions, ctx: Pick<Ctx, 'env' | 'prompter' | 'now'>): Promise<PruneResult> {
  if (o.keep === undefined && o.olderThan === undefined)
    throw new CliError('USAGE', 'Say which runs to remove: --keep N (keep the newest N) or --older-than AGE.', {
      exit: EXIT.USAGE,
      hints: ['kfp runs prune --keep 10', 'kfp runs prune --older-than 30d'],
    })
  const olderThanMs = o.olderThan === undefined ? undefined : parseAge(o.olderThan)
  const stateDir = await runsStateDir(o, ctx)
  const all = await listRunRecords(stateDir)
  const doomed = pickPrunable(all, {keep: o.keep, olderThanMs, now: ctx.now().getTime()})
  const runs = doomed.map((r) => ({id: r.id, name: r.name, status: r.status, createdAt: r.createdAt}))
  const result: PruneResult = {stateDir, runs, kept: all.length - doomed.length, dryRun: Boolean(o.dryRun)}
  if (doomed.length === 0 || o.dryRun) return result
  if (!o.yes) {
    const ok = await ctx.prompter.confirm({message: `Remove ${doomed.length} run${doomed.length > 1 ? 's' : ''} with their logs and outputs (keeping ${result.kept})?`, flag: '--yes', default: false})
    if (!ok) return {...result, runs: []}
  }
  const {removeRuns} = await import('../run/retention.js')
  const gone = new Set(doomed.map((r) => r.id))
  result.removal = await removeRuns(stateDir, [...gone], all.filter((r) => !gone.has(r.id)))
  return result
}
