import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {projectFlag} from '../../flags.js'
import {listCache, type ListCacheResult} from '../../services/cache.js'
import {renderTable} from '../../ui/table.js'

export default class CacheList extends BaseCommand {
  static summary = "List the local step cache: which step's outputs later runs can reuse, and from which run."
  static description = 'A step whose image, command, arguments, input values and input artifact contents match an entry is not run again (status cached). An entry whose run or output files are gone is shown as stale and never used.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> train --json']
  static args = {step: Args.string({description: 'Only the entries of this step.'})}
  static flags = {project: projectFlag}

  async run(): Promise<ListCacheResult> {
    const {args, flags} = await this.parse(CacheList)
    const result = await listCache({cwd: this.ctx.cwd, project: flags.project, step: args.step}, this.ctx)
    if (result.entries.length === 0) {
      this.info(args.step ? `No cache entries for step ${args.step}.` : 'The cache is empty.')
      return result
    }
    const rows = result.entries.map((e) => [e.step, e.runId, e.runName, e.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), e.valid ? 'usable' : 'stale', e.key.slice(0, 12)])
    this.out(renderTable(['step', 'run', 'run name', 'created', 'state', 'key'], rows, {tty: this.io.stdoutIsTTY}))
    return result
  }
}
