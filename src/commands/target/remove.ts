import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {removeTarget, type RemoveTargetResult} from '../../services/target/manage.js'

export default class TargetRemove extends BaseCommand {
  static summary = 'Remove a target from kfp.yaml and the per-user config file.'
  static examples = ['<%= config.bin %> <%= command.id %> prod', '<%= config.bin %> <%= command.id %> prod --user']
  static args = {name: Args.string({required: true, description: 'Target name.'})}
  static flags = {user: Flags.boolean({description: 'Only remove it from the per-user config file.'})}

  async run(): Promise<RemoveTargetResult> {
    const {args, flags} = await this.parse(TargetRemove)
    const r = await removeTarget(args.name, {user: flags.user}, this.ctx)
    this.out(`Removed target ${r.name} from ${r.removedFrom.join(', ')}`)
    return r
  }
}
