import {BaseCommand} from '../base-command.js'
import {completeWords, type CommandSpec} from '../core/complete/words.js'
import {completionValues} from '../services/complete.js'

/**
 * The shell scripts of `kfp autocomplete` call this on TAB: `kfp complete -- WORD… CURRENT`. It prints one candidate a
 * line; the line `:files` or `:dirs` asks the shell for its own file completion. Hidden: not for people.
 */
export default class Complete extends BaseCommand {
  static hidden = true
  static strict = false
  static enableJsonFlag = false
  static summary = 'Print completion candidates for the words after `kfp` (used by the scripts of kfp autocomplete).'

  async run(): Promise<void> {
    const {argv} = await this.parse(Complete)
    const words = (argv as string[]).slice()
    const current = words.pop() ?? ''
    const specs: CommandSpec[] = this.config.commands.map((c) => ({
      id: c.id,
      hidden: c.hidden,
      args: Object.keys(c.args ?? {}),
      variadic: c.strict === false,
      flags: Object.entries(c.flags ?? {}).map(([name, f]) => ({
        name,
        char: f.char,
        takesValue: f.type === 'option',
        options: f.type === 'option' ? f.options : undefined,
        multiple: f.type === 'option' ? f.multiple : false,
        hidden: f.hidden,
      })),
    }))
    const c = completeWords(specs, words, current)
    if (c.type === 'words') {
      if (c.words.length) this.io.out(c.words.join('\n'))
      return
    }
    if (c.kind === 'commands') {
      const ids = [...new Set(specs.filter((s) => !s.hidden).map((s) => s.id.split(':')[0]))].sort()
      const hits = ids.filter((i) => i.startsWith(c.prefix))
      if (hits.length) this.io.out(hits.join('\n'))
      return
    }
    const at = words.findIndex((w) => w === '--project' || w.startsWith('--project='))
    const project = at < 0 ? undefined : words[at].includes('=') ? words[at].slice('--project='.length) : words[at + 1]
    const r = await completionValues(c.kind, c.prefix, this.ctx, project)
    const lines = [...r.values.map((v) => c.lead + v), ...(r.shell ? [`:${r.shell}`] : [])]
    if (lines.length) this.io.out(lines.join('\n'))
  }
}
