import {Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {openUi, type UiResult} from '../services/ui.js'

export default class Ui extends BaseCommand {
  static summary = 'Open the Kubeflow Pipelines UI: port-forward it to localhost and open the browser.'
  static description = `Runs \`kubectl port-forward svc/ml-pipeline-ui PORT:80\` on the current kubectl context and keeps running until Ctrl-C.
With --register-target NAME, the forwarded address is that target's endpoint while it runs (in your per-user config), so \`kfp run --target NAME\` works in another terminal.`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --port 9000 --no-open',
    '<%= config.bin %> <%= command.id %> --register-target dev',
  ]
  static flags = {
    port: Flags.integer({description: 'Local port.', default: 8085, min: 1, max: 65535, env: 'KFP_UI_PORT'}),
    open: Flags.boolean({description: 'Open the browser.', default: true, allowNo: true}),
    namespace: Flags.string({description: 'Namespace of the KFP install.', default: 'kubeflow', env: 'KFP_NAMESPACE'}),
    'register-target': Flags.string({description: 'Target whose endpoint is the forwarded address while this runs.'}),
    'dry-run': Flags.boolean({description: 'Print the command as a shell script; run nothing.'}),
    verbose: Flags.boolean({char: 'v', description: 'Show kubectl\'s own output.'}),
  }

  async run(): Promise<UiResult> {
    const {flags} = await this.parse(Ui)
    const r = await openUi(
      {
        port: flags.port,
        open: flags.open,
        namespace: flags.namespace,
        registerTarget: flags['register-target'],
        dryRun: flags['dry-run'],
        onEvent: (e) => {
          if (e.type === 'starting') this.info(`Starting: ${e.command.join(' ')}`)
          else if (e.type === 'ready') this.info(`KFP UI on ${e.url} (Ctrl-C to stop)`)
          else if (e.type === 'registered') this.info(`Target ${e.target} points at ${e.endpoint} while this runs.`)
          else if (e.type === 'open-failed') this.warn(`Could not open a browser (${e.reason}); open ${e.url} yourself.`)
          else if (e.type === 'output' && flags.verbose) this.info(`  ${e.line}`)
        },
      },
      this.ctx,
    )
    if (r.script !== undefined) this.out(r.script)
    else this.out(`Stopped the port-forward to ${r.url}.`)
    return r
  }
}
