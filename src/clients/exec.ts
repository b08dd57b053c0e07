import path from 'node:path'
import {CliError, EXIT} from '../lib/errors.js'
import type {Env} from '../lib/env.js'
import {textLines} from '../lib/text-lines.js'

/** Result of running a program without rejecting on a non-zero exit. */
export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
}

export interface ExecOptions {
  cwd?: string
  env?: Env
  input?: string
  signal?: AbortSignal
  /** Called with each line of stdout/stderr while the program runs. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  timeoutMs?: number
}

/** Runs external programs (gcloud, kubectl, docker-credential-*) with argument arrays, never shell strings. */
export interface Exec {
  /** Runs and returns output and exit code; never throws for a non-zero exit. Throws TOOL_NOT_FOUND when missing. */
  run(file: string, args: string[], opts?: ExecOptions): Promise<ExecResult>
  /** Returns the absolute path of a program on PATH, or undefined. */
  which(file: string, env?: Env): Promise<string | undefined>
}

/** The real Exec, on execa. */
export function createExec(baseEnv: Env): Exec {
  return {
    async run(file, args, opts = {}) {
      const {execa} = await import('execa')
      const env = opts.env ?? baseEnv
      const resolved = await whichIn(file, env)
      if (!resolved) {
        throw new CliError('TOOL_NOT_FOUND', `${file} is not installed or not on PATH.`, {
          exit: EXIT.EXTERNAL,
          hints: [`Install ${file} and make sure it is on your PATH.`],
        })
      }
      const child = execa(resolved, args, {
        cwd: opts.cwd,
        env,
        extendEnv: false,
        input: opts.input,
        cancelSignal: opts.signal,
        reject: false,
        timeout: opts.timeoutMs,
        stripFinalNewline: true,
        lines: false,
      })
      // Output arrives in pieces cut anywhere, also inside a UTF-8 character (textLines decodes them as a stream); a
      // last line without a line end is handed over once the program has ended.
      const lines = (stream: 'stdout' | 'stderr') => textLines((line) => opts.onLine!(line, stream))
      const out = opts.onLine ? {stdout: lines('stdout'), stderr: lines('stderr')} : undefined
      if (out) {
        child.stdout?.on('data', (chunk: Buffer) => out.stdout.push(chunk))
        child.stderr?.on('data', (chunk: Buffer) => out.stderr.push(chunk))
      }
      const r = await child
      out?.stdout.flush()
      out?.stderr.flush()
      return {stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? (r.isCanceled ? 130 : 1)}
    },
    which: (file, env) => whichIn(file, env ?? baseEnv),
  }
}

/** Finds a program on PATH; refuses names relative to the cwd. */
export async function whichIn(file: string, env: Env): Promise<string | undefined> {
  const fs = await import('node:fs/promises')
  if (file.includes('/')) {
    if (!path.isAbsolute(file)) return undefined
    return (await isExecutable(fs, file)) ? file : undefined
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue
    const candidate = path.join(dir, file)
    if (await isExecutable(fs, candidate)) return candidate
  }
  return undefined
}

async function isExecutable(fs: typeof import('node:fs/promises'), p: string): Promise<boolean> {
  try {
    const st = await fs.stat(p)
    if (!st.isFile()) return false
    await fs.access(p, 1)
    return true
  } catch {
    return false
  }
}

/** Throws EXTERNAL_COMMAND_FAILED with the command and the tail of stderr (never secrets: callers pass secrets on stdin). */
export function failedCommand(file: string, args: string[], r: ExecResult, hints: string[] = []): CliError {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-15).join('\n')
  return new CliError('EXTERNAL_COMMAND_FAILED', `${file} ${args.join(' ')} failed (exit ${r.exitCode})${tail ? `:\n${tail}` : ''}`, {
    exit: EXIT.EXTERNAL,
    hints,
  })
}
