import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {listPipelines, type ListPipelinesResult} from '../../services/remote/resources.js'
import {renderTable} from '../../ui/table.js'

export default class PipelinesList extends BaseCommand {
  static summary = 'List pipelines on a Kubeflow Pipelines server.'
  static examples = ['<%= config.bin %> <%= command.id %> --target prod', '<%= config.bin %> <%= command.id %> --contains baby --json']
  static flags = {
    target: Flags.string({description: 'Target (KFP server).', env: 'KFP_TARGET'}),
    contains: Flags.string({description: 'Only pipelines whose name contains this text.'}),
    limit: Flags.integer({description: 'Show at most this many.', min: 1}),
  }

  async run(): Promise<ListPipelinesResult> {
    const {flags} = await this.parse(PipelinesList)
    const r = await listPipelines({target: flags.target, contains: flags.contains, limit: flags.limit}, this.ctx)
    this.out(renderTable(['id', 'name', 'created', 'description'], r.pipelines.map((p) => [p.id, p.name, p.createdAt, p.description]), {tty: this.io.stdoutIsTTY}))
    return r
  }
}
