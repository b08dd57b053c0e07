import {BaseCommand} from '../base-command.js'
import {listFlags, projectFlag} from '../flags.js'
import {listSteps, type ListStepsResult} from '../services/project/steps.js'

export default class Steps extends BaseCommand {
  static summary = 'List the numbered steps of the pipeline with their inputs and outputs.'
  static description =
    'Step numbers are positions in `steps:` of kfp.yaml; `kfp run --start-step N` starts there. ' +
    'Inputs read `name ← source`, where source is params.NAME, STEP.OUTPUT or a literal; `after` lists the extra ordering of `after:` in kfp.yaml. ' +
    'Prints tab-separated columns when stdout is not a terminal.'

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static flags = {project: projectFlag, wide: listFlags.wide}

  async run(): Promise<ListStepsResult> {
    const {flags} = await this.parse(Steps)
    const result = await listSteps({cwd: this.ctx.cwd, project: flags.project}, this.ctx)
    const rows = result.steps.map((s) => [
      s.number,
      s.name,
      s.component,
      s.inputs.map((i) => `${i.name} ← ${i.source}`).join(', '),
      s.outputs.map((o) => o.name).join(', '),
      (s.after ?? []).join(', '),
    ])
    this.table(['#', 'step', 'component', 'inputs', 'outputs', 'after'], rows, {wide: flags.wide, keep: [0, 1], flex: [3, 4]})
    return result
  }
}
