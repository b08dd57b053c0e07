/**
 * Control flow in kfp.yaml: the step tree (`- group: NAME` with its own `steps:`), `forEach:`/`parallelism:`,
 * `when:`, `finally:`, and what references mean inside them. Parsing (walkSteps, parseControl) and the checks that
 * need the whole project (checkReference, checkControl), each problem located with a fix. Pure.
 */
import type {BindingRef} from './bindings.js'
import {parseBinding} from './bindings.js'
import {didYouMeanSuffix, isValidK8sName, nameList} from './names.js'
import {inferParamType, typeWord} from './param-types.js'
import {
  ancestors,
  classifyRef,
  describeFrame,
  finalNode,
  framesOf,
  innermostLoop,
  isWithin,
  nodeName,
  stepFrames,
  type Frame,
  type Tree,
} from './scopes.js'
import type {ComponentIO, Control, Group, JsonValue, Loop, NodeRef, ParamType, PipelineParam, Step, WhenOperand} from './types.js'
import {parseWhen, whenComparisons} from './when.js'
import type {YamlPath} from './yaml-doc.js'
import {isObj, type Obj} from '../obj.js'


type At = (p: YamlPath, mode?: 'key' | 'value') => {file: string; line: number; col: number}
type Add = (p: YamlPath, message: string, code: string, hint?: string, mode?: 'key' | 'value', colOffset?: number) => void

export interface StepEntry {
  raw: Obj
  path: YamlPath
  parent?: string
}

export interface WalkedTree {
  /** Step entries depth-first (what step numbers count). */
  steps: StepEntry[]
  groups: Record<string, Group>
  groupPaths: Map<string, YamlPath>
  nodes: NodeRef[]
}

/**
 * Flattens `steps:` (with nested `- group:` entries) depth-first, parsing each group's own control. `posAt` gives
 * the position a group keeps (one computed when read, see yaml-doc.ts lazyPosition).
 */
export function walkSteps(value: unknown, at: At, add: Add, posAt: At): WalkedTree {
  const out: WalkedTree = {steps: [], groups: {}, groupPaths: new Map(), nodes: []}
  const walk = (list: unknown, base: YamlPath, parent: string | undefined, into: NodeRef[]) => {
    if (!Array.isArray(list)) return
    list.forEach((raw, i) => {
      const p: YamlPath = [...base, i]
      if (!isObj(raw)) return
      if ('group' in raw) {
        if (typeof raw.group !== 'string') return
        const name = raw.group
        const who = `group '${name}'`
        if (!isValidK8sName(name)) add([...p, 'group'], `group name '${name}' is not a valid Kubernetes name: use lowercase letters, digits and '-'`, 'INVALID_NAME', "Use lowercase letters, digits and '-', starting and ending with a letter or digit.")
        if (out.groups[name]) {
          add([...p, 'group'], `duplicate group name '${name}' (line ${at([...out.groupPaths.get(name)!, 'group']).line} has it too)`, 'DUPLICATE_NAME', 'Group names must be unique; rename one of them.')
          return
        }
        const group: Group = {name, children: [], pos: posAt(p), ...parseControl(raw, p, who, at, add)}
        if (parent !== undefined) group.parent = parent
        out.groups[name] = group
        out.groupPaths.set(name, p)
        into.push({group: name})
        if (!Array.isArray(raw.steps) || raw.steps.length === 0) {
          add([...p, 'group'], `${who} has no steps`, 'SCHEMA', 'Add its steps under steps:, indented below the group, or remove the group.')
        }
        walk(raw.steps, [...p, 'steps'], name, group.children)
        return
      }
      if (typeof raw.name !== 'string') return
      const entry: StepEntry = {raw, path: p}
      if (parent !== undefined) entry.parent = parent
      out.steps.push(entry)
      into.push({step: raw.name})
    })
  }
  walk(value, ['steps'], undefined, out.nodes)
  return out
}

const FOR_EACH_HINT = 'forEach: takes a list param ${{ params.NAME }}, a literal list [a, b], or a list output ${{ steps.STEP.outputs.OUTPUT }}.'

