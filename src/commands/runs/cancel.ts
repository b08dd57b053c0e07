import {Args} from '@oclif/core'
import {BaseCommand} from '../../base-command.js'
import {projectFlag, runsTargetFlags} from '../../flags.js'
import type {RunRecord} from '../../core/engine/record.js'
import {cancelRun, type StoppedStep} from '../../services/runs/index.js'
import {resolveTarget} from '../../services/target/resolve.js'
import {actOnRemoteRun, type RemoteRunInfo} from '../../services/remote/runs.js'

type CancelResult = {run: RunRecord | RemoteRunInfo; action: 'cancel'; changed: boolean; cancelled: boolean; stoppedSteps: StoppedStep[]}

export default class RunsCancel extends BaseCommand {
  static summary = 'Cancel a running run.'
  static description =
    'Signals the kfp process that runs it; that process stops and removes the step containers or processes and records the run and its unfinished steps as cancelled. For a local run whose kfp process was killed (shown as interrupted), stops the step processes or containers it left running and records the run as cancelled. Cancelling a run that already finished changes nothing.'
  static examples = ['<%= config.bin %> <%= command.id %> latest']
  static args = {run: Args.string({required: true, description: 'Run id, name or latest.'})}
  static flags = {
    project: projectFlag,
    ...runsTargetFlags,
  }

  /**
   * One shape for a local and a server run (docs/json.md): `{run, action: 'cancel', changed, cancelled, stoppedSteps}`;
   * `changed` and `cancelled` are the same (false: it had finished), `stoppedSteps` only ever has entries locally.
   */
  async run(): Promise<CancelResult> {
    const {args, flags} = await this.parse(RunsCancel)
    const t = await resolveTarget({target: flags.target}, this.ctx)
    if (t.type === 'kfp') {
      const r = await actOnRemoteRun({target: flags.target, runId: args.run, action: 'cancel'}, this.ctx)
      if (r.changed) this.out(`Cancelled run ${r.run.name} (${r.run.id}).`)
      else this.out(`Run ${r.run.name} (${r.run.id}) had already finished (${r.run.status}); nothing to cancel.`)
      return {run: r.run, action: 'cancel', changed: r.changed, cancelled: r.changed, stoppedSteps: []}
    }
    const result = await cancelRun({cwd: this.ctx.cwd, project: flags.project, run: args.run}, this.ctx)
    const r = result.run
    if (result.cancelled) this.out(`Cancelled run ${r.name} (${r.id}).`)
    else this.out(`Run ${r.name} (${r.id}) had already finished (${r.status}); nothing to cancel.`)
    for (const s of result.stoppedSteps ?? [])
      this.info(`Stopped step ${s.task}, left running by the killed kfp process (${s.pid !== undefined ? `process group ${s.pid}` : `container ${s.containerId!.slice(0, 12)}`}).`)
    return {run: r, action: 'cancel', changed: result.cancelled, cancelled: result.cancelled, stoppedSteps: result.stoppedSteps ?? []}
  }
}
