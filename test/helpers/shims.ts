import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {tmpdir} from './tmp.js'

/** One answer of a shim. */
export interface ShimAnswer {
  stdout?: string
  stderr?: string
  exit?: number
  /** Sleep before answering (ms), e.g. for a long-running port-forward. */
  delayMs?: number
  /** Keep running until killed (after printing stdout/stderr). */
  hang?: boolean
  /**
   * Fault injection (no tool's own behaviour): stdout and stderr are each written in pieces cut at these byte offsets,
   * 30 ms apart, so that kfp reads them as separate chunks (a pipe read can end at any byte, inside a UTF-8 character).
   */
  cutAtBytes?: number[]
}

/**
 * A rule: when argv starts with `match` ('*' matches any one argument, a RegExp tests one argument; with `exact`, the
 * whole argv must match), answer. With `answers`, the n-th matching call gets the n-th answer (the last one repeats).
 */
export interface ShimRule extends ShimAnswer {
  match: (string | RegExp)[]
  exact?: boolean
  answers?: ShimAnswer[]
  /** Read stdin and record it in the call log (only for calls that get input, or it would wait). */
  readStdin?: boolean
}

/** One recorded call. */
export interface ShimCall {
  tool: string
  argv: string[]
  stdin?: string
}

export interface Shims {
  /** Folder with the shim executables: put it first on PATH. */
  binDir: string
  logFile: string
  /** PATH with the shims first, then `rest` (default: the current PATH). */
  path(rest?: string): string
  /** Every call so far, in order. */
  calls(): Promise<ShimCall[]>
  /** Argv of the calls of one tool, in order. */
  argvOf(tool: string): Promise<string[][]>
  cleanup(): Promise<void>
}

const SHIM_SOURCE = String.raw`
const fs = require('node:fs')
const [tool, cfgFile, logFile] = [process.env.KFP_SHIM_TOOL_OVERRIDE || __TOOL__, __CFG__, __LOG__]
const argv = process.argv.slice(2)
const rules = JSON.parse(fs.readFileSync(cfgFile, 'utf8'))[tool] || []
const test = (m, a) => (m && typeof m === 'object' ? new RegExp(m.re, m.flags).test(a) : m === '*' || m === a)
const matches = (r) => (r.exact ? r.match.length === argv.length : r.match.length <= argv.length) && r.match.every((m, i) => test(m, argv[i]))
const idx = rules.findIndex(matches)
const finish = (stdin) => {
  const prior = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((c) => c.tool === tool && c.rule === idx).length : 0
  const entry = {tool, argv, rule: idx}
  if (stdin !== undefined) entry.stdin = stdin
  fs.appendFileSync(logFile, JSON.stringify(entry) + '\n')
  if (idx < 0) {
    process.stderr.write('shim ' + tool + ': no rule for ' + JSON.stringify(argv) + '\n')
    process.exit(99)
  }
  const r = rules[idx]
  const a = r.answers ? r.answers[Math.min(prior, r.answers.length - 1)] : r
  const pieces = (text) => {
    const bytes = Buffer.from(text, 'utf8')
    const at = [...(a.cutAtBytes || []).filter((b) => b > 0 && b < bytes.length), bytes.length]
    return at.map((end, i) => bytes.subarray(i ? at[i - 1] : 0, end))
  }
  const write = async (stream, text) => {
    for (const [i, piece] of pieces(text).entries()) {
      if (i) await new Promise((r) => setTimeout(r, 30))
      await new Promise((r) => stream.write(piece, r))
    }
  }
  const answer = async () => {
    if (a.stdout) await write(process.stdout, a.stdout)
    if (a.stderr) await write(process.stderr, a.stderr)
    if (a.hang) {
      setInterval(() => {}, 1 << 30)
      process.on('SIGTERM', () => process.exit(0))
      process.on('SIGINT', () => process.exit(0))
      return
    }
    process.exitCode = a.exit || 0
  }
  if (a.delayMs) setTimeout(answer, a.delayMs)
  else answer()
}
if (idx >= 0 && rules[idx].readStdin) {
  let s = ''
  process.stdin.on('data', (d) => (s += d))
  process.stdin.on('end', () => finish(s))
} else finish(undefined)
`

function serialise(rules: Record<string, ShimRule[]>): string {
  return JSON.stringify(rules, (_k, v) => (v instanceof RegExp ? {re: v.source, flags: v.flags} : v))
}

/**
 * Creates recording shims: one executable per tool (`gcloud`, `kubectl`, ...) that appends its argv (JSON, one line per
 * call) to a log file and answers per the first matching rule. An argv without a rule exits 99 with "no rule for".
 * Shims use this node binary by absolute path, so PATH may hold nothing else.
 */
export async function createShims(tools: Record<string, ShimRule[]>): Promise<Shims> {
  const t = await tmpdir('kfp-shims-')
  const binDir = path.join(t.dir, 'bin')
  await mkdir(binDir)
  const cfgFile = path.join(t.dir, 'rules.json')
  const logFile = path.join(t.dir, 'calls.jsonl')
  await writeFile(cfgFile, serialise(tools))
  for (const tool of Object.keys(tools)) {
    const file = path.join(binDir, tool)
    const src = SHIM_SOURCE.replace('__TOOL__', JSON.stringify(tool)).replace('__CFG__', JSON.stringify(cfgFile)).replace('__LOG__', JSON.stringify(logFile))
    await writeFile(file, `#!${process.execPath}\n${src}`)
    await chmod(file, 0o755)
  }
  const calls = async (): Promise<ShimCall[]> => {
    let text = ''
    try {
      text = await readFile(logFile, 'utf8')
    } catch {
      return []
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const c = JSON.parse(l)
        return c.stdin === undefined ? {tool: c.tool, argv: c.argv} : {tool: c.tool, argv: c.argv, stdin: c.stdin}
      })
  }
  return {
    binDir,
    logFile,
    path: (rest = process.env.PATH ?? '') => (rest ? `${binDir}${path.delimiter}${rest}` : binDir),
    calls,
    argvOf: async (tool) => (await calls()).filter((c) => c.tool === tool).map((c) => c.argv),
    cleanup: t.cleanup,
  }
}
