import {scheduleRef} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {actOnSchedule, type ScheduleActionResult} from '../../services/remote/schedule.js'

export default class ScheduleResume extends BaseCommand {
  static summary = 'Resume a paused schedule.'
  static examples = ['<%= config.bin %> <%= command.id %> retrain --target prod']
  static args = scheduleRef.args
  static flags = scheduleRef.flags

  async run(): Promise<ScheduleActionResult> {
    const {args, flags} = await this.parse(ScheduleResume)
    const r = await actOnSchedule({target: flags.target, ref: args.schedule, action: 'resume'}, this.ctx)
    const s = r.schedule
    this.out(`Resumed ${s.name} (${s.id}) on ${r.target}: ${s.status}`)
    return r
  }
}
