// kfp logs --tail/--since/--timestamps on local runs, on the built CLI (bin/run.js) with the process runner.
import {spawn} from 'node:child_process'
import {readdirSync, rmSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath, repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const chatty = path.join(repoRoot, 'test', 'fixtures', 'ir', 'insight', 'logs.yaml')
let tmp: {dir: string; cleanup: () => Promise<void>}
const L = suite('kfp logs --tail/--since/--timestamps')
L.before.each(async () => {
  tmp = await tmpdir('kfp-logs-')
})
L.after.each(async () => {
  await tmp.cleanup()
})

const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z'

L('--timestamps prefixes each line with when it was written; --since TIME keeps the lines written from then on; --tail N the last N', async () => {
  // Given a run whose step prints 5 lines, pauses 1.2 s and prints 2 more
  const r = await runCli(['run', '--local', chatty, '--runner', 'process'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  // When the log is printed with timestamps
  const ts = await runCli(['logs', 'latest', 'chatty', '--timestamps'], {cwd: tmp.dir})
  // Then every line starts with its RFC 3339 time, and the pause shows between the bursts
  assert.is(ts.code, 0, ts.stderr)
  const lines = ts.stdout.trimEnd().split('\n')
  assert.is(lines.length, 7)
  for (const l of lines) assert.match(l, new RegExp(`^${ISO} `))
  const timeOf = (l: string) => Date.parse(l.split(' ')[0])
  assert.equal(lines.map((l) => l.slice(25)), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'after pause 1', 'after pause 2'])
  assert.ok(timeOf(lines[5]) - timeOf(lines[4]) >= 1000, `pause between ${lines[4]} and ${lines[5]}`)
  // When only the lines since the second burst are asked for (an absolute time)
  const since = await runCli(['logs', 'latest', 'chatty', '--since', new Date(timeOf(lines[5]) - 100).toISOString()], {cwd: tmp.dir})
  assert.is(since.code, 0, since.stderr)
  assert.is(since.stdout, 'after pause 1\nafter pause 2\n')
  // And a duration that covers everything prints everything (all steps, prefixed)
  const hour = await runCli(['logs', 'latest', '--since', '1h'], {cwd: tmp.dir})
  assert.is(hour.stdout.trimEnd().split('\n').length, 7)
  assert.match(hour.stdout, /^\[chatty\] line 1\n/)
  // And --tail N prints the last N lines; --tail 0 none
  const tail = await runCli(['logs', 'latest', 'chatty', '--tail', '3'], {cwd: tmp.dir})
  assert.is(tail.stdout, 'line 5\nafter pause 1\nafter pause 2\n')
  assert.is((await runCli(['logs', 'latest', '--tail', '0'], {cwd: tmp.dir})).stdout, '')
  // And --json carries each line's time with --timestamps
  const js = await runCli(['logs', 'latest', 'chatty', '--tail', '1', '--timestamps', '--json'], {cwd: tmp.dir})
  assert.equal(js.json.result.lines.map((l: any) => [l.step, l.line, typeof l.time]), [['chatty', 'after pause 2', 'string']])
  assert.is(js.json.result.lines[0].time, lines[6].split(' ')[0])
})

L('bad --since and --tail values are usage errors (exit 2) naming the flag', async () => {
  assert.is((await runCli(['run', '--local', chatty, '--runner', 'process', '--param', 'pause=0'], {cwd: tmp.dir})).code, 0)
  const bad = await runCli(['logs', 'latest', '--since', '10 minutes'], {cwd: tmp.dir})
  assert.is(bad.code, 2)
  assert.match(bad.stderr, '--since 10 minutes: expected a duration such as 30s, 10m, 1h30m or 2d')
  assert.not.match(bad.stderr, /at .*\.js:\d+/)
  const neg = await runCli(['logs', 'latest', '--tail', '-1'], {cwd: tmp.dir})
  assert.is(neg.code, 2)
})

L('a log written without times (an older kfp): --timestamps shows - and says why', async () => {
  assert.is((await runCli(['run', '--local', chatty, '--runner', 'process', '--param', 'pause=0'], {cwd: tmp.dir})).code, 0)
  const runs = path.join(tmp.dir, '.kfp', 'runs')
  rmSync(path.join(runs, readdirSync(runs)[0], 'tasks', 'chatty', 'log.times'))
  const r = await runCli(['logs', 'latest', 'chatty', '--timestamps', '--tail', '1'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '- after pause 2\n')
  assert.match(r.stderr, 'chatty: its log has no per-line times (written by an older kfp)')
})

L('-f --tail 2 on a running step prints the last 2 lines so far, then the new ones as they come', async () => {
  // Given a detached run whose step pauses 3 s after its first 5 lines
  const d = await runCli(['run', '--local', chatty, '--runner', 'process', '--param', 'pause=3', '--detach'], {cwd: tmp.dir})
  assert.is(d.code, 0, d.stderr)
  const id = d.stdout.trim()
  const logFile = () => path.join(tmp.dir, '.kfp', 'runs', id, 'tasks', 'chatty', 'log.txt')
  const {readFileSync, existsSync} = await import('node:fs')
  const end = Date.now() + 20_000
  while (!(existsSync(logFile()) && readFileSync(logFile(), 'utf8').includes('line 5'))) {
    if (Date.now() > end) throw new Error('the step did not start')
    await new Promise((r) => setTimeout(r, 100))
  }
  // When followed with --tail 2 during the pause
  const child = spawn(process.execPath, [binPath, 'logs', id, 'chatty', '-f', '--tail', '2'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}})
  let out = ''
  const seen: Array<[number, string]> = []
  child.stdout.on('data', (c) => {
    out += c
    seen.push([Date.now(), String(c)])
  })
  const code = await new Promise((r) => child.on('close', r))
  // Then it printed the last two lines before the pause, the new lines after it, and ended with the step
  assert.is(code, 0)
  assert.is(out, 'line 4\nline 5\nafter pause 1\nafter pause 2\n')
  assert.ok(seen[0][1].startsWith('line 4') && !seen[0][1].includes('after pause'), 'the tail came before the new lines')
})

L.run()