/** `forEach:`, `parallelism:`, `when:`, `finally:` of a step or group (shape only; references are checked later). */
export function parseControl(raw: Obj, p: YamlPath, who: string, at: At, add: Add): Control {
  const c: Control = {}
  if ('forEach' in raw && raw.forEach !== null && raw.forEach !== undefined) {
    const loop = parseForEach(raw.forEach)
    if ('error' in loop) add([...p, 'forEach'], `${who}: ${loop.error}`, 'BAD_LOOP', loop.hint)
    else {
      c.loop = loop
      if (typeof raw.parallelism === 'number' && Number.isInteger(raw.parallelism) && raw.parallelism > 0) c.loop.parallelism = raw.parallelism
    }
  } else if (raw.parallelism !== undefined && raw.parallelism !== null) {
    add([...p, 'parallelism'], `${who}: parallelism: without forEach:`, 'BAD_LOOP', 'parallelism: limits the iterations of a forEach: loop; add forEach: or remove parallelism:.', 'key')
  }
  if (raw.when !== undefined && raw.when !== null) {
    if (typeof raw.when !== 'string') {
      add([...p, 'when'], `${who}: when: needs a condition on a reference, got ${JSON.stringify(raw.when)}`, 'BAD_CONDITION', 'Write e.g. when: ${{ params.deploy }} == true, or remove when:.')
    } else {
      const w = parseWhen(raw.when)
      if ('error' in w) {
        // Point at the offending place inside a one-line condition.
        add([...p, 'when'], `${who}: when: ${w.error.message}`, 'BAD_CONDITION', w.error.hint, 'value', raw.when.includes('\n') ? 0 : w.error.offset)
      } else c.when = {expr: w.expr, text: raw.when.trim()}
    }
  }
  if (raw.finally === true) c.final = true
  return c
}

function parseForEach(value: unknown): Loop | {error: string; hint: string} {
  if (Array.isArray(value)) {
    if (value.length === 0) return {error: 'forEach: over an empty list runs nothing', hint: 'List at least one item, e.g. forEach: [0.01, 0.1].'}
    if (JSON.stringify(value).includes('${{')) return {error: 'references inside a forEach: list are not supported', hint: 'Loop over a list param instead: forEach: ${{ params.NAME }}.'}
    return {items: {kind: 'literal', items: value as JsonValue[]}}
  }
  if (typeof value !== 'string') return {error: `forEach: over ${isObj(value) ? 'a mapping' : JSON.stringify(value)}, which is not a list`, hint: FOR_EACH_HINT}
  const b = parseBinding(value)
  if (b.errors.length > 0) return {error: b.errors[0].message, hint: b.errors[0].hint}
  const binding = b.binding!
  if (binding.kind === 'param') return {items: {kind: 'param', param: binding.param}}
  if (binding.kind === 'output') return {items: {kind: 'output', step: binding.step, output: binding.output}}
  if (binding.kind === 'item') return {error: 'forEach: over the item of an enclosing loop is not supported', hint: 'Loop over a list param or a list output instead.'}
  return {error: `forEach: over '${value}', which is not a list`, hint: FOR_EACH_HINT}
}

export type RefType = ParamType | 'artifact' | 'any'

/** What the checks need to know about the project. */
export interface RefContext {
  tree: Tree
  params: Map<string, PipelineParam>
  stepByName: Map<string, Step>
  stepNames: string[]
  outputsOf: (s: Step) => ComponentIO[] | undefined
}

export type Checked =
  | {ok: true; type: RefType; what: string; collected?: boolean; runStatus?: boolean}
  | {ok: false; message?: string; hint?: string; code?: string}

/** Where a reference is used: a step's input, or the forEach:/when: of a node. */
export type Use = {kind: 'input'; step: string} | {kind: 'forEach' | 'when' | 'after'; node: NodeRef}

function consumerFrames(t: Tree, use: Use): Frame[] {
  if (use.kind === 'input' || use.kind === 'after') return use.kind === 'input' ? stepFrames(t, use.step) : framesOf(t, use.node, true)
  const frames = framesOf(t, use.node, false)
  // A node's condition is evaluated inside its own loop (the loop is outside, the condition in each iteration).
  const c = 'step' in use.node ? t.steps.get(use.node.step) : t.groups[use.node.group]
  if (use.kind === 'when' && c?.loop) frames.push({kind: 'loop', owner: nodeName(use.node)})
  return frames
}

const consumerNode = (use: Use): NodeRef => (use.kind === 'input' ? {step: use.step} : use.node)

/**
 * Resolves one reference where it is used and returns the type it carries, or the located problem
 * (`ok: false` without a message: already reported elsewhere, e.g. a component that failed to load).
 */
