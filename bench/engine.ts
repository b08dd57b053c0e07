import {spawnSync} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {stringify} from 'yaml'
import {createExec} from '../src/clients/exec.js'
import type {Ctx} from '../src/ctx.js'
import {runLocal} from '../src/services/run/local.js'
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

function spawnMs(file: string, args: string[], times: number): number {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < times; i++) {
    const r = spawnSync(file, args, {stdio: 'ignore'})
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`)
  }
  return Number(process.hrtime.bigint() - t0) / 1e6
}

/**
 * The local engine's overhead: per task against spawning the same command directly (process runner, target ≤ 10 ms
 * per task); a task under the Docker runner against `docker run --rm` of the same image (target ≤ 1.2×); and a
 * two-branch pipeline of `sleep 1` steps (target: wall time ≤ 1.3 s, i.e. the branches run in parallel).
 */
export async function benchEngine(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kfp-bench-engine-'))
  const out: BenchResult[] = []
  try {
    const n = 30
    const chain = ir(n, ['sh', '-c', 'true'], 'chain')
    await runIr(dir, chain, 'process')
    const engine = median([await runIr(dir, chain, 'process'), await runIr(dir, chain, 'process'), await runIr(dir, chain, 'process')])
    const direct = median([spawnMs('sh', ['-c', 'true'], n), spawnMs('sh', ['-c', 'true'], n), spawnMs('sh', ['-c', 'true'], n)])
    const perTask = (engine - direct) / n
    out.push({name: 'engine overhead per task (process runner)', ratio: perTask / 10, target: 1, detail: `${perTask.toFixed(2)}ms per task over a direct spawn (target 10ms); ${n} tasks ${fmt(engine)} vs ${fmt(direct)}`})

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
