import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {projectFlag} from '../flags.js'
import {readLogs, type LogsResult, type StepLog} from '../services/runs/index.js'
import {resolveTarget} from '../services/target/resolve.js'
import {remoteLogs, type RemoteLogsResult} from '../services/remote/logs.js'

interface LogsCommandResult extends LogsResult {
  lines: Array<{step: string; line: string}>
}

export default class Logs extends BaseCommand {
  static summary = "Print a run's step logs."
  static description =
    'Without STEP, prints every step\'s log, each line prefixed with the step name. RUN may be `latest`. Steps that were skipped (--start-step) or cached show the log of the run they came from. With --follow, keeps printing while the step (or run) runs and ends when it ends.'
  static examples = [
    '<%= config.bin %> <%= command.id %> latest traintuned',
    '<%= config.bin %> <%= command.id %> latest -f',
    '<%= config.bin %> <%= command.id %> 20250101-120000-a1b2c3 3 --json',
  ]
  static args = {
    run: Args.string({required: true, description: 'Run id, name or latest.'}),
    step: Args.string({description: 'Step number or name (default: all steps).'}),
  }
  static flags = {
    project: projectFlag,
    follow: Flags.boolean({char: 'f', summary: 'Keep printing new lines until the step (or run) ends.'}),
    target: Flags.string({summary: 'Read the run from this KFP target instead of the local runs (see kfp target list).', env: 'KFP_TARGET'}),
  }

  async run(): Promise<LogsCommandResult | (RemoteLogsResult & {lines: LogsCommandResult['lines']})> {
    const {args, flags} = await this.parse(Logs)
    const lines: LogsCommandResult['lines'] = []
    const prefix = !args.step
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp') {
      const remote = await remoteLogs(
        {
          cwd: this.ctx.cwd,
          project: flags.project,
          target: flags.target,
          runId: args.run,
          step: args.step,
          follow: flags.follow,
          onLine: (step, line) => (this.jsonEnabled() ? lines.push({step, line}) : this.io.out(prefix ? `[${step}] ${line}` : line)),
          onEvent: (e) => this.info(`Kubernetes is not reachable (${e.reason}); reading whole logs through the KFP UI instead.`),
        },
        this.ctx,
      )
      return {...remote, lines}
    }
    const onLine = (s: StepLog, line: string) => {
      if (this.jsonEnabled()) lines.push({step: s.task, line})
      else this.io.out(prefix ? `[${s.task}] ${line}` : line)
    }
    // Where a step's log comes from is said before its lines (on stderr), not after them.
    const onStep = (s: StepLog) => {
      if (s.fromRun) this.info(`(${s.task} was ${s.status} in this run; log from run ${s.fromRun})`)
      else if (s.status === 'skipped' || (s.status === 'pending' && !flags.follow)) this.info(`(${s.task} did not run: ${s.status})`)
    }
    const result = await readLogs({cwd: this.ctx.cwd, project: flags.project, run: args.run, step: args.step, follow: flags.follow}, this.ctx, onLine, onStep)
    return {...result, lines}
  }
}
