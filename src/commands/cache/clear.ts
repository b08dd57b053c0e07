import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {projectFlag} from '../../flags.js'
import {clearCache, type ClearCacheResult} from '../../services/cache.js'

export default class CacheClear extends BaseCommand {
  static summary = 'Forget cached step results, of the given steps or all, so that those steps run again.'
  static description = 'Only the cache entries go: the runs that produced them keep their records, logs and outputs.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> train evaluate']
  static strict = false
  static args = {step: Args.string({description: 'Steps whose entries to remove (default: every entry).'})}
  static flags = {project: projectFlag}

  async run(): Promise<ClearCacheResult> {
    const {argv, flags} = await this.parse(CacheClear)
    const result = await clearCache({cwd: this.ctx.cwd, project: flags.project, steps: argv as string[]}, this.ctx)
    const n = result.removed.length
    this.out(`Removed ${n} cache entr${n === 1 ? 'y' : 'ies'}${n ? ` (${[...new Set(result.removed.map((r) => r.step))].join(', ')})` : ''}.`)
    for (const s of result.unmatched) this.info(`No cache entries for step ${s}.`)
    return result
  }
}
