// Exit codes a user sees for a run that ends without succeeding, as README's table says: cancelled from another shell
// (`kfp runs cancel`) is 7, Ctrl-C here is 130 (see local-engine.test.ts), a run that is not found is 3.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {spawn} from 'node:child_process'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const slow = path.join(repoRoot, 'test', 'fixtures', 'ir', 'engine', 'slow.yaml')
const x = suite('exit codes of runs')

function latestRecord(dir: string): any {
  const runs = path.join(dir, '.kfp', 'runs')
  if (!existsSync(runs)) return undefined
  const [id] = readdirSync(runs).sort().reverse()
  const file = path.join(runs, id ?? '', 'run.json')
  return id && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
}

x('a run cancelled from another shell (kfp runs cancel) exits 7 and says so', async () => {
  const {dir, cleanup} = await tmpdir()
  try {
    // Given a running step
    const child = spawn(process.execPath, [binPath, 'run', '--local', slow, '--runner', 'process'], {cwd: dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const done = new Promise<number | null>((resolve) => child.on('close', resolve))
    for (let i = 0; i < 200 && latestRecord(dir)?.tasks?.[0]?.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100))
    // When another shell cancels it
    const cancel = await runCli(['runs', 'cancel', 'latest'], {cwd: dir})
    // Then
    assert.is(cancel.code, 0, cancel.stderr)
    assert.is(await done, 7, stderr)
    assert.match(stderr, /Error: Run \S+ \(\S+\) was cancelled from outside \(kfp runs cancel or SIGTERM\)/)
    assert.match(stderr, 'Code: RUN_CANCELLED')
    assert.is(latestRecord(dir).status, 'cancelled')
  } finally {
    await cleanup()
  }
})

x('a run that is not found exits 3 (RUN_NOT_FOUND), in runs get and logs alike', async () => {
  const {dir, cleanup} = await tmpdir()
  try {
    await runCli(['init', 'demo', '--yes', '--template', 'bash'], {cwd: dir})
    const project = path.join(dir, 'demo')
    for (const args of [['runs', 'get', 'nope'], ['logs', 'nope'], ['runs', 'cancel', 'nope']]) {
      const r = await runCli([...args, '--json'], {cwd: project})
      assert.is(r.code, 3, `${args.join(' ')}: ${r.stdout}`)
      assert.is(r.json.error.code, 'RUN_NOT_FOUND')
    }
  } finally {
    await cleanup()
  }
})

x.run()
