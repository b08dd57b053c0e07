import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {ensureCloudResources, type CloudResourcesResult} from '../../services/cloud-resources.js'

export default class CloudSetup extends BaseCommand {
  static summary = 'Create the GCP resources the pipeline needs, each only if missing.'
  static description = `Enables the APIs (GKE, Artifact Registry, Cloud Storage), creates the Artifact Registry Docker repository for the step images and the bucket for the pipeline root and data. Existing resources are reported, not changed.
Defaults come from kfp.yaml (gcp.project, gcp.region, gcp.bucket, and a registry of the form REGION-docker.pkg.dev/PROJECT/REPO). The bucket uses your Application Default Credentials (gcloud auth application-default login).`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --gcp-project my-project --region us-central1 --bucket my-bucket --repository kfp',
    '<%= config.bin %> <%= command.id %> --dry-run > setup.sh',
  ]
  static flags = {
    'gcp-project': Flags.string({description: 'GCP project.', env: 'KFP_GCP_PROJECT'}),
    region: Flags.string({description: 'Location of the bucket and repository (default: kfp.yaml gcp.region, else us-central1).', env: 'KFP_GCP_REGION'}),
    bucket: Flags.string({description: 'Bucket name for the pipeline root and data.'}),
    repository: Flags.string({description: 'Artifact Registry Docker repository name.'}),
    'dry-run': Flags.boolean({description: 'Print the commands as a shell script; run nothing.'}),
  }

  async run(): Promise<CloudResourcesResult> {
    const {flags} = await this.parse(CloudSetup)
    const r = await ensureCloudResources(
      {
        project: flags['gcp-project'],
        region: flags.region,
        bucket: flags.bucket,
        repository: flags.repository,
        dryRun: flags['dry-run'],
        onEvent: (e) => this.info(`✔ ${e.resource.kind} ${e.resource.name}: ${e.resource.action}`),
      },
      this.ctx,
    )
    if (r.script !== undefined) this.out(r.script)
    else this.out(`GCP project ${r.project} is set up (${r.resources.filter((x) => x.action !== 'exists').length} created or enabled, ${r.resources.filter((x) => x.action === 'exists').length} already there).`)
    return r
  }
}
