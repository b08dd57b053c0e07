import path from 'node:path'
import {BaseCommand} from '../base-command.js'
import {projectFlag} from '../flags.js'
import {validateProject, type ValidateProjectResult} from '../services/project/validate.js'

export default class Validate extends BaseCommand {
  static summary = 'Check kfp.yaml and its components without writing anything.'
  static description =
    'Validates kfp.yaml against its JSON Schema and checks names, references between steps, parameter and input types, ' +
    'dependency cycles, resources and every component.yaml it uses. Each problem is reported as file:line:col with a hint. ' +
    'Exits 0 when valid, 3 when not.'

  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --project examples/babyweight',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  static flags = {project: projectFlag}

  async run(): Promise<ValidateProjectResult> {
    const {flags} = await this.parse(Validate)
    const result = await validateProject({cwd: this.ctx.cwd, project: flags.project}, this.ctx)
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`
    const shown = path.relative(this.ctx.cwd, result.file) || result.file
    this.out(`✔ ${shown} is valid: ${plural(result.steps, 'step')}, ${plural(result.params, 'param')}`)
    return result
  }
}
