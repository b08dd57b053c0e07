import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {createCluster, type CreateClusterResult} from '../../services/cluster/create.js'
import {planProgress} from '../../ui/plan-progress.js'

export default class ClusterCreate extends BaseCommand {
  static summary = 'Create (or reuse) a GKE cluster, fetch its credentials and grant you cluster-admin.'
  static description = `Runs gcloud with argument arrays: describe (an existing cluster is reused), create, get-credentials, then applies a cluster-admin ClusterRoleBinding for the current gcloud account with kubectl. Idempotent: run it again at any time.
Defaults come from the flags, then kfp.yaml's gcp: section (zone, region, project), then the tutorial's cluster (n1-standard-2, 3 nodes, cloud-platform scope).
With --dry-run it prints the same commands as a POSIX shell script and runs nothing.
Unlike the original tutorial, it does not bind cluster-admin to the kubeflow:pipeline-runner service account: KFP 2.x installs that account with its own namespaced Role (pods, workflows, volumes, jobs in the kubeflow namespace), which is what pipeline steps need; steps reach Google Cloud through the nodes' cloud-platform scope. cluster-admin would let any step take over the cluster. See docs/cluster.md.`
  static examples = [
    '<%= config.bin %> <%= command.id %> kfp --zone us-central1-a',
    '<%= config.bin %> <%= command.id %> kfp --zone us-central1-a --min-nodes 3 --max-nodes 10 --label team=ml',
    '<%= config.bin %> <%= command.id %> kfp --region us-central1 --release-channel regular --dry-run > create-cluster.sh',
  ]
  static args = {name: Args.string({description: 'Cluster name (default: kfp).', required: false})}
  static flags = {
    zone: Flags.string({description: 'Zone of a zonal cluster, e.g. us-central1-a.', exclusive: ['region'], env: 'KFP_GCP_ZONE'}),
    region: Flags.string({description: 'Region of a regional cluster, e.g. us-central1.', exclusive: ['zone'], env: 'KFP_GCP_REGION'}),
    'gcp-project': Flags.string({description: 'GCP project (default: kfp.yaml gcp.project, then gcloud\'s configured project).', env: 'KFP_GCP_PROJECT'}),
    'machine-type': Flags.string({description: 'Machine type of the nodes.', default: 'n1-standard-2'}),
    'num-nodes': Flags.integer({description: 'Number of nodes (default 3).', min: 1, exclusive: ['min-nodes', 'max-nodes']}),
    'min-nodes': Flags.integer({description: 'Autoscaling: minimum number of nodes.', min: 0, dependsOn: ['max-nodes']}),
    'max-nodes': Flags.integer({description: 'Autoscaling: maximum number of nodes.', min: 1, dependsOn: ['min-nodes']}),
    scopes: Flags.string({description: 'Node OAuth scopes, comma-separated.', default: 'cloud-platform'}),
    'release-channel': Flags.string({description: 'GKE release channel.', options: ['rapid', 'regular', 'stable', 'extended', 'None'], exclusive: ['cluster-version']}),
    'cluster-version': Flags.string({description: 'GKE version of the control plane.', exclusive: ['release-channel']}),
    label: Flags.string({description: 'Cluster label key=value (repeatable).', multiple: true}),
    'dry-run': Flags.boolean({description: 'Print the commands as a shell script; run nothing.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show gcloud\'s and kubectl\'s own output.'}),
  }

  async run(): Promise<CreateClusterResult> {
    const {args, flags} = await this.parse(ClusterCreate)
    const spinner = await this.spinner()
    const progress = planProgress(spinner, flags.verbose, (t) => this.info(t))
    let r: CreateClusterResult
    try {
      r = await createCluster(
        {
          name: args.name,
          zone: flags.zone,
          region: flags.region,
          gcpProject: flags['gcp-project'],
          machineType: flags['machine-type'],
          numNodes: flags['num-nodes'],
          minNodes: flags['min-nodes'],
          maxNodes: flags['max-nodes'],
          scopes: flags.scopes.split(',').map((s) => s.trim()).filter(Boolean),
          releaseChannel: flags['release-channel'],
          clusterVersion: flags['cluster-version'],
          labels: flags.label ?? [],
          dryRun: flags['dry-run'],
          onEvent: progress.onEvent,
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
    this.out(`Cluster ${r.name} in ${r.location} is ${r.reused ? 'ready (reused the existing cluster)' : 'created'}; kubectl now points at it.`)
    if (r.account) this.out(`${r.account} has cluster-admin (ClusterRoleBinding ${r.binding}).`)
    else this.warn('gcloud has no account configured, so no cluster-admin binding was created. Run `gcloud auth login`, then this command again.')
    this.out('Next: kfp deploy')
    return r
  }
}
