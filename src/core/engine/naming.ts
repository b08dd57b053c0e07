/**
 * Names of tasks inside control flow. A task's record key is its path from the root: IR task keys joined by `/`,
 * each loop iteration adding `[i]` to its loop's segment (`for-loop-2[0]/train`). Its label, what users see in
 * events, `kfp runs get` and `kfp logs`, is its own task key followed by the indices of every enclosing loop,
 * outermost first (`train[0]`, nested `train[0][1]`). A template path is the key without indices
 * (`for-loop-2/train`): what `kfp steps` numbers and what the up-front check names.
 */

/** The record key of task `name` inside the DAG instance `scope` ('' for the root). */
export function childKey(scope: string, name: string): string {
  return scope ? `${scope}/${name}` : name
}

/** The record key of iteration `i` of the loop task whose key is `loopKey`. */
export function iterationKey(loopKey: string, i: number): string {
  return `${loopKey}[${i}]`
}

const SEGMENT = /^(.*?)((?:\[\d+\])*)$/

/** The label of a record key: `for-loop-2[0]/for-loop-3[1]/train` → `train[0][1]`; `for-loop-2[3]` → `for-loop-2[3]`. */
export function labelOf(key: string): string {
  const segs = key.split('/')
  const indices = segs.map((s) => SEGMENT.exec(s)![2]).join('')
  return `${SEGMENT.exec(segs.at(-1)!)![1]}${indices}`
}

/** The template path of a record key (indices removed): `for-loop-2[0]/train` → `for-loop-2/train`. */
export function templatePathOf(key: string): string {
  return key.replace(/\[\d+\]/g, '')
}

/** The loop indices in a record key, outermost first. */
export function indicesOf(key: string): number[] {
  return [...key.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]))
}

/**
 * Labels for a set of record keys, as users see them (`train[0]`); a label two different keys share (a nested
 * pipeline's `train` next to the root's `train`) stays the record key for those keys, so no two keys show alike.
 */
export function uniqueLabels(keys: Iterable<string>): Map<string, string> {
  const all = [...new Set(keys)]
  const count = new Map<string, number>()
  for (const k of all) count.set(labelOf(k), (count.get(labelOf(k)) ?? 0) + 1)
  return new Map(all.map((k) => [k, count.get(labelOf(k))! > 1 ? k : labelOf(k)]))
}
