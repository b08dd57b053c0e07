// Issue 11's speed and memory targets, as ratios measured in one run (never in tests). Needs `npm run build` and GNU
// time (/usr/bin/time). Run alone: node --import tsx bench/robust.ts, or one part: node --import tsx bench/run.ts robust-log
// Times are medians of interleaved rounds (see interleaved()).
//  1. A step printing 200 MB: `kfp run` (log lines streamed) against `kfp run --no-watch`: ≤ 1.5×; kfp's peak RSS
//     while streaming against 150 MB: ≤ 1×.
//     The same with a slow reader of kfp's stderr: peak RSS against 150 MB: ≤ 1× (backpressure, not buffering).
//  2. `kfp logs` on that 200 MB log: peak RSS against 100 MB: ≤ 1×.
//  3. A step printing 80 MB of `\r` progress redraws without a newline: time against 2 s: ≤ 1×; against 8 MB: ≤ 12×
//     (linear: 10×).
//  4. `kfp validate` with 20,000 params: time against 1 s: ≤ 1×, its CPU time (user+sys) too; against 2,000 params:
//     ≤ 12× (linear: 10×).
//  5. `kfp compile` of 20,000 steps against 2,000 steps: ≤ 12×; its peak RSS against 800 MB: ≤ 1×.
import {spawnSync} from 'node:child_process'
import {readFileSync, rmSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {writeMiniProject} from '../test/helpers/mini-project.js'
import {type BenchResult, fmt, median} from './lib.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.js')

/**
 * Wall time, kfp's CPU time (user + sys) and peak RSS (GNU time) of one kfp command. kfp's stderr (the streamed log
 * lines) is a pipe read by a shell command, as a terminal or `2>&1 | …` reads it: by default `tail -c`, which reads
 * and drops (its last bytes are kept for an error message); with `reader`, that command (a slow reader). Not this
 * process: spawnSync would gather all 200 MB and join them after kfp exits, ≈ 0.35 s of the bench's own work
 * counted as kfp's time.
 */
function measure(args: string[], cwd: string, o: {reader?: string} = {}): Measured {
  const rssFile = path.join(os.tmpdir(), `kfp-bench-rss-${process.pid}`)
  const kfp = ['/usr/bin/time', '-o', rssFile, '-f', '%M %U %S', process.execPath, bin, ...args]
  const reader = o.reader ?? 'tail -c 4096 >&2'
  // kfp's argv goes to bash as its positional parameters ("$@"), never quoted into the script: paths may hold a quote.
  const argv = ['-c', `set -o pipefail; "$@" 2>&1 >/dev/null | ${reader}`, 'bash', ...kfp]
  const t0 = process.hrtime.bigint()
  const r = spawnSync('bash', argv, {cwd, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'pipe']})
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`kfp ${args.join(' ')} exited ${r.status}: ${r.stderr.subarray(-300).toString()}`)
  const [rssKb, user, sys] = readFileSync(rssFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  rmSync(rssFile, {force: true})
  return {ms, rssMb: rssKb / 1024, cpuMs: (user + sys) * 1000}
}

/** CPU time: what a loaded machine does not inflate as it does wall time (2 cores shared by many processes). */
type Measured = {ms: number; rssMb: number; cpuMs: number}

/**
 * `a` and `b` measured alternately `rounds` times: the median time and the highest peak RSS of each. A machine
 * shared with other work slows both alike, so their ratio holds better than that of one run each.
 */
function interleaved(rounds: number, a: () => Measured, b: () => Measured): [Measured, Measured] {
  const as: Measured[] = []
  const bs: Measured[] = []
  for (let i = 0; i < rounds; i++) {
    as.push(a())
    bs.push(b())
  }
  const summary = (xs: Measured[]) => ({ms: median(xs.map((x) => x.ms)), rssMb: Math.max(...xs.map((x) => x.rssMb)), cpuMs: median(xs.map((x) => x.cpuMs))})
  return [summary(as), summary(bs)]
}

const printer = () => `name: big\nsteps:\n  - name: big\n    cache: false\n`
const mb = (n: number) => n * 1_000_000

function project(dir: string, script: string): string {
  writeMiniProject(dir, printer(), {big: {script}})
  return dir
}

function paramsProject(dir: string, n: number): void {
  const params = Array.from({length: n}, (_, i) => `  p${i}: {type: integer, default: ${i}}`).join('\n')
  writeMiniProject(dir, `name: params\nparams:\n${params}\nsteps:\n  - name: s\n    inputs: {x: "\${{ params.p${n - 1} }}"}\n`, {s: {inputs: ['x'], script: 'true'}})
}

function stepsProject(dir: string, n: number): void {
  const steps = Array.from({length: n}, (_, i) => `  - name: s${i}\n    component: c${i > 0 ? `\n    inputs: {x: "\${{ steps.s${i - 1}.outputs.out }}"}` : '\n    inputs: {x: first}'}`).join('\n')
  writeMiniProject(dir, `name: steps\nsteps:\n${steps}\n`, {c: {inputs: ['x'], outputs: ['out'], script: 'echo "$1" > "$2"'}})
}

type Part = (tmp: string) => BenchResult[]

