/**
 * Where steps sit in the pipeline's control flow, and what a reference from one step to another means there.
 * One rule set for validation (load.ts), `kfp steps` and the compiler, following the KFP SDK's topology rules
 * (kfp/compiler/compiler_utils.py `validate_parallel_for_fan_in_consumption_legal`, `get_dependencies`):
 *
 * - A step's frames are the control-flow contexts around it, outermost first: the exit handler (every top-level node
 *   except the `finally:` one, when there is one), then for each enclosing node (group or the step itself) its loop and
 *   then its condition. Plain groups (no forEach/when/finally) add no frame. A `finally:` group is a frame of its own.
 * - A reference from consumer C to producer P: frames they share are common; P's remaining frames are "uncommon".
 *   No uncommon frame: the value (same iteration). The outermost uncommon frame a loop: the collected list of every
 *   iteration's value (dsl.Collected). A condition, the exit handler or the finally group: not allowed (the value may
 *   not exist). `after:` follows the same rule, except that waiting for a whole loop is allowed.
 */
import type {Control, Group, NodeRef, Project, Step} from './types.js'

export type Frame =
  | {kind: 'exit-handler'}
  | {kind: 'loop'; owner: string}
  | {kind: 'condition'; owner: string}
  | {kind: 'final-group'; owner: string}

export const frameKey = (f: Frame): string => (f.kind === 'exit-handler' ? 'exit-handler' : `${f.kind}:${f.owner}`)

/** The top level of `steps:` (every step when the project was built without groups). */
export function projectNodes(p: Pick<Project, 'steps' | 'nodes'>): NodeRef[] {
  return p.nodes ?? p.steps.map((s) => ({step: s.name}))
}

export interface Tree {
  nodes: NodeRef[]
  groups: Record<string, Group>
  steps: Map<string, Step>
}

export function treeOf(p: Pick<Project, 'steps' | 'nodes' | 'groups'>): Tree {
  const steps = new Map<string, Step>()
  for (const s of p.steps) if (!steps.has(s.name)) steps.set(s.name, s)
  return {nodes: projectNodes(p), groups: p.groups ?? {}, steps}
}

export const nodeName = (n: NodeRef): string => ('step' in n ? n.step : n.group)

export function controlOf(t: Tree, n: NodeRef): (Control & {name: string; parent?: string}) | undefined {
  return 'step' in n ? t.steps.get(n.step) : t.groups[n.group]
}

/** The node that is `finally: true` (at the top level), if any. */
export function finalNode(t: Tree): NodeRef | undefined {
  // Asked for every reference and step: found once per top-level list (a scan each time is quadratic in the steps).
  const hit = finalCache.get(t.nodes)
  if (hit && hit.length === t.nodes.length) return hit.node
  const node = t.nodes.find((n) => controlOf(t, n)?.final)
  finalCache.set(t.nodes, {length: t.nodes.length, node})
  return node
}
const finalCache = new WeakMap<NodeRef[], {length: number; node: NodeRef | undefined}>()

/** The frames a node's own control adds around its content: loop, then condition (a finally group: its frame). */
export function ownFrames(name: string, c: Control, isGroup: boolean): Frame[] {
  const out: Frame[] = []
  if (c.final && isGroup) out.push({kind: 'final-group', owner: name})
  if (c.loop) out.push({kind: 'loop', owner: name})
  if (c.when) out.push({kind: 'condition', owner: name})
  return out
}

/** The chain of enclosing nodes of a node, outermost first (group names), excluding the node itself. */
export function ancestors(t: Tree, n: NodeRef): string[] {
  const out: string[] = []
  let parent = controlOf(t, n)?.parent
  while (parent !== undefined && !out.includes(parent)) {
    out.unshift(parent)
    parent = t.groups[parent]?.parent
  }
  return out
}

/**
 * The frames around a node's own control (what its forEach: is evaluated in), outermost first.
 * `inside` adds the node's own frames (what its content — a step's task, a group's steps — runs in).
 */
export function framesOf(t: Tree, n: NodeRef, inside: boolean): Frame[] {
  const chain = ancestors(t, n)
  const top = chain[0] ?? nodeName(n)
  const fin = finalNode(t)
  const out: Frame[] = []
  if (fin && nodeName(fin) !== top) out.push({kind: 'exit-handler'})
  for (const g of chain) {
    const group = t.groups[g]
    if (group) out.push(...ownFrames(g, group, true))
  }
  if (inside) {
    const c = controlOf(t, n)
    if (c) out.push(...ownFrames(nodeName(n), c, 'group' in n))
  }
  return out
}

/** The frames a step's task runs in. */
export function stepFrames(t: Tree, step: string): Frame[] {
  return framesOf(t, {step}, true)
}

export type RefKind =
  | {kind: 'value'}
  | {kind: 'collected'; loops: number}
  | {kind: 'illegal'; frame: Frame}

/** What a reference from a consumer (running in `consumer` frames) to a producer step's output means. */
export function classifyRef(consumer: Frame[], producer: Frame[]): RefKind {
  let k = 0
  while (k < consumer.length && k < producer.length && frameKey(consumer[k]) === frameKey(producer[k])) k++
  const uncommon = producer.slice(k)
  if (uncommon.length === 0) return {kind: 'value'}
  if (uncommon[0].kind === 'loop') return {kind: 'collected', loops: uncommon.filter((f) => f.kind === 'loop').length}
  return {kind: 'illegal', frame: uncommon[0]}
}

/** Whether a frame list is inside at least one loop; returns the innermost loop's owner. */
export function innermostLoop(frames: Frame[]): string | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]
    if (f.kind === 'loop') return f.owner
  }
  return undefined
}

/** Whether the node `inner` is `outer` or lies inside the group `outer`. */
export function isWithin(t: Tree, inner: NodeRef, outer: string): boolean {
  return nodeName(inner) === outer || ancestors(t, inner).includes(outer)
}

/** The steps of a node, depth-first (a step: itself). */
export function stepsUnder(t: Tree, n: NodeRef): string[] {
  if ('step' in n) return [n.step]
  return (t.groups[n.group]?.children ?? []).flatMap((c) => stepsUnder(t, c))
}

/** A readable name of a frame for messages: "the loop of step 'train'", "the condition of group 'evaluate'". */
export function describeFrame(t: Tree, f: Frame): string {
  if (f.kind === 'exit-handler') return 'the exit handler'
  const what = t.groups[f.owner] ? `group '${f.owner}'` : `step '${f.owner}'`
  if (f.kind === 'loop') return `the forEach loop of ${what}`
  if (f.kind === 'condition') return `the when: condition of ${what}`
  return `the finally ${what}`
}
