import {Args, Flags} from '@oclif/core'
import {serverFlags} from '../../flags.js'
import {BaseCommand} from '../../base-command.js'
import {createExperiment, type CreateExperimentResult} from '../../services/remote/resources.js'

export default class ExperimentsCreate extends BaseCommand {
  static summary = 'Create an experiment (no-op when one of that name exists).'
  static examples = ['<%= config.bin %> <%= command.id %> blog --target prod --description "Blog post runs"']
  static args = {name: Args.string({required: true, description: 'Experiment name.'})}
  static flags = {
    ...serverFlags,
    description: Flags.string({description: 'Description.'}),
  }

  async run(): Promise<CreateExperimentResult> {
    const {args, flags} = await this.parse(ExperimentsCreate)
    const r = await createExperiment({target: flags.target, name: args.name, description: flags.description}, this.ctx)
    this.out(`${r.created ? 'Created' : 'Exists'}: experiment ${r.experiment.name} (${r.experiment.id})`)
    return r
  }
}
