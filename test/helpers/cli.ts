import {spawn} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {tmpdir} from './tmp.js'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const binPath = path.join(repoRoot, 'bin', 'run.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON when possible. */
  json?: any
}

/**
 * Runs the built CLI (bin/run.js, dist/) as a user would, in `cwd`, without a TTY.
 * `env` is merged over a clean environment (PATH, HOME); CI is unset unless given.
 */
export function runCli(
  args: string[],
  opts: {cwd?: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number; onSpawn?: (pid: number) => void} = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      NODE_ENV: undefined,
      ...opts.env,
    })) if (v !== undefined) env[k] = v
    const child = spawn(process.execPath, [binPath, ...args], {cwd: opts.cwd ?? repoRoot, env, stdio: ['pipe', 'pipe', 'pipe']})
    if (opts.onSpawn && child.pid) opts.onSpawn(child.pid)
    let stdout = ''
    let stderr = ''
    // Decoded as a stream: a pipe read may end inside a UTF-8 character, which `+= chunk` would turn into U+FFFD.
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    if (opts.input !== undefined) child.stdin.end(opts.input)
    else child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      let json
      try {
        json = JSON.parse(stdout)
      } catch {}
      resolve({code, stdout, stderr, json})
    })
  })
}

/**
 * Runs the built CLI under a pseudo-terminal (util-linux `script`), so stdout and stderr are TTYs.
 * The output is what the terminal shows (stdout and stderr together, `\r\n` turned back into `\n`).
 * `script` gives the pty no size, so kfp falls back to COLUMNS (set it in `env`).
 */
export function runCliTty(args: string[], opts: {cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number} = {}): Promise<{code: number | null; output: string}> {
  const quote = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`
  const command = [process.execPath, binPath, ...args].map(quote).join(' ')
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries({PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm', COLUMNS: '100', ...opts.env})) if (v !== undefined) env[k] = v
    // -e: script exits with the command's code; -q: no "Script started" banner; /dev/null: no typescript file.
    const child = spawn('script', ['-qec', command, '/dev/null'], {cwd: opts.cwd ?? repoRoot, env, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, output: output.replaceAll('\r\n', '\n')})
    })
  })
}

/**
 * `kfp init <tmp>/<name> --example EXAMPLE --yes` in a new temp folder, with a HOME and config dir of its own there
 * (`env`, for every later runCli of the test); throws with kfp's stderr when init fails.
 */
export async function initExample(example: string, o: {prefix: string; name: string}): Promise<{dir: string; env: Record<string, string>; cleanup: () => Promise<void>}> {
  const tmp = await tmpdir(o.prefix)
  const dir = path.join(tmp.dir, o.name)
  const env = {HOME: tmp.dir, KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg')}
  const r = await runCli(['init', dir, '--example', example, '--yes'], {env})
  if (r.code !== 0) {
    await tmp.cleanup()
    throw new Error(`kfp init --example ${example} exited ${r.code}: ${r.stderr}`)
  }
  return {dir, env, cleanup: tmp.cleanup}
}
