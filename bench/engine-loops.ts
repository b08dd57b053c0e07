// Engine benches for control flow (issue 9): a ParallelFor over 1,000 and 10,000 items with parallelism 16 on the
// process runner, each iteration `true`, run by the built CLI; and the cost of condition evaluation and sub-DAG
// bookkeeping per task, measured in-process with a runner that starts nothing.
import {spawn, spawnSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import type {RunRecord} from '../src/core/engine/record.js'
import {planTree} from '../src/core/engine/tree.js'
import type {PipelineSpec} from '../src/core/ir/types.js'
import {executeRun} from '../src/services/run/execute.js'
import type {TaskRunner} from '../src/services/run/runners.js'
import {binPath} from '../test/helpers/cli.js'
import {type BenchResult, fmt, median} from './lib.js'

const PARALLELISM = 16

/**
 * An SDK-shaped IR: a loop (`for-loop-1`, raw items 0..n-1, parallelismLimit 16) whose body runs `command`; with
 * `condition`, the step sits in a condition group inside the body (`condition-2`, true for every item).
 */
export function loopIr(n: number, command: string[], condition = false): PipelineSpec {
  const step = {
    cachingOptions: {},
    componentRef: {name: 'comp-step'},
    inputs: {parameters: {i: {componentInputParameter: 'pipelinechannel--loop-item-param-1'}}},
    taskInfo: {name: 'step'},
  }
  const body = condition
    ? {
        'condition-2': {
          componentRef: {name: 'comp-condition-2'},
          inputs: {parameters: {'pipelinechannel--loop-item-param-1': {componentInputParameter: 'pipelinechannel--loop-item-param-1'}}},
          taskInfo: {name: 'condition-2'},
          triggerPolicy: {condition: "int(inputs.parameter_values['pipelinechannel--loop-item-param-1']) >= 0"},
        },
      }
    : {step}
  const itemDef = {parameters: {'pipelinechannel--loop-item-param-1': {parameterType: 'NUMBER_INTEGER'}}}
  return {
    components: {
      'comp-for-loop-1': {dag: {tasks: body}, inputDefinitions: itemDef},
      'comp-condition-2': {dag: {tasks: {step}}, inputDefinitions: itemDef},
      'comp-step': {executorLabel: 'exec-step', inputDefinitions: {parameters: {i: {parameterType: 'NUMBER_INTEGER'}}}},
    },
    deploymentSpec: {executors: {'exec-step': {container: {image: 'kfp-test/busybox:latest', command}}}},
    pipelineInfo: {name: 'bench-loop'},
    root: {
      dag: {
        tasks: {
          'for-loop-1': {
            componentRef: {name: 'comp-for-loop-1'},
            iteratorPolicy: {parallelismLimit: PARALLELISM},
            parameterIterator: {itemInput: 'pipelinechannel--loop-item-param-1', items: {raw: JSON.stringify([...Array(n).keys()])}},
            taskInfo: {name: 'for-loop-1'},
          },
        },
      },
    },
    schemaVersion: '2.1.0',
    sdkVersion: 'kfp-bench',
  } as unknown as PipelineSpec
}

/** Runs the built CLI on the IR under /usr/bin/time; wall ms and kfp's peak RSS (KiB). */
function cliRun(dir: string, file: string): {ms: number; rssKb: number} {
  const t0 = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-f', 'RSS=%M', process.execPath, binPath, 'run', '--local', file, '--runner', 'process', '--no-cache', '--parallelism', String(PARALLELISM)], {
    cwd: dir,
    env: {PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1'},
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`bench loop run exited ${r.status}: ${r.stderr.split('\n').slice(-5).join('\n')}`)
  return {ms, rssKb: Number(/RSS=(\d+)/.exec(r.stderr)?.[1] ?? NaN)}
}

/** Spawns `true` n times, at most 16 at once: the work the loop does without the engine. */
async function directMs(n: number): Promise<number> {
  const t0 = process.hrtime.bigint()
  let next = 0
  const worker = async () => {
    while (next < n) {
      next++
      await new Promise<void>((resolve, reject) => spawn('true', [], {stdio: 'ignore'}).on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`true exited ${c}`)))))
    }
  }
  await Promise.all(Array.from({length: PARALLELISM}, worker))
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/** A runner that starts nothing: what is left is the engine's own work per task. */
const nullRunner: TaskRunner = {kind: 'process', async prepare() {}, async run() {
  return {exitCode: 0, aborted: false}
}}

