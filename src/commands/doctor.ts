import {BaseCommand} from '../base-command.js'
import {CliError, EXIT} from '../lib/errors.js'
import {runDoctor, type DoctorResult} from '../services/doctor.js'
import {paintStatus, statusMark} from '../ui/status.js'

export default class Doctor extends BaseCommand {
  static summary = 'Check the tools and services kfp needs, with a fix for each failure.'
  static description = `Checks Node, the Docker daemon, registry credentials for the project's registry, gcloud (installed, authenticated), kubectl and the current context, the cluster, the KFP install and its version, and the project's bucket.
✔ ok · ✖ failed · – not applicable. Exits 5 when a required check fails (optional ones are marked).`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<DoctorResult> {
    await this.parse(Doctor)
    const r = await runDoctor({self: process.argv[1]}, this.ctx)
    this.table(
      ['', 'check', 'detail', 'fix'],
      r.checks.map((c) => [paintStatus({color: this.io.colorOut}, c.status, statusMark(c.status)), c.title + (c.status === 'fail' && !c.required ? ' (optional)' : ''), c.detail, c.status === 'ok' ? '' : (c.fix ?? '')]),
      {keep: [0, 1], flex: [2, 3]},
    )
    const failed = r.checks.filter((c) => c.required && c.status === 'fail')
    if (failed.length > 0) {
      throw new CliError('CHECK_FAILED', `${failed.length} required check${failed.length === 1 ? '' : 's'} failed: ${failed.map((c) => c.title).join(', ')}.`, {
        exit: EXIT.EXTERNAL,
        hints: failed.map((c) => `${c.title}: ${c.fix}`),
        data: {checks: r.checks},
      })
    }
    return r
  }
}
