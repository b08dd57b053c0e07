import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {deleteCluster, type DeleteClusterResult} from '../../services/cluster/delete.js'
import {planProgress} from '../../ui/plan-progress.js'

export default class ClusterDelete extends BaseCommand {
  static summary = 'Delete a GKE cluster.'
  static description = 'Asks for confirmation first; pass --yes when not running interactively. --dry-run prints the gcloud command as a shell script.'
  static examples = ['<%= config.bin %> <%= command.id %> kfp --zone us-central1-a', '<%= config.bin %> <%= command.id %> kfp --zone us-central1-a --yes']
  static args = {name: Args.string({description: 'Cluster name.', required: true})}
  static flags = {
    zone: Flags.string({description: 'Zone of the cluster.', exclusive: ['region'], env: 'KFP_GCP_ZONE'}),
    region: Flags.string({description: 'Region of the cluster.', exclusive: ['zone'], env: 'KFP_GCP_REGION'}),
    'gcp-project': Flags.string({description: 'GCP project.', env: 'KFP_GCP_PROJECT'}),
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.'}),
    'dry-run': Flags.boolean({description: 'Print the command as a shell script; run nothing.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show gcloud\'s own output.'}),
  }

  async run(): Promise<DeleteClusterResult> {
    const {args, flags} = await this.parse(ClusterDelete)
    const progress = planProgress(await this.spinner(), flags.verbose, (t) => this.info(t))
    let r: DeleteClusterResult
    try {
      r = await deleteCluster(
        {name: args.name, zone: flags.zone, region: flags.region, gcpProject: flags['gcp-project'], yes: flags.yes, dryRun: flags['dry-run'], onEvent: progress.onEvent},
        this.ctx,
      )
    } catch (error) {
      progress.failed()
      throw error
    }
    if (r.script !== undefined) this.out(r.script)
    else this.out(`Deleted cluster ${r.name} (${r.location}).`)
    return r
  }
}
