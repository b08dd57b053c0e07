import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {listFlags, serverFlags} from '../../flags.js'
import {getPipeline, type GetPipelineResult} from '../../services/remote/resources.js'

export default class PipelinesGet extends BaseCommand {
  static summary = 'Show a pipeline and its versions.'
  static examples = ['<%= config.bin %> <%= command.id %> babyweight --target prod']
  static args = {pipeline: Args.string({required: true, description: 'Pipeline name or id.'})}
  static flags = {...serverFlags, wide: listFlags.wide}

  async run(): Promise<GetPipelineResult> {
    const {args, flags} = await this.parse(PipelinesGet)
    const r = await getPipeline({target: flags.target, ref: args.pipeline}, this.ctx)
    this.out(`${r.pipeline.name} (${r.pipeline.id})${r.pipeline.description ? `: ${r.pipeline.description}` : ''}`)
    this.table(['version id', 'version', 'created'], r.versions.map((v) => [v.id, v.name, v.createdAt]), {wide: flags.wide})
    return r
  }
}
