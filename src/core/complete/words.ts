/**
 * Shell completion decisions, pure: given the command tree and the words typed so far, what is being completed and
 * which fixed candidates there are. Dynamic values (run ids, step names, targets, parameters) are named by a `kind`
 * and filled in by services/complete.ts. Used by the hidden `kfp complete` command the shell scripts call.
 */

export interface FlagSpec {
  name: string
  char?: string
  /** true: takes a value (oclif `option`); false: a boolean. */
  takesValue: boolean
  options?: readonly string[]
  multiple?: boolean
  hidden?: boolean
}

export interface CommandSpec {
  /** oclif id, words joined by ':' (`runs:list`). */
  id: string
  flags: FlagSpec[]
  /** Positional argument names in order. */
  args: string[]
  /** The command takes more positionals than it declares (the last one repeats). */
  variadic?: boolean
  hidden?: boolean
}

/** Values only kfp can list: filled in by the completion service from the project, its runs and the targets. */
export type ValueKind = 'runs' | 'steps' | 'targets' | 'params' | 'experiments' | 'files' | 'dirs' | 'shells' | 'commands'

export type Completion =
  | {type: 'words'; words: string[]}
  | {type: 'values'; kind: ValueKind; prefix: string; /** Put before each value (`--param=`). */ lead: string}

const FLAG_VALUES: Record<string, ValueKind> = {
  target: 'targets',
  param: 'params',
  'start-step': 'steps',
  'from-run': 'runs',
  experiment: 'experiments',
  project: 'files',
  local: 'files',
  'params-file': 'files',
  output: 'files',
}

/** What a positional argument of a command holds. */
export function argKind(commandId: string, arg: string): ValueKind | undefined {
  if (arg === 'run') return 'runs'
  if (arg === 'step' || arg === 'steps') return 'steps'
  if (arg === 'name' && (commandId === 'target:use' || commandId === 'target:remove')) return 'targets'
  if (arg === 'dir') return 'dirs'
  if (arg === 'file') return 'files'
  if (arg === 'shell') return 'shells'
  if (arg === 'command') return 'commands'
  return undefined
}

/** The flag a word names (`--param`, `--param=x`, `-q`), if the command has it. */
function flagOf(cmd: CommandSpec, word: string): FlagSpec | undefined {
  const bare = word.replace(/=.*$/, '')
  if (bare.startsWith('--')) return cmd.flags.find((f) => f.name === bare.slice(2))
  if (/^-[^-]$/.test(bare)) return cmd.flags.find((f) => f.char === bare.slice(1))
  return undefined
}

/** The longest run of leading words that is a command; the rest are its arguments. */
function findCommand(commands: CommandSpec[], words: string[]): {cmd?: CommandSpec; used: number} {
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(':')
    const cmd = commands.find((c) => c.id === id)
    if (cmd) return {cmd, used: n}
  }
  return {used: 0}
}

/**
 * What to complete. `words` are the words after `kfp` before the cursor; `current` is the (partial) word at it.
 */
export function completeWords(commands: CommandSpec[], words: string[], current: string): Completion {
  const visible = commands.filter((c) => !c.hidden)
  const {cmd, used} = findCommand(visible, words)
  if (!cmd || (used === words.length && !current.startsWith('-') && visible.some((c) => c.id.startsWith(`${cmd.id}:`)))) {
    // Command words: the next word of every command under what was typed.
    const typed = words.slice(0, cmd ? used : words.length)
    const under = typed.length ? `${typed.join(':')}:` : ''
    const next = new Set(visible.filter((c) => c.id.startsWith(under)).map((c) => c.id.slice(under.length).split(':')[0]))
    return {type: 'words', words: [...next].filter((w) => w && w.startsWith(current)).sort()}
  }
  const rest = words.slice(used)
  // `--flag=partial`: the flag's value.
  const eq = current.match(/^(--[\w-]+)=(.*)$/)
  if (eq) {
    const f = flagOf(cmd, eq[1])
    return f?.takesValue ? valueOf(cmd, f, eq[2], `${eq[1]}=`) : {type: 'words', words: []}
  }
  // After a flag that takes a value: that value.
  const prev = rest.at(-1)
  const prevFlag = prev !== undefined && !prev.includes('=') ? flagOf(cmd, prev) : undefined
  if (prevFlag?.takesValue) return valueOf(cmd, prevFlag, current, '')
  if (current.startsWith('-')) {
    const given = new Set(rest.map((w) => flagOf(cmd, w)?.name).filter(Boolean))
    const names = cmd.flags.filter((f) => !f.hidden && (f.multiple || !given.has(f.name))).map((f) => `--${f.name}`)
    return {type: 'words', words: names.filter((n) => n.startsWith(current)).sort()}
  }
  // A positional argument: count the positionals before it (flag values are not positionals).
  let position = 0
  for (let i = 0; i < rest.length; i++) {
    const f = flagOf(cmd, rest[i])
    if (f) {
      if (f.takesValue && !rest[i].includes('=')) i++
    } else if (!rest[i].startsWith('-')) position++
  }
  const arg = cmd.args[position] ?? (cmd.variadic ? cmd.args.at(-1) : undefined)
  const kind = arg === undefined ? undefined : argKind(cmd.id, arg)
  return kind ? {type: 'values', kind, prefix: current, lead: ''} : {type: 'words', words: []}
}

function valueOf(cmd: CommandSpec, f: FlagSpec, prefix: string, lead: string): Completion {
  if (f.options?.length) return {type: 'words', words: f.options.filter((o) => o.startsWith(prefix)).map((o) => lead + o)}
  const kind = FLAG_VALUES[f.name]
  return kind ? {type: 'values', kind, prefix, lead} : {type: 'words', words: []}
}
