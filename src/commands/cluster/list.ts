import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {listClusters, type ListClustersResult} from '../../services/cluster/list.js'
import {listFlags} from '../../flags.js'

export default class ClusterList extends BaseCommand {
  static summary = 'List the GKE clusters of the project.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --gcp-project my-project --json']
  static flags = {
    ...listFlags,
    zone: Flags.string({description: 'Only clusters in this zone.', exclusive: ['region']}),
    region: Flags.string({description: 'Only clusters in this region.', exclusive: ['zone']}),
    'gcp-project': Flags.string({description: 'GCP project.', env: 'KFP_GCP_PROJECT'}),
    'dry-run': Flags.boolean({description: 'Print the command as a shell script; run nothing.'}),
  }

  async run(): Promise<ListClustersResult> {
    const {flags} = await this.parse(ClusterList)
    const r = await listClusters({zone: flags.zone, region: flags.region, gcpProject: flags['gcp-project'], dryRun: flags['dry-run']}, this.ctx)
    if (r.script !== undefined) this.out(r.script)
    else if (r.clusters.length === 0) this.info('No clusters. Create one with `kfp cluster create NAME --zone ZONE`.')
    else
      this.list(
        ['name', 'location', 'status', 'nodes', 'version', 'machine type'],
        r.clusters.map((c) => [c.name, c.location, c.status, c.nodes, c.version, c.machineType]),
        r.clusters.map((c) => c.name),
        flags,
      )
    return r
  }
}
