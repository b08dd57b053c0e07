import {spawn, spawnSync} from 'node:child_process'
import {closeSync, openSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {EXIT} from '../../src/lib/errors.js'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// CLI-level: spawns the built kfp. Help flags, `kfp help`, and oclif's parse errors in kfp's own style.
const h = suite('help: -h, --help, kfp help [COMMAND…]')

h('-h works wherever --help does, at the top and on a command', async () => {
  for (const args of [['-h'], ['run', '-h'], ['runs', 'list', '-h']]) {
    const short = await runCli(args)
    const long = await runCli(args.map((a) => (a === '-h' ? '--help' : a)))
    assert.is(short.code, 0, `${args.join(' ')}: ${short.stderr}`)
    assert.is(short.stdout, long.stdout)
  }
  assert.match((await runCli(['run', '-h'])).stdout, /--param=NAME=VALUE/)
})

h('kfp help COMMAND… shows that command; kfp help alone the whole list', async () => {
  const one = await runCli(['help', 'runs', 'list'])
  assert.is(one.code, 0, one.stderr)
  assert.is(one.stdout, (await runCli(['runs', 'list', '--help'])).stdout)
  const all = await runCli(['help'])
  assert.is(all.code, 0)
  assert.match(all.stdout, /COMMANDS/)
  assert.match(all.stdout, /autocomplete|runs/)
})

h('kfp help with a misspelt command: exit 2 with a did-you-mean', async () => {
  const r = await runCli(['help', 'rnus'])
  assert.is(r.code, 2)
  assert.match(r.stderr, "Error: No command 'kfp rnus' — did you mean 'kfp runs'?")
})

h.run()

const p = suite('parse errors: Error / Try this / Code, exit 2, no help dump')

const kfpStyle = (stderr: string) => {
  assert.match(stderr, /^Error: /)
  assert.match(stderr, /\nCode: USAGE\n$/)
  assert.not.match(stderr, /USAGE\n\s+\$ kfp|FLAGS\n|›/)
}

p('an unknown flag gets a did-you-mean among the command\'s flags', async () => {
  for (const bad of ['--parm', '--parm=startYear=1']) {
    const r = await runCli(['run', bad, 'startYear=1'])
    assert.is(r.code, 2, r.stderr)
    kfpStyle(r.stderr)
    assert.match(r.stderr, 'Error: Unknown flag for kfp run: --parm — did you mean --param?')
    assert.match(r.stderr, '  • kfp run --param …')
  }
  const other = await runCli(['runs', 'list', '--experimnet', 'x'])
  assert.match(other.stderr, 'did you mean --experiment?')
  const none = await runCli(['steps', '--zzzzzz'])
  assert.is(none.code, 2)
  assert.match(none.stderr, 'Error: Unknown flag for kfp steps: --zzzzzz\n')
})

p('every other parse error in the same style', async () => {
  const cases: [string[], string][] = [
    [['runs', 'list', '--limit'], 'Error: Flag --limit expects a value'],
    [['runs', 'list', '--limit', 'x'], 'Error: --limit: Expected an integer but received: x'],
    [['init', '--template', 'java'], 'Error: Expected --template=java to be one of: python, bash, gcloud, container'],
    [['run', '--local', 'a.yaml', '--project', 'b'], 'Error: --project=b cannot also be provided when using --local'],
    [['runs', 'get'], 'Error: Missing argument for kfp runs get: RUN (Run id, name or latest).'],
  ]
  for (const [args, message] of cases) {
    const r = await runCli(args)
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    kfpStyle(r.stderr)
    assert.match(r.stderr, message)
  }
})

p('--json: the error envelope with the suggestion in data', async () => {
  const r = await runCli(['run', '--parm', 'x=1', '--json'])
  assert.is(r.code, 2)
  assert.equal(r.json.error.data, {flags: ['--parm'], suggestions: ['--param']})
  assert.is(r.stderr, '')
})

p('kfp run list suggests kfp runs list', async () => {
  const r = await runCli(['run', 'list', '--limit', '2'])
  assert.is(r.code, 2)
  assert.match(r.stderr, "Error: kfp run takes no 'list': did you mean 'kfp runs list'?")
  assert.match(r.stderr, '  • kfp runs list --limit 2')
})

p('kfp logs STEP (a step name where a run is expected) says so', async () => {
  const {dir, cleanup} = await tmpdir()
  try {
    await runCli(['init', 'demo', '--yes', '--template', 'bash'], {cwd: dir})
    const project = path.join(dir, 'demo')
    assert.is((await runCli(['run', '--runner', 'process'], {cwd: project})).code, 0)
    const r = await runCli(['logs', 'hello'], {cwd: project})
    assert.is(r.code, 3)
    assert.match(r.stderr, "Error: 'hello' is a step of the pipeline, not a run: kfp logs takes the run first, then the step.")
    assert.match(r.stderr, '  • kfp logs latest hello')
    // A run name that is not a step keeps the plain not-found error.
    assert.match((await runCli(['logs', 'nosuchrun'], {cwd: project})).stderr, "No run 'nosuchrun'")
  } finally {
    await cleanup()
  }
})

p.run()

const x = suite('exit codes')

x("README's table lists every exit code kfp returns, and only those", () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8')
  const table = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('\n\n', readme.indexOf('| code | meaning |')))
  const documented = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]))
  assert.equal(documented, Object.values(EXIT).sort((a, b) => a - b))
})

