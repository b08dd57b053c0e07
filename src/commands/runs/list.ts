import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {listFlags, projectFlag, runsTargetFlags} from '../../flags.js'
import {listRuns, type ListRunsResult} from '../../services/runs/index.js'
import {formatDuration} from '../../ui/table.js'
import {resolveTarget} from '../../services/target/resolve.js'
import {listRemoteRuns, remoteRunRows, type ListRemoteRunsResult} from '../../services/remote/runs.js'

export default class RunsList extends BaseCommand {
  static summary = 'List the runs of this project, newest first.'
  static description = 'Local runs live in .kfp/runs/ of the project (or of the current folder for `kfp run --local FILE`). A run whose kfp process was killed shows as interrupted. The steps column counts steps by status: every iteration of a step inside a loop counts, the groups around steps (conditions, loops, exit handlers) do not.'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --status failed --limit 5',
    '<%= config.bin %> <%= command.id %> --experiment retrain --json',
    '<%= config.bin %> <%= command.id %> --target prod --archived',
  ]
  static flags = {
    ...listFlags,
    project: projectFlag,
    status: Flags.string({
      summary: 'Only runs with this status. Repeatable, or comma-separated: --status failed,cancelled.',
      options: ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'],
      multiple: true,
      delimiter: ',',
    }),
    experiment: Flags.string({summary: 'Only runs of this experiment.'}),
    limit: Flags.integer({summary: 'At most this many runs.', min: 1}),
    ...runsTargetFlags,
    archived: Flags.boolean({summary: 'On a KFP target: list the archived runs instead of the active ones (see kfp runs archive).'}),
  }

  async run(): Promise<ListRunsResult | ListRemoteRunsResult> {
    const {flags} = await this.parse(RunsList)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp') {
      const remote = await listRemoteRuns({target: flags.target, status: flags.status, experiment: flags.experiment, limit: flags.limit, archived: flags.archived}, this.ctx)
      const filters = filterText(flags)
      if (remote.runs.length === 0 && flags.archived) this.info(`No archived runs on target ${remote.target}${filters ? ` match ${filters}` : ''}.`)
      else if (remote.runs.length === 0 && filters) this.info(`No runs on target ${remote.target} match ${filters}. Without the filters: kfp runs list --target ${remote.target}`)
      else if (remote.runs.length === 0) this.info(`No runs on target ${remote.target} yet. Start one with \`kfp run --target ${remote.target}\`.`)
      else this.printRuns(remoteRunRows(remote.runs), flags)
      return remote
    }
    if (flags.archived) {
      throw new CliError('USAGE', `--archived lists archived runs on a KFP server; the target is '${t.name}' (local), whose runs are never archived.`, {
        exit: EXIT.USAGE,
        hints: ['For a server: kfp runs list --archived --target NAME (see kfp target list).'],
      })
    }
    const result = await listRuns({cwd: this.ctx.cwd, project: flags.project, status: flags.status, experiment: flags.experiment, limit: flags.limit}, this.ctx)
    for (const b of result.unusable) this.warn(`Skipped ${path.relative(this.ctx.cwd, b.file) || b.file}: ${b.problem}. Remove it with \`kfp runs delete ${b.id} --yes\`.`)
    if (result.runs.length === 0) {
      const filters = filterText(flags)
      if (filters && result.total > 0) this.info(`No runs match ${filters} (${result.total} run${result.total === 1 ? '' : 's'} in all; \`kfp runs list\` shows them).`)
      else this.info('No runs yet. Start one with `kfp run`.')
      return result
    }
    const rows = result.runs.map((r) => [
      r.id,
      r.name,
      r.status,
      r.experiment,
      r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      formatDuration(r.durationMs),
      Object.entries(r.steps).map(([s, n]) => `${n} ${s}`).join(', '),
    ])
    this.printRuns(rows, flags)
    return result
  }

  /** The same columns for local and server runs (experiment is a name in both). */
  private printRuns(rows: string[][], flags: {quiet?: boolean; wide?: boolean}): void {
    const shown = rows.map((r) => [r[0], r[1], this.statusCell(r[2]), ...r.slice(3)])
    this.list(['id', 'name', 'status', 'experiment', 'created', 'duration', 'steps'], shown, rows.map((r) => r[0]), flags, {flex: [1, 4, 6]})
  }
}

/** The filters a listing was given, as the flags to type: `--experiment blog --status failed`. */
function filterText(flags: {status?: string[]; experiment?: string}): string {
  return [flags.experiment ? `--experiment ${flags.experiment}` : '', flags.status?.length ? `--status ${flags.status.join(',')}` : ''].filter(Boolean).join(' ')
}
