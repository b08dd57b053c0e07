import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {COMPONENT_TEMPLATES, EXAMPLES, initProject, type InitResult} from '../services/init.js'

export default class Init extends BaseCommand {
  static summary = 'Create a kfp project: kfp.yaml, .gitignore, README.md and the first component.'
  static description =
    'Creates a project in DIR (default: the current folder). On a terminal it asks for the pipeline name, starting template ' +
    'and GCP project, and with a GCP project for its region and zone, registry and bucket; otherwise flags give the values, --yes accepts the defaults ' +
    '(name from the folder, registry localhost:5000, or the Artifact Registry repository REGION-docker.pkg.dev/PROJECT/kfp with --gcp-project, which --cloud-setup or `kfp cloud setup` creates), and a missing value without a ' +
    'default fails with the flag to pass (exit 2). Existing files are never overwritten without --force: kfp init lists ' +
    'them, writes nothing and exits 3. --example babyweight creates the 4-step tutorial pipeline (preprocess → hypertrain ' +
    '→ traintuned → deploy) whose steps run offline with Python\'s standard library; --example tuning a hyperparameter sweep ' +
    'with a loop, a condition, an exit handler and Dataset/Model/Metrics artifacts. The GCP project flag is --gcp-project ' +
    'because --project names the project file in every other command.'

  static examples = [
    '<%= config.bin %> <%= command.id %> demo --yes',
    '<%= config.bin %> <%= command.id %> bw --example babyweight --yes',
    '<%= config.bin %> <%= command.id %> sweep --example tuning --yes',
    '<%= config.bin %> <%= command.id %> my-pipeline --template bash --gcp-project my-project --region europe-west1 --no-input',
    '<%= config.bin %> <%= command.id %> --yes --force --json',
  ]

  static args = {
    dir: Args.string({description: 'Folder to create the project in (created when missing; default: the current folder).'}),
  }

  static flags = {
    yes: Flags.boolean({char: 'y', description: 'Accept defaults for everything not given by a flag; never prompt.'}),
    name: Flags.string({description: "Pipeline name (lowercase letters, digits, '-'; default: from the folder name)."}),
    description: Flags.string({description: 'Pipeline description.'}),
    'gcp-project': Flags.string({description: 'Google Cloud project id (needed when not interactive, unless --yes).', env: 'KFP_GCP_PROJECT', helpGroup: 'GCP'}),
    region: Flags.string({description: 'GCP region (default us-central1).', env: 'KFP_GCP_REGION', helpGroup: 'GCP'}),
    zone: Flags.string({description: 'GCP zone (default REGION-a).', env: 'KFP_GCP_ZONE', helpGroup: 'GCP'}),
    registry: Flags.string({description: 'Image registry prefix (default REGION-docker.pkg.dev/PROJECT/kfp with --gcp-project, else localhost:5000).'}),
    bucket: Flags.string({description: 'Cloud Storage bucket name, without gs:// (default PROJECT-kfp).', helpGroup: 'GCP'}),
    template: Flags.string({description: 'Template of the first component.', options: [...COMPONENT_TEMPLATES], exclusive: ['example']}),
    example: Flags.string({description: 'Create an example project instead.', options: [...EXAMPLES], exclusive: ['template']}),
    force: Flags.boolean({description: 'Overwrite existing files.'}),
    'cloud-setup': Flags.boolean({
      description: 'Also create the GCP resources the pipeline needs (APIs, Artifact Registry repository, bucket), each only if missing. Asked when interactive and a GCP project is given.',
      allowNo: true,
      helpGroup: 'GCP',
    }),
  }

  async run(): Promise<InitResult> {
    const {args, flags} = await this.parse(Init)
    const result = await initProject(
      {
        dir: args.dir,
        yes: flags.yes,
        name: flags.name,
        description: flags.description,
        gcpProject: flags['gcp-project'],
        region: flags.region,
        zone: flags.zone,
        registry: flags.registry,
        bucket: flags.bucket,
        template: flags.template as InitResult['template'],
        example: flags.example as InitResult['example'],
        force: flags.force,
        cloudSetup: flags['cloud-setup'],
      },
      this.ctx,
    )
    // The folder as the user gave it (kfp init /tmp/bw prints /tmp/bw, not ../../tmp/bw).
    const where = args.dir ?? '.'
    const what = result.example ? `the ${result.example} example` : `a ${result.template} component`
    this.out(`Created pipeline ${result.name} in ${where} from ${what}:`)
    for (const f of result.files) this.out(`  ${f}${result.overwritten.includes(f) ? '  (overwritten)' : ''}`)
    for (const r of result.cloud?.resources ?? []) this.out(`  ${r.kind} ${r.name}: ${r.action}`)
    this.out('')
    this.out('Next steps:')
    for (const s of result.nextSteps) this.out(`  ${s}`)
    return result
  }
}
