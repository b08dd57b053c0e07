import {scheduleRef} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {actOnSchedule, type ScheduleActionResult} from '../../services/remote/schedule.js'

export default class ScheduleGet extends BaseCommand {
  static summary = 'Show a schedule: trigger, status, pinned version, parameters.'
  static examples = ['<%= config.bin %> <%= command.id %> retrain --target prod']
  static args = scheduleRef.args
  static flags = scheduleRef.flags

  async run(): Promise<ScheduleActionResult> {
    const {args, flags} = await this.parse(ScheduleGet)
    const r = await actOnSchedule({target: flags.target, ref: args.schedule, action: 'get'}, this.ctx)
    const s = r.schedule
    for (const line of [`${s.name} (${s.id}) on ${r.target}: ${s.status}`, `trigger: ${s.trigger}${s.start ? ` from ${s.start}` : ""}${s.end ? ` until ${s.end}` : ""}`, `max concurrency: ${s.maxConcurrency ?? "?"} · catchup: ${s.catchup ? "yes" : "no"}`, `pipeline ${s.pipelineId} version ${s.versionId}`, `parameters: ${JSON.stringify(s.parameters)}`]) this.out(line)
    return r
  }
}
