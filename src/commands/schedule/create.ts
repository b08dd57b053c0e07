import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {projectFlag, serverFlags} from '../../flags.js'
import {createSchedule, type CreateScheduleResult} from '../../services/remote/schedule.js'

export default class ScheduleCreate extends BaseCommand {
  static summary = 'Run the pipeline on a schedule on a KFP server (a recurring run, pinned to the uploaded version).'
  static description =
    '--cron takes the standard five fields (minute hour day-of-month month day-of-week; "0 3 * * *" is 03:00 every day) and ' +
    'sends KFP\'s six-field form with seconds first ("0 0 3 * * *"); a six-field expression or a descriptor (@daily) goes as given. ' +
    '--every takes a duration (30m, 6h, 24h, 7d, 1h30m). The pipeline is uploaded like kfp run does and the schedule runs that ' +
    'version, with the --param values given here. On the local target there is no scheduler: --dry-run prints the crontab line instead.'
  static examples = [
    "<%= config.bin %> <%= command.id %> retrain --cron '0 3 * * *' --param startYear=2001 --target prod",
    '<%= config.bin %> <%= command.id %> nightly --every 24h --no-catchup --max-concurrency 1 --target prod',
    "<%= config.bin %> <%= command.id %> retrain --cron '0 3 * * 1' --dry-run   # local target: the crontab line",
  ]
  static args = {name: Args.string({required: true, description: 'Schedule name (unique on the target).'})}
  static flags = {
    project: projectFlag,
    ...serverFlags,
    cron: Flags.string({summary: "When to run, as a five-field cron expression ('0 3 * * *'), or six fields with seconds first.", helpValue: 'EXPR'}),
    every: Flags.string({summary: 'Run at this interval (30m, 6h, 24h, 7d).', helpValue: 'DURATION'}),
    param: Flags.string({summary: 'A pipeline parameter for every run, NAME=VALUE. Repeatable.', multiple: true, helpValue: 'NAME=VALUE'}),
    'max-concurrency': Flags.integer({summary: 'At most this many runs of the schedule at once (1-10).', default: 1, helpValue: 'N'}),
    catchup: Flags.boolean({summary: 'Start the runs missed while the schedule was behind (--no-catchup: only the latest).', default: true, allowNo: true}),
    start: Flags.string({summary: 'First time a run may start (date or RFC 3339 time).', helpValue: 'TIME'}),
    end: Flags.string({summary: 'Last time a run may start.', helpValue: 'TIME'}),
    experiment: Flags.string({summary: "Experiment the runs go to (default: the target's experiment, else the pipeline name)."}),
    description: Flags.string({summary: 'Description of the schedule.'}),
    'dry-run': Flags.boolean({summary: 'Print what would be created (on the local target: the crontab line) and change nothing.'}),
  }

  async run(): Promise<CreateScheduleResult> {
    const {args, flags} = await this.parse(ScheduleCreate)
    const r = await createSchedule(
      {
        cwd: this.ctx.cwd,
        project: flags.project,
        target: flags.target,
        name: args.name,
        cron: flags.cron,
        every: flags.every,
        params: flags.param ?? [],
        maxConcurrency: flags['max-concurrency'],
        catchup: flags.catchup,
        start: flags.start,
        end: flags.end,
        experiment: flags.experiment,
        description: flags.description,
        dryRun: flags['dry-run'],
        onEvent: (e) => {
          if (e.type === 'uploading') this.info(`Uploading ${e.pipeline} version ${e.version}`)
          if (e.type === 'experiment' && e.created) this.info(`Created experiment ${e.name}`)
          if (e.type === 'warning') this.warn(e.message)
        },
      },
      this.ctx,
    )
    if (r.crontab) this.out(r.crontab)
    else if (r.dryRun) this.out(JSON.stringify(r.request, null, 2))
    else if (r.schedule) {
      const s = r.schedule
      this.out(`Scheduled ${s.name} (${s.id}) on ${r.target}: ${s.trigger}, ${s.status}, version ${r.upload?.versionName}`)
    }
    return r
  }
}
