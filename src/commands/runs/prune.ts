import path from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {projectFlag} from '../../flags.js'
import {describeRemoval} from '../../services/run/retention.js'
import {pruneRuns, type PruneResult} from '../../services/runs/prune.js'

export default class RunsPrune extends BaseCommand {
  static summary = 'Remove old local runs with their logs, outputs and cache entries.'
  static description = `Removes finished runs beyond the newest N (--keep) or created longer ago than an age (--older-than); with both, runs that are beyond the newest N and older. Running runs are never removed. Outputs that a kept run reuses (cached or --start-step steps) or a cache entry points at are kept, and removed with the last run that uses them. Asks first; pass --yes when not running interactively.`
  static examples = ['<%= config.bin %> <%= command.id %> --keep 10 --yes', '<%= config.bin %> <%= command.id %> --older-than 30d --dry-run']
  static flags = {
    project: projectFlag,
    keep: Flags.integer({summary: 'Keep the newest N runs.', min: 0, helpValue: 'N'}),
    'older-than': Flags.string({summary: 'Remove runs created longer ago than this: 90m, 12h, 30d, 2w.', helpValue: 'AGE'}),
    'dry-run': Flags.boolean({summary: 'Print the runs that would be removed, remove nothing.'}),
    yes: Flags.boolean({char: 'y', summary: 'Remove without asking.'}),
  }

  async run(): Promise<PruneResult> {
    const {flags} = await this.parse(RunsPrune)
    const result = await pruneRuns({cwd: this.ctx.cwd, project: flags.project, keep: flags.keep, olderThan: flags['older-than'], yes: flags.yes, dryRun: flags['dry-run']}, this.ctx)
    if (result.runs.length === 0) {
      this.out('Nothing to remove.')
      return result
    }
    for (const r of result.runs) this.out(`${result.dryRun ? 'Would remove' : 'Removed'} ${r.id}\t${r.name}\t${r.status}`)
    if (result.removal) for (const line of describeRemoval(result.removal, (p) => path.relative(this.ctx.cwd, p) || '.')) this.info(line)
    this.info(`${result.kept} run${result.kept === 1 ? '' : 's'} kept.`)
    return result
  }
}
