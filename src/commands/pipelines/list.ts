import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {listPipelines, type ListPipelinesResult} from '../../services/remote/resources.js'
import {listFlags, serverFlags} from '../../flags.js'

export default class PipelinesList extends BaseCommand {
  static summary = 'List pipelines on a Kubeflow Pipelines server.'
  static examples = ['<%= config.bin %> <%= command.id %> --target prod', '<%= config.bin %> <%= command.id %> --contains baby --json']
  static flags = {
    ...listFlags,
    ...serverFlags,
    contains: Flags.string({description: 'Only pipelines whose name contains this text.'}),
    limit: Flags.integer({description: 'Show at most this many.', min: 1}),
  }

  async run(): Promise<ListPipelinesResult> {
    const {flags} = await this.parse(PipelinesList)
    const r = await listPipelines({target: flags.target, contains: flags.contains, limit: flags.limit}, this.ctx)
    this.list(['id', 'name', 'created', 'description'], r.pipelines.map((p) => [p.id, p.name, p.createdAt, p.description]), r.pipelines.map((p) => p.id), flags)
    return r
  }
}
