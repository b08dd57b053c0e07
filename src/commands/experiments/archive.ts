import {Args} from '@oclif/core'
import {serverFlags} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {archiveExperiment, type ArchiveExperimentResult} from '../../services/remote/resources.js'

export default class ExperimentsArchive extends BaseCommand {
  static summary = 'Archive an experiment (its runs stay readable).'
  static examples = ['<%= config.bin %> <%= command.id %> blog --target prod']
  static args = {experiment: Args.string({required: true, description: 'Experiment name or id.'})}
  static flags = {...serverFlags}

  async run(): Promise<ArchiveExperimentResult> {
    const {args, flags} = await this.parse(ExperimentsArchive)
    const r = await archiveExperiment({target: flags.target, ref: args.experiment}, this.ctx)
    this.out(`Archived experiment ${r.experiment.name} (${r.experiment.id})`)
    return r
  }
}
