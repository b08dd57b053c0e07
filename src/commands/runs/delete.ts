import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {projectFlag} from '../../flags.js'
import path from 'node:path'
import {describeRemoval} from '../../services/run/retention.js'
import {deleteRun, type DeleteRunResult} from '../../services/runs/index.js'

export default class RunsDelete extends BaseCommand {
  static summary = 'Delete a finished run with its logs and outputs.'
  static description = `Asks first; pass --yes when not running interactively. Removes the run's record, logs and outputs and the cache entries its steps wrote (those steps run again next time). Deleting a run never breaks another: outputs that other runs reuse (cached or --start-step steps) or cache entries point at are kept, and removed with the last run that uses them; the command says which.`
  static examples = ['<%= config.bin %> <%= command.id %> 20250101-120000-a1b2c3 --yes']
  static args = {run: Args.string({required: true, description: 'Run id, name or latest.'})}
  static flags = {project: projectFlag, yes: Flags.boolean({char: 'y', summary: 'Delete without asking.'})}

  async run(): Promise<DeleteRunResult> {
    const {args, flags} = await this.parse(RunsDelete)
    const result = await deleteRun({cwd: this.ctx.cwd, project: flags.project, run: args.run, yes: flags.yes}, this.ctx)
    this.out(result.deleted ? `Deleted run ${result.name} (${result.id}).` : 'Nothing deleted.')
    if (result.removal) for (const line of describeRemoval(result.removal, (p) => path.relative(this.ctx.cwd, p) || '.')) this.info(line)
    return result
  }
}