export function checkReference(ctx: RefContext, ref: BindingRef, use: Use): Checked {
  const t = ctx.tree
  if ('param' in ref) {
    const param = ctx.params.get(ref.param)
    if (param) return {ok: true, type: param.type, what: `param '${param.name}'`}
    const names = [...ctx.params.keys()]
    return {ok: false, code: 'UNKNOWN_PARAM', message: `unknown param '${ref.param}'${didYouMeanSuffix(ref.param, names)}`, hint: names.length > 0 ? `Params: ${nameList(names)}; or declare '${ref.param}' under params:.` : `Declare it under params:, e.g. ${ref.param}: VALUE.`}
  }
  if ('runStatus' in ref) {
    const fin = finalNode(t)
    if (!fin || !isWithin(t, consumerNode(use), nodeName(fin))) {
      return {ok: false, code: 'BAD_REFERENCE', message: '${{ run.status }} is only defined in the finally: step (the exit handler)', hint: 'Mark the step that reports the run with finally: true, or bind this input to something else.'}
    }
    return {ok: true, type: 'struct', what: 'run.status', runStatus: true}
  }
  const frames = consumerFrames(t, use)
  if ('item' in ref) {
    const owner = innermostLoop(frames)
    if (owner === undefined) {
      return {ok: false, code: 'BAD_REFERENCE', message: `\${{ ${ref.field ? `item.${ref.field}` : 'item'} }} is only defined inside a forEach: loop`, hint: 'Add forEach: to this step or to a group around it, or bind the input to a param or an output.'}
    }
    const loop = (t.steps.get(owner) ?? t.groups[owner])!.loop!
    return itemType(loop, ctx.params, ref.field, owner)
  }
  const producer = ctx.stepByName.get(ref.step)
  if (!producer) {
    const renamed = renamedStep(ref.step, [...ctx.stepByName.values()])
    if (renamed) {
      return {ok: false, code: 'UNKNOWN_STEP', message: `unknown step '${ref.step}' — did you mean '${renamed}'?`, hint: `Step '${renamed}' runs components/${ref.step}: if it was renamed from '${ref.step}', rename the reference too: \${{ steps.${renamed}.outputs.${ref.output} }}.`}
    }
    return {ok: false, code: 'UNKNOWN_STEP', message: `unknown step '${ref.step}'${didYouMeanSuffix(ref.step, ctx.stepNames)}`, hint: `Steps: ${nameList(ctx.stepNames)}.`}
  }
  const outs = ctx.outputsOf(producer)
  if (!outs) return {ok: false}
  const out = outs.find((o) => o.name === ref.output)
  if (!out) {
    const names = outs.map((o) => o.name)
    return {ok: false, code: 'UNKNOWN_OUTPUT', message: `step '${ref.step}' has no output '${ref.output}'${didYouMeanSuffix(ref.output, names)}`, hint: names.length > 0 ? `Outputs of ${ref.step} (component ${producer.component}): ${names.join(', ')}.` : `Component '${producer.component}' declares no outputs; add one under outputs: in components/${producer.component}/component.yaml.`}
  }
  const scope = checkScope(ctx, ref.step, use, frames)
  if (!scope.ok) return scope
  const type: RefType = out.kind === 'artifact' ? 'artifact' : out.paramType ?? 'string'
  if (scope.collected) {
    if (type === 'artifact') {
      return {ok: false, code: 'UNSUPPORTED', message: `output '${ref.output}' of step '${ref.step}' is an artifact made in a forEach: loop; collecting artifacts from a loop is not supported`, hint: 'Collect a parameter output (a number or text per iteration) and pass the artifact inside the loop.'}
    }
    return {ok: true, type: 'list', collected: true, what: `the collected output '${ref.output}' of step '${ref.step}' (a list, one value per iteration)`}
  }
  return {ok: true, type, what: `output '${out.name}' of step '${ref.step}'`}
}

