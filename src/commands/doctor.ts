import {BaseCommand} from '../base-command.js'
import {CliError, EXIT} from '../lib/errors.js'
import {runDoctor, type DoctorResult} from '../services/doctor.js'
import {renderTable} from '../ui/table.js'

export default class Doctor extends BaseCommand {
  static summary = 'Check the tools and services kfp needs, with a fix for each failure.'
  static description = `Checks Node, the Docker daemon, registry credentials for the project's registry, gcloud (installed, authenticated), kubectl and the current context, the cluster, the KFP install and its version, and the project's bucket.
✔ ok · ✖ failed · – not applicable. Exits 5 when a required check fails (optional ones are marked).`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<DoctorResult> {
    await this.parse(Doctor)
    const r = await runDoctor({}, this.ctx)
    const mark = {ok: '✔', fail: '✖', skip: '–'}
    this.out(
      renderTable(
        ['', 'check', 'detail', 'fix'],
        r.checks.map((c) => [mark[c.status], c.title + (c.status === 'fail' && !c.required ? ' (optional)' : ''), c.detail, c.status === 'ok' ? '' : (c.fix ?? '')]),
        {tty: this.io.stdoutIsTTY},
      ),
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