x.run()

// oclif prints help, the command list and --version itself, without a kfp command: the stdout guard (lib/stdout-guard.ts)
// is installed before oclif starts, so they end as every command does when stdout fails.
const o = suite('help and --version when stdout fails')
const HELPS = [['--help'], ['run', '--help'], ['runs', 'list', '-h'], ['help', 'run'], ['help'], [], ['runs']]

/** kfp with stdout on `out` ('full': /dev/full, every write ENOSPC; 'closed': a pipe whose reader has gone). */
function withStdout(args: string[], out: 'full' | 'closed'): Promise<{code: number | null; stderr: string}> {
  return new Promise((resolve) => {
    const fd = out === 'full' ? openSync('/dev/full', 'w') : 'pipe'
    const child = spawn(process.execPath, [binPath, ...args], {env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', fd, 'pipe']})
    if (typeof fd === 'number') closeSync(fd)
    else child.stdout!.destroy()
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({code, stderr}))
  })
}

o('> /dev/full: help, the command list and --version exit 5 with one line naming the cause', async () => {
  for (const [args, what] of [...HELPS.map((a) => [a, 'the help'] as const), [['--version'], 'the version'] as const, [['version'], 'the results'] as const]) {
    const r = await withStdout([...args], 'full')
    assert.is(r.code, EXIT.EXTERNAL, `kfp ${args.join(' ')}: ${r.stderr}`)
    assert.is(r.stderr, `Error: Cannot write ${what} to standard output: the disk is full (ENOSPC).\n`, `kfp ${args.join(' ')}`)
  }
})

o('a reader that closed the pipe (kfp --help | head -1): exit 0, nothing on stderr', async () => {
  for (const args of [...HELPS, ['--version']]) {
    const r = await withStdout(args, 'closed')
    assert.is(r.code, 0, `kfp ${args.join(' ')}: ${r.stderr}`)
    assert.is(r.stderr, '', `kfp ${args.join(' ')}`)
  }
  const head = spawnSync('bash', ['-c', `"${process.execPath}" "${binPath}" --help | head -1; exit \${PIPESTATUS[0]}`], {encoding: 'utf8'})
  assert.is(head.status, 0, head.stderr)
  assert.is(head.stderr, '')
  assert.match(head.stdout, /^kfp: /)
})

o.run()
