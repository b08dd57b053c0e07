import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {projectFlag, namespaceFlag} from '../flags.js'
import {parseSince, stampLine, type LogWindow} from '../core/logs/window.js'
import {CliError} from '../lib/errors.js'
import {readLogs, type LogsResult, type StepLog} from '../services/runs/index.js'
import {resolveTarget} from '../services/target/resolve.js'
import {remoteLogs, type RemoteLogsResult} from '../services/remote/logs.js'

interface LogsCommandResult extends LogsResult {
  /** `time` (RFC 3339) with --timestamps, when the log recorded it. */
  lines: Array<{step: string; line: string; time?: string}>
}

export default class Logs extends BaseCommand {
  static summary = "Print a run's step logs."
  static description =
    'Without STEP, prints every step\'s log, each line prefixed with the step name; so does a loop step\'s number or name (`kfp logs latest 2`), each line prefixed with its iteration (`[train[1]]`). RUN may be `latest`. Steps that were skipped (--start-step) or cached show the log of the run they came from (on a KFP server, such a step says which run that is and the kfp logs command for it). With --follow, keeps printing while the step (or run) runs and ends when it ends; steps that start later (loop iterations, steps in a condition or exit handler) are followed too, and a step that has not started yet is waited for.\n\n' +
    '--tail N, --since and --timestamps work like kubectl logs: per step, the last N lines (then new ones with -f), only lines written since a duration ago (30s, 10m, 1h30m, 2d) or a time (2025-01-01T12:00:00Z), and each line prefixed with the time it was written (RFC 3339, UTC). Logs are read as streams, never whole, so large logs are fine.'
  static examples = [
    '<%= config.bin %> <%= command.id %> latest traintuned',
    '<%= config.bin %> <%= command.id %> latest -f',
    '<%= config.bin %> <%= command.id %> latest train --tail 20 -f',
    '<%= config.bin %> <%= command.id %> latest --since 10m --timestamps',
    '<%= config.bin %> <%= command.id %> 20250101-120000-a1b2c3 3 --json',
  ]
  static args = {
    run: Args.string({required: true, description: 'Run id, name or latest.'}),
    step: Args.string({description: 'Step number or name (default: all steps).'}),
  }
  static flags = {
    project: projectFlag,
    follow: Flags.boolean({char: 'f', summary: 'Keep printing new lines until the step (or run) ends.'}),
    tail: Flags.integer({summary: "Only the last N lines of each step's log (with -f: then the new ones).", min: 0, helpValue: 'N'}),
    since: Flags.string({summary: 'Only lines written since a duration ago (30s, 10m, 1h30m, 2d) or a time (2025-01-01T12:00:00Z).', helpValue: 'DURATION|TIME'}),
    timestamps: Flags.boolean({summary: 'Prefix each line with the time it was written (RFC 3339, UTC).'}),
    target: Flags.string({summary: 'Read the run from this KFP target instead of the local runs (see kfp target list).', env: 'KFP_TARGET'}), namespace: namespaceFlag,
  }

