import {spawnSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {createExec} from '../src/clients/exec.js'
import type {Ctx} from '../src/ctx.js'
import {runLocal} from '../src/services/run/local.js'
import {createProcessRunner} from '../src/services/run/runners.js'
import type {RunOptions} from '../src/services/run/types.js'
import {createPrompter} from '../src/ui/prompts.js'
import {dockerAvailable} from '../test/helpers/docker.js'
import {type BenchResult, fmt, median} from './lib.js'

const IMAGE = 'kfp-test/busybox:latest'

/** An IR with `n` container tasks running `command`; chained (each depends on the previous) or all independent. */
function ir(n: number, command: string[], shape: 'chain' | 'parallel'): string {
  const tasks: Record<string, unknown> = {}
  for (let i = 1; i <= n; i++) {
    tasks[`t${i}`] = {
      cachingOptions: {},
      componentRef: {name: 'comp-t'},
      taskInfo: {name: `t${i}`},
      ...(shape === 'chain' && i > 1 ? {dependentTasks: [`t${i - 1}`]} : {}),
    }
  }
  return stringify({
    components: {'comp-t': {executorLabel: 'exec-t'}},
    deploymentSpec: {executors: {'exec-t': {container: {image: IMAGE, command}}}},
    pipelineInfo: {name: 'bench'},
    root: {dag: {tasks}},
    schemaVersion: '2.1.0',
    sdkVersion: 'kfp-bench',
  })
}

function ctxFor(cwd: string): Ctx {
  return {cwd, env: process.env, exec: createExec(process.env), prompter: createPrompter(false), now: () => new Date(), signal: new AbortController().signal, clients: {}}
}

function options(cwd: string, file: string, runner: RunOptions['runner'], parallelism?: number): RunOptions {
  return {cwd, localFile: file, params: [], setOutputs: [], runner, noCache: true, failFast: false, parallelism}
}

async function runIr(dir: string, yaml: string, runner: RunOptions['runner'], parallelism?: number): Promise<number> {
  const file = path.join(dir, `p-${Math.random().toString(36).slice(2)}.yaml`)
  await writeFile(file, yaml)
  const t0 = process.hrtime.bigint()
  const r = await runLocal(options(dir, file, runner, parallelism), ctxFor(dir))
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.run.status !== 'succeeded') throw new Error(`bench run ${r.run.status}`)
  return ms
}

/**
 * `times` steps run one after the other straight through the process runner (what the engine uses for each task:
 * temp folder, program lookup, own process group, piped output), without the engine around it.
 */
async function runnerMs(command: string[], times: number): Promise<number> {
  const runner = createProcessRunner(process.env)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < times; i++) {
    const r = await runner.run(
      {runId: 'bench', task: `t${i}`, image: IMAGE, command, args: [], env: {}, mounts: []},
      {signal: new AbortController().signal, onData: () => {}},
    )
    if (r.exitCode !== 0) throw new Error(`${command.join(' ')} exited ${r.exitCode}`)
  }
  return Number(process.hrtime.bigint() - t0) / 1e6
}

function spawnMs(file: string, args: string[], times: number): number {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < times; i++) {
    const r = spawnSync(file, args, {stdio: 'ignore'})
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`)
  }
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/**
 * The local engine's overhead: per task against spawning the same command directly with the process runner (target
 * ≤ 10 ms per task; the engine's whole run, from reading the pipeline file to the final record, spread over its
 * tasks); a task under the Docker runner against `docker run --rm` of the same image (target ≤ 1.2×); and a
 * two-branch pipeline of `sleep 1` steps (target: wall time ≤ 1.3 s, i.e. the branches run in parallel).
 */
export async function benchEngine(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-engine-'))
  const out: BenchResult[] = []
  try {
    const n = 30
    const command = ['sh', '-c', 'true']
    const chain = ir(n, command, 'chain')
    await runIr(dir, chain, 'process')
    await runnerMs(command, n)
    // Engine and baselines alternate, so that load from other processes on a shared machine hits all alike.
    const engineMs: number[] = []
    const spawnedMs: number[] = []
    const runnerOnlyMs: number[] = []
    for (let i = 0; i < 5; i++) {
      engineMs.push(await runIr(dir, chain, 'process'))
      spawnedMs.push(spawnMs('sh', ['-c', 'true'], n))
      runnerOnlyMs.push(await runnerMs(command, n))
    }
    const engine = median(engineMs)
    const spawned = median(spawnedMs)
    const runnerOnly = median(runnerOnlyMs)
    // The target's measure: the whole engine (reading the pipeline, planning, records, logs, the process runner) per
    // task, over spawning the same command directly. The process runner alone is shown for the breakdown.
    const perTask = (engine - spawned) / n
    out.push({
      name: 'engine overhead per task (process runner)',
      ratio: perTask / 10,
      target: 1,
      detail: `${perTask.toFixed(2)}ms per task over spawning the command directly (target 10ms); ${n} chained tasks ${fmt(engine)} vs ${fmt(spawned)}; the process runner alone ${fmt(runnerOnly)}`,
    })

    const branches = ir(2, ['sh', '-c', 'sleep 1'], 'parallel')
    const wall = await runIr(dir, branches, 'process', 2)
    out.push({name: 'two branches of sleep 1 (wall time)', ratio: wall / 1300, target: 1, detail: `${fmt(wall)} (target 1.3s)`})

    if (dockerAvailable()) {
      const {ensureBusyboxImage} = await import('../test/helpers/busybox-images.js')
      await ensureBusyboxImage({tag: IMAGE})
      const one = ir(1, ['sh', '-c', 'true'], 'chain')
      await runIr(dir, one, 'docker')
      const eng = median([await runIr(dir, one, 'docker'), await runIr(dir, one, 'docker'), await runIr(dir, one, 'docker')])
      const cli = median([spawnMs('docker', ['run', '--rm', IMAGE, 'sh', '-c', 'true'], 1), spawnMs('docker', ['run', '--rm', IMAGE, 'sh', '-c', 'true'], 1), spawnMs('docker', ['run', '--rm', IMAGE, 'sh', '-c', 'true'], 1)])
      out.push({name: 'docker runner task vs docker run --rm', ratio: eng / cli, target: 1.2, detail: `${fmt(eng)} vs ${fmt(cli)}`})
    } else {
      out.push({name: 'docker runner task vs docker run --rm', ratio: Number.NaN, target: 1.2, detail: 'SKIPPED: no Docker daemon'})
    }
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
  return out
}
