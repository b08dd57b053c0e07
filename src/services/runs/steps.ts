// Finding a local run's steps by the references users give (`kfp logs RUN STEP`, `kfp artifacts list RUN --step`),
// and the one error for a reference that names none.
import {labelOf} from '../../core/engine/naming.js'
import {recordTreeOrder, type RunRecord, type TaskRecord} from '../../core/engine/record.js'
import {nameList} from '../../core/project/names.js'
import {CliError, EXIT} from '../../lib/errors.js'

/** A run's step records (not the groups they run in), in the order `kfp runs get` shows them. */
export function stepsInOrder(run: RunRecord): TaskRecord[] {
  return recordTreeOrder(run.tasks)
    .map((x) => x.task)
    .filter((t) => t.kind === undefined)
}

/**
 * The steps `ref` names: a step number (every iteration of that step inside loops), a record key
 * (`for-loop-2[1]/train`), a label (`train[1]`, `train` for a step outside loops) or a display name.
 */
export function findSteps(steps: TaskRecord[], ref: string): TaskRecord[] {
  if (/^\d+$/.test(ref)) return steps.filter((t) => t.number === Number(ref))
  const exact = steps.filter((t) => t.name === ref)
  if (exact.length) return exact
  const labelled = steps.filter((t) => labelOf(t.name) === ref)
  return labelled.length ? labelled : steps.filter((t) => t.displayName === ref)
}

/** STEP_NOT_FOUND (exit 2) for a reference that names no step of the run, listing its steps (the first 30, then "and N more"). */
export function stepNotFound(run: RunRecord, ref: string): CliError {
  const listed = stepsInOrder(run).map((x) => `${x.number}. ${labelOf(x.name)}`)
  return new CliError('STEP_NOT_FOUND', `Run ${run.name} has no step '${ref}'. Steps: ${nameList(listed)}`, {exit: EXIT.USAGE})
}
