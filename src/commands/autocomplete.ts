import {Args} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {completionScript, type Shell} from '../ui/completion-scripts.js'

export default class Autocomplete extends BaseCommand {
  static summary = 'Print the shell completion script for bash, zsh or fish.'
  static description = `Completes commands, flags and flag values (options such as --runner), and what only kfp knows: step names (kfp logs RUN <TAB>, --start-step), run ids and names (kfp runs get <TAB>, --from-run), target names (--target, kfp target use), parameter names (--param startY<TAB> → startYear=) and experiments of local runs. Values come from the project around the current folder, read when TAB is pressed; nothing is cached.

Install it once:
  bash:  echo 'source <(kfp autocomplete bash)' >> ~/.bashrc
  zsh:   echo 'source <(kfp autocomplete zsh)' >> ~/.zshrc      (after compinit)
  fish:  kfp autocomplete fish > ~/.config/fish/completions/kfp.fish`
  static examples = ['<%= config.bin %> <%= command.id %> bash', "source <(<%= config.bin %> <%= command.id %> zsh)"]
  static enableJsonFlag = false
  static args = {shell: Args.string({required: true, options: ['bash', 'zsh', 'fish'], description: 'The shell to complete in.'})}

  async run(): Promise<void> {
    const {args} = await this.parse(Autocomplete)
    this.io.out(completionScript(args.shell as Shell, this.config.bin))
  }
}
