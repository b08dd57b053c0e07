import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../base-command.js'
import {CliError, EXIT} from '../lib/errors.js'
import {registerSecret} from '../lib/redact.js'
import {readSecretStdin} from '../lib/stdin.js'
import {loginTarget, passwordEnvOf, type LoginResult} from '../services/target/login.js'
import {resolveTarget} from '../services/target/resolve.js'

export default class Login extends BaseCommand {
  static summary = 'Log in to a Kubeflow platform (Dex username and password) and keep the session for a target.'
  static description =
    'Goes through the Dex login form the way a browser does and stores the session cookie (authservice_session, or ' +
    'oauth2_proxy_kubeflow on Kubeflow 1.9+) in the per-user config folder, mode 0600; the target then uses it (auth type dex). ' +
    'The password is read from stdin (--password-stdin) or from $KFP_PASSWORD (or the target\'s auth.passwordEnv), never from a flag. ' +
    'When the session expires, kfp logs in again by itself if that variable is set; otherwise it asks you to run kfp login again.'
  static examples = [
    'echo "$PASSWORD" | <%= config.bin %> <%= command.id %> prod --username user@example.com --password-stdin',
    'KFP_PASSWORD=… <%= config.bin %> <%= command.id %> prod --username user@example.com',
  ]
  static args = {target: Args.string({description: 'Target to log in to (default: the current target).', required: false, ignoreStdin: true})}
  static flags = {
    username: Flags.string({summary: 'Dex user name, usually an email (default: the target\'s auth.username).', helpValue: 'USER'}),
    'password-stdin': Flags.boolean({summary: 'Read the password from stdin.'}),
  }

  async run(): Promise<Omit<LoginResult, never>> {
    const {args, flags} = await this.parse(Login)
    const example = `echo "$PASSWORD" | kfp login ${args.target ?? 'TARGET'} --username USER --password-stdin`
    let password: string | undefined
    if (flags['password-stdin']) password = await readSecretStdin(example)
    else {
      const t = await resolveTarget({target: args.target}, this.ctx)
      const env = t.type === 'kfp' ? passwordEnvOf(t) : 'KFP_PASSWORD'
      password = this.ctx.env[env]
      if (!password) {
        throw new CliError('MISSING_INPUT', `No password: pipe it with --password-stdin or set $${env}.`, {exit: EXIT.USAGE, hints: [example]})
      }
    }
    registerSecret(password)
    const r = await loginTarget({target: args.target, username: flags.username, password}, this.ctx)
    this.out(`Logged in to ${r.target} as ${r.username}${r.expiresAt ? ` (session until ${r.expiresAt})` : ''}`)
    if (r.configured) this.info(`Target ${r.target} now uses this Dex session (auth type dex in your user config).`)
    return r
  }
}
