// Groups (sub-DAGs, loops, iterations) that a killed kfp left open although every task in them had ended: the
// scheduler closes a group in the same turn as its last task ends (scheduler.ts runGroup/runLoop/runIteration),
// so a run record that shows all of a group's tasks ended and the group still running only lost that last write
// (a SIGKILL right after a step's success, issue 11 point 12). Reading such a record, the group gets the status
// and the outputs the scheduler would have given it; a group with a task that did not end stays as it is (and reads
// as interrupted). Pure: the caller supplies the DAGs of the pipeline spec.
import type {IrDag} from '../ir/types.js'
import {collectIterations, dagOutputs, dagStatus, type Ended} from './control.js'
import {childKey, templatePathOf} from './naming.js'
import {isTaskFinal, taskHasOutputs, type TaskOutputs, type TaskRecord} from './record.js'

function ended(t: TaskRecord): Ended {
  return {status: t.status, message: t.message, hasOutputs: taskHasOutputs(t), outputs: t.outputs, artifactLists: t.outputs.artifactLists}
}

function depth(t: TaskRecord, byKey: Map<string, TaskRecord>): number {
  let d = 0
  for (let p = t.parent; p !== undefined; p = byKey.get(p)?.parent) d++
  return d
}

/** Whether every task of the group is in the record (they are created together when the group starts) and ended. */
function allEnded(g: TaskRecord, children: TaskRecord[], dag: IrDag): boolean {
  const expected = g.kind === 'loop' ? g.iterations : Object.keys(dag.tasks).length
  return expected !== undefined && children.length === expected && children.every((c) => isTaskFinal(c.status))
}

function outputsOf(g: TaskRecord, children: TaskRecord[], dag: IrDag): TaskOutputs {
  const r =
    g.kind === 'loop'
      ? collectIterations([...children].sort((a, b) => (a.iteration ?? 0) - (b.iteration ?? 0)).map(ended), dag)
      : dagOutputs(dag, (name) => {
          const c = children.find((x) => x.name === childKey(g.name, name))
          return c && ended(c)
        })
  return Object.keys(r.artifactLists).length ? {...r.outputs, artifactLists: r.artifactLists} : r.outputs
}

/**
 * Closes, innermost first, every unfinished group whose tasks all ended, as the scheduler would have: status from
 * its tasks (core/engine/control.ts dagStatus), outputs from its DAG (dagOutputs; collectIterations for a loop),
 * finishedAt that of its last task. `dagOf` gives the DAG a group runs, by template path (a loop and its iterations
 * run the loop's DAG). Returns the keys it closed; changes the records in place.
 */
export function closeEndedGroups(tasks: TaskRecord[], dagOf: (templatePath: string) => IrDag | undefined): string[] {
  const byKey = new Map(tasks.map((t) => [t.name, t]))
  const children = new Map<string, TaskRecord[]>()
  for (const t of tasks) {
    if (t.parent === undefined) continue
    const list = children.get(t.parent)
    if (list) list.push(t)
    else children.set(t.parent, [t])
  }
  const open = tasks.filter((t) => t.kind !== undefined && !isTaskFinal(t.status)).sort((a, b) => depth(b, byKey) - depth(a, byKey))
  const closed: string[] = []
  for (const g of open) {
    const dag = dagOf(templatePathOf(g.name))
    const kids = children.get(g.name) ?? []
    if (!dag || !allEnded(g, kids, dag)) continue
    g.status = dagStatus(kids.map((k) => k.status))
    g.outputs = outputsOf(g, kids, dag)
    const last = kids.map((k) => k.finishedAt).filter((f): f is string => f !== undefined).sort().at(-1)
    if (last && g.startedAt) g.finishedAt = last
    closed.push(g.name)
  }
  return closed
}
