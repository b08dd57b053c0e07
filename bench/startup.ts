import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {type BenchResult, fmt, median} from './lib.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function once(args: string[]): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, {stdio: 'ignore'})
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`)
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/**
 * `kfp --version` and `kfp --help` against `node -e 0` (target ≤ 2.0×). Needs `npm run build` first.
 * The three commands run in interleaved rounds and each round gives its own ratios, so that load from other processes
 * on a shared machine hits the baseline and kfp alike; the medians are reported.
 */
export async function benchStartup(rounds = 21): Promise<BenchResult[]> {
  const bin = path.join(root, 'bin', 'run.js')
  const cmds = {base: ['-e', '0'], version: [bin, '--version'], help: [bin, '--help']}
  for (const args of Object.values(cmds)) once(args)
  const t = {base: [] as number[], version: [] as number[], help: [] as number[]}
  const ratios = {version: [] as number[], help: [] as number[]}
  for (let i = 0; i < rounds; i++) {
    const base = once(cmds.base)
    const version = once(cmds.version)
    const help = once(cmds.help)
    t.base.push(base)
    t.version.push(version)
    t.help.push(help)
    ratios.version.push(version / base)
    ratios.help.push(help / base)
  }
  const [b, v, h] = [median(t.base), median(t.version), median(t.help)]
  return [
    {name: 'kfp --version vs node -e 0', ratio: median(ratios.version), target: 2.0, detail: `${fmt(v)} vs ${fmt(b)} (medians of ${rounds} interleaved rounds)`},
    {name: 'kfp --help vs node -e 0', ratio: median(ratios.help), target: 2.0, detail: `${fmt(h)} vs ${fmt(b)} (medians of ${rounds} interleaved rounds)`},
  ]
}
