import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot} from '../helpers/cli.js'

// README and docs/json.md against the commands kfp really has: the built oclif.manifest.json (npm run build) lists
// every command with its flags, as `kfp --help` and `kfp COMMAND --help` show them.
type ManifestFlag = {char?: string; allowNo?: boolean}
type Manifest = {commands: Record<string, {hidden?: boolean; flags: Record<string, ManifestFlag>}>}
const manifest = (JSON.parse(readFileSync(path.join(repoRoot, 'oclif.manifest.json'), 'utf8')) as Manifest).commands

/** `kfp a b --x` → the longest command id among the first words, and the flags typed. */
function parseInvocation(words: string[]): {id?: string; flags: string[]} {
  for (let n = Math.min(3, words.length); n > 0; n--) {
    const id = words.slice(0, n).join(':')
    if (manifest[id]) return {id, flags: words.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0])}
  }
  return {flags: []}
}

function flagNames(id: string): Set<string> {
  const names = new Set(['-h', '--help'])
  for (const [name, f] of Object.entries(manifest[id].flags)) {
    names.add(`--${name}`)
    if (f.char) names.add(`-${f.char}`)
    if (f.allowNo) names.add(`--no-${name}`)
  }
  return names
}

const d = suite('docs: README tour and docs/json.md match the commands')

d("every kfp line of README's code blocks is a command kfp has, with flags it takes", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g)].map((m) => m[1])
  const problems: string[] = []
  let checked = 0
  for (const line of blocks.join('\n').split('\n')) {
    for (const part of line.replace(/#.*$/, '').split(/&&|\||;|<\(|\)/)) {
      const words = part.trim().split(/\s+/)
      const at = words.indexOf('kfp')
      if (at < 0 || words.length === at + 1) continue
      const {id, flags} = parseInvocation(words.slice(at + 1))
      if (!id) {
        problems.push(`no such command: ${part.trim()}`)
        continue
      }
      checked++
      const known = flagNames(id)
      for (const f of flags) if (!known.has(f)) problems.push(`kfp ${id.replace(/:/g, ' ')} has no ${f}: ${part.trim()}`)
    }
  }
  assert.equal(problems, [])
  assert.ok(checked > 30, `only ${checked} kfp lines found in README code blocks`)
})

d('docs/json.md names every command that takes --json', () => {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'json.md'), 'utf8')
  const missing = Object.entries(manifest)
    .filter(([, c]) => c.flags.json && !c.hidden)
    .map(([id]) => id.split(':'))
    .filter((words) => {
      // `kfp schedule get|pause|…` and `kfp artifacts list/get/open` forms count for each named sub-command.
      const topic = words.slice(0, -1).map((w) => `${w} `).join('')
      const last = words.at(-1)!
      return !new RegExp('`kfp ' + topic + '(?:[a-z-]+\\|)*' + last + '\\b').test(doc)
    })
    .map((words) => `kfp ${words.join(' ')}`)
  assert.equal(missing, [])
})

d.run()
