import type {Env} from './lib/env.js'
import type {Exec} from './clients/exec.js'
import type {Prompter} from './ui/prompts.js'

/**
 * Everything a service may touch in the outside world, injected so tests can replace it.
 * Heavy clients are factories, created on first use (dockerode, storage, kubernetes are imported lazily).
 */
export interface Ctx {
  /** Working directory the command was started in. */
  cwd: string
  /** Environment variables (process.env in production). */
  env: Env
  /** Runs external programs with argument arrays. */
  exec: Exec
  /** Asks the user; throws MISSING_INPUT when prompting is not possible. */
  prompter: Prompter
  /** Clock, replaceable in tests. */
  now: () => Date
  /** Aborted on Ctrl-C (SIGINT/SIGTERM). */
  signal: AbortSignal
  /** Extra clients added by later features, keyed by name; each is a lazy factory. */
  clients: Partial<ClientFactories>
}

/**
 * Lazy factories for the heavier outside-world clients. Each feature adds its entry here;
 * services take the factory from ctx.clients and fall back to the default implementation.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ClientFactories {}
