// Issue 11 "Speed and memory": `kfp run` streaming a step's log applies backpressure end to end. While nobody reads
// kfp's stderr, the step blocks on its own write (as it would writing to that terminal itself) instead of kfp
// buffering its output in memory; once read, every line arrives, in order, and the log file holds every byte.
// Needs `npm run build`.
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {binPath} from '../helpers/cli.js'
import {writeMiniProject} from '../helpers/mini-project.js'
import {settled} from '../helpers/settled.js'
import {tmpdir} from '../helpers/tmp.js'

const P = suite('kfp run backpressure')

const N = 400_000

/**
 * `kfp run` of one step printing N numbered lines (then writing `done`), its stderr a pipe this test does not read
 * yet; returns once the step's log has stopped growing (kfp is held back by its full stderr).
 */
async function runUnread(dir: string) {
  const done = path.join(dir, 'done')
  writeMiniProject(dir, 'name: bp\nsteps:\n  - name: s\n    cache: false\n', {s: {script: `seq 1 ${N} | sed 's/^/line /'; echo finished > ${done}`}})
  const kfp = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  kfp.stderr.pause()
  let code: number | null | undefined
  const exited = new Promise<number | null>((r) => kfp.on('close', (c) => r((code = c))))
  const runs = path.join(dir, '.kfp', 'runs')
  const runDir = () => (existsSync(runs) && readdirSync(runs)[0] ? path.join(runs, readdirSync(runs)[0]) : '')
  const logSize = () => {
    const log = runDir() && path.join(runDir(), 'tasks', 's', 'log.txt')
    return log && existsSync(log) ? statSync(log).size : 0
  }
  while (logSize() === 0 && code === undefined) await new Promise((r) => setTimeout(r, 100))
  const held = await settled(logSize)
  return {kfp, exited, done, runDir, held}
}

const stop = (kfp: ReturnType<typeof spawn> | undefined) => {
  if (kfp && kfp.exitCode === null && kfp.signalCode === null) kfp.kill('SIGKILL')
}

/** runUnread in a fresh folder; kfp is killed and the folder removed afterwards, whatever the test did. */
async function withUnreadRun(test: (r: Awaited<ReturnType<typeof runUnread>>) => Promise<void>): Promise<void> {
  const tmp = await tmpdir('kfp-bp-run-')
  let kfp: ReturnType<typeof spawn> | undefined
  try {
    const r = await runUnread(tmp.dir)
    kfp = r.kfp
    await test(r)
  } finally {
    stop(kfp)
    await tmp.cleanup()
  }
}

P('stderr not read: the step waits; read: every line in order, log file complete, exit 0', () =>
  withUnreadRun(async (r) => {
    const kfp = r.kfp
    // The log file grew until kfp's stderr pipe was full, then stopped: the step (5 MB to print) has not finished.
    assert.ok(r.held < 2_000_000, `kfp read ${r.held} bytes of the step's output while its stderr was not read`)
    assert.is(existsSync(r.done), false, 'the step finished while nobody read kfp')
    // Now read everything.
    let err = ''
    kfp.stderr!.setEncoding('utf8')
    kfp.stderr!.on('data', (c: string) => (err += c))
    kfp.stderr!.resume()
    let out = ''
    kfp.stdout!.on('data', (c) => (out += c))
    assert.is(await r.exited, 0, err.slice(-500) + out)
    const lines = err.split('\n').filter((l) => l.startsWith('[s] '))
    assert.is(lines.length, N)
    for (let i = 0; i < N; i++) if (lines[i] !== `[s] line ${i + 1}`) assert.unreachable(`line ${i + 1} is ${lines[i]}`)
    const log = readFileSync(path.join(r.runDir(), 'tasks', 's', 'log.txt'), 'utf8')
    assert.is(log, Array.from({length: N}, (_, i) => `line ${i + 1}\n`).join(''))
  }),
)

P('Ctrl-C while the step waits for a reader that never reads: kfp stops the step and exits 130', () =>
  withUnreadRun(async (r) => {
    r.kfp.kill('SIGINT')
    // A hang here (kfp waiting for a reader after Ctrl-C) is the failure; the guard only ends the test.
    const guard = setTimeout(() => stop(r.kfp), 60_000)
    const code = await r.exited
    clearTimeout(guard)
    assert.is(code, 130)
    assert.is(existsSync(r.done), false)
    assert.is(JSON.parse(readFileSync(path.join(r.runDir(), 'run.json'), 'utf8')).status, 'cancelled')
  }),
)

P.run()
