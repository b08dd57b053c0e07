// `kfp run` on this machine (the embedded engine).
import type {Ctx} from '../../ctx.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {runLocal} from './local.js'
import type {RunEventHandler, RunOptions, RunResult} from './types.js'

export type {RunEvent, RunOptions, RunResult} from './types.js'

/**
 * Runs a pipeline on this machine. The command picks the target first (src/services/target/resolve.ts); KFP-server
 * targets go to src/services/remote/run.ts, everything else arrives here.
 */
export async function runPipeline(o: RunOptions, ctx: Ctx, onEvent: RunEventHandler = () => {}): Promise<RunResult> {
  const explicit = o.target ?? ctx.env.KFP_TARGET
  if (o.localFile && explicit && explicit !== 'local') {
    throw new CliError('USAGE', `--local runs a pipeline file on this machine; it cannot be combined with --target ${explicit}.`, {exit: EXIT.USAGE})
  }
  return runLocal(o, ctx, onEvent)
}
