import {environmentCause, EXIT} from './exit-codes.js'

/**
 * stdout/stderr closed by the reader (`kfp run | head -3`): kfp stops writing to that stream and carries on, so a run
 * finishes and is recorded as it really ends; the exit code is the command's own (never 1 for the closed pipe).
 */
export const closedStreams = {out: false, err: false}
/** stdout written to a file on a full disk (`kfp run > out.txt`): the error, reported with exit 5 at the end. */
let stdoutFailure: Error | undefined
let installed = false
/** What stdout carries, for the error line: "the results" of a command, "the help", "the version". */
let what = 'the results'

/**
 * Installs the stdout/stderr guards once per process; `label` names what stdout carries (the last call wins).
 * main.ts installs them before oclif starts, so that help and --version, which oclif prints without running a kfp
 * command, are guarded too; BaseCommand.init relabels them for its command.
 */
export function guardClosedPipes(label?: string): void {
  if (label) what = label
  // oclif's own listener (@oclif/core lib/command.js, registered when that module loads, which may be after the
  // first call) rethrows anything but EPIPE, which would crash kfp (exit 1, a stack) on ENOSPC: every call drops it.
  for (const l of process.stdout.listeners('error')) if (l !== onStdoutError) process.stdout.removeListener('error', l as never)
  if (installed) return
  installed = true
  process.stdout.on('error', onStdoutError)
  process.stderr.on('error', () => (closedStreams.err = true))
  // The command's work is done (a run is recorded) but its results (a table, --json printed after the command, the
  // help) could not all be written: exit 5 with the cause, not 0. A failed write marks the stream `errored` at once;
  // console.log (oclif's help and --version) swallows the error itself, so only `errored` tells.
  process.once('exit', () => {
    const failure = (stdoutFailure ?? process.stdout.errored) as NodeJS.ErrnoException | null | undefined
    const cause = failure && failure.code !== 'EPIPE' ? environmentCause(failure) : undefined
    if (!cause || (process.exitCode !== undefined && process.exitCode !== 0)) return
    if (!closedStreams.err) process.stderr.write(`Error: Cannot write ${what} to standard output: ${cause}.\n`)
    process.exitCode = EXIT.EXTERNAL
  })
}

function onStdoutError(err: NodeJS.ErrnoException): void {
  closedStreams.out = true
  if (err?.code !== 'EPIPE') stdoutFailure ??= err
}
