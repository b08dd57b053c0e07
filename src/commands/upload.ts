import {Args, Flags} from '@oclif/core'
import {namespaceFlag} from '../flags.js'
import {BaseCommand} from '../base-command.js'
import {uploadPipeline, type UploadResult} from '../services/remote/upload.js'

export default class Upload extends BaseCommand {
  static summary = 'Upload the pipeline to a Kubeflow Pipelines server (a new pipeline or a new version).'
  static description =
    'Compiles the project (or takes FILE, including one compiled by the KFP Python SDK) and uploads it. When a pipeline of that ' +
    'name exists, a version is added; when a version with the same content exists, nothing is uploaded. Version names default ' +
    'to the content hash plus the git commit (e.g. 3f2a9c1b7d4e-git-a1b2c3d).'
  static examples = [
    '<%= config.bin %> <%= command.id %> --target prod',
    '<%= config.bin %> <%= command.id %> pipeline.yaml --name babyweight --version v3',
  ]
  static args = {file: Args.string({description: 'A compiled pipeline YAML (default: compile the project).'})}
  static flags = {
    target: Flags.string({description: 'Target (KFP server) to upload to.', env: 'KFP_TARGET'}), namespace: namespaceFlag,
    name: Flags.string({description: 'Pipeline name (default: the pipeline name in the spec).'}),
    version: Flags.string({description: 'Version name (default: content hash + git commit).'}),
    description: Flags.string({description: 'Description of the pipeline/version.'}),
    project: Flags.string({description: 'kfp.yaml or its folder (default: search upwards).', env: 'KFP_PROJECT'}),
  }

  async run(): Promise<UploadResult> {
    const {args, flags} = await this.parse(Upload)
    const spinner = await this.spinner()
    spinner.start('Connecting')
    try {
      const r = await uploadPipeline(
        {
          cwd: this.ctx.cwd,
          file: args.file,
          project: flags.project,
          target: flags.target,
          name: flags.name,
          version: flags.version,
          description: flags.description,
          onEvent: (e) => {
            if (e.type === 'retry') {
              const text = `Server not ready (${e.reason}); retrying in ${Math.round(e.delayMs / 100) / 10}s`
              // Without a terminal the spinner shows nothing: say it on a line of its own (CI logs).
              if (this.interactiveProgress) spinner.update(text)
              else this.info(text)
            }
            if (e.type === 'connected') spinner.update(`Connected to ${e.endpoint}${e.version ? ` (KFP ${e.version})` : ''}`)
            if (e.type === 'uploading') spinner.update(`Uploading ${e.pipeline} version ${e.version}`)
            if (e.type === 'warning') this.warn(e.message)
          },
        },
        this.ctx,
      )
      spinner.stop()
      const what = r.created === 'none' ? 'Unchanged: already uploaded as' : r.created === 'pipeline' ? 'Created pipeline with version' : 'Added version'
      this.out(`${what} ${r.pipelineName} ${r.versionName}`)
      this.out(r.url)
      return r
    } catch (error) {
      spinner.stop()
      throw error
    }
  }
}
