import {Args} from '@oclif/core'
import {serverRunFlags} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {EXIT} from '../../lib/errors.js'
import {actOnRemoteRun, type RemoteRunActionResult} from '../../services/remote/runs.js'

/** A local target has no archive: a usage error that says what to do instead. */
const ON_LOCAL = {
  message: `kfp runs archive works on runs on a KFP server; the target is '{target}' (local).`,
  hints: ['Remove a local run with: kfp runs delete RUN', 'For a server run, pass --target NAME (see kfp target list).'],
  exit: EXIT.USAGE,
}

export default class RunsArchive extends BaseCommand {
  static summary = 'Archive a run on a KFP server (hide it from the default run list).'
  static description =
    'Archived runs stay on the server (and in its UI) but no longer show in `kfp runs list`. Archiving an archived run changes nothing. Only for runs on a KFP target: local runs are removed with `kfp runs delete`.'
  static examples = ['<%= config.bin %> <%= command.id %> 5f1c0d2e-… --target prod']
  static args = {run: Args.string({required: true, description: 'Run id on the server, or latest.'})}
  static flags = {
    ...serverRunFlags,
  }

  async run(): Promise<RemoteRunActionResult> {
    const {args, flags} = await this.parse(RunsArchive)
    const r = await actOnRemoteRun({target: flags.target, runId: args.run, action: 'archive', whenLocal: ON_LOCAL}, this.ctx)
    this.out(r.changed ? `Archived run ${r.run.name} (${r.run.id}).` : `Run ${r.run.name} (${r.run.id}) was already archived.`)
    return r
  }
}
