import {BaseCommand} from '../base-command.js'
import {listFlags, projectFlag} from '../flags.js'
import {listSteps, type ListStepsResult} from '../services/project/steps.js'

export default class Steps extends BaseCommand {
  static summary = 'List the numbered steps of the pipeline with their inputs and outputs.'
  static description =
    'Step numbers run depth-first through `steps:` of kfp.yaml (a group has no number; its steps are numbered where it stands); `kfp run --start-step N` starts there. ' +
    'When the pipeline has control flow, a `flow` column shows what is around each step: groups, loops (for each ITEMS, N at a time), conditions (when …) and the exit handler (finally); --json adds the tree as `structure`. ' +
    'Inputs read `name ← source`, where source is params.NAME, STEP.OUTPUT or a literal; `after` lists the extra ordering of `after:` in kfp.yaml. ' +
    'Prints tab-separated columns when stdout is not a terminal.'

  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  static flags = {project: projectFlag, wide: listFlags.wide}

  async run(): Promise<ListStepsResult> {
    const {flags} = await this.parse(Steps)
    const result = await listSteps({cwd: this.ctx.cwd, project: flags.project}, this.ctx)
    const flow = result.steps.some((s) => s.flow !== '')
    const rows = result.steps.map((s) => [
      s.number,
      this.io.stdoutIsTTY ? `${'  '.repeat(s.groups.length)}${s.name}` : s.name,
      s.component,
      ...(flow ? [s.flow] : []),
      s.inputs.map((i) => `${i.name} ← ${i.source}`).join(', '),
      s.outputs.map((o) => o.name).join(', '),
      (s.after ?? []).join(', '),
    ])
    const headers = ['#', 'step', 'component', ...(flow ? ['flow'] : []), 'inputs', 'outputs', 'after']
    this.table(headers, rows, {wide: flags.wide, keep: [0, 1], flex: flow ? [3, 4, 5] : [3, 4]})
    return result
  }
}
