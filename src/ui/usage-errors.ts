import {didYouMean} from '../core/project/names.js'
import {CliError, EXIT} from '../lib/errors.js'
import {stripAnsi} from './output.js'

/** What a parse error needs to know about the command: its id and flags (name → short char). */
export interface CommandShape {
  id: string
  flags: Record<string, {char?: string; hidden?: boolean}>
}

const shown = (id: string) => `kfp ${id.replaceAll(':', ' ')}`

/** The flag a user meant by an unknown one: `--parm` → `--param`, `--parm=x` → `--param`, `-x` → none. */
export function suggestFlag(given: string, cmd: CommandShape): string | undefined {
  const bare = given.replace(/=.*$/, '')
  const visible = Object.entries(cmd.flags).filter(([, f]) => !f.hidden)
  if (/^-[^-]/.test(bare)) {
    // `-param` (one dash) for `--param`; short flags are too short to guess.
    const long = bare.slice(1)
    return visible.some(([n]) => n === long) ? `--${long}` : undefined
  }
  const name = bare.replace(/^--/, '')
  const m = didYouMean(name, visible.map(([n]) => n)) ?? visible.map(([n]) => n).find((n) => n.startsWith(name) && name.length >= 3)
  return m === undefined ? undefined : `--${m}`
}

/**
 * Turns an oclif parse error (unknown flag, flag without a value, value not among the options, missing or extra
 * argument, exclusive flags) into kfp's usage error: `Error / Try this / Code`, exit 2, no help dump.
 */
export function usageError(err: unknown, cmd: CommandShape): CliError {
  const e = err as Error & {flags?: string[]; args?: unknown[]; constructor: {name: string}}
  const help = `See ${shown(cmd.id)} --help for its flags and arguments.`
  const message = stripAnsi(e.message ?? String(err))
    .replace(/\nSee more help with --help\s*$/, '')
    .replace(/^The following errors? occurred:\n\s*/, '')
    .replace(/^Parsing (--[\w-]+)\s*\n\s*/, '$1: ')
    .replace(/\n\s+/g, '\n  ')
    .trim()
  if (e.constructor?.name === 'NonExistentFlagsError' && Array.isArray(e.flags)) {
    const guesses = e.flags.map((f) => ({f, s: suggestFlag(f, cmd)}))
    const text = guesses.map(({f, s}) => `${f.replace(/=.*$/, '')}${s ? ` — did you mean ${s}?` : ''}`).join(', ')
    return new CliError('USAGE', `Unknown flag${e.flags.length === 1 ? '' : 's'} for ${shown(cmd.id)}: ${text}`, {
      exit: EXIT.USAGE,
      hints: [...guesses.filter((g) => g.s).map((g) => `${shown(cmd.id)} ${g.s} …`), help],
      data: {flags: e.flags, suggestions: guesses.map((g) => g.s ?? null)},
    })
  }
  if (e.constructor?.name === 'RequiredArgsError') {
    const missing = (e.args as {name: string; description?: string}[] | undefined) ?? []
    const names = missing.map((a) => `${a.name.toUpperCase()}${a.description ? ` (${a.description.replace(/\.$/, '')})` : ''}`)
    return new CliError('USAGE', `Missing argument${missing.length === 1 ? '' : 's'} for ${shown(cmd.id)}: ${names.join(', ')}.`, {exit: EXIT.USAGE, hints: [help]})
  }
  if (e.constructor?.name === 'UnexpectedArgsError') {
    const extra = ((e.args as string[] | undefined) ?? []).join(' ')
    return new CliError('USAGE', `Unexpected argument '${extra}': ${shown(cmd.id)} takes no argument there.`, {exit: EXIT.USAGE, hints: [help]})
  }
  return new CliError('USAGE', message, {exit: EXIT.USAGE, hints: [help]})
}
