import {Args, Flags} from '@oclif/core'
import {serverFlags} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {deletePipeline, type DeletePipelineResult} from '../../services/remote/resources.js'

export default class PipelinesDelete extends BaseCommand {
  static summary = 'Delete a pipeline and all its versions from the server.'
  static description = 'Asks for confirmation; pass --yes when not running interactively.'
  static examples = ['<%= config.bin %> <%= command.id %> babyweight --target prod --yes']
  static args = {pipeline: Args.string({required: true, description: 'Pipeline name or id.'})}
  static flags = {
    ...serverFlags,
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation.'}),
  }

  async run(): Promise<DeletePipelineResult> {
    const {args, flags} = await this.parse(PipelinesDelete)
    const r = await deletePipeline({target: flags.target, ref: args.pipeline, yes: flags.yes}, this.ctx)
    this.out(`Deleted pipeline ${r.pipeline.name} (${r.deletedVersions} version(s))`)
    return r
  }
}