/** 1 + 2: 200 MB of 100-byte lines. */
const bigLog: Part = (tmp) => {
  const big = project(path.join(tmp, 'big'), `yes ${'x'.repeat(99)} | head -c ${mb(200)}`)
  const [watched, quiet] = interleaved(5, () => measure(['run', '--runner', 'process'], big), () => measure(['run', '--runner', 'process', '--no-watch'], big))
  // A reader that starts a second late and then reads 50 MB/s at most: the step waits for it (backpressure).
  const slow = measure(['run', '--runner', 'process'], big, {reader: `(sleep 1; while [ "$(head -c 5000000 | wc -c)" -gt 0 ]; do sleep 0.1; done)`})
  const logs = measure(['logs', 'latest', 'big'], big)
  return [
    {name: 'run 200 MB log: watch vs --no-watch', ratio: watched.ms / quiet.ms, target: 1.5, detail: `${fmt(watched.ms)} vs ${fmt(quiet.ms)}`},
    {name: 'run 200 MB log: peak RSS vs 150 MB', ratio: watched.rssMb / 150, target: 1, detail: `${watched.rssMb.toFixed(0)} MB (--no-watch ${quiet.rssMb.toFixed(0)} MB)`},
    {name: 'run 200 MB log, slow reader: peak RSS vs 150 MB', ratio: slow.rssMb / 150, target: 1, detail: `${slow.rssMb.toFixed(0)} MB in ${fmt(slow.ms)}`},
    {name: 'logs 200 MB: peak RSS vs 100 MB', ratio: logs.rssMb / 100, target: 1, detail: `${logs.rssMb.toFixed(0)} MB in ${fmt(logs.ms)}`},
  ]
}

/** 3: \r progress bars without a newline. */
const redraws: Part = (tmp) => {
  const redraw = (n: number) => project(path.join(tmp, `cr${n}`), `yes 'progress 42%' | tr '\\n' '\\r' | head -c ${mb(n)}`)
  const [d80, d8] = [redraw(80), redraw(8)]
  const [cr80, cr8] = interleaved(3, () => measure(['run', '--runner', 'process'], d80), () => measure(['run', '--runner', 'process'], d8))
  return [
    {name: 'run 80 MB of \\r redraws vs 2 s', ratio: cr80.ms / 2000, target: 1, detail: `${fmt(cr80.ms)}, ${cr80.rssMb.toFixed(0)} MB`},
    {name: 'run \\r redraws: 80 MB vs 8 MB', ratio: cr80.ms / cr8.ms, target: 12, detail: `${fmt(cr80.ms)} vs ${fmt(cr8.ms)}`},
  ]
}

/** 4: validate with many params. */
const manyParams: Part = (tmp) => {
  paramsProject(path.join(tmp, 'p20k'), 20_000)
  paramsProject(path.join(tmp, 'p2k'), 2_000)
  const [v20, v2] = interleaved(3, () => measure(['validate'], path.join(tmp, 'p20k')), () => measure(['validate'], path.join(tmp, 'p2k')))
  return [
    {name: 'validate 20,000 params vs 1 s', ratio: v20.ms / 1000, target: 1, detail: `${fmt(v20.ms)}, ${v20.rssMb.toFixed(0)} MB`},
    {name: 'validate 20,000 params: CPU vs 1 s', ratio: v20.cpuMs / 1000, target: 1, detail: `${fmt(v20.cpuMs)} user+sys`},
    {name: 'validate 20,000 vs 2,000 params', ratio: v20.ms / v2.ms, target: 12, detail: `${fmt(v20.ms)} vs ${fmt(v2.ms)}`},
  ]
}

/** 5: compile many steps. */
const manySteps: Part = (tmp) => {
  stepsProject(path.join(tmp, 's20k'), 20_000)
  stepsProject(path.join(tmp, 's2k'), 2_000)
  const c20 = measure(['compile', '-o', 'p.yaml'], path.join(tmp, 's20k'))
  const c2 = measure(['compile', '-o', 'p.yaml'], path.join(tmp, 's2k'))
  return [
    {name: 'compile 20,000 vs 2,000 steps', ratio: c20.ms / c2.ms, target: 12, detail: `${fmt(c20.ms)} vs ${fmt(c2.ms)}`},
    {name: 'compile 20,000 steps: peak RSS vs 800 MB', ratio: c20.rssMb / 800, target: 1, detail: `${c20.rssMb.toFixed(0)} MB`},
  ]
}

/** The parts by name (`node --import tsx bench/run.ts robust-log` runs one). */
export const robustParts: Record<string, Part> = {'robust-log': bigLog, 'robust-cr': redraws, 'robust-validate': manyParams, 'robust-compile': manySteps}

/** The named parts (all of them by default), each in a fresh temp folder. */
export async function benchRobust(parts: string[] = Object.keys(robustParts)): Promise<BenchResult[]> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-robust-'))
  try {
    return parts.flatMap((p) => robustParts[p](tmp))
  } finally {
    await rm(tmp, {recursive: true, force: true})
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchRobust()) process.stdout.write(`${r.ratio <= r.target ? '✔' : '✖'} ${r.name}  ${r.ratio.toFixed(2)}× (target ≤ ${r.target}×)  ${r.detail}\n`)
}
