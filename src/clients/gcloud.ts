import type {Ctx} from '../ctx.js'
import {CliError, EXIT, isCliError} from '../lib/errors.js'
import {failedCommand, type ExecOptions, type ExecResult} from './exec.js'

/** Install hint for the Google Cloud CLI. */
export const GCLOUD_INSTALL_HINT = 'Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install) and make sure `gcloud` is on your PATH.'

/** Options of one gcloud call. */
export interface GcloudRunOptions extends Pick<ExecOptions, 'onLine' | 'input' | 'timeoutMs'> {}

/** The gcloud CLI through ctx.exec, with argument arrays and errors translated into CliErrors with hints. */
export interface GcloudClient {
  /** Runs gcloud; returns stdout; throws a translated CliError on a non-zero exit. */
  run(args: string[], opts?: GcloudRunOptions): Promise<string>
  /** Runs gcloud and returns the raw result (non-zero exits included); still throws TOOL_NOT_FOUND. */
  tryRun(args: string[], opts?: GcloudRunOptions): Promise<ExecResult>
}

/** Creates the gcloud client over ctx.exec (honours ctx.signal, ctx.env). */
export function createGcloud(ctx: Pick<Ctx, 'exec' | 'env' | 'signal'>): GcloudClient {
  const tryRun = async (args: string[], opts: GcloudRunOptions = {}): Promise<ExecResult> => {
    try {
      // Prompts would hang a non-interactive run: gcloud must never ask.
      const env = {...ctx.env, CLOUDSDK_CORE_DISABLE_PROMPTS: '1'}
      return await ctx.exec.run('gcloud', args, {...opts, env, signal: ctx.signal})
    } catch (error) {
      throw translateToolMissing(error, 'gcloud', GCLOUD_INSTALL_HINT)
    }
  }
  return {
    tryRun,
    async run(args, opts) {
      const r = await tryRun(args, opts)
      if (r.exitCode !== 0) throw translateGcloudFailure(args, r)
      return r.stdout
    },
  }
}

/** Rewrites exec's TOOL_NOT_FOUND with the tool's own install hint; other errors pass through. */
export function translateToolMissing(error: unknown, tool: string, hint: string): unknown {
  if (isCliError(error) && error.kfpCode === 'TOOL_NOT_FOUND') {
    return new CliError('TOOL_NOT_FOUND', `${tool} is not installed or not on PATH.`, {exit: EXIT.EXTERNAL, hints: [hint]})
  }
  return error
}

/** The lines of gcloud's stderr from the first `ERROR:` on (gcloud's own explanation), else the tail. */
export function gcloudErrorText(r: ExecResult): string {
  const text = (r.stderr || r.stdout).trim()
  const i = text.indexOf('ERROR:')
  const part = i >= 0 ? text.slice(i) : text
  return part.split('\n').slice(0, 15).join('\n').trim()
}

const NOT_AUTHENTICATED = [
  /You do not currently have an active account selected/i,
  /gcloud auth login/i,
  /Reauthentication (failed|required)/i,
  /invalid_grant/i,
  /Your current active account .* does not have any valid credentials/i,
  /could not (find|load) default credentials/i,
  /UNAUTHENTICATED|code=401/i,
]
const QUOTA = [/quota/i, /RESOURCE_EXHAUSTED/, /code=429/]
const API_DISABLED = [/SERVICE_DISABLED/, /has not been used in project/i, /API has not been used|is not enabled|it is disabled/i]
const PERMISSION = [/PERMISSION_DENIED/, /code=403/, /permission/i, /forbidden/i]
const NOT_FOUND = [/NOT_FOUND/, /code=404/, /not found/i]

/** True when gcloud's output says the resource does not exist (describe of a missing cluster). */
export function isGcloudNotFound(r: ExecResult): boolean {
  return NOT_FOUND.some((re) => re.test(r.stderr))
}

/**
 * Turns a failed gcloud call into a CliError: not authenticated → GCLOUD_AUTH (exit 4, `gcloud auth login` hints);
 * quota → CLOUD_QUOTA (exit 5); API disabled or permission denied → CLOUD_PERMISSION (exit 4); else
 * EXTERNAL_COMMAND_FAILED. gcloud's message is always passed on.
 */
export function translateGcloudFailure(args: string[], r: ExecResult): CliError {
  const text = `${r.stderr}\n${r.stdout}`
  const msg = gcloudErrorText(r)
  const what = `gcloud ${args.slice(0, 3).join(' ')}`
  if (NOT_AUTHENTICATED.some((re) => re.test(text))) {
    return new CliError('GCLOUD_AUTH', `gcloud is not authenticated (${what}):\n${msg}`, {
      exit: EXIT.AUTH,
      hints: [
        'Log in with `gcloud auth login`.',
        'For the Cloud Storage client (buckets), also run `gcloud auth application-default login`.',
      ],
    })
  }
  if (QUOTA.some((re) => re.test(text))) {
    return new CliError('CLOUD_QUOTA', `${what} failed: quota exceeded:\n${msg}`, {
      exit: EXIT.EXTERNAL,
      hints: [
        'Request more quota in the Cloud Console (IAM & Admin → Quotas), or free resources in use.',
        'Or ask for less: a smaller --machine-type, fewer --num-nodes, or another --zone/--region.',
      ],
    })
  }
  if (API_DISABLED.some((re) => re.test(text))) {
    return new CliError('CLOUD_PERMISSION', `${what} failed: a required API is not enabled:\n${msg}`, {
      exit: EXIT.AUTH,
      hints: ['Enable it with `gcloud services enable container.googleapis.com` (or run `kfp cloud setup`).'],
    })
  }
  if (PERMISSION.some((re) => re.test(text))) {
    return new CliError('CLOUD_PERMISSION', `${what} failed: permission denied:\n${msg}`, {
      exit: EXIT.AUTH,
      hints: [
        'Check the project (--gcp-project, or `gcloud config get-value project`).',
        'Ask a project owner for the role you need (e.g. roles/container.admin for clusters), or log in as another account with `gcloud auth login`.',
      ],
    })
  }
  return failedCommand('gcloud', args, r, ['Run again with --verbose to see gcloud\'s full output.'])
}
