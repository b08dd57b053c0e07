import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {DEFAULT_KFP_VERSION} from '../core/cluster/kfp.js'
import {deployKfp, type DeployResult} from '../services/deploy.js'
import {planProgress} from '../ui/plan-progress.js'

export default class Deploy extends BaseCommand {
  static summary = 'Install Kubeflow Pipelines on the current kubectl context and wait until it is ready.'
  static description = `Applies the official kustomize manifests pinned to a release: the cluster-scoped resources, waits for the CRDs, then env/platform-agnostic (or env/gcp with --env gcp), and waits until every deployment in the kubeflow namespace (where the manifests install) is available, one progress line per deployment.
--env gcp (Cloud SQL and Cloud Storage) needs the values the upstream overlay leaves as placeholders: --bucket, --gcp-project (defaults: gcp.bucket and gcp.project in kfp.yaml) and --cloudsql-instance; kfp applies a local overlay with them, and refuses without them.
Running it again is safe: nothing happens when the same version is installed and ready, an older install is upgraded, and a newer one is kept unless --force.
--delete removes KFP (asks first; --yes when not interactive). --dry-run prints the commands as a shell script.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    `<%= config.bin %> <%= command.id %> --version ${DEFAULT_KFP_VERSION} --timeout 1800`,
    '<%= config.bin %> <%= command.id %> --dry-run > install-kfp.sh',
    '<%= config.bin %> <%= command.id %> --env gcp --bucket my-bucket --gcp-project my-project --cloudsql-instance my-project:us-central1:kfp',
    '<%= config.bin %> <%= command.id %> --delete --yes',
  ]
  static flags = {
    version: Flags.string({description: `KFP release to install (default ${DEFAULT_KFP_VERSION}).`, env: 'KFP_DEPLOY_VERSION'}),
    env: Flags.string({description: 'Manifest environment.', options: ['platform-agnostic', 'gcp'], default: 'platform-agnostic'}),
    bucket: Flags.string({description: 'env gcp: Cloud Storage bucket for artifacts (default: gcp.bucket in kfp.yaml).', helpGroup: 'GCP', helpValue: 'BUCKET'}),
    'gcp-project': Flags.string({description: 'env gcp: project of the bucket (default: gcp.project in kfp.yaml).', helpGroup: 'GCP', helpValue: 'PROJECT'}),
    'cloudsql-instance': Flags.string({description: 'env gcp: Cloud SQL (MySQL) instance connection name.', helpGroup: 'GCP', helpValue: 'PROJECT:REGION:INSTANCE'}),
    timeout: Flags.integer({description: 'Seconds to wait until every deployment is available.', default: 1200, min: 1}),
    force: Flags.boolean({description: 'Install even when a newer version is installed.'}),
    delete: Flags.boolean({description: 'Remove KFP from the cluster.'}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (--delete).'}),
    'dry-run': Flags.boolean({description: 'Print the commands as a shell script; run nothing.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show kubectl\'s own output.'}),
  }

  async run(): Promise<DeployResult> {
    const {flags} = await this.parse(Deploy)
    const spinner = await this.spinner()
    const progress = planProgress(spinner, flags.verbose, (t) => this.info(t))
    let r: DeployResult
    try {
      r = await deployKfp(
        {
          version: flags.version,
          env: flags.env as 'platform-agnostic' | 'gcp',
          gcp: {bucket: flags.bucket, project: flags['gcp-project'], cloudSqlInstance: flags['cloudsql-instance']},
          timeoutSeconds: flags.timeout,
          force: flags.force,
          delete: flags.delete,
          yes: flags.yes,
          dryRun: flags['dry-run'],
          onEvent: (e) => {
            if (e.type === 'detected') this.info(e.version ? `KFP ${e.version} is installed on ${e.context}.` : `Installing on ${e.context}.`)
            else if (e.type === 'deployment') {
              const d = e.deployment
              spinner.stop()
              this.info(`  ${d.available ? '✔' : '…'} ${d.name} ${d.ready}/${d.desired} ready`)
              spinner.start('Wait until every deployment is available')
            } else progress.onEvent(e)
          },
        },
        this.ctx,
      )
    } catch (error) {
      progress.failed()
      throw error
    }
    if (r.script !== undefined) {
      this.out(r.script)
      return r
    }
    if (r.action === 'deleted') {
      this.out(`Removed Kubeflow Pipelines ${r.version} from ${r.context}.`)
      return r
    }
    const what = {
      installed: `Installed Kubeflow Pipelines ${r.version}`,
      upgraded: `Upgraded Kubeflow Pipelines ${r.previousVersion} → ${r.version}`,
      repaired: `Kubeflow Pipelines ${r.version} is ready`,
      unchanged: `Kubeflow Pipelines ${r.version} is already installed and ready; nothing to do`,
      'dry-run': '',
    }[r.action]
    this.out(`${what} on ${r.context} (namespace ${r.namespace}).`)
    if (r.access) {
      this.out(`UI:  ${r.access.ui.command}   (opens ${r.access.ui.url})`)
      this.out(`API: ${r.access.api.command}   (then ${r.access.api.url})`)
    }
    return r
  }
}
