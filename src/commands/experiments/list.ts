import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {listExperiments, type ListExperimentsResult} from '../../services/remote/resources.js'
import {listFlags, serverFlags} from '../../flags.js'

export default class ExperimentsList extends BaseCommand {
  static summary = 'List experiments on a Kubeflow Pipelines server.'
  static examples = ['<%= config.bin %> <%= command.id %> --target prod', '<%= config.bin %> <%= command.id %> --archived --json']
  static flags = {
    ...listFlags,
    ...serverFlags,
    archived: Flags.boolean({description: 'Include archived experiments.'}),
    limit: Flags.integer({description: 'Show at most this many.', min: 1}),
  }

  async run(): Promise<ListExperimentsResult> {
    const {flags} = await this.parse(ExperimentsList)
    const r = await listExperiments({target: flags.target, archived: flags.archived, limit: flags.limit}, this.ctx)
    this.list(
      ['id', 'name', 'created', 'last run', 'state'],
      r.experiments.map((e) => [e.id, e.name, e.createdAt, e.lastRunAt, e.archived ? 'archived' : 'available']),
      r.experiments.map((e) => e.id),
      flags,
    )
    return r
  }
}
