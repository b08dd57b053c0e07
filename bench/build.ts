// Benchmarks of `kfp build` (issue 4). Needs a Docker daemon, the docker CLI and `npm run build`.
// Run alone: node --import tsx bench/build.ts
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {writeBusyboxProjectFiles} from '../test/helpers/build-fixtures.js'
import {type BenchResult, fmt, median} from './lib.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = path.join(root, 'bin', 'run.js')

function run(file: string, args: string[], cwd: string): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(file, args, {cwd, env: {...process.env, NO_COLOR: '1', CI: '1'}, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`)
  return Number(process.hrtime.bigint() - t0) / 1e6
}

function removeImages(label: string): void {
  const ids = spawnSync('docker', ['image', 'ls', '-q', '--filter', `label=${label}`], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean)
  if (ids.length) spawnSync('docker', ['rmi', '-f', ...new Set(ids)], {stdio: 'ignore'})
}

/**
 * 1. A no-change `kfp build --all` of a 10-component pipeline (everything already built): target ≤ 300 ms total.
 * 2. Building one component with `kfp build STEP --no-cache` against `docker build --no-cache` of the same folder with
 *    the docker CLI on the same daemon: target ≤ 1.1×.
 */
export async function benchBuild(): Promise<BenchResult[]> {
  if (!existsSync(path.join(root, 'dist', 'commands', 'build.js'))) throw new Error('bench/build.ts needs `npm run build` first')
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-build-'))
  const pipeline = `bench${Date.now().toString(36)}`
  const components = Array.from({length: 10}, (_, i) => `step${i + 1}`)
  try {
    await writeBusyboxProjectFiles(dir, pipeline, components, '127.0.0.1:5999')
    // Warm-up: build all ten once.
    run(process.execPath, [bin, 'build', '--all', '--parallel', '2'], dir)
    const noChange = median(Array.from({length: 7}, () => run(process.execPath, [bin, 'build', '--all'], dir)))

    const ctx = path.join(dir, 'components', 'step1')
    const kfpTimes: number[] = []
    const dockerTimes: number[] = []
    for (let i = 0; i < 5; i++) {
      dockerTimes.push(run('docker', ['build', '--no-cache', '-q', '--label', `dev.kfp.pipeline=${pipeline}`, '-t', `${pipeline}-cli:bench`, ctx], dir))
      kfpTimes.push(run(process.execPath, [bin, 'build', 'step1', '--no-cache'], dir))
    }
    const kfp = median(kfpTimes)
    const docker = median(dockerTimes)
    return [
      {name: 'kfp build --all, no change, 10 components (target 300 ms)', ratio: noChange / 300, target: 1, detail: `${fmt(noChange)} vs 300ms`},
      {name: 'kfp build STEP --no-cache vs docker build --no-cache', ratio: kfp / docker, target: 1.1, detail: `${fmt(kfp)} vs ${fmt(docker)}`},
    ]
  } finally {
    removeImages(`dev.kfp.pipeline=${pipeline}`)
    await rm(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const r of await benchBuild()) {
    console.log(`${r.ratio <= r.target ? '✔' : '✖'} ${r.name}: ${r.ratio.toFixed(2)} (target ≤ ${r.target}) ${r.detail}`)
  }
}
