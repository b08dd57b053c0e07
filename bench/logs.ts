// Benchmarks of `kfp logs` on large local logs (issue 12 item 13): reading streams, never whole files.
// Needs `npm run build` and GNU time (/usr/bin/time) for the memory ratio. Run alone: node --import tsx bench/logs.ts
import {spawnSync} from 'node:child_process'
import {createWriteStream, existsSync, readdirSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {type BenchResult, fmt, median} from './lib.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.js')
const chatty = path.join(root, 'test', 'fixtures', 'ir', 'insight', 'logs.yaml')

/** Wall time (ms) and max resident set (kB) of one command, through GNU time. */
function measure(args: string[], cwd: string): {ms: number; rssKb: number} {
  const t0 = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, ...args], {cwd, env: {...process.env, NO_COLOR: '1'}, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`kfp ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`)
  return {ms, rssKb: Number(r.stderr.trim().split('\n').pop())}
}

async function bigRun(dir: string, lines: number): Promise<void> {
  const r = spawnSync(process.execPath, [bin, 'run', '--local', chatty, '--runner', 'process', '--param', 'lines=1', '--param', 'pause=0'], {cwd: dir, stdio: 'ignore'})
  if (r.status !== 0) throw new Error('the bench run failed')
  const id = readdirSync(path.join(dir, '.kfp', 'runs'))[0]
  const log = path.join(dir, '.kfp', 'runs', id, 'tasks', 'chatty', 'log.txt')
  // A log as the engine writes it: the bytes, and one times entry per 64 KiB chunk.
  const out = createWriteStream(log)
  const times = createWriteStream(log.replace(/\.txt$/, '.times'))
  let offset = 0
  const line = `${'x'.repeat(90)}\n`
  const chunk = line.repeat(700)
  for (let i = 0; i < lines / 700; i++) {
    times.write(`${offset} ${1_700_000_000_000 + i}\n`)
    if (!out.write(chunk)) await new Promise<void>((res) => out.once('drain', () => res()))
    offset += chunk.length
  }
  await Promise.all([new Promise((res) => out.end(res)), new Promise((res) => times.end(res))])
}

/**
 * 1. `kfp logs RUN STEP --tail 10` on a 2,000,000-line (~180 MB) log against the same on a 1-line log: target ≤ 1.3×
 *    (the tail is found from the end: its cost does not grow with the log).
 * 2. Max RSS of `kfp logs RUN STEP --since TIME` streaming the whole 180 MB log (to /dev/null) against `kfp --version`:
 *    target ≤ 2× (about 30 MB over a bare start, whatever the log's size; reading the log whole would take more than
 *    the log itself, 180 MB and up).
 */
export async function benchLogs(): Promise<BenchResult[]> {
  if (!existsSync(path.join(root, 'dist', 'commands', 'logs.js'))) throw new Error('bench/logs.ts needs `npm run build` first')
  const small = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-logs-'))
  const big = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-logs-'))
  try {
    await bigRun(small, 700)
    await bigRun(big, 2_000_000)
    const tailSmall: number[] = []
    const tailBig: number[] = []
    for (let i = 0; i < 5; i++) {
      tailSmall.push(measure(['logs', 'latest', 'chatty', '--tail', '10'], small).ms)
      tailBig.push(measure(['logs', 'latest', 'chatty', '--tail', '10'], big).ms)
    }
    const base = median(Array.from({length: 3}, () => measure(['--version'], big).rssKb))
    const streamed = measure(['logs', 'latest', 'chatty', '--since', '2023-11-14T00:00:00Z'], big)
    return [
      {name: 'kfp logs --tail 10: 180 MB log vs 1-line log', ratio: median(tailBig) / median(tailSmall), target: 1.3, detail: `${fmt(median(tailBig))} vs ${fmt(median(tailSmall))}`},
      {name: 'kfp logs --since (whole 180 MB log) max RSS vs kfp --version', ratio: streamed.rssKb / base, target: 2, detail: `${Math.round(streamed.rssKb / 1024)} MB vs ${Math.round(base / 1024)} MB, ${fmt(streamed.ms)}`},
    ]
  } finally {
    await rm(small, {recursive: true, force: true})
    await rm(big, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) for (const r of await benchLogs()) console.log(`${r.ratio <= r.target ? '✔' : '✖'} ${r.name}  ${r.ratio.toFixed(2)}× (≤ ${r.target}×)  ${r.detail}`)
