import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import path from 'node:path'
import type {Env} from '../lib/env.js'
import {CliError, EXIT} from '../lib/errors.js'
import {whichIn} from './exec.js'

/** Options of one step process. */
export interface SpawnStepOptions {
  cwd: string
  env: Env
  /** Output as it arrives. */
  onData?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void
  /** Aborting kills the whole process group (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal
  killGraceMs?: number
}

/** How a step process ended. */
export interface StepExit {
  exitCode: number
  /** The signal that ended it, if any. */
  signal?: string
  /** True when it was stopped because `signal` aborted. */
  aborted: boolean
}

/**
 * Resolves a step's program: bare names on PATH, relative paths (`./run.sh`, `bin/x`) against the step's cwd,
 * absolute paths as they are. Throws TOOL_NOT_FOUND when there is no such executable.
 */
export async function resolveProgram(file: string, cwd: string, env: Env): Promise<string> {
  const found = file.includes('/') ? await whichIn(path.resolve(cwd, file), env) : await whichIn(file, env)
  if (!found)
    throw new CliError('TOOL_NOT_FOUND', `${file} is not installed or not on PATH (needed by the step's command).`, {
      exit: EXIT.EXTERNAL,
      hints: [`Install ${file}, or run the step in its container with --runner docker.`],
    })
  return found
}

/**
 * Runs a program with an argument array (never a shell string) in its own process group, so that stopping
 * it also stops everything it started. Never rejects for a non-zero exit.
 */
export async function spawnStep(file: string, args: string[], opts: SpawnStepOptions): Promise<StepExit> {
  const program = await resolveProgram(file, opts.cwd, opts.env)
  return new Promise<StepExit>((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: opts.cwd,
      env: opts.env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let aborted = false
    let killTimer: NodeJS.Timeout | undefined
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig)
      } catch {
        // already gone
      }
    }
    const onAbort = () => {
      aborted = true
      killGroup('SIGTERM')
      killTimer = setTimeout(() => killGroup('SIGKILL'), opts.killGraceMs ?? 3000)
    }
    if (opts.signal?.aborted) onAbort()
    else opts.signal?.addEventListener('abort', onAbort, {once: true})
    child.stdout.on('data', (c: Buffer) => opts.onData?.(c, 'stdout'))
    child.stderr.on('data', (c: Buffer) => opts.onData?.(c, 'stderr'))
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort)
      reject(new CliError('EXTERNAL_COMMAND_FAILED', `Could not start ${file}: ${err.message}`, {exit: EXIT.EXTERNAL, cause: err}))
    })
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort)
      if (killTimer) clearTimeout(killTimer)
      // Make sure nothing of the group outlives the step (e.g. background children of a shell).
      if (aborted) killGroup('SIGKILL')
      resolve({exitCode: code ?? (sig ? 128 + (signalNumber(sig) ?? 1) : 1), signal: sig ?? undefined, aborted})
    })
  })
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return ({SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15} as Record<string, number>)[sig]
}

/**
 * Starts a program detached from this process (own session, no stdio tie), with its stdout/stderr appended to
 * `logFile`. Returns the child's pid; the caller does not wait for it.
 */
export function spawnDetached(file: string, args: string[], opts: {cwd: string; env: Env; logFile: string}): number {
  const fd = openSync(opts.logFile, 'a')
  try {
    const child = spawn(file, args, {cwd: opts.cwd, env: opts.env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', fd, fd]})
    child.unref()
    if (!child.pid) throw new CliError('EXTERNAL_COMMAND_FAILED', `Could not start ${file} in the background.`, {exit: EXIT.EXTERNAL})
    return child.pid
  } finally {
    closeSync(fd)
  }
}

/** True when a process with this pid exists (signal 0). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as {code?: string}).code === 'EPERM'
  }
}

/** Sends a signal to a process; false when it does not exist. */
export function signalProcess(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig)
    return true
  } catch {
    return false
  }
}