  async run(): Promise<LogsCommandResult | (RemoteLogsResult & {lines: LogsCommandResult['lines']})> {
    const {args, flags} = await this.parse(Logs)
    const lines: LogsCommandResult['lines'] = []
    // Lines carry their step's label whenever more than one step (or loop iteration) is printed: the whole run, or a
    // loop step's iterations (`kfp logs RUN 2`). Iterations may start while printing (-f, a server's): a line of an
    // iteration the reference did not name exactly is prefixed.
    let prefix = !args.step
    const prefixed = (step: string, key = step) => prefix || (/\[\d+\]$/.test(step) && step !== args.step && key !== args.step)
    const window: LogWindow = {tail: flags.tail, sinceMs: flags.since === undefined ? undefined : parseSince(flags.since, this.ctx.now()), timestamps: flags.timestamps}
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
          window,
          onLine: (step, line, timeMs) => {
            if (this.jsonEnabled()) lines.push({step, line, ...(flags.timestamps && timeMs !== undefined ? {time: new Date(timeMs).toISOString()} : {})})
            else {
              const text = flags.timestamps ? stampLine(line, timeMs) : line
              this.io.out(prefixed(step) ? `[${step}] ${text}` : text)
            }
          },
          onEvent: (e) =>
            this.info(
              e.type === 'note'
                ? `(${e.step}: ${e.message})`
                : `${e.step ? `${e.step}: ` : ''}reading the log ${e.to === 'ui' ? "through the KFP UI's /k8s/pod/logs" : "from the step's executor-logs artifact (KFP UI /artifacts/get)"}: ${e.reason}.`,
            ),
        },
        this.ctx,
      )
      return {...remote, lines}
    }
    const out = batchedStdout()
    const json = this.jsonEnabled()
    const onLine = (s: StepLog, line: string, timeMs?: number) => {
      if (json) {
        lines.push({step: s.task, line, ...(flags.timestamps && timeMs !== undefined ? {time: new Date(timeMs).toISOString()} : {})})
        return
      }
      const text = flags.timestamps ? stampLine(line, timeMs) : line
      return out.write(prefixed(s.task, s.key) ? `[${s.task}] ${text}` : text)
    }
    // Where a step's log comes from is said before its lines (on stderr), not after them.
    const onStep = (s: StepLog, all: StepLog[]) => {
      prefix ||= all.length > 1
      if (s.fromRun) this.info(`(${s.task} was ${s.status} in this run; log from run ${s.fromRun.id})`)
      if (s.untimed && (flags.timestamps || flags.since)) this.info(`(${s.task}: its log has no per-line times (written by an older kfp); ${flags.since ? '--since uses the time the step ended' : 'shown with - for the time'})`)
      else if (s.status === 'skipped' || (s.status === 'pending' && !flags.follow)) this.info(`(${s.task} did not run: ${s.status})`)
    }
    const result = await readLogs({cwd: this.ctx.cwd, project: flags.project, run: args.run, step: args.step, follow: flags.follow, window}, this.ctx, onLine, onStep).finally(() => out.flush()).catch(
      async (err) => {
        throw (await this.stepWhereRunExpected(err, args.run, args.step, flags.project)) ?? err
      },
    )
    return {...result, lines}
  }

  /** `kfp logs traintuned`: RUN names no run but a step of the project → say so, with the command meant. */
  private async stepWhereRunExpected(err: unknown, run: string, step: string | undefined, project: string | undefined): Promise<CliError | undefined> {
    if (!(err instanceof CliError) || err.kfpCode !== 'RUN_NOT_FOUND' || step !== undefined) return undefined
    const {listSteps} = await import('../services/project/steps.js')
    const steps = await listSteps({cwd: this.ctx.cwd, project}, this.ctx).then((r) => r.steps, () => [])
    const hit = steps.find((x) => x.name === run)
    if (!hit) return undefined
    return new CliError('RUN_NOT_FOUND', `'${run}' is a step of the pipeline, not a run: kfp logs takes the run first, then the step.`, {
      exit: err.exitCode,
      hints: [`kfp logs latest ${run}`, 'kfp runs list shows the runs.'],
    })
  }
}

/**
 * Log lines to stdout in batches (one write per read block, not per line), waiting for the pipe to drain when it is
 * full: a large log streams with bounded memory, and a reader that stops (`| head`) holds kfp back instead of
 * piling up buffers.
 */
function batchedStdout(): {write(line: string): void | Promise<void>; flush(): Promise<void>} {
  let buf: string[] = []
  let size = 0
  let scheduled = false
  const flush = async () => {
    scheduled = false
    if (!buf.length) return
    const text = buf.join('\n') + '\n'
    buf = []
    size = 0
    if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()))
  }
  return {
    write(line) {
      buf.push(line)
      size += line.length + 1
      if (size >= 64 * 1024) return flush()
      if (!scheduled) {
        scheduled = true
        setImmediate(() => void flush())
      }
    },
    flush,
  }
}
