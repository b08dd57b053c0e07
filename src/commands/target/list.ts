import {BaseCommand} from '../../base-command.js'
import {listTargets, type ListTargetsResult} from '../../services/target/manage.js'
import {renderTable} from '../../ui/table.js'

export default class TargetList extends BaseCommand {
  static summary = 'List targets (local, kfp.yaml and per-user) and show the current one.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<ListTargetsResult> {
    await this.parse(TargetList)
    const r = await listTargets(this.ctx)
    this.out(
      renderTable(
        ['current', 'name', 'type', 'endpoint', 'namespace', 'auth', 'defined in'],
        r.targets.map((t) => [t.current ? '*' : '', t.name, t.type, t.endpoint, t.namespace, t.auth, t.scope.join('+')]),
        {tty: this.io.stdoutIsTTY},
      ),
    )
    return r
  }
}
