import {BaseCommand} from '../base-command.js'

export default class Version extends BaseCommand {
  static summary = 'Print the kfp version.'
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<{version: string; node: string}> {
    await this.parse(Version)
    const r = {version: this.config.version, node: process.version}
    this.out(`kfp ${r.version} (node ${r.node})`)
    return r
  }
}
