import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {BaseCommand} from '../../base-command.js'
import {projectFlag} from '../../flags.js'
import {addComponent, type ComponentAddResult} from '../../services/component-add.js'
import {COMPONENT_TEMPLATES, type ComponentTemplate} from '../../services/init.js'

export default class ComponentAdd extends BaseCommand {
  static summary = 'Scaffold components/NAME/ from a template and add it to kfp.yaml as a step.'
  static description =
    'Writes components/NAME/ (component.yaml in KFP component format, Dockerfile and code) from a template and registers ' +
    'the step in kfp.yaml after the last step, or after --after STEP (inside that step\'s group when it is in one), keeping every comment and the layout of the rest ' +
    "of the file. The new step's `message` input is wired to the previous step's first output. NAME becomes a folder, an " +
    "image name and a step name: lowercase letters, digits and '-', starting with a letter, at most 40 characters. " +
    'An invalid or duplicate name exits 2 with a suggestion; existing files without --force exit 3.'

  static examples = [
    '<%= config.bin %> <%= command.id %> train',
    '<%= config.bin %> <%= command.id %> evaluate --template bash --after train',
    '<%= config.bin %> <%= command.id %> notify --template container --no-register',
  ]

  static args = {
    name: Args.string({required: true, description: 'Component and step name.'}),
  }

  static flags = {
    template: Flags.string({char: 't', description: 'Template to start from.', options: [...COMPONENT_TEMPLATES], default: 'python'}),
    after: Flags.string({description: 'Insert the step right after this step (default: at the end).', exclusive: ['no-register']}),
    'no-register': Flags.boolean({description: 'Only scaffold the folder; leave kfp.yaml unchanged.'}),
    description: Flags.string({description: 'Component description.'}),
    force: Flags.boolean({description: 'Overwrite existing files in components/NAME/.'}),
    project: projectFlag,
  }

  async run(): Promise<ComponentAddResult> {
    const {args, flags} = await this.parse(ComponentAdd)
    const result = await addComponent(
      {
        name: args.name,
        template: flags.template as ComponentTemplate,
        after: flags.after,
        register: !flags['no-register'],
        force: flags.force,
        projectFile: flags.project,
        description: flags.description,
      },
      this.ctx,
    )
    const root = path.dirname(result.projectFile)
    this.out(`Created ${path.relative(this.ctx.cwd, path.join(root, result.dir)) || result.dir}/ from the ${result.template} template:`)
    for (const f of result.files) this.out(`  ${f}${result.overwritten.includes(f) ? '  (overwritten)' : ''}`)
    if (result.step) {
      const inputs = Object.entries(result.step.inputs).map(([k, v]) => `${k}: ${v}`)
      this.out(`Added step ${result.step.number} '${result.step.name}' to ${path.relative(this.ctx.cwd, result.projectFile) || result.projectFile}${inputs.length ? ` (${inputs.join(', ')})` : ''}.`)
      this.out(`Next: kfp validate && kfp run --start-step ${result.step.number}`)
    } else {
      this.out(`Not registered in kfp.yaml; add a step with \`- name: ${result.component}\` under steps: to use it.`)
    }
    return result
  }
}
