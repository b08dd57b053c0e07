import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli, runCliTty} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// What tables and colour look like to a user: piped (TSV, no colour), on a terminal (fitted, coloured) and the
// switches (NO_COLOR, CI, FORCE_COLOR, --wide, -q). Two process-runner runs of a bash component are the data.
const s = suite('output: tables, colour, --quiet, empty listings')
const ESC = '\u001B['
let dir: string
let cleanup: () => Promise<void>
let ids: string[]

s.before(async () => {
  ;({dir, cleanup} = await tmpdir())
  const init = await runCli(['init', 'demo', '--yes', '--template', 'bash'], {cwd: dir})
  assert.is(init.code, 0, init.stderr)
  dir = path.join(dir, 'demo')
  for (const [name, exp] of [['first-run-with-a-long-name', 'Default'], ['second', 'blog']]) {
    const r = await runCli(['run', '--runner', 'process', '--name', name, '--experiment', exp], {cwd: dir})
    assert.is(r.code, 0, r.stderr)
  }
  ids = (await runCli(['runs', 'list', '--json'], {cwd: dir})).json.result.runs.map((r: {id: string}) => r.id)
})
s.after(() => cleanup())

s('piped: TSV with a header line and no escape codes', async () => {
  const r = await runCli(['runs', 'list'], {cwd: dir, env: {NO_COLOR: undefined}})
  assert.is(r.code, 0, r.stderr)
  const lines = r.stdout.trimEnd().split('\n')
  assert.is(lines[0], 'id\tname\tstatus\texperiment\tcreated\tduration\tsteps')
  assert.equal(lines.slice(1).map((l) => l.split('\t').slice(0, 4)), [
    [ids[0], 'second', 'succeeded', 'blog'],
    [ids[1], 'first-run-with-a-long-name', 'succeeded', 'Default'],
  ])
  assert.not.ok(r.stdout.includes(ESC) || r.stderr.includes(ESC))
})

s('-q / --quiet: the ids only, one a line', async () => {
  for (const flag of ['-q', '--quiet']) {
    const r = await runCli(['runs', 'list', flag], {cwd: dir})
    assert.is(r.stdout, `${ids.join('\n')}\n`)
  }
  const failed = await runCli(['runs', 'list', '-q', '--status', 'failed'], {cwd: dir})
  assert.is(failed.stdout, '')
})

s('terminal: fitted to COLUMNS with …, status coloured; --wide cuts nothing', async () => {
  const r = await runCliTty(['runs', 'list'], {cwd: dir, env: {COLUMNS: '90'}})
  assert.is(r.code, 0, r.output)
  const plain = r.output.replace(/\u001B\[[0-9;]*m/g, '')
  const lines = plain.trimEnd().split('\n')
  assert.match(lines[0], /^ID\s+NAME\s+STATUS/)
  for (const l of lines) assert.ok([...l].length <= 90, `longer than 90: ${l}`)
  assert.ok(plain.includes('…'), plain)
  assert.ok(lines[1].startsWith(ids[0]), 'the id column is never cut')
  assert.ok(r.output.includes(`${ESC}32m✔ succeeded${ESC}39m`), r.output)
  const wide = await runCliTty(['runs', 'list', '--wide'], {cwd: dir, env: {COLUMNS: '90'}})
  assert.ok(wide.output.includes('first-run-with-a-long-name'))
  assert.not.ok(wide.output.includes('…'))
})

s('terminal: no colour with NO_COLOR or in CI', async () => {
  for (const env of [{NO_COLOR: '1'}, {CI: 'true'}]) {
    const r = await runCliTty(['runs', 'list'], {cwd: dir, env})
    assert.is(r.code, 0, r.output)
    assert.not.ok(r.output.includes(ESC), JSON.stringify(env))
    assert.ok(r.output.includes('✔ succeeded'))
  }
})

s('FORCE_COLOR: coloured progress even when piped', async () => {
  const r = await runCli(['run', '--runner', 'process', '--no-cache'], {cwd: dir, env: {NO_COLOR: undefined, FORCE_COLOR: '1'}})
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, /\u001B\[32m✔ 1\. hello succeeded/)
  // stdout stays a plain TSV table: colour there would break cut/awk.
  assert.not.ok(r.stdout.includes(ESC))
})

s('an empty filtered listing says what was filtered', async () => {
  const r = await runCli(['runs', 'list', '--experiment', 'nope', '--status', 'failed'], {cwd: dir})
  assert.is(r.code, 0)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /No runs match --experiment nope --status failed \(3 runs in all; `kfp runs list` shows them\)\./)
})

s('outside a project: no kfp.yaml in this folder or above, not "No runs yet"', async () => {
  const {dir: empty, cleanup: done} = await tmpdir()
  try {
    await mkdir(path.join(empty, 'sub'))
    const r = await runCli(['runs', 'list'], {cwd: path.join(empty, 'sub')})
    assert.is(r.code, 3)
    assert.match(r.stderr, /Error: No kfp\.yaml in this folder or above \(.*sub\)\./)
    assert.not.match(r.stderr, /No runs yet/)
  } finally {
    await done()
  }
})

s.run()