/** The engine alone (in-process, no processes) on the loop IR; ms. */
export async function engineOnlyMs(dir: string, spec: PipelineSpec): Promise<number> {
  const id = `bench-${Math.random().toString(36).slice(2)}`
  const rec: RunRecord = {
    version: 1, id, name: id, experiment: 'Default', pipelineName: 'bench-loop', status: 'pending', createdAt: new Date().toISOString(), pid: process.pid,
    runner: 'process', source: {kind: 'ir', file: 'bench'}, parameters: {}, explicitParameters: {}, spec: 'pipeline.json', pipelineRoot: dir, tasks: [],
  }
  const t0 = process.hrtime.bigint()
  const {record: out} = await executeRun({
    stateDir: dir, record: rec, tree: planTree(spec), runner: nullRunner, parallelism: PARALLELISM, noCache: true, failFast: false, forceRun: new Set(),
    cwdOf: () => dir, env: {}, signal: new AbortController().signal, onEvent: () => {}, now: () => new Date(),
  })
  if (out.status !== 'succeeded') throw new Error(`engine-only run ${out.status}: ${out.message}`)
  return Number(process.hrtime.bigint() - t0) / 1e6
}

export async function benchEngineLoops(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-loops-'))
  const out: BenchResult[] = []
  try {
    const file = async (n: number) => {
      const f = path.join(dir, `loop-${n}.yaml`)
      await writeFile(f, stringify(loopIr(n, ['true'])))
      return f
    }
    const f1k = await file(1000)
    const f10k = await file(10_000)
    cliRun(dir, f1k) // warm-up
    const oneK: number[] = []
    const direct: number[] = []
    for (let i = 0; i < 3; i++) {
      oneK.push(cliRun(dir, f1k).ms)
      direct.push(await directMs(1000))
    }
    const e1k = median(oneK)
    const d1k = median(direct)
    const perItem = (e1k - d1k) / 1000
    out.push({
      name: 'ParallelFor 1,000 × true, parallelism 16: overhead per iteration',
      ratio: perItem / 10,
      target: 1,
      detail: `${perItem.toFixed(2)}ms per iteration over spawning true directly 16 at a time (target 10ms); kfp ${fmt(e1k)} vs ${fmt(d1k)}`,
    })
    const big = cliRun(dir, f10k)
    out.push({name: 'ParallelFor 10,000 items vs 1,000 (time)', ratio: big.ms / e1k / 12, target: 1, detail: `${fmt(big.ms)} vs ${fmt(e1k)}: ${(big.ms / e1k).toFixed(1)}× (target ≤ 12×)`})
    out.push({name: 'ParallelFor 10,000 items: kfp peak RSS', ratio: big.rssKb / 1024 / 300, target: 1, detail: `${(big.rssKb / 1024).toFixed(0)} MB (target 300 MB)`})

    // Condition evaluation + sub-DAG bookkeeping: the same loop with each step inside a condition group.
    const n = 2000
    const plain = loopIr(n, ['true'])
    const cond = loopIr(n, ['true'], true)
    await engineOnlyMs(dir, plain)
    // Alternating, and the fastest of each: on a shared machine, load only ever adds time.
    const p: number[] = []
    const c: number[] = []
    for (let i = 0; i < 5; i++) {
      p.push(await engineOnlyMs(dir, plain))
      c.push(await engineOnlyMs(dir, cond))
    }
    const extra = (Math.min(...c) - Math.min(...p)) / n
    out.push({
      name: 'condition + sub-DAG bookkeeping per task',
      ratio: Math.max(0, extra) / 1,
      target: 1,
      detail: `${extra.toFixed(3)}ms per task (target 1ms): ${n} iterations, each step in a condition group ${fmt(Math.min(...c))} vs without ${fmt(Math.min(...p))} (fastest of 5), engine only`,
    })
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
  return out
}
