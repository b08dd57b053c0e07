import {Args, loadHelpClass} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {didYouMean} from '../core/project/names.js'
import {CliError, EXIT} from '../lib/errors.js'
import {guardClosedPipes} from '../lib/stdout-guard.js'

export default class Help extends BaseCommand {
  static summary = 'Show help for kfp or for a command (same as --help or -h).'
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help run', '<%= config.bin %> help runs list']
  static strict = false
  static enableJsonFlag = false
  static args = {command: Args.string({description: 'The command, its words separated by spaces (runs list).', required: false})}

  async run(): Promise<void> {
    const {argv} = await this.parse(Help)
    const words = (argv as string[]).filter((w) => !w.startsWith('-'))
    const id = words.join(':')
    if (id && !this.config.findCommand(id) && !this.config.topics.some((t) => t.name === id)) {
      const ids = [...this.config.commandIDs.filter((c) => !this.config.findCommand(c)?.hidden), ...this.config.topics.map((t) => t.name)].map((c) => c.replaceAll(':', ' '))
      const guess = didYouMean(words.join(' '), ids)
      throw new CliError('USAGE', `No command 'kfp ${words.join(' ')}'${guess ? ` — did you mean 'kfp ${guess}'?` : ''}`, {
        exit: EXIT.USAGE,
        hints: [guess ? `kfp help ${guess}` : 'kfp help lists the commands.'],
      })
    }
    guardClosedPipes('the help')
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions ?? this.config.pjson.helpOptions).showHelp(words)
  }
}
