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
import {tmpdir} from '../helpers/tmp.js'

const P = suite('kfp run backpressure')

const N = 400_000

/** Polls until `read()` gives the same value twice 300 ms apart (nothing moves any more). */
async function settled<T>(read: () => T): Promise<T> {
  let last = read()
  for (;;) {
    await new Promise((r) => setTimeout(r, 300))
    const now = read()
    if (now === last) return now
    last = now
  }
}

P('stderr not read: the step waits; read: every line in order, log file complete, exit 0', async () => {
  const tmp = await tmpdir('kfp-bp-run-')
  let kfp: ReturnType<typeof spawn> | undefined
  try {
    const done = path.join(tmp.dir, 'done')
    writeMiniProject(tmp.dir, 'name: bp\nsteps:\n  - name: s\n    cache: false\n', {s: {script: `seq 1 ${N} | sed 's/^/line /'; echo finished > ${done}`}})
    kfp = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let code: number | null | undefined
    const exited = new Promise<number | null>((r) => kfp!.on('close', (c) => r((code = c))))
    kfp.stderr!.pause()
    // The log file grows until kfp's stderr pipe is full, then stops: the step (5 MB to print) has not finished.
    const logSize = () => {
      const runs = path.join(tmp.dir, '.kfp', 'runs')
      const id = existsSync(runs) ? readdirSync(runs)[0] : undefined
      const log = id && path.join(runs, id, 'tasks', 's', 'log.txt')
      return log && existsSync(log) ? statSync(log).size : 0
    }
    while (logSize() === 0 && code === undefined) await new Promise((r) => setTimeout(r, 100))
    const held = await settled(logSize)
    assert.ok(held < 2_000_000, `kfp read ${held} bytes of the step's output while its stderr was not read`)
    assert.is(existsSync(done), false, 'the step finished while nobody read kfp')
    // Now read everything.
    let err = ''
    kfp.stderr!.setEncoding('utf8')
    kfp.stderr!.on('data', (c: string) => (err += c))
    kfp.stderr!.resume()
    let out = ''
    kfp.stdout!.on('data', (c) => (out += c))
    assert.is(await exited, 0, err.slice(-500) + out)
    const lines = err.split('\n').filter((l) => l.startsWith('[s] '))
    assert.is(lines.length, N)
    for (let i = 0; i < N; i++) if (lines[i] !== `[s] line ${i + 1}`) assert.unreachable(`line ${i + 1} is ${lines[i]}`)
    const runs = path.join(tmp.dir, '.kfp', 'runs')
    const log = readFileSync(path.join(runs, readdirSync(runs)[0], 'tasks', 's', 'log.txt'), 'utf8')
    assert.is(log, Array.from({length: N}, (_, i) => `line ${i + 1}\n`).join(''))
  } finally {
    if (kfp && kfp.exitCode === null && kfp.signalCode === null) kfp.kill('SIGKILL')
    await tmp.cleanup()
  }
})

P('Ctrl-C while the step waits for a reader that never reads: kfp stops the step and exits 130', async () => {
  const tmp = await tmpdir('kfp-bp-int-')
  let kfp: ReturnType<typeof spawn> | undefined
  try {
    const done = path.join(tmp.dir, 'done')
    writeMiniProject(tmp.dir, 'name: bp\nsteps:\n  - name: s\n    cache: false\n', {s: {script: `seq 1 ${N} | sed 's/^/line /'; echo finished > ${done}`}})
    kfp = spawn(process.execPath, [binPath, 'run', '--runner', 'process'], {cwd: tmp.dir, env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'pipe']})
    kfp.stderr!.pause()
    const exited = new Promise<number | null>((r) => kfp!.on('close', (c) => r(c)))
    const runs = path.join(tmp.dir, '.kfp', 'runs')
    const logOf = () => (existsSync(runs) && readdirSync(runs)[0] ? path.join(runs, readdirSync(runs)[0], 'tasks', 's', 'log.txt') : '')
    while (!logOf() || !existsSync(logOf()) || statSync(logOf()).size === 0) await new Promise((r) => setTimeout(r, 100))
    await settled(() => statSync(logOf()).size)
    kfp.kill('SIGINT')
    // A hang here (kfp waiting for a reader after Ctrl-C) is the failure; the guard only ends the test.
    const guard = setTimeout(() => kfp!.kill('SIGKILL'), 60_000)
    const code = await exited
    clearTimeout(guard)
    assert.is(code, 130)
    assert.is(existsSync(done), false)
    const rec = JSON.parse(readFileSync(path.join(runs, readdirSync(runs)[0], 'run.json'), 'utf8'))
    assert.is(rec.status, 'cancelled')
  } finally {
    if (kfp && kfp.exitCode === null && kfp.signalCode === null) kfp.kill('SIGKILL')
    await tmp.cleanup()
  }
})

P.run()
