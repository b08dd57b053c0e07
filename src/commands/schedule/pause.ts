import {scheduleRef} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {actOnSchedule, type ScheduleActionResult} from '../../services/remote/schedule.js'

export default class SchedulePause extends BaseCommand {
  static summary = 'Pause a schedule (no runs start until it is resumed).'
  static examples = ['<%= config.bin %> <%= command.id %> retrain --target prod']
  static args = scheduleRef.args
  static flags = scheduleRef.flags

  async run(): Promise<ScheduleActionResult> {
    const {args, flags} = await this.parse(SchedulePause)
    const r = await actOnSchedule({target: flags.target, ref: args.schedule, action: 'pause'}, this.ctx)
    const s = r.schedule
    this.out(`Paused ${s.name} (${s.id}) on ${r.target}: ${s.status}`)
    return r
  }
}
