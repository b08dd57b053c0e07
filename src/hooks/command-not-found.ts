import type {Hook} from '@oclif/core'
import {didYouMean} from '../core/project/names.js'
import {CliError, EXIT} from '../lib/errors.js'

/**
 * oclif's `command_not_found` hook. Without it an unknown command ("kfp vaildate"), an argument a command does not
 * take ("kfp steps extra", which oclif reads as the command "steps:extra") or a flag before the command
 * ("kfp --json validate") ends with "command … not found" and exit 1, which kfp reserves for its own bugs.
 * Here they are usage errors (exit 2) that say what to type instead; under --json the error envelope goes to stdout.
 */
const hook: Hook.CommandNotFound = async function ({id, argv, config}) {
  const words = id.split(':')
  const shown = (cmd: string) => `kfp ${cmd.replaceAll(':', ' ')}`
  const ids = config.commandIDs.filter((c) => !config.findCommand(c)?.hidden)
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
    if (cmdAt > 0) {
      const cmd = words.slice(0, cmdAt).join(':')
      const extra = words.slice(cmdAt).join(' ')
      error = new CliError('USAGE', `Unexpected argument '${extra}': ${shown(cmd)} takes no argument there.`, {
        exit: EXIT.USAGE,
        hints: [`See ${shown(cmd)} --help.`],
      })
    } else {
      const guess = didYouMean(id, ids) ?? didYouMean(id.replaceAll(':', ' '), ids.map((c) => c.replaceAll(':', ' ')))?.replaceAll(' ', ':')
      error = new CliError('USAGE', `Unknown command: ${shown(id)}${guess ? ` — did you mean '${shown(guess)}'?` : ''}`, {
        exit: EXIT.USAGE,
        hints: ['Run kfp --help for the commands.'],
      })
    }
  }

  if ([id, ...(argv ?? [])].includes('--json')) {
    process.stdout.write(`${JSON.stringify({status: error.exitCode, error: {code: error.kfpCode, message: error.message, hints: error.hints}, warnings: []}, null, 2)}\n`)
    ;(error as CliError & {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
  }
  throw error
}

export default hook
