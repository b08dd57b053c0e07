import type {Hook} from '@oclif/core'
import {didYouMean} from '../core/project/names.js'
import {CliError, EXIT} from '../lib/errors.js'
import {formatCliError} from '../ui/errors.js'
import {colorEnabled} from '../ui/output.js'

/**
 * oclif's `command_not_found` hook. Without it an unknown command ("kfp vaildate"), an argument a command does not
 * take ("kfp steps extra", which oclif reads as the command "steps:extra"), a command under the wrong topic
 * ("kfp run list" for "kfp runs list") or a flag before the command ("kfp --json validate") ends with
 * "command … not found" and exit 1, which kfp reserves for its own bugs. Here they are usage errors (exit 2) in kfp's
 * Error / Try this / Code style that say what to type instead; under --json the error envelope goes to stdout.
 */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  const words = id.split(':')
  const shown = (cmd: string) => `kfp ${cmd.replaceAll(':', ' ')}`
  const ids = config.commandIDs.filter((c) => !config.findCommand(c)?.hidden)
  const topics = config.topics.filter((t) => !t.hidden).map((t) => t.name)
  let error: CliError

  if (id.startsWith('-')) {
    // A flag before the command: the command is the first word after the flags.
    const rest = [id, ...(argv ?? [])]
    const at = rest.findIndex((w) => !w.startsWith('-') && ids.some((c) => c === w || c.startsWith(`${w}:`)))
    const fixed = at < 0 ? undefined : [...rest.slice(at), ...rest.slice(0, at)].join(' ')
    error = new CliError('USAGE', `Flags go after the command: '${id}' came first.`, {
      exit: EXIT.USAGE,
      hints: [fixed ? `Try: kfp ${fixed}` : 'Run kfp --help for the commands.'],
    })
  } else {
    // The longest prefix that is a command means the rest are arguments it does not take.
    let cmdAt = words.length - 1
    while (cmdAt > 0 && config.findCommand(words.slice(0, cmdAt).join(':')) === undefined) cmdAt--
    // `kfp run list` → `kfp runs list`: the same words under the topic of the plural.
    const plural = cmdAt > 0 ? [`${words[0]}s`, ...words.slice(1)].join(':') : undefined
    if (plural && config.findCommand(plural)) {
      error = new CliError('USAGE', `${shown(words[0])} takes no '${words.slice(1).join(' ')}': did you mean '${shown(plural)}'?`, {
        exit: EXIT.USAGE,
        hints: [`${shown(plural)}${argv?.length ? ` ${argv.join(' ')}` : ''}`],
      })
    } else if (cmdAt > 0) {
      const cmd = words.slice(0, cmdAt).join(':')
      const extra = words.slice(cmdAt).join(' ')
      error = new CliError('USAGE', `Unexpected argument '${extra}': ${shown(cmd)} takes no argument there.`, {
        exit: EXIT.USAGE,
        hints: [`See ${shown(cmd)} --help.`],
      })
    } else {
      const candidates = [...ids, ...topics]
      const guess = didYouMean(id, candidates) ?? didYouMean(id.replaceAll(':', ' '), candidates.map((c) => c.replaceAll(':', ' ')))?.replaceAll(' ', ':')
      error = new CliError('USAGE', `Unknown command: ${shown(id)}${guess ? ` — did you mean '${shown(guess)}'?` : ''}`, {
        exit: EXIT.USAGE,
        hints: ['Run kfp --help for the commands.'],
      })
    }
  }

  if ([id, ...(argv ?? [])].includes('--json')) {
    process.stdout.write(`${JSON.stringify({status: error.exitCode, error: {code: error.kfpCode, message: error.message, hints: error.hints}, warnings: []}, null, 2)}\n`)
  } else process.stderr.write(formatCliError(error, colorEnabled(Boolean(process.stderr.isTTY))))
  ;(error as CliError & {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
  throw error
}

export default hook
