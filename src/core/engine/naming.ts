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

type ParamBinding = {componentInputParameter?: string; taskOutputParameter?: {producerTask: string; outputParameterKey: string}}

/**
 * The name users know for a task input the compiler named after its channel (sdk/python/kfp/compiler/
 * compiler_utils.py additional_input_name_for_pipeline_channel): a step output reads `pick-best.best_rmse`, a
 * pipeline parameter its own name (`maxRmse`); other names stay as they are.
 */
export function channelLabel(input: string, binding: ParamBinding | undefined): string {
  const out = binding?.taskOutputParameter
  if (out) return `${out.producerTask}.${out.outputParameterKey}`
  const from = binding?.componentInputParameter ?? input
  return from.startsWith('pipelinechannel--') ? from.slice('pipelinechannel--'.length) : from
}

/** A compiled condition with its inputs by the names users know (`pick-best.best_rmse < maxRmse`). */
export function readableCondition(expression: string, bindings: Record<string, ParamBinding> = {}): string {
  return expression.replace(/inputs\.parameter_values\[(['"])(.*?)\1\]/g, (_m, _q, n: string) => channelLabel(n, bindings[n]))
}

/**
 * A false condition as users read it: `condition false: pick-best.best_rmse < maxRmse (with pick-best.best_rmse=0.51,
 * maxRmse=0.1)` for the compiled `inputs.parameter_values['pipelinechannel--pick-best-best_rmse'] < …`.
 */
export function conditionFalseText(expression: string, seen: Record<string, unknown>, bindings: Record<string, ParamBinding> = {}): string {
  const label = (n: string) => channelLabel(n, bindings[n])
  const expr = readableCondition(expression, bindings)
  const values = Object.entries(seen).map(([k, v]) => `${label(k)}=${JSON.stringify(v)}`).join(', ')
  return `condition false: ${expr}${values ? ` (with ${values})` : ''}`
}