/** Whether `use` may see step `producer`'s outputs, and whether it sees the collected list. */
function checkScope(ctx: RefContext, producer: string, use: Use, frames: Frame[]): {ok: true; collected: boolean} | {ok: false; message: string; hint: string; code: string} {
  const t = ctx.tree
  const fin = finalNode(t)
  const node = consumerNode(use)
  const consumerIsFinal = fin !== undefined && isWithin(t, node, nodeName(fin))
  const producerIsFinal = fin !== undefined && isWithin(t, {step: producer}, nodeName(fin))
  if (producerIsFinal && !consumerIsFinal) {
    return {ok: false, code: 'BAD_REFERENCE', message: `step '${producer}' is in the finally: part, which runs after every other step`, hint: 'Only steps of the finally: group can use its outputs.'}
  }
  if (consumerIsFinal && !producerIsFinal) {
    return {ok: false, code: 'BAD_REFERENCE', message: `the finally: part cannot wait for step '${producer}' (an exit handler runs whatever happened to the other steps)`, hint: 'Pass it params and ${{ run.status }} only (the SDK: "exit_task cannot depend on any other tasks").'}
  }
  if (use.kind === 'forEach' || use.kind === 'when') {
    const own = nodeName(use.node)
    if (isWithin(t, {step: producer}, own)) {
      return use.kind === 'forEach'
        ? {ok: false, code: 'BAD_LOOP', message: `forEach: uses step '${producer}', which runs inside this loop (a collected output used inside its own loop)`, hint: 'Loop over the output of a step that runs before the loop, outside it.'}
        : {ok: false, code: 'BAD_CONDITION', message: `when: uses step '${producer}', which runs only when this condition holds`, hint: 'Base the condition on a step outside this step or group.'}
    }
  }
  const kind = classifyRef(frames, stepFrames(t, producer))
  if (kind.kind === 'value') return {ok: true, collected: false}
  if (kind.kind === 'collected') {
    if (use.kind === 'after') return {ok: true, collected: true}
    if (use.kind === 'forEach') return {ok: false, code: 'UNSUPPORTED', message: `forEach: over the collected outputs of step '${producer}' (made in another loop) is not supported`, hint: 'Pass the list through a step that outputs it (JsonArray), and loop over that output.'}
    return {ok: true, collected: true}
  }
  const where = describeFrame(t, kind.frame)
  return {ok: false, code: 'BAD_REFERENCE', message: `step '${producer}' runs inside ${where}, so its outputs may not exist here`, hint: 'Move this step into the same group (the SDK allows no dependency on a step inside an uncommon dsl.If/ExitHandler).'}
}

/** The type of a loop's item (or of one field of it), from the literal items or the list param's default. */
export function itemType(loop: Loop, params: Map<string, PipelineParam>, field: string | undefined, owner: string): Checked {
  const what = field ? `item.${field}` : 'item'
  const items = loop.items.kind === 'literal' ? loop.items.items : loop.items.kind === 'param' ? params.get(loop.items.param)?.default : undefined
  if (!Array.isArray(items) || items.length === 0) return {ok: true, type: 'any', what: `the loop ${what}`}
  if (!field) {
    const types = new Set(items.map((v) => inferParamType(v)))
    return {ok: true, type: types.size === 1 ? [...types][0] : 'any', what: `the loop ${what}`}
  }
  const bad = items.findIndex((v) => !isObj(v) || !(field in v))
  if (bad >= 0) {
    const v = items[bad]
    const keys = items.filter(isObj).flatMap((x) => Object.keys(x as Obj))
    return isObj(v)
      ? {ok: false, code: 'BAD_REFERENCE', message: `item ${bad + 1} of the loop of '${owner}' has no field '${field}'${didYouMeanSuffix(field, keys)}`, hint: `Fields: ${[...new Set(keys)].join(', ')}.`}
      : {ok: false, code: 'BAD_REFERENCE', message: `the items of the loop of '${owner}' are not mappings, so ${what} does not exist`, hint: 'Write ${{ item }}, or loop over mappings such as [{lr: 0.1, depth: 3}].'}
  }
  const types = new Set(items.map((v) => inferParamType((v as Obj)[field])))
  return {ok: true, type: types.size === 1 ? [...types][0] : 'any', what: `the loop ${what}`}
}

const isNumber = (t: RefType) => t === 'integer' || t === 'float'

/** The type of a `when:` literal: 1 integer, 1.0 float, 'x' string, true boolean. */
export function literalType(o: Extract<WhenOperand, {kind: 'literal'}>): ParamType {
  if (typeof o.value === 'boolean') return 'boolean'
  if (typeof o.value === 'string') return 'string'
  return /^-?\d+$/.test(o.text) ? 'integer' : 'float'
}

/**
 * Checks every node's forEach:, when: and finally:, and returns the problems as [path, message, code, hint].
 * `report` receives each problem located at the node's key.
 */
