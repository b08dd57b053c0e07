import {Command, Flags} from '@oclif/core'
import type {Input, OutputArgs, OutputFlags, ParserOutput} from '@oclif/core/interfaces'
import {createExec} from './clients/exec.js'
import type {Ctx} from './ctx.js'
import {CliError, environmentError, EXIT, isCliError} from './lib/errors.js'
import {closedStreams, guardClosedPipes} from './lib/stdout-guard.js'
import {redact, redactDeep} from './lib/redact.js'
import {colorEnabled, createIo, style, type Io} from './ui/output.js'
import {createPrompter} from './ui/prompts.js'
import {createSpinner, type Spinner} from './ui/spinner.js'
import {statusLine} from './ui/status.js'
import {renderTable, type Cell} from './ui/table.js'
import {formatCliError} from './ui/errors.js'
import {usageError} from './ui/usage-errors.js'
import {namespaceFlag} from './flags.js'

const TEST_CTX = Symbol.for('kfp.testCtx')

/** An Io whose every line passes through redact (src/lib/redact.ts) and that skips streams the reader closed. */
function redactingIo(io: Io): Io {
  return Object.create(io, {
    out: {value: (text: string) => closedStreams.out || io.out(redact(text))},
    err: {value: (text: string) => closedStreams.err || io.err(redact(text))},
  }) as Io
}

/** Tests install a partial Ctx here; BaseCommand merges it over the real one. */
export function setTestContext(ctx: Partial<Ctx> | undefined): void {
  ;(globalThis as Record<symbol, unknown>)[TEST_CTX] = ctx
}

function testContext(): Partial<Ctx> | undefined {
  return (globalThis as Record<symbol, unknown>)[TEST_CTX] as Partial<Ctx> | undefined
}

export type JsonEnvelope<T> = {status: number; result: T; warnings: string[]}

/**
 * The base of every kfp command: --json envelope, --no-input, ctx creation (clients are lazy),
 * Ctrl-C as an AbortSignal, and CliError rendering with hints.
 */
