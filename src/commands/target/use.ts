import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {useTarget, type UseTargetResult} from '../../services/target/manage.js'

export default class TargetUse extends BaseCommand {
  static summary = 'Make a target the current one for this project.'
  static description = 'Stored in your per-user config file, per project folder (globally when run outside a project). --target and KFP_TARGET still win.'
  static examples = ['<%= config.bin %> <%= command.id %> prod', '<%= config.bin %> <%= command.id %> local']
  static args = {name: Args.string({required: true, description: 'Target name.'})}

  async run(): Promise<UseTargetResult> {
    const {args} = await this.parse(TargetUse)
    const r = await useTarget(args.name, this.ctx)
    this.out(`Current target: ${r.name}${r.scope === 'global' ? ' (global)' : ''}`)
    return r
  }
}
