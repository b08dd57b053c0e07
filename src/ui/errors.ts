import type {CliError} from '../lib/errors.js'
import {style} from './output.js'

/**
 * How kfp shows an error on stderr (every command, the command-not-found hook, parse errors):
 *   Error: MESSAGE
 *   Try this:
 *     • HINT
 *   Code: CODE
 * `Error:` is red when stderr has colour.
 */
export function formatCliError(err: Pick<CliError, 'message' | 'hints' | 'kfpCode'>, color: boolean): string {
  const lines = [`${style({color}, 'red', 'Error:')} ${err.message}`]
  if (err.hints.length) lines.push('Try this:', ...err.hints.map((h) => `  • ${h}`))
  lines.push(`Code: ${err.kfpCode}`)
  return lines.join('\n') + '\n'
}
