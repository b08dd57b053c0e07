import {spawn} from 'node:child_process'
import {closeSync, openSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {pauser} from '../lib/backpressure.js'
import type {Env} from '../lib/env.js'
import {CliError, EXIT} from '../lib/errors.js'
import {whichIn} from './exec.js'

/** Options of one step process. */
export interface SpawnStepOptions {
  cwd: string
  env: Env
  /** Output as it arrives. */
  /** Each chunk of output; a returned promise pauses that stream until it settles (backpressure). */
  onData?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void | Promise<void>
  /** Aborting kills the whole process group (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal
  killGraceMs?: number
  /** Called once the process exists, with its pid (= its process group id). */
  onSpawn?: (pid: number) => void
  /** Resolves the program (default: resolveProgram); a runner passes a memoised one. */
  resolve?: (file: string, cwd: string, env: Env) => Promise<string>
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
 * A resolveProgram that remembers what it found (one per run: the same name, folder and PATH find the same
 * program, and looking it up costs a stat per PATH entry). Failures are not remembered.
 */
export function createProgramResolver(): (file: string, cwd: string, env: Env) => Promise<string> {
  const found = new Map<string, string>()
  return async (file, cwd, env) => {
    const key = `${file}\0${file.includes('/') ? cwd : ''}\0${env.PATH ?? ''}`
    const hit = found.get(key)
    if (hit) return hit
    const program = await resolveProgram(file, cwd, env)
    found.set(key, program)
    return program
  }
}

/**
 * Runs a program with an argument array (never a shell string) in its own process group, so that stopping
 * it also stops everything it started. Never rejects for a non-zero exit.
 */
export async function spawnStep(file: string, args: string[], opts: SpawnStepOptions): Promise<StepExit> {
  const program = await (opts.resolve ?? resolveProgram)(file, opts.cwd, opts.env)
  return new Promise<StepExit>((resolve, reject) => {
    let child: ReturnType<typeof spawn>
    try {
      child = spawn(program, args, {
        cwd: opts.cwd,
        env: opts.env as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    } catch (err) {
      // Node refuses arguments with NUL bytes before the process exists.
      return reject(startError(file, args, err as NodeJS.ErrnoException))
    }
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
    if (child.pid) opts.onSpawn?.(child.pid)
    if (opts.signal?.aborted) onAbort()
    else opts.signal?.addEventListener('abort', onAbort, {once: true})
    // A chunk whose consumer is full (kfp's stderr, the log file) pauses that pipe until it has room: the step
    // then blocks on its own write, and kfp's memory stays bounded (lib/backpressure.ts).
    const holdOut = pauser(child.stdout!)
    const holdErr = pauser(child.stderr!)
    child.stdout!.on('data', (c: Buffer) => holdOut(opts.onData?.(c, 'stdout')))
    child.stderr!.on('data', (c: Buffer) => holdErr(opts.onData?.(c, 'stderr')))
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort)
      reject(startError(file, args, err))
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

/** Why a step program could not start, in words (the OS's argument limits, a NUL byte), never a raw Node error. */
function startError(file: string, args: string[], err: NodeJS.ErrnoException): CliError {
  let why = err.message
  if (err.code === 'E2BIG') {
    const bytes = args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0)
    why = `its arguments (${Math.round(bytes / 1024)} KiB) are more than the operating system passes to a program (E2BIG); pass large values as files (artifacts)`
  } else if (err.code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(err.message)) {
    why = 'an argument contains a NUL byte, which no program argument can hold'
  }
  return new CliError('EXTERNAL_COMMAND_FAILED', `Could not start ${file}: ${why}`, {exit: EXIT.EXTERNAL, cause: err})
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

/**
 * The environment variable every process-runner step carries, `<run-id>/<task>`: the process runner's counterpart of
 * the Docker label on step containers, so `kfp runs cancel` finds a step whose pid never reached run.json.
 */
export const STEP_MARKER = 'KFP_LOCAL_STEP'

/**
 * Processes of this user whose environment holds `STEP_MARKER=<prefix>…` (Linux: /proc/PID/environ), with their
 * process group. Empty where /proc is not available.
 */
export function findMarkedProcesses(prefix: string): Array<{pid: number; pgid: number; marker: string}> {
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n))
  } catch {
    return []
  }
  const needle = `${STEP_MARKER}=${prefix}`
  const found: Array<{pid: number; pgid: number; marker: string}> = []
  for (const p of pids) {
    let env: string
    try {
      env = readFileSync(`/proc/${p}/environ`, 'latin1')
    } catch {
      continue
    }
    const entry = env.split('\0').find((e) => e.startsWith(needle))
    if (!entry) continue
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
      found.push({pid: Number(p), pgid, marker: entry.slice(STEP_MARKER.length + 1)})
    } catch {}
  }
  return found
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

/**
 * The kernel's start time of a process (Linux: field 22 of /proc/PID/stat, in clock ticks since boot), which
 * together with the pid identifies one process across pid reuse. Undefined where /proc is not available.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19]
  } catch {
    return undefined
  }
}

/** True when any process of this process group is still there. */
export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (err) {
    return (err as {code?: string}).code === 'EPERM'
  }
}

/**
 * Stops a process group left behind by a killed kfp: SIGTERM, then SIGKILL when it is still there after
 * `graceMs`. `processStart` (from processStartTime when it was started) guards against a reused pid: when its
 * leader is a different process now, nothing is signalled. Returns false when there was nothing (of ours) to stop.
 */
export async function stopProcessGroup(pgid: number, o: {processStart?: string; graceMs?: number} = {}): Promise<boolean> {
  if (!processGroupAlive(pgid)) return false
  if (o.processStart) {
    const now = processStartTime(pgid)
    // A live leader with another start time is someone else's process. (A gone leader with a live group is
    // still our group: the kernel does not hand out a pid that is in use as a process group id.)
    if (now !== undefined && now !== o.processStart) return false
  }
  try {
    process.kill(-pgid, 'SIGTERM')
  } catch {
    return false
  }
  const deadline = Date.now() + (o.graceMs ?? 3000)
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
    if (!processGroupAlive(pgid)) return true
  }
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch {
    // gone meanwhile
  }
  return true
}
