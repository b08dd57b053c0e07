import {CliError, EXIT} from '../lib/errors.js'

export interface Choice<T extends string = string> {
  name: string
  value: T
  description?: string
}

/**
 * Asks the user questions. Every prompt names the flag that answers it, so that when prompting is not
 * possible (no TTY, CI, --json, --no-input) the error says which flag to pass.
 */
export interface Prompter {
  readonly canPrompt: boolean
  input(opts: {message: string; flag: string; default?: string; validate?: (v: string) => true | string}): Promise<string>
  confirm(opts: {message: string; flag: string; default?: boolean}): Promise<boolean>
  select<T extends string>(opts: {message: string; flag: string; choices: Choice<T>[]; default?: T}): Promise<T>
}

/** Error thrown when a value is needed and prompting is not possible. */
export function missingInput(flag: string, what: string): CliError {
  return new CliError('MISSING_INPUT', `Missing ${flag} (${what}).`, {
    exit: EXIT.USAGE,
    hints: [`Pass ${flag} <value> when not running interactively.`],
  })
}

/** The real prompter on @inquirer/prompts, imported only when a question is asked. */
export function createPrompter(canPrompt: boolean): Prompter {
  return {
    canPrompt,
    async input(o) {
      if (!canPrompt) throw missingInput(o.flag, o.message)
      const {input} = await import('@inquirer/prompts')
      return input({message: o.message, default: o.default, validate: o.validate}, {output: process.stderr})
    },
    async confirm(o) {
      if (!canPrompt) throw missingInput(o.flag, o.message)
      const {confirm} = await import('@inquirer/prompts')
      return confirm({message: o.message, default: o.default}, {output: process.stderr})
    },
    async select(o) {
      if (!canPrompt) throw missingInput(o.flag, o.message)
      const {select} = await import('@inquirer/prompts')
      return select({message: o.message, choices: o.choices, default: o.default}, {output: process.stderr})
    },
  }
}
