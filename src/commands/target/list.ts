import {BaseCommand} from '../../base-command.js'
import {listTargets, type ListTargetsResult} from '../../services/target/manage.js'
import {listFlags} from '../../flags.js'

export default class TargetList extends BaseCommand {
  static summary = 'List targets (local, kfp.yaml and per-user) and show the current one.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static flags = {...listFlags}

  async run(): Promise<ListTargetsResult> {
    const {flags} = await this.parse(TargetList)
    const r = await listTargets(this.ctx)
    this.list(
      ['current', 'name', 'type', 'endpoint', 'namespace', 'auth', 'defined in'],
      r.targets.map((t) => [t.current ? '*' : '', t.name, t.type, t.endpoint, t.namespace, t.auth, t.scope.join('+')]),
      r.targets.map((t) => t.name),
      flags,
      {keep: [0, 1], flex: [3]},
    )
    return r
  }
}
