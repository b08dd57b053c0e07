import {scheduleRef} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {actOnSchedule, type ScheduleActionResult} from '../../services/remote/schedule.js'

export default class ScheduleDelete extends BaseCommand {
  static summary = 'Delete a schedule (its runs stay).'
  static examples = ['<%= config.bin %> <%= command.id %> retrain --target prod']
  static args = scheduleRef.args
  static flags = scheduleRef.flags

  async run(): Promise<ScheduleActionResult> {
    const {args, flags} = await this.parse(ScheduleDelete)
    const r = await actOnSchedule({target: flags.target, ref: args.schedule, action: 'delete'}, this.ctx)
    const s = r.schedule
    this.out(`Deleted schedule ${s.name} (${s.id}) on ${r.target}; its runs stay.`)
    return r
  }
}
