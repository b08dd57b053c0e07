// npm run bench: every speed target of kfp, as ratios against baselines measured in the same run (never in tests).
// A ratio ≤ its target passes. Exits 0 either way (a benchmark informs; the tests decide), unless a bench crashes.
import {benchBuild} from './build.js'
import {benchCompile} from './compile.js'
import {benchEngine} from './engine.js'
import {benchEngineLoops} from './engine-loops.js'
import {benchLogs} from './logs.js'
import {benchRobust, robustParts} from './robust.js'
import type {BenchResult} from './lib.js'
import {benchStartup} from './startup.js'

const suites: Array<[string, () => Promise<BenchResult[]>]> = [
  ['startup', benchStartup],
  ['compile', benchCompile],
  ['engine', benchEngine],
  ['engine-loops', benchEngineLoops],
  ['build', benchBuild],
  ['logs', benchLogs],
  ['robust', () => benchRobust()],
]
// Parts of `robust` run alone by name (`node --import tsx bench/run.ts robust-log`), never twice.
const parts: Array<[string, () => Promise<BenchResult[]>]> = Object.keys(robustParts).map((p) => [p, () => benchRobust([p])])
const only = process.argv.slice(2)
let crashed = 0
const rows: BenchResult[] = []
for (const [name, fn] of [...suites, ...parts]) {
  if (only.length ? !only.includes(name) : parts.some(([p]) => p === name)) continue
  process.stderr.write(`bench: ${name}…\n`)
  try {
    rows.push(...(await fn()))
  } catch (error) {
    crashed++
    process.stdout.write(`✖ ${name}: ${(error as Error).message}\n`)
  }
}
const width = Math.max(...rows.map((r) => r.name.length))
for (const r of rows) {
  const mark = Number.isNaN(r.ratio) ? '–' : r.ratio <= r.target ? '✔' : '✖'
  const ratio = Number.isNaN(r.ratio) ? '  n/a' : `${r.ratio.toFixed(2)}×`
  process.stdout.write(`${mark} ${r.name.padEnd(width)}  ${ratio.padStart(7)}  (target ≤ ${r.target}×)  ${r.detail}\n`)
}
process.exit(crashed ? 1 : 0)
