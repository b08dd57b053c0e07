import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {type BenchResult, fmt, timeCommand} from './lib.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** `kfp --version` and `kfp --help` against `node -e 0` (target ≤ 2.0×). Needs `npm run build` first. */
export async function benchStartup(): Promise<BenchResult[]> {
  const bin = path.join(root, 'bin', 'run.js')
  const base = timeCommand(process.execPath, ['-e', '0'])
  const version = timeCommand(process.execPath, [bin, '--version'])
  const help = timeCommand(process.execPath, [bin, '--help'])
  return [
    {name: 'kfp --version vs node -e 0', ratio: version / base, target: 2.0, detail: `${fmt(version)} vs ${fmt(base)}`},
    {name: 'kfp --help vs node -e 0', ratio: help / base, target: 2.0, detail: `${fmt(help)} vs ${fmt(base)}`},
  ]
}
