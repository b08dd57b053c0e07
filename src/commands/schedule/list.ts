import {BaseCommand} from '../../base-command.js'
import {listFlags, serverFlags} from '../../flags.js'
import {listSchedules, type ListSchedulesResult} from '../../services/remote/schedule.js'

export default class ScheduleList extends BaseCommand {
  static summary = 'List the schedules (recurring runs) on a KFP server.'
  static examples = ['<%= config.bin %> <%= command.id %> --target prod', '<%= config.bin %> <%= command.id %> --target prod --json']
  static flags = {...listFlags, ...serverFlags}

  async run(): Promise<ListSchedulesResult> {
    const {flags} = await this.parse(ScheduleList)
    const r = await listSchedules({target: flags.target}, this.ctx)
    this.list(
      ['id', 'name', 'status', 'trigger', 'created'],
      r.schedules.map((s) => [s.id, s.name, s.status, s.trigger, s.createdAt]),
      r.schedules.map((s) => s.id),
      flags,
    )
    return r
  }
}
