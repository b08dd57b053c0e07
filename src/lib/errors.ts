import {Errors} from '@oclif/core'
import {EXIT, environmentCause} from './exit-codes.js'

export {EXIT} from './exit-codes.js'

/** The catalog of error codes. Add new codes here, never ad hoc strings. */
export type ErrorCode =
  | 'USAGE'
  | 'MISSING_INPUT'
  | 'PROJECT_NOT_FOUND'
  | 'PROJECT_INVALID'
  | 'YAML_SYNTAX'
  | 'FILE_EXISTS'
  | 'FILE_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'COMPONENT_INVALID'
  | 'COMPILE_FAILED'
  | 'IR_INVALID'
  | 'IR_UNSUPPORTED'
  | 'PARAM_INVALID'
  | 'RUN_NOT_FOUND'
  | 'RUN_RECORD_INVALID'
  | 'FS_ERROR'
  | 'STEP_NOT_FOUND'
  | 'OUTPUTS_MISSING'
  | 'RUN_FAILED'
  | 'RUN_CANCELLED'
  | 'INTERRUPTED'
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_BUILD_FAILED'
  | 'DOCKERFILE_NOT_FOUND'
  | 'REGISTRY_AUTH'
  | 'REGISTRY_DENIED'
  | 'REGISTRY_UNREACHABLE'
  | 'IMAGE_PULL_FAILED'
  | 'IMAGES_NOT_BUILT'
  | 'ARTIFACT_NOT_FOUND'
  | 'EXTERNAL_COMMAND_FAILED'
  | 'TOOL_NOT_FOUND'
  | 'TARGET_NOT_FOUND'
  | 'TARGET_INVALID'
  | 'SERVER_AUTH'
  | 'SERVER_NOT_JSON'
  | 'SERVER_NOT_FOUND'
  | 'SERVER_UNSUPPORTED'
  | 'SERVER_ERROR'
  | 'SERVER_TIMEOUT'
  | 'SERVER_UNREACHABLE'
  | 'NAMESPACE_REQUIRED'
  | 'PIPELINE_TOO_LARGE'
  | 'MLMD_UNAVAILABLE'
  | 'LOGS_UNAVAILABLE'
  | 'S3_FORBIDDEN'
  | 'S3_UNREACHABLE'
  | 'GCS_FORBIDDEN'
  | 'GCS_NOT_FOUND'
  | 'KUBE_ERROR'
  | 'CLUSTER_ERROR'
  | 'DEPLOY_TIMEOUT'
  | 'PORT_IN_USE'
  | 'CHECK_FAILED'
  | 'NAME_INVALID'
  | 'GCLOUD_AUTH'
  | 'CLOUD_QUOTA'
  | 'CLOUD_PERMISSION'
  | 'CLUSTER_NOT_FOUND'

export interface CliErrorOptions {
  exit?: number
  hints?: string[]
  ref?: string
  cause?: unknown
  /** Extra structured data for --json error output (never secrets). */
  data?: Record<string, unknown>
}

/**
 * The one error class of kfp: a code from the catalog, a plain message, an exit code and hints on how to fix it.
 * oclif prints the message and the hints ("Try this:"); BaseCommand renders it in the --json envelope.
 */
export class CliError extends Errors.CLIError {
  readonly exitCode: number
  readonly kfpCode: ErrorCode
  readonly hints: string[]
  readonly data?: Record<string, unknown>

  constructor(code: ErrorCode, message: string, opts: CliErrorOptions = {}) {
    const exit = opts.exit ?? EXIT.CONFIG
    super(message, {exit, code, suggestions: opts.hints, ref: opts.ref})
    this.exitCode = exit
    this.kfpCode = code
    this.hints = opts.hints ?? []
    this.data = opts.data
    if (opts.cause !== undefined) this.cause = opts.cause
  }
}

/** An invariant was violated: a bug in kfp, not a user mistake. */
export class BugError extends CliError {
  constructor(message: string, cause?: unknown) {
    super('USAGE', message, {exit: EXIT.BUG, cause, hints: ['This is a bug in kfp; please report it with the command you ran.']})
  }
}

/** True when the value is a CliError (also across module copies). */
export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError || (typeof error === 'object' && error !== null && 'kfpCode' in error && 'exitCode' in error)
}

/** An errno error's path and cause as environmentError words them; undefined for anything else. */
export function environmentFault(err: unknown): {code: string; path?: string; message: string} | undefined {
  const e = environmentError(err)
  if (!e) return undefined
  const x = err as NodeJS.ErrnoException
  return {code: x.code!, ...(x.path ? {path: x.path} : {}), message: e.message}
}

/**
 * An error of the file system or the environment (disk full, read-only, permission denied) that no code translated,
 * as a CliError naming the path and the cause (exit 5: the environment, not kfp, failed); undefined for anything else.
 */
export function environmentError(err: unknown): CliError | undefined {
  const cause = environmentCause(err)
  if (!cause) return undefined
  const e = err as NodeJS.ErrnoException
  const where = e.path ? ` ${e.path}` : ''
  return new CliError('FS_ERROR', `Cannot ${e.syscall ?? 'use'}${where}: ${cause}.`, {
    exit: EXIT.EXTERNAL,
    hints: e.code === 'ENOSPC' || e.code === 'EDQUOT' ? ['Free some space (kfp runs prune --keep N removes old runs) and run again.'] : ['Check that the folder exists, is writable and is yours (ls -ld), then run again.'],
    cause: err,
  })
}
