import type {Ctx} from '../../ctx.js'
import {createGcloud, isGcloudNotFound, translateGcloudFailure} from '../../clients/gcloud.js'
import {createKubectl, translateKubectlFailure} from '../../clients/kubectl.js'
import type {ExecResult} from '../../clients/exec.js'
import {resolveArgs, type Cmd, type PlanStep} from '../../core/cluster/shell.js'
import {BugError, type CliError} from '../../lib/errors.js'

/** Progress of a plan, for the command's spinner and --verbose output. */
export type PlanEvent =
  | {type: 'step'; title: string}
  | {type: 'step-done'; title: string; skipped: boolean; note?: string}
  | {type: 'output'; line: string; stream: 'stdout' | 'stderr'}

/** What running a plan produced: captured values, and per step whether it was skipped. */
export interface PlanRun {
  values: Record<string, string>
  skipped: boolean[]
  outputs: string[]
}

async function runCmd(cmd: Cmd, values: Record<string, string>, ctx: Ctx, input: string | undefined, onEvent?: (e: PlanEvent) => void): Promise<ExecResult> {
  const args = resolveArgs(cmd.args, values)
  const onLine = onEvent ? (line: string, stream: 'stdout' | 'stderr') => onEvent({type: 'output', line, stream}) : undefined
  if (cmd.file === 'gcloud') return createGcloud(ctx).tryRun(args, {input, onLine})
  if (cmd.file === 'kubectl') return createKubectl(ctx).tryRun(args, {input, onLine})
  throw new BugError(`Plan step runs an unknown program: ${cmd.file}`)
}

function failure(cmd: Cmd, values: Record<string, string>, r: ExecResult): CliError {
  const args = resolveArgs(cmd.args, values)
  return cmd.file === 'gcloud' ? translateGcloudFailure(args, r) : translateKubectlFailure(args, r)
}

/**
 * Runs a plan step by step (argument arrays, never a shell): `unless` probes, captures, stdin feeds.
 * An `unless` probe that fails with "not found" lets the step run; any other probe failure (auth, quota, permission)
 * stops the plan with its translated error.
 */
export async function runPlan(steps: PlanStep[], ctx: Ctx, onEvent?: (e: PlanEvent) => void): Promise<PlanRun> {
  const values: Record<string, string> = {}
  const skipped: boolean[] = []
  const outputs: string[] = []
  for (const step of steps) {
    onEvent?.({type: 'step', title: step.title})
    if (step.ifSet !== undefined && !values[step.ifSet]) {
      skipped.push(true)
      outputs.push('')
      onEvent?.({type: 'step-done', title: step.title, skipped: true, note: `skipped: no ${step.ifSet}`})
      continue
    }
    if (step.unless) {
      const probe = await runCmd(step.unless, values, ctx, undefined)
      if (probe.exitCode === 0) {
        skipped.push(true)
        outputs.push(probe.stdout)
        onEvent?.({type: 'step-done', title: step.title, skipped: true})
        continue
      }
      if (step.unless.file === 'gcloud' && !isGcloudNotFound(probe)) throw failure(step.unless, values, probe)
    }
    let input: string | undefined
    if (step.stdinFrom) {
      const first = await runCmd(step.stdinFrom, values, ctx, undefined, onEvent)
      if (first.exitCode !== 0) throw failure(step.stdinFrom, values, first)
      // exec strips the final newline; a pipe would have passed it on.
      input = first.stdout && !first.stdout.endsWith('\n') ? `${first.stdout}\n` : first.stdout
    }
    const r = await runCmd(step.cmd, values, ctx, input, onEvent)
    if (r.exitCode !== 0) throw failure(step.cmd, values, r)
    if (step.capture) values[step.capture] = r.stdout.trim()
    skipped.push(false)
    outputs.push(r.stdout)
    onEvent?.({type: 'step-done', title: step.title, skipped: false})
  }
  return {values, skipped, outputs}
}
