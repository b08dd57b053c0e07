import {spawnSync} from 'node:child_process'

/** One benchmark line: measured ratio against its target (lower is better; ratio ≤ target passes). */
export interface BenchResult {
  name: string
  ratio: number
  target: number
  detail: string
}

/** Median wall time in ms of running a command `n` times (after one warm-up). */
export function timeCommand(file: string, args: string[], n = 15, opts: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): number {
  const once = () => {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(file, args, {cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'ignore'})
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`)
    return Number(process.hrtime.bigint() - t0) / 1e6
  }
  once()
  return median(Array.from({length: n}, once))
}

/** Median wall time in ms of an async function run `n` times (after one warm-up). */
export async function timeAsync(fn: () => Promise<unknown> | unknown, n = 5): Promise<number> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(times)
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(1)}ms`
}