export abstract class BaseCommand extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    'no-input': Flags.boolean({
      description: 'Never prompt; fail with the flag to pass instead.',
      env: 'KFP_NO_INPUT',
      helpGroup: 'GLOBAL',
    }),
  }

  protected ctx!: Ctx
  protected io!: Io
  protected warnings: string[] = []
  private abort = new AbortController()
  private onSignal?: () => void
  private onTerm?: () => void
  /** The signal that aborted this command: SIGINT (Ctrl-C here) or SIGTERM (e.g. `kfp runs cancel` from another shell). */
  protected signalled?: 'SIGINT' | 'SIGTERM'

  async init(): Promise<void> {
    await super.init()
    // Everything printed passes the redaction boundary (src/lib/redact.ts): no credential kfp holds is ever shown.
    guardClosedPipes('the results')
    this.io = redactingIo(createIo(process.env))
    const json = this.jsonEnabled()
    const noInput = this.argv.includes('--no-input') || Boolean(process.env.KFP_NO_INPUT)
    const canPrompt = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI && !json && !noInput
    const stop = (signal: 'SIGINT' | 'SIGTERM') => {
      this.signalled ??= signal
      this.abort.abort(new CliError('INTERRUPTED', 'Interrupted.', {exit: EXIT.INTERRUPTED}))
    }
    this.onSignal = () => stop('SIGINT')
    this.onTerm = () => stop('SIGTERM')
    // `on`, not `once`: execa's signal-exit re-raises a signal when only its own listener is left, which would kill
    // kfp before the abort is handled (finally() removes these listeners).
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onTerm)
    const real: Ctx = {
      cwd: process.cwd(),
      env: process.env,
      exec: createExec(process.env),
      prompter: createPrompter(canPrompt),
      now: () => new Date(),
      signal: this.abort.signal,
      clients: {},
    }
    const t = testContext()
    this.ctx = t ? {...real, ...t, signal: t.signal ?? this.abort.signal, clients: {...real.clients, ...t.clients}} : real
  }

  /** Any error while parsing argv (a flag without its value, a bad option) is a usage error: exit 2. */
  protected async parse<F extends OutputFlags<any>, B extends OutputFlags<any>, A extends OutputArgs<any>>(
    options?: Input<F, B, A>,
    argv?: string[],
  ): Promise<ParserOutput<F, B, A>> {
    try {
      const parsed = await super.parse(options, argv)
      // --namespace (flags.ts namespaceFlag) wins over KFP_NAMESPACE: target resolution reads it from ctx.env. Only
      // that flag: another command's own --namespace (kfp ui's install namespace, kfp target add's) is not a profile.
      const ns = (parsed.flags as {namespace?: unknown}).namespace
      if (typeof ns === 'string' && ns !== '' && (options?.flags as Record<string, unknown> | undefined)?.namespace === namespaceFlag)
        this.ctx = {...this.ctx, env: {...this.ctx.env, KFP_NAMESPACE: ns}}
      return parsed
    } catch (error) {
      // oclif's parse errors become kfp usage errors (Error / Try this / Code, exit 2, a did-you-mean for a
      // mistyped flag, no help dump); a CliError thrown by a flag's own parser stays as it is.
      if (isCliError(error) || !(error as {oclif?: unknown})?.oclif) throw error
      const topic = this.wrongTopic()
      if (topic) throw topic
      const ctor = this.constructor as unknown as {id?: string; flags?: Record<string, {char?: string; hidden?: boolean}>; baseFlags?: Record<string, {char?: string}>}
      throw usageError(error, {id: this.id ?? ctor.id ?? '', flags: {...ctor.baseFlags, json: {}, ...options?.flags, ...ctor.flags}})
    }
  }

  /**
   * `kfp run list` (words of `kfp runs list` under the singular): the usage error that names the command meant, or
   * undefined. Commands that take free arguments (kfp run STEP…) call it before their own unexpected-argument error.
   */
  protected wrongTopic(): CliError | undefined {
    const word = this.argv.find((a) => !a.startsWith('-'))
    const id = this.id ?? ''
    if (!word || id.includes(':') || !this.config.findCommand(`${id}s:${word}`)) return undefined
    const rest = this.argv.filter((a) => a !== word)
    return new CliError('USAGE', `kfp ${id} takes no '${word}': did you mean 'kfp ${id}s ${word}'?`, {
      exit: EXIT.USAGE,
      hints: [`kfp ${id}s ${word}${rest.length ? ` ${rest.join(' ')}` : ''}`],
    })
  }

  /** True when progress may animate: stderr is a terminal, not CI, not --json. */
  protected get interactiveProgress(): boolean {
    return this.io.stderrIsTTY && !process.env.CI && !this.jsonEnabled()
  }

  /** A spinner on stderr (plain lines when not interactive; silent under --json). */
  protected async spinner(): Promise<Spinner> {
    if (this.jsonEnabled()) return createSpinner(false, () => {})
    return createSpinner(this.interactiveProgress, (t) => this.io.err(t))
  }

  /** Progress or info for humans on stderr; silent under --json. */
  protected info(text: string): void {
    if (!this.jsonEnabled()) this.io.err(text)
  }

  /** A warning on stderr, also collected into the --json envelope. */
  public warn(input: string | Error): string | Error {
    const text = typeof input === 'string' ? input : input.message
    this.warnings.push(text)
    if (!this.jsonEnabled()) this.io.err(`${style(this.io, 'yellow', 'Warning:')} ${text}`)
    return input
  }

  /**
   * A table on stdout (suppressed under --json): aligned and fitted to the terminal (cells cut with `…`, except
   * `keep` columns, default the first; `flex` columns are cut first; `wide` = flags.wide turns cutting off), TSV when
   * piped. See ui/table.ts.
   */
  protected table(headers: string[], rows: Cell[][], opts: {wide?: boolean; keep?: number[]; flex?: number[]} = {}): void {
    this.out(renderTable(headers, rows, {tty: this.io.stdoutIsTTY, columns: this.io.columns, ...opts}))
  }

  /**
   * What a list command prints: with `quiet` (flags.quiet, -q) the ids only, one a line; otherwise `table()`.
   * `ids[i]` is the id of `rows[i]`.
   */
  protected list(headers: string[], rows: Cell[][], ids: string[], flags: {quiet?: boolean; wide?: boolean}, layout: {keep?: number[]; flex?: number[]} = {}): void {
    if (flags.quiet) {
      if (ids.length) this.out(ids.join('\n'))
      return
    }
    this.table(headers, rows, {wide: flags.wide, ...layout})
  }

  /** `✔ text` for stderr progress, coloured by status on a terminal (✔ green, ✖ red, ↺/– dim). See ui/status.ts. */
  protected statusLine(status: string, text: string): string {
    return statusLine(this.io, status, text)
  }

  /** A status cell for a stdout table: `✔ succeeded` coloured on a terminal, the bare word when piped (TSV). */
  protected statusCell(status: string): string {
    return this.io.stdoutIsTTY ? statusLine({color: this.io.colorOut}, status, status) : status
  }

  /**
   * The per-step table of a run (kfp run, kfp runs get; local or server): rows of #, step, status, duration, outputs
   * (stepRows, remoteStepRows), the status coloured.
   */
  protected stepsTable(rows: string[][], wide?: boolean): void {
    this.table(['#', 'step', 'status', 'duration', 'outputs'], rows.map((r) => [r[0], r[1], this.statusCell(r[2]), ...r.slice(3)]), {wide, keep: [0, 1], flex: [4]})
  }

  /** A result line on stdout (suppressed under --json, where the returned value is printed instead). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) this.io.out(text)
  }

  protected toSuccessJson(result: unknown): JsonEnvelope<unknown> {
    return redactDeep({status: 0, result, warnings: this.warnings})
  }

  protected toErrorJson(err: unknown): unknown {
    const e = err as CliError
    const status = isCliError(e) ? e.exitCode : (err as {oclif?: {exit?: number}})?.oclif?.exit ?? EXIT.BUG
    const error: Record<string, unknown> = {
      code: isCliError(e) ? e.kfpCode : status === EXIT.USAGE ? 'USAGE' : ((e as {code?: string})?.code ?? 'ERROR'),
      message: e?.message ?? String(err),
      hints: isCliError(e) ? e.hints : [],
    }
    if (isCliError(e) && e.data) error.data = e.data
    return redactDeep({status, error, warnings: this.warnings})
  }

  protected async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    const oclifInfo = (err as {oclif?: unknown}).oclif
    // oclif parse errors that have no exit-code key of their own (e.g. --template=java not among `options`) are usage errors.
    if (!isCliError(err) && 'parse' in err && err.oclif && (err.oclif.exit === undefined || err.oclif.exit === EXIT.BUG)) err.oclif.exit = EXIT.USAGE
    // Ctrl-C at an @inquirer prompt: an interruption like any other (exit 130, one line), not a bug.
    if (!isCliError(err) && (err as Error).name === 'ExitPromptError') {
      const interrupted = new CliError('INTERRUPTED', 'Interrupted.', {exit: EXIT.INTERRUPTED})
      if (!this.jsonEnabled()) {
        process.stderr.write('Interrupted.\n')
        ;(interrupted as CliError & {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
      }
      return super.catch(interrupted)
    }
    // Disk full, read-only, permission denied: the environment failed, not kfp (exit 5, the path and the cause).
    const env = isCliError(err) ? undefined : environmentError(err)
    if (env) return this.catchCliError(env)
    if (!isCliError(err) && !oclifInfo) {
      // An error nobody translated: show it plainly, keep the stack for DEBUG.
      if (process.env.DEBUG) process.stderr.write(redact(`${err.stack}\n`))
      const wrapped = new CliError('USAGE', err.message || String(err), {
        exit: EXIT.BUG,
        hints: ['This looks like a bug in kfp. Run again with DEBUG=1 for details and report it.'],
        cause: err,
      })
      return this.catchCliError(wrapped)
    }
    if (isCliError(err)) return this.catchCliError(err)
    return super.catch(err)
  }

  /**
   * Prints a CliError ourselves (oclif's pretty-printer wraps at 80 columns with ` ›` prefixes, which splits
   * `file:line:col: message` lines), then lets oclif exit with the error's code without printing again.
   */
  private async catchCliError(err: CliError): Promise<unknown> {
    if (!this.jsonEnabled()) {
      process.stderr.write(redact(formatCliError(err, this.io?.color ?? colorEnabled(Boolean(process.stderr.isTTY)))))
      ;(err as CliError & {skipOclifErrorHandling?: boolean}).skipOclifErrorHandling = true
    }
    return super.catch(err)
  }

  protected async finally(err: Error | undefined): Promise<unknown> {
    if (this.onSignal) {
      process.removeListener('SIGINT', this.onSignal)
      process.removeListener('SIGTERM', this.onTerm!)
    }
    return super.finally(err)
  }
}
