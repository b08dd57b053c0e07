import {Document, isMap, isScalar, isSeq, parseDocument, type YAMLSeq} from 'yaml'

/** A step entry to add to kfp.yaml (the same shape a user writes under `steps:`). */
export interface StepEntry {
  name: string
  component?: string
  inputs?: Record<string, string | number | boolean>
}

/** Why a step could not be added, for the service to turn into a CliError. */
export type AddStepProblem =
  | {kind: 'yaml'; message: string; line?: number; col?: number}
  | {kind: 'duplicate'; name: string}
  | {kind: 'after-not-found'; after: string; steps: string[]}
  | {kind: 'steps-not-a-list'}

export type AddStepResult = {ok: true; text: string; index: number} | {ok: false; problem: AddStepProblem}

/** The step names of a kfp.yaml text, depth-first through groups (unnamed or malformed entries are skipped). */
export function stepNamesOf(text: string): string[] {
  const doc = parseDocument(text)
  return stepLocations(doc.get('steps', true)).map((l) => l.name)
}

/** Every step of a `steps:` node, depth-first through `- group:` entries: its name, list and index in that list. */
function stepLocations(node: unknown, depth = 0): Array<{name: string; seq: YAMLSeq; index: number}> {
  if (!isSeq(node) || depth > 100) return []
  return node.items.flatMap((it, index) => {
    if (!isMap(it)) return []
    if (it.has('group')) return stepLocations(it.get('steps', true), depth + 1)
    const n = it.get('name')
    return typeof n === 'string' ? [{name: n, seq: node as YAMLSeq, index}] : []
  })
}

/** Plain step objects of a parsed `steps:` value, depth-first through groups (what `kfp steps` numbers). */
export function flatSteps(steps: unknown, depth = 0): Array<Record<string, unknown>> {
  if (!Array.isArray(steps) || depth > 100) return []
  return steps.flatMap((s) => {
    if (!s || typeof s !== 'object' || Array.isArray(s)) return []
    const o = s as Record<string, unknown>
    return 'group' in o ? flatSteps(o.steps, depth + 1) : [o]
  })
}

/**
 * Adds a step to the `steps:` list of a kfp.yaml text, after the step `after` (default: at the end), and returns the
 * new text. In the usual block layout the step is spliced into the original text, so every other byte (comments,
 * alignment, flow maps, blank lines) stays as it was; the positions come from the yaml Document's node ranges.
 * A missing, empty or flow-style `steps:` is rewritten through the Document API instead (comments are kept, layout
 * of that node may change).
 */
export function addStepToKfpYaml(text: string, step: StepEntry, opts: {after?: string} = {}): AddStepResult {
  const doc = parseDocument(text, {keepSourceTokens: false})
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    return {ok: false, problem: {kind: 'yaml', message: e.message.split('\n')[0], line: e.linePos?.[0]?.line, col: e.linePos?.[0]?.col}}
  }
  const node = doc.get('steps', true)
  if (node !== undefined && !isSeq(node) && !(isScalar(node) && node.value === null)) return {ok: false, problem: {kind: 'steps-not-a-list'}}
  const locations = stepLocations(node)
  const names = locations.map((l) => l.name)
  if (names.includes(step.name)) return {ok: false, problem: {kind: 'duplicate', name: step.name}}
  let afterIndex = names.length - 1
  if (opts.after !== undefined) {
    afterIndex = names.indexOf(opts.after)
    if (afterIndex < 0) return {ok: false, problem: {kind: 'after-not-found', after: opts.after, steps: names}}
  }
  const entry = stepObject(step)
  // --after a step inside a group: the new step joins that group's list, right after it.
  const target = opts.after !== undefined ? locations[afterIndex] : undefined
  const seqOf = target ? target.seq : node
  if (isSeq(seqOf) && !seqOf.flow && seqOf.items.length > 0 && seqOf.items.every((it) => it && (it as {range?: unknown}).range)) {
    const seq = seqOf as YAMLSeq
    const itemIndex = target ? target.index : seq.items.length - 1
    return {ok: true, text: spliceAfter(text, seq, itemIndex, entry), index: afterIndex + 1}
  }
  if (target && isSeq(seqOf)) {
    seqOf.items.splice(target.index + 1, 0, doc.createNode(entry))
    return {ok: true, text: doc.toString({lineWidth: 0}), index: afterIndex + 1}
  }
  // Fallback: no usable block list to splice into.
  if (isSeq(node)) {
    node.items.push(doc.createNode(entry))
    node.flow = false
  } else {
    doc.set('steps', doc.createNode([entry]))
  }
  return {ok: true, text: doc.toString({lineWidth: 0}), index: afterIndex + 1}
}

function stepObject(step: StepEntry): Record<string, unknown> {
  const o: Record<string, unknown> = {name: step.name}
  if (step.component && step.component !== step.name) o.component = step.component
  if (step.inputs && Object.keys(step.inputs).length > 0) o.inputs = step.inputs
  return o
}

function spliceAfter(text: string, seq: YAMLSeq, itemIndex: number, entry: Record<string, unknown>): string {
  const first = seq.items[0] as {range: [number, number, number]}
  const item = seq.items[itemIndex] as {range: [number, number, number]}
  // The "  - " before the first item gives the list's indentation.
  const lineStart = text.lastIndexOf('\n', first.range[0] - 1) + 1
  const lead = text.slice(lineStart, first.range[0])
  const dash = /^(\s*)-(\s+)$/.exec(lead)
  const indent = dash ? dash[1] : '  '
  const gap = dash ? dash[2] : ' '
  const body = new Document(entry).toString({lineWidth: 0}).replace(/\n$/, '')
  const pad = indent + ' '.repeat(1 + gap.length)
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const block = body
    .split('\n')
    .map((l, i) => (i === 0 ? `${indent}-${gap}${l}` : l ? pad + l : l))
    .join(eol)
  // Insert after the line holding the end of the item's value (a trailing same-line comment stays with it);
  // comments on the following lines belong to what comes next.
  let at = item.range[1]
  if (at > 0 && text[at - 1] === '\n') return text.slice(0, at) + block + eol + text.slice(at)
  const nl = text.indexOf('\n', at)
  if (nl < 0) return text + eol + block + eol
  at = nl + 1
  return text.slice(0, at) + block + eol + text.slice(at)
}
