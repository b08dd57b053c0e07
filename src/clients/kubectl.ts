import type {Ctx} from '../ctx.js'
import {CliError, EXIT} from '../lib/errors.js'
import {shellQuote} from '../lib/shell.js'
import {failedCommand, type ExecOptions, type ExecResult} from './exec.js'
import {translateToolMissing} from './gcloud.js'

/** Install hint for kubectl. */
export const KUBECTL_INSTALL_HINT =
  'Install kubectl (https://kubernetes.io/docs/tasks/tools/, or `gcloud components install kubectl`) and make sure it is on your PATH.'

/** Options of one kubectl call. */
export interface KubectlRunOptions extends Pick<ExecOptions, 'onLine' | 'input' | 'timeoutMs' | 'signal'> {}

/** kubectl through ctx.exec, with argument arrays and errors translated into CliErrors with hints. */
export interface KubectlClient {
  /** Runs kubectl; returns stdout; throws a translated CliError on a non-zero exit. */
  run(args: string[], opts?: KubectlRunOptions): Promise<string>
  /** Runs kubectl and returns the raw result (non-zero exits included); still throws TOOL_NOT_FOUND. */
  tryRun(args: string[], opts?: KubectlRunOptions): Promise<ExecResult>
}

/** Creates the kubectl client over ctx.exec (honours ctx.signal unless the call passes its own). */
export function createKubectl(ctx: Pick<Ctx, 'exec' | 'env' | 'signal'>): KubectlClient {
  const tryRun = async (args: string[], opts: KubectlRunOptions = {}): Promise<ExecResult> => {
    try {
      return await ctx.exec.run('kubectl', args, {...opts, env: ctx.env, signal: opts.signal ?? ctx.signal})
    } catch (error) {
      throw translateToolMissing(error, 'kubectl', KUBECTL_INSTALL_HINT)
    }
  }
  return {
    tryRun,
    async run(args, opts) {
      const r = await tryRun(args, opts)
      if (r.exitCode !== 0) throw translateKubectlFailure(args, r)
      return r.stdout
    },
  }
}

const UNREACHABLE = [/Unable to connect to the server/i, /connection to the server .* was refused/i, /dial tcp/i, /i\/o timeout/i, /context deadline exceeded/i]
const NO_CONTEXT = [/current-context is not set/i, /no configuration has been provided/i, /context .* does not exist/i, /invalid configuration/i]
const AUTH_PLUGIN = [/gke-gcloud-auth-plugin/i]
const FORBIDDEN = [/Forbidden/, /forbidden:/i, /Unauthorized/i]

/**
 * Turns a failed kubectl call into a CliError: no context → KUBE_ERROR (exit 3), cluster unreachable → KUBE_ERROR (exit 6),
 * GKE auth plugin missing, forbidden → KUBE_ERROR (exit 4), else EXTERNAL_COMMAND_FAILED. kubectl's message is passed on.
 */
export function translateKubectlFailure(args: string[], r: ExecResult): CliError {
  const text = `${r.stderr}\n${r.stdout}`
  // client-go's own log lines (`E1201 11:30:18.314959 8089 memcache.go:265] …`) are noise next to kubectl's message.
  const clean = (r.stderr || r.stdout).split('\n').filter((l) => !/^[EWIF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+\.go:\d+\]/.test(l))
  const msg = clean.join('\n').trim().split('\n').slice(-10).join('\n')
  // The whole command, as a user would type it to try it by hand.
  const what = `kubectl ${args.map(shellQuote).join(' ')}`
  if (AUTH_PLUGIN.some((re) => re.test(text)) && /not found|executable/i.test(text)) {
    return new CliError('KUBE_ERROR', `${what} failed: the GKE auth plugin is missing:\n${msg}`, {
      exit: EXIT.EXTERNAL,
      hints: ['Install it with `gcloud components install gke-gcloud-auth-plugin` (or apt-get install google-cloud-cli-gke-gcloud-auth-plugin).'],
    })
  }
  // Without a kubeconfig kubectl falls back to http://localhost:8080: that refusal means "no context", not a down cluster.
  const noKubeconfig = /(localhost|127\.0\.0\.1):8080\b/.test(text) && /refused/i.test(text)
  if (noKubeconfig || NO_CONTEXT.some((re) => re.test(text))) {
    return new CliError('KUBE_ERROR', `${what} failed: no Kubernetes context is configured${noKubeconfig ? ' (kubectl has no cluster and tried localhost:8080)' : `:\n${msg}`}`, {
      exit: EXIT.CONFIG,
      hints: ['Create a cluster with `kfp cluster create`, or fetch credentials with `gcloud container clusters get-credentials NAME --zone ZONE`.'],
    })
  }
  if (UNREACHABLE.some((re) => re.test(text))) {
    return new CliError('KUBE_ERROR', `${what} failed: the cluster is not reachable:\n${msg}`, {
      exit: EXIT.REMOTE,
      hints: ['Check the current context with `kubectl config current-context`, and that the cluster is running (`kfp cluster list`).'],
    })
  }
  if (FORBIDDEN.some((re) => re.test(text))) {
    return new CliError('KUBE_ERROR', `${what} failed: permission denied by the cluster:\n${msg}`, {
      exit: EXIT.AUTH,
      hints: ['Grant yourself cluster-admin: `kfp cluster create NAME` does it for the current gcloud account (it reuses an existing cluster).'],
    })
  }
  return failedCommand('kubectl', args, r, ['Run again with --verbose to see kubectl\'s full output.'])
}
