import {Args} from '@oclif/core'
import {serverRunFlags} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {EXIT} from '../../lib/errors.js'
import {actOnRemoteRun, type RemoteRunActionResult} from '../../services/remote/runs.js'

/** A local target has no retry: a usage error that says what to do instead. */
const ON_LOCAL = {
  message: `kfp runs retry works on runs on a KFP server; the target is '{target}' (local).`,
  hints: ['Re-run a local run from its failed step: kfp run --start-step STEP --from-run RUN', 'For a server run, pass --target NAME (see kfp target list).'],
  exit: EXIT.USAGE,
}

export default class RunsRetry extends BaseCommand {
  static summary = 'Retry a failed or cancelled run on a KFP server.'
  static description =
    'The server re-runs the failed and cancelled steps of the run in place (same run id); steps that succeeded are not run again. Only for runs on a KFP target: re-run a local run from its failed step with `kfp run --start-step STEP --from-run RUN`.'
  static examples = ['<%= config.bin %> <%= command.id %> 5f1c0d2e-… --target prod', '<%= config.bin %> <%= command.id %> latest --json']
  static args = {run: Args.string({required: true, description: 'Run id on the server, or latest.'})}
  static flags = {
    ...serverRunFlags,
  }

  async run(): Promise<RemoteRunActionResult> {
    const {args, flags} = await this.parse(RunsRetry)
    const r = await actOnRemoteRun({target: flags.target, runId: args.run, action: 'retry', whenLocal: ON_LOCAL}, this.ctx)
    this.out(`Retrying run ${r.run.name} (${r.run.id}): ${r.run.status}.`)
    this.info(`Follow it: kfp runs get ${r.run.id} --target ${r.run.target} · ${r.run.url}`)
    return r
  }
}
