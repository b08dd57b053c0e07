import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {addTarget, type AddTargetResult} from '../../services/target/manage.js'

export default class TargetAdd extends BaseCommand {
  static summary = 'Add a Kubeflow Pipelines server target.'
  static description =
    'Writes the target to kfp.yaml (shared with the team; comments are kept) or, with --user, to your per-user config file ' +
    '(mode 0600). Targets store where a token comes from (an environment variable, a file or a command), never the token itself. ' +
    'A --token-command is split into words without a shell (quotes group words; no pipes or variables).'
  static examples = [
    '<%= config.bin %> <%= command.id %> dev --endpoint http://localhost:8080',
    '<%= config.bin %> <%= command.id %> prod --endpoint https://kubeflow.example.com/pipeline --namespace alice --token-command "gcloud auth print-identity-token --impersonate-service-account=SA@PROJECT.iam.gserviceaccount.com --audiences=CLIENT_ID --include-email"',
    '<%= config.bin %> <%= command.id %> ci --endpoint http://ml-pipeline.kubeflow:8888 --namespace team --token-file /var/run/secrets/kubeflow/pipelines/token',
    '<%= config.bin %> <%= command.id %> pf --endpoint http://localhost:8888 --namespace alice --kubeflow-userid alice@example.com',
    '<%= config.bin %> <%= command.id %> kf --endpoint https://kf.example.com/pipeline --cookie-file ~/.config/kfp/cookie --user',
  ]
  static args = {name: Args.string({required: true, description: 'Target name (letters, digits, ".", "_", "-").'})}
  static flags = {
    endpoint: Flags.string({required: true, description: 'KFP API or UI base URL (https://HOST/pipeline, http://localhost:8080).'}),
    namespace: Flags.string({description: 'Namespace (Kubeflow profile) for multi-user installations.'}),
    'token-env': Flags.string({description: 'Read the bearer token from this environment variable.', helpGroup: 'AUTH'}),
    'token-file': Flags.string({description: 'Read the bearer token from this file.', helpGroup: 'AUTH'}),
    'token-command': Flags.string({description: 'Run this command for a bearer token (IAP: "gcloud auth print-identity-token --audiences=CLIENT_ID …", see docs/remote.md).', helpGroup: 'AUTH'}),
    'cookie-file': Flags.string({description: 'File holding a session Cookie header value (Dex/oauth2-proxy logins; or use kfp login).', helpGroup: 'AUTH'}),
    'kubeflow-userid': Flags.string({
      description:
        'Send the kubeflow-userid header with this identity: for a multi-user ml-pipeline service reached directly (kubectl port-forward svc/ml-pipeline 8888:8888), which trusts that header.',
      helpGroup: 'AUTH',
      helpValue: 'EMAIL',
    }),
    'ca-file': Flags.string({description: 'PEM CA bundle that signed the server certificate.', helpGroup: 'TLS'}),
    insecure: Flags.boolean({description: 'Skip TLS certificate verification (test servers only).', helpGroup: 'TLS'}),
    experiment: Flags.string({description: 'Default experiment for runs on this target.'}),
    'pipeline-root': Flags.string({description: 'Pipeline root for artifacts, e.g. gs://BUCKET/pipeline-root.'}),
    user: Flags.boolean({description: 'Write to the per-user config file instead of kfp.yaml.'}),
  }

  async run(): Promise<AddTargetResult> {
    const {args, flags} = await this.parse(TargetAdd)
    const r = await addTarget(
      {
        name: args.name,
        endpoint: flags.endpoint,
        namespace: flags.namespace,
        tokenEnv: flags['token-env'],
        tokenFile: flags['token-file'],
        tokenCommand: flags['token-command'],
        cookieFile: flags['cookie-file'],
        kubeflowUserId: flags['kubeflow-userid'],
        caFile: flags['ca-file'],
        insecure: flags.insecure,
        experiment: flags.experiment,
        pipelineRoot: flags['pipeline-root'],
        user: flags.user,
      },
      this.ctx,
    )
    if (flags.insecure) this.warn(`target '${r.name}' skips TLS verification (--insecure).`)
    this.out(`${r.replaced ? 'Updated' : 'Added'} target ${r.name} (${r.target.endpoint}) in ${r.file}`)
    this.info(`Use it: kfp run --target ${r.name}, or make it current: kfp target use ${r.name}`)
    return r
  }
}
