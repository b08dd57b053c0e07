import {spawnSync} from 'node:child_process'
import {chmodSync, writeFileSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// The bash script of `kfp autocomplete bash`, sourced in a real bash, asked for completions the way bash's
// programmable completion asks (COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD, then the function `complete -p` names).
const s = suite('kfp autocomplete bash')
let root: string
let project: string
let bin: string
let runId: string
let cleanup: () => Promise<void>

s.before(async () => {
  ;({dir: root, cleanup} = await tmpdir())
  bin = path.join(root, 'bin')
  spawnSync('mkdir', ['-p', bin])
  writeFileSync(path.join(bin, 'kfp'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`)
  chmodSync(path.join(bin, 'kfp'), 0o755)
  assert.is((await runCli(['init', 'demo', '--yes', '--template', 'bash'], {cwd: root})).code, 0)
  project = path.join(root, 'demo')
  const file = path.join(project, 'kfp.yaml')
  await writeFile(file, (await readFile(file, 'utf8')).replace('params:\n', 'params:\n  startYear: 2000\n  stage: dev\n'))
  const r = await runCli(['run', '--runner', 'process', '--name', 'first', '--json'], {cwd: project})
  assert.is(r.code, 0, r.stderr)
  runId = r.json.result.run.id
})


/**
 * Completes `line` (the cursor at its end) in bash: splits it into COMP_WORDS as bash would (COMP_WORDBREAKS: `=`
 * and `:` are words of their own), calls the function registered for kfp, returns COMPREPLY and the compopt options.
 */
function complete(line: string): {reply: string[]; nospace: boolean} {
  const words = line.split(/(=)|\s+/).filter((w) => w !== undefined && w !== '')
  if (/\s$/.test(line)) words.push('')
  const script = `
    source <(kfp autocomplete bash)
    fn=$(complete -p kfp | sed -E 's/.*-F ([^ ]+).*/\\1/')
    compopt() { [[ "$*" == *nospace* ]] && NOSPACE=1; return 0; }
    COMP_LINE=${JSON.stringify(line)}; COMP_POINT=\${#COMP_LINE}
    COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
    "$fn" kfp "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\\n' "\${COMPREPLY[@]}"; [[ -n "$NOSPACE" ]] && echo "<nospace>" >&2; true`
  const r = spawnSync('bash', ['-c', script], {cwd: project, encoding: 'utf8', env: {PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME}})
  assert.is(r.status, 0, r.stderr)
  if (process.env.DEBUG_COMPLETE) console.log(JSON.stringify(r))
  return {reply: r.stdout.split('\n').filter(Boolean), nospace: r.stderr.includes('<nospace>')}
}

s('the script registers a completion function for kfp', () => {
  const r = spawnSync('bash', ['-c', 'source <(kfp autocomplete bash); complete -p kfp'], {encoding: 'utf8', env: {PATH: `${bin}:${process.env.PATH}`}})
  assert.match(r.stdout, /^complete -F _kfp_complete kfp$/m)
})

s('commands and subcommands', () => {
  assert.equal(complete('kfp ru').reply, ['run', 'runs'])
  assert.ok(complete('kfp runs ').reply.includes('list'))
  assert.equal(complete('kfp runs li').reply, ['list'])
})

s('flags of the command, and the options of a flag', () => {
  assert.equal(complete('kfp runs list --st').reply, ['--status'])
  assert.equal(complete('kfp run --runner ').reply, ['auto', 'docker', 'process'])
})

s('parameter names: --param startY<TAB> → startYear= with no space after it', () => {
  const r = complete('kfp run --param startY')
  assert.equal(r.reply, ['startYear='])
  assert.ok(r.nospace)
  assert.equal(complete('kfp run --param st').reply, ['startYear=', 'stage='])
  // --param=st: bash breaks at '=', so only what follows it is replaced.
  assert.equal(complete('kfp run --param=startY').reply, ['startYear='])
})

s('step names, run ids and names, target names', () => {
  assert.equal(complete(`kfp logs ${runId} `).reply, ['hello'])
  assert.equal(complete('kfp run --start-step h').reply, ['hello'])
  assert.equal(complete('kfp runs get ').reply, ['latest', runId, 'first'])
  assert.equal(complete('kfp runs get fi').reply, ['first'])
  assert.equal(complete('kfp target use ').reply, ['local'])
  assert.equal(complete('kfp run --target l').reply, ['local'])
})

s('paths where a flag takes a file', () => {
  assert.ok(complete('kfp run --project kfp.y').reply.includes('kfp.yaml'))
})

s.run()

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0
const other = suite('kfp autocomplete zsh and fish (real shells; .ci/run installs them)')

other('zsh: compdef registers the function; it offers commands, parameter names (no suffix after =) and steps', () => {
  if (!has('zsh')) return console.log('SKIPPED: zsh is not installed (CI installs it)')
  const ask = (words: string[]) => {
    const script = `autoload -Uz compinit && compinit -u; source <(kfp autocomplete zsh); print -r -- "comps=$_comps[kfp]"
      compadd() { local suffix=0 a; for a in "$@"; do [[ $a == -S ]] && suffix=1; done; for a in "$@"; do [[ $a == -* || -z $a ]] && continue; print -r -- "cand:$a:$suffix"; done; }
      words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _kfp_complete`
    const r = spawnSync('zsh', ['-c', script], {cwd: project, encoding: 'utf8', env: {PATH: `${bin}:${process.env.PATH}`, HOME: root}})
    assert.is(r.status, 0, r.stderr)
    return r.stdout.split('\n').filter(Boolean)
  }
  const run = ask(['kfp', 'ru'])
  assert.is(run[0], 'comps=_kfp_complete')
  assert.equal(run.slice(1), ['cand:run:0', 'cand:runs:0'])
  assert.equal(ask(['kfp', 'run', '--param', 'startY']).slice(1), ['cand:startYear=:1'])
  assert.equal(ask(['kfp', 'logs', 'latest', '']).slice(1), ['cand:hello:0'])
})

other('fish: complete -C gives commands, parameter names and run names', () => {
  if (!has('fish')) return console.log('SKIPPED: fish is not installed (CI installs it)')
  const ask = (line: string) => {
    const r = spawnSync('fish', ['-c', `kfp autocomplete fish | source; complete -C ${JSON.stringify(line)}`], {cwd: project, encoding: 'utf8', env: {PATH: `${bin}:${process.env.PATH}`, HOME: root}})
    assert.is(r.status, 0, r.stderr)
    return r.stdout.split('\n').filter(Boolean)
  }
  assert.equal(ask('kfp ru'), ['run', 'runs'])
  assert.equal(ask('kfp run --param startY'), ['startYear='])
  assert.equal(ask('kfp runs get fi'), ['first'])
})

other.after(() => cleanup())
other.run()
