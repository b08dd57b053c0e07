// What a process-runner step inherits from kfp's environment (issue 11 point 4). The Docker runner passes a step
// nothing of the host's environment; a host process inherits the user's environment (PATH, HOME, their own cloud
// credentials for tools the step runs) minus every variable kfp itself reads for its configuration or credentials:
//   - deny: every KFP_* variable (KFP_TOKEN, KFP_REGISTRY_USERNAME/PASSWORD, KFP_ENDPOINT, …: src/lib/env.ts),
//     CLOUDSDK_AUTH_ACCESS_TOKEN(_FILE) (the gcloud token kfp's cluster commands use), and the variables that
//     targets name as their token source (`auth.tokenEnv`, in kfp.yaml or the per-user config);
//   - then the engine's own variables (KFP_PIPELINE_ROOT) and the step's `env:` are added on top.
// A step that needs one of these values gets it explicitly through `env:` in kfp.yaml.
import type {Ctx} from '../../ctx.js'
import type {Env} from '../../lib/env.js'

const DENY_PATTERNS = [/^KFP_/, /^CLOUDSDK_AUTH_ACCESS_TOKEN(_FILE)?$/]

/** The variables of `env` a step may inherit: all but the denied ones. */
export function inheritableEnv(env: Env, deny: Iterable<string> = []): Env {
  const names = new Set(deny)
  const out: Env = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || names.has(k) || DENY_PATTERNS.some((p) => p.test(k))) continue
    out[k] = v
  }
  return out
}

/** The names of the variables configured targets read tokens from (`auth.tokenEnv`); unreadable configs add none. */
export async function tokenEnvNames(ctx: Pick<Ctx, 'env' | 'cwd'>): Promise<string[]> {
  const {findProjectFile, readProjectTargets, readUserConfig} = await import('../target/config.js')
  const names: string[] = []
  const collect = (targets: Record<string, unknown> | undefined) => {
    for (const t of Object.values(targets ?? {})) {
      const env = (t as {auth?: {tokenEnv?: unknown}} | null)?.auth?.tokenEnv
      if (typeof env === 'string') names.push(env)
    }
  }
  try {
    collect((await readUserConfig(ctx)).targets as Record<string, unknown> | undefined)
  } catch {}
  try {
    const file = findProjectFile(ctx)
    if (file) collect((await readProjectTargets(file)).targets)
  } catch {}
  return names
}

/** The environment process-runner steps start from. */
export async function stepHostEnv(ctx: Pick<Ctx, 'env' | 'cwd'>): Promise<Env> {
  return inheritableEnv(ctx.env, await tokenEnvNames(ctx))
}