export function checkControl(ctx: RefContext, node: NodeRef, c: Control, p: YamlPath, report: Add): void {
  const t = ctx.tree
  const who = 'step' in node ? `step '${node.step}'` : `group '${node.group}'`
  if (c.final) {
    const fin = finalNode(t)
    if (ancestors(t, node).length > 0) report([...p, 'finally'], `${who}: finally: true is only allowed at the top level of steps:`, 'BAD_FINALLY', 'The exit handler wraps the whole pipeline; move this step or group to the top level.', 'key')
    else if (fin && nodeName(fin) !== nodeName(node)) report([...p, 'finally'], `${who}: finally: true is already set on ${'step' in fin ? `step '${fin.step}'` : `group '${fin.group}'`}`, 'BAD_FINALLY', 'A pipeline has one exit handler; put the steps that must run at the end in one group with finally: true.', 'key')
    if (c.loop) report([...p, 'forEach'], `${who}: the finally: part cannot loop`, 'BAD_FINALLY', 'Put the loop in a group inside a finally: group.', 'key')
    if (c.when) report([...p, 'when'], `${who}: the finally: part cannot have when:`, 'BAD_FINALLY', 'Put the condition on a step inside a finally: group.', 'key')
  }
  if (c.loop) {
    const items = c.loop.items
    if (items.kind !== 'literal') {
      const r = checkReference(ctx, items.kind === 'param' ? {param: items.param} : {step: items.step, output: items.output}, {kind: 'forEach', node})
      if (!r.ok) {
        if (r.message) report([...p, 'forEach'], `${who}: forEach: ${r.message}`, r.code ?? 'BAD_LOOP', r.hint)
      } else if (r.type !== 'list' && r.type !== 'any') {
        report([...p, 'forEach'], `${who}: forEach: over ${r.what}, which is ${typeWord(r.type as ParamType | 'artifact')}, not a list`, 'BAD_LOOP', items.kind === 'param' ? `Declare it as a list: ${items.param}: {type: list, default: [a, b]}.` : 'Loop over an output of type JsonArray (a JSON list), or over a literal list.')
      }
    }
  }
  if (c.when) {
    for (const cmp of whenComparisons(c.when.expr)) {
      const types: Array<{type: RefType; what: string} | undefined> = [cmp.left, cmp.right].map((o) => {
        if (o.kind === 'literal') return {type: literalType(o), what: JSON.stringify(o.value)}
        const ref: BindingRef = o.kind === 'param' ? {param: o.param} : o.kind === 'output' ? {step: o.step, output: o.output} : o.field ? {item: true, field: o.field} : {item: true}
        const r = checkReference(ctx, ref, {kind: 'when', node})
        if (!r.ok) {
          if (r.message) report([...p, 'when'], `${who}: when: ${r.message}`, r.code ?? 'BAD_CONDITION', r.hint)
          return undefined
        }
        return {type: r.type, what: r.what}
      })
      const [l, r] = types
      if (!l || !r) continue
      const problem = comparisonProblem(l, r, cmp.cmp)
      if (problem) report([...p, 'when'], `${who}: when: ${problem.message}`, 'TYPE_MISMATCH', problem.hint)
    }
  }
}

function comparisonProblem(l: {type: RefType; what: string}, r: {type: RefType; what: string}, op: string): {message: string; hint: string} | undefined {
  for (const x of [l, r]) {
    if (x.type === 'artifact' || x.type === 'list' || x.type === 'struct') {
      return {message: `${x.what} is ${typeWord(x.type as ParamType | 'artifact')}; conditions compare only text, numbers and booleans`, hint: x.type === 'artifact' ? 'Compare a parameter output instead, e.g. a metric the step writes as a Float output.' : 'Compare one value: output it from a step as a String, Integer, Float or Boolean.'}
    }
  }
  if (l.type === 'any' || r.type === 'any') return undefined
  const same = l.type === r.type || (isNumber(l.type) && isNumber(r.type))
  if (!same) {
    return {message: `${l.what} is ${typeWord(l.type as ParamType)} but ${r.what} is ${typeWord(r.type as ParamType)}`, hint: r.type === 'string' || l.type === 'string' ? "Compare like with like: quote text ('heads'), write numbers without quotes." : 'Compare like with like (numbers with numbers, true/false with booleans).'}
  }
  if (l.type === 'boolean' && op !== '==' && op !== '!=') return {message: `${op} on true/false values`, hint: 'Compare booleans with == or !=.'}
  return undefined
}

/** `after: [S]` of a step: allowed unless S is inside a condition, the exit handler or the finally part this step is not in. */
export function checkAfter(ctx: RefContext, after: string, step: string): {message: string; code: string; hint: string} | undefined {
  const r = checkScope(ctx, after, {kind: 'after', node: {step}}, stepFrames(ctx.tree, step))
  return r.ok ? undefined : r
}

/**
 * The step a reference to the unknown step `name` was renamed to: the one that still runs components/NAME. The fix is
 * then to rename the reference, not the step.
 */
export function renamedStep(name: string, steps: readonly Pick<Step, 'name' | 'component'>[]): string | undefined {
  return steps.find((s) => s.component === name && s.name !== name)?.name
}
