// `kfp run`: choose where the pipeline runs. The local engine is here; remote (KFP server) targets plug in at the
// marked branch.
import type {Ctx} from '../../ctx.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {runLocal} from './local.js'
import type {RunEvent, RunOptions, RunResult} from './types.js'

export type {RunEvent, RunOptions, RunResult} from './types.js'

/** The target a run goes to. */
export interface RunTarget {
  name: string
  type: 'local' | 'kfp'
}

/**
 * Resolves the target: --target, else $KFP_TARGET, else the project's defaultTarget, else `local`.
 * `--local FILE` always runs locally. `local` always exists.
 */
export async function resolveRunTarget(o: RunOptions, ctx: Ctx): Promise<RunTarget> {
  const explicit = o.target ?? ctx.env.KFP_TARGET
  if (o.localFile) {
    if (explicit && explicit !== 'local')
      throw new CliError('USAGE', `--local runs a pipeline file on this machine; it cannot be combined with --target ${explicit}.`, {exit: EXIT.USAGE})
    return {name: 'local', type: 'local'}
  }
  if (explicit === 'local') return {name: 'local', type: 'local'}
  let targets: Record<string, {type?: string}> = {}
  let defaultTarget: string | undefined
  try {
    const {loadProject} = await import('../project/load.js')
    const project = await loadProject({cwd: o.cwd, project: o.project}, ctx)
    targets = project.targets
    defaultTarget = project.defaultTarget
  } catch (err) {
    // The run itself reports project errors; target lookup only needs what loads.
    if (explicit) throw err
  }
  const name = explicit ?? defaultTarget ?? 'local'
  if (name === 'local') return {name, type: 'local'}
  const t = targets[name]
  if (!t) {
    throw new CliError('TARGET_NOT_FOUND', `No target '${name}'.`, {
      exit: EXIT.CONFIG,
      hints: [`Targets: ${['local', ...Object.keys(targets).filter((n) => n !== 'local')].join(', ')}`, 'Use --target local to run on this machine.'],
    })
  }
  return {name, type: t.type === 'kfp' ? 'kfp' : 'local'}
}

/** Runs a pipeline on its target. */
export async function runPipeline(o: RunOptions, ctx: Ctx, onEvent: (e: RunEvent) => void = () => {}): Promise<RunResult> {
  const target = await resolveRunTarget(o, ctx)
  if (target.type === 'kfp') {
    // REMOTE HOOK: KFP-server runs are dispatched here (services/remote). Until then, say so clearly.
    throw new CliError('TARGET_INVALID', `Target '${target.name}' is a KFP server; running on remote targets is not configured yet in this build.`, {
      exit: EXIT.CONFIG,
      hints: ['Run on this machine with --target local.'],
    })
  }
  return runLocal(o, ctx, onEvent)
}
