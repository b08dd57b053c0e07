import {Flags} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {artifactRef, projectFlag} from '../../flags.js'
import {openArtifact, type OpenArtifactResult} from '../../services/artifacts/local.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {resolveTarget} from '../../services/target/resolve.js'

export default class ArtifactsOpen extends BaseCommand {
  static summary = 'Open an HTML or Markdown artifact in the browser (on a desktop), else print its path.'
  static description =
    'On macOS, Windows, or a Linux session with a display (DISPLAY or WAYLAND_DISPLAY), the browser opens it (a Markdown artifact is rendered to an HTML file first, a folder opens its index.html); elsewhere, or with --no-browser, its path is printed.'
  static examples = ['<%= config.bin %> <%= command.id %> latest evaluate report', '<%= config.bin %> <%= command.id %> latest 3 notes --no-browser']
  static args = artifactRef.args
  static flags = {
    project: projectFlag,
    browser: Flags.boolean({summary: 'Open the browser on a desktop (--no-browser: print the path).', default: true, allowNo: true}),
    target: artifactRef.target,
    namespace: artifactRef.namespace,
  }

  async run(): Promise<OpenArtifactResult> {
    const {args, flags} = await this.parse(ArtifactsOpen)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp')
      throw new CliError('USAGE', `kfp artifacts open shows artifacts of local runs; target '${t.name}' is a KFP server.`, {
        exit: EXIT.USAGE,
        hints: [`Copy it, then open the file: kfp artifacts get ${args.run} ${args.step} ${args.name} -o ${args.name}.html --target ${t.name}`],
      })
    const r = await openArtifact({cwd: this.ctx.cwd, project: flags.project, run: args.run, step: args.step, name: args.name, browser: flags.browser}, this.ctx)
    if (r.opened) this.info(`Opened ${r.file} in the browser.`)
    this.out(r.file)
    return r
  }
}
