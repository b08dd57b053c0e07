import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {actOnRemoteRun, type RemoteRunActionResult} from '../../services/remote/runs.js'
import {resolveTarget} from '../../services/target/resolve.js'

export default class RunsArchive extends BaseCommand {
  static summary = 'Archive a run on a KFP server (hide it from the default run list).'
  static description =
    'Archived runs stay on the server (and in its UI) but no longer show in `kfp runs list`. Archiving an archived run changes nothing. Only for runs on a KFP target: local runs are removed with `kfp runs delete`.'
  static examples = ['<%= config.bin %> <%= command.id %> 5f1c0d2e-… --target prod']
  static args = {run: Args.string({required: true, description: 'Run id on the server, or latest.'})}
  static flags = {
    target: Flags.string({summary: 'The KFP target the run is on (see kfp target list).', env: 'KFP_TARGET'}),
  }

  async run(): Promise<RemoteRunActionResult> {
    const {args, flags} = await this.parse(RunsArchive)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type !== 'kfp') {
      throw new CliError('USAGE', `kfp runs archive works on runs on a KFP server; the target is '${t.name}' (local).`, {
        exit: EXIT.USAGE,
        hints: ['Remove a local run with: kfp runs delete RUN', 'For a server run, pass --target NAME (see kfp target list).'],
      })
    }
    const r = await actOnRemoteRun({target: flags.target, runId: args.run, action: 'archive'}, this.ctx)
    this.out(r.changed ? `Archived run ${r.run.name} (${r.run.id}).` : `Run ${r.run.name} (${r.run.id}) was already archived.`)
    return r
  }
}
