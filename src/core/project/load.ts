import {bindingRefs, parseBinding} from './bindings.js'
import {parseComponent, type ComponentSource} from './component.js'
import {stepOutputs} from './model.js'
import {didYouMeanSuffix, isValidK8sName, isValidParamName, MAX_NAME_LENGTH, nameList, suggestK8sName} from './names.js'
import {
  describeValue,
  inferParamType,
  isCompatible,
  toStringValue,
  typeWord,
  valueMatchesType,
} from './param-types.js'
import {normalizeCpu, normalizeMemory} from './quantities.js'
import {checkAfter, checkControl, checkReference, parseControl, walkSteps, type RefContext, type RefType, renamedStep, type StepEntry} from './control.js'
import {ancestors, finalNode, isWithin, nodeName, type Tree} from './scopes.js'
import {whenOperands} from './when.js'
import {checkSchema} from './schema-check.js'
import type {
  Binding,
  Component,
  ComponentIO,
  Control,
  JsonValue,
  ParamType,
  PipelineParam,
  Project,
  ProjectIssue,
  Resources,
  Step,
  TargetConfig,
} from './types.js'
import {yamlLib} from '../yaml-lib.js'
import {checkedExactly, lazyPosition, parseYamlFile, positionOf, type YamlParse, type YamlPath} from './yaml-doc.js'
import {isObj, type Obj} from '../obj.js'

export type {ComponentSource} from './component.js'
export {parseComponent} from './component.js'

/** Everything parseProject needs: kfp.yaml and the component folders it refers to, already read by the caller. */
export interface ProjectSource {
  /** Absolute folder holding kfp.yaml. */
  root: string
  /** kfp.yaml path, as it should appear in issues and in Project.file. */
  file: string
  text: string
  /** By component name (see {@link findProjectComponentNames}); a missing entry or `text: undefined` = no component.yaml. */
  components: Record<string, ComponentSource>
  /** parseYamlFile(file, text), when the caller already parsed it (to find the components): not parsed twice. */
  parsed?: YamlParse
}

/** A map entry by the user's name, never an Object.prototype member (`constructor`, `toString`, …). */
const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined)
const PARAM_TYPES: readonly ParamType[] = ['string', 'integer', 'float', 'boolean', 'list', 'struct']

/**
 * The component folders kfp.yaml refers to (a step's `component:`, defaulting to its name), in order of first use,
 * so the caller knows which `components/<name>/component.yaml` files to read. Only valid names are returned (a name
 * such as `../x` is never read; parseProject reports it). Tolerates invalid YAML (returns what it can).
 */
export function findProjectComponentNames(text: string): string[] {
  let data: unknown
  try {
    // logLevel error: odd YAML (e.g. `{{ params.x }}` without `$`, a map as a key) is reported by the full parse with
    // its position, not as a Node warning on the console here. uniqueKeys off: the library's check is quadratic in a
    // mapping's size, and the full parse reports duplicate keys (findDuplicateKey) with their position.
    data = yamlLib().parse(text, {logLevel: 'error', uniqueKeys: false})
  } catch {
    return []
  }
  return componentNamesIn(data)
}

/** {@link findProjectComponentNames} on an already parsed kfp.yaml (e.g. {@link YamlFile.data}). */
export function componentNamesIn(data: unknown): string[] {
  if (!isObj(data) || !Array.isArray(data.steps)) return []
  const names = new Set<string>()
  const visit = (list: unknown[], depth: number) => {
    for (const s of list) {
      if (!isObj(s)) continue
      if ('group' in s) {
        if (Array.isArray(s.steps) && depth < 100) visit(s.steps, depth + 1)
        continue
      }
      const c = typeof s.component === 'string' ? s.component : typeof s.name === 'string' ? s.name : undefined
      if (c !== undefined && isValidK8sName(c)) names.add(c)
    }
  }
  visit(data.steps, 0)
  return [...names]
}

/**
 * Parses and validates kfp.yaml together with its components. Pure: takes file texts, returns the Project (only when
 * there is no issue) and every issue found, each located at file:line:col with a hint, sorted by file and position.
 *
 * Rules (beyond the JSON Schema in schema.ts):
 * - names: the pipeline, step and component names are lowercase RFC 1123 labels (≤ 63 chars); param names identifiers;
 *   step names are unique.
 * - bindings: `${{ params.NAME }}` and `${{ steps.STEP.outputs.OUT }}` must name a declared param, an existing step and
 *   an output that step's component declares (or a fileOutputs entry); inputs must be declared by the component and
 *   every required input (no default, not optional) must be bound.
 * - types: a literal must be of the input's type; a param or output feeds an input of the same type, integer → float,
 *   or anything → string (the input receives the value's text); artifacts (untyped or non-parameter v1 types) only
 *   from another step's artifact output; text mixing references only feeds string inputs.
 * - order: step numbers are just positions in `steps:` (used by --start-step); a step may use the output of a step
 *   listed later, as long as the dependencies (outputs and `after`) have no cycle. Cycles are reported with their path.
 * - resources: cpu is cores or millicores, memory a quantity with a unit; both normalized to strings.
 * - targets: `local` always exists (type local); `defaultTarget` (default local) must name a target.
 */
export function parseProject(input: ProjectSource): {project?: Project; issues: ProjectIssue[]} {
  return checkedExactly(input.parsed ?? parseYamlFile(input.file, input.text), (parsed) => checkProject(input, parsed))
}

function checkProject(input: ProjectSource, parsed: YamlParse): {project?: Project; issues: ProjectIssue[]} {
  const {root, file} = input
  if (!parsed.yaml) return {issues: parsed.issues}
  const y = parsed.yaml
  if (y.data === null || y.data === undefined) {
    return {issues: [{file, line: 1, col: 1, message: 'kfp.yaml is empty', hint: 'Create a project with `kfp init`, or add name: and steps:.', code: 'SCHEMA'}]}
  }
  if (!isObj(y.data)) {
    return {issues: [{file, ...positionOf(y, []), message: 'kfp.yaml must be a mapping with name:, params: and steps:', code: 'SCHEMA'}]}
  }
  const data = y.data
  const issues: ProjectIssue[] = [...checkSchema(y, 'project')]
  const at = (p: YamlPath, mode: 'key' | 'value' = 'value') => ({file, ...positionOf(y, p, mode)})
  // Positions the project model keeps (not the issues'): computed when read.
  const posAt = (p: YamlPath, mode: 'key' | 'value' = 'value') => lazyPosition(file, y, p, mode)
  const add = (p: YamlPath, message: string, code: string, hint?: string, mode: 'key' | 'value' = 'value', colOffset = 0) => {
    const pos = at(p, mode)
    pos.col += colOffset
    issues.push(hint === undefined ? {...pos, message, code} : {...pos, message, hint, code})
  }

  // Pipeline name.
  const name = typeof data.name === 'string' ? data.name : ''
  if (typeof data.name === 'string' && !isValidK8sName(name)) issues.push(nameIssue('pipeline name', name, at(['name'])))

  // Params.
  const params: PipelineParam[] = []
  if (isObj(data.params)) {
    for (const [pname, raw] of Object.entries(data.params)) {
      const keyPos = () => at(['params', pname], 'key')
      if (pname === '__proto__') {
        issues.push({...keyPos(), message: "param name '__proto__' is reserved: it names the prototype of every JavaScript object", hint: 'Use another name, e.g. proto.', code: 'INVALID_NAME'})
      } else if (!isValidParamName(pname)) {
        const fix = pname.replace(/[^A-Za-z0-9_]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^(\d)/, '_$1')
        issues.push({
          ...keyPos(),
          message: `param name '${pname}' is not valid: use letters, digits and '_', not starting with a digit`,
          ...(fix ? {hint: `Use '${fix}'.`} : {}),
          code: 'INVALID_NAME',
        })
      }
      const long = isObj(raw) && ('type' in raw || 'default' in raw || 'description' in raw)
      let type: ParamType = 'string'
      let def: JsonValue | undefined
      let description: string | undefined
      if (long) {
        const r = raw as Obj
        const declared = PARAM_TYPES.includes(r.type as ParamType) ? (r.type as ParamType) : undefined
        def = r.default === null || r.default === undefined ? undefined : (r.default as JsonValue)
        type = declared ?? (def !== undefined ? inferParamType(def) : 'string')
        if (typeof r.description === 'string') description = r.description
        if (declared && def !== undefined && !valueMatchesType(def, declared)) {
          add(['params', pname, 'default'], `param '${pname}': default ${describeValue(def)} is not ${typeWord(declared)}`, 'TYPE_MISMATCH', literalHint(def, declared))
        }
      } else if (raw !== null && raw !== undefined) {
        def = raw as JsonValue
        type = inferParamType(raw)
      }
      const p: PipelineParam = {name: pname, type, pos: posAt(['params', pname], 'key')}
      if (def !== undefined) p.default = def
      if (description !== undefined) p.description = description
      params.push(p)
    }
  }
  const paramByName = new Map(params.map((p) => [p.name, p]))

  // Steps, first pass: shape, names, bindings, resources.
  const walked = walkSteps(data.steps, at, add, posAt)
  const stepEntries = walked.steps
  const steps: Step[] = []
  const stepIndex = new Map<string, number>() // name → index in stepEntries (first occurrence)
  const stepAt = new Map<Step, StepEntry>()
  stepEntries.forEach((entry, i) => {
    const {raw, path: sp} = entry
    if (typeof raw.name !== 'string') return
    const sname = raw.name
    const who = `step '${sname}'`
    if (!isValidK8sName(sname)) {
      const issue = nameIssue('step name', sname, at([...sp, 'name']))
      if (issue.hint) issue.hint = issue.hint.replace(/\.$/, ' (and update references to it).')
      issues.push(issue)
    }
    if (stepIndex.has(sname)) {
      const first = stepIndex.get(sname)!
      add([...sp, 'name'], `duplicate step name '${sname}': step ${first + 1} (line ${at([...stepEntries[first].path, 'name']).line}) has it too`, 'DUPLICATE_NAME', 'Step names must be unique; rename one of them.')
    } else stepIndex.set(sname, i)

    const component = typeof raw.component === 'string' ? raw.component : sname
    if (typeof raw.component === 'string' && !isValidK8sName(raw.component)) {
      issues.push(nameIssue('component name', raw.component, at([...sp, 'component'])))
    }

    const inputs: Record<string, Binding> = {}
    if (isObj(raw.inputs)) {
      for (const [k, v] of Object.entries(raw.inputs)) {
        const b = parseBinding(v)
        for (const e of b.errors) add([...sp, 'inputs', k], `${who}: input '${k}': ${e.message}`, 'BAD_REFERENCE', e.hint)
        if (b.binding) inputs[k] = b.binding
      }
    }

    let resources: Resources | undefined
    if (isObj(raw.resources)) {
      const r: Resources = {}
      const res = raw.resources
      const limits = isObj(res.limits) ? res.limits : {}
      const quantity = (v: unknown, p: YamlPath, kind: 'cpu' | 'memory'): string | undefined => {
        if (v === undefined || v === null || (typeof v !== 'string' && typeof v !== 'number')) return undefined
        const q = kind === 'cpu' ? normalizeCpu(v) : normalizeMemory(v)
        if ('value' in q) return q.value
        add(p, `${who}: ${q.error}`, 'INVALID_RESOURCE', q.hint)
        return undefined
      }
      const cpuRequest = quantity(res.cpu, [...sp, 'resources', 'cpu'], 'cpu')
      const memoryRequest = quantity(res.memory, [...sp, 'resources', 'memory'], 'memory')
      const cpuLimit = quantity(limits.cpu, [...sp, 'resources', 'limits', 'cpu'], 'cpu')
      const memoryLimit = quantity(limits.memory, [...sp, 'resources', 'limits', 'memory'], 'memory')
      if (cpuRequest) r.cpuRequest = cpuRequest
      if (cpuLimit) r.cpuLimit = cpuLimit
      if (memoryRequest) r.memoryRequest = memoryRequest
      if (memoryLimit) r.memoryLimit = memoryLimit
      if (isObj(res.accelerator) && typeof res.accelerator.type === 'string') {
        if (res.accelerator.type.trim() === '') {
          add([...sp, 'resources', 'accelerator', 'type'], `${who}: accelerator type is empty`, 'INVALID_RESOURCE', 'Name a Kubernetes resource (nvidia.com/gpu) or a GPU model (NVIDIA_TESLA_T4: compiled to nvidia.com/gpu plus a GKE node selector for KFP servers, kept as written for Vertex AI).')
        }
        const count = res.accelerator.count
        r.accelerator = {type: res.accelerator.type, count: typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 1}
      }
      if (Object.keys(r).length > 0) resources = r
    }

    const env: Record<string, string> = {}
    if (isObj(raw.env)) {
      for (const [k, v] of Object.entries(raw.env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
          add([...sp, 'env', k], `${who}: environment variable name '${k}' is not valid`, 'INVALID_NAME', "Use letters, digits and '_', not starting with a digit.", 'key')
        }
        if (v !== null && v !== undefined && typeof v !== 'object') env[k] = String(v)
      }
    }
    const after = typeof raw.after === 'string' ? [raw.after] : Array.isArray(raw.after) ? raw.after.filter((a): a is string => typeof a === 'string') : []
    const fileOutputs: Record<string, string> = {}
    if (isObj(raw.fileOutputs)) {
      for (const [k, v] of Object.entries(raw.fileOutputs)) {
        if (typeof v !== 'string') continue
        if (v.trim() === '') add([...sp, 'fileOutputs', k], `${who}: fileOutputs '${k}' needs a file path, e.g. /output.txt`, 'SCHEMA')
        else fileOutputs[k] = v
      }
    }
    const step: Step = {
      number: i + 1,
      name: sname,
      component,
      inputs,
      cache: raw.cache !== false,
      retries: typeof raw.retries === 'number' && Number.isInteger(raw.retries) && raw.retries >= 0 ? raw.retries : 0,
      env,
      after,
      fileOutputs,
      pos: posAt(sp),
    }
    if (resources) step.resources = resources
    if (entry.parent !== undefined) step.parent = entry.parent
    Object.assign(step, parseControl(raw, sp, who, at, add))
    steps.push(step)
    stepAt.set(step, entry)
  })

  // Components: parse each referenced folder once.
  const components: Record<string, Component> = {}
  const componentFiles: string[] = []
  for (const step of steps) {
    const sp = stepAt.get(step)!.path
    const rawStep = stepAt.get(step)!.raw
    const c = step.component
    if (!isValidK8sName(c)) continue
    const src = own(input.components, c)
    const where: YamlPath = typeof rawStep.component === 'string' ? [...sp, 'component'] : [...sp, 'name']
    if (!src || src.text === undefined) {
      const usedName = c === step.name ? '' : `, or point \`component:\` at an existing folder under components/`
      add(where, `step '${step.name}': component '${c}' not found: components/${c}/component.yaml does not exist`, 'COMPONENT_NOT_FOUND', `Create it with \`kfp component add ${c}\`${usedName}.`)
      continue
    }
    if (componentFiles.includes(src.file)) continue
    componentFiles.push(src.file)
    const r = parseComponent(c, src, root)
    issues.push(...r.issues)
    if (r.component) components[c] = r.component
  }

  // Effective fileOutputs: the component's plus the step's own.
  for (const step of steps) {
    const comp = own(components, step.component)
    if (comp) step.fileOutputs = {...comp.fileOutputs, ...step.fileOutputs}
  }

  // Steps, second pass: references (where each step sits in the control flow), inputs, types.
  const stepNames = [...stepIndex.keys()]
  const stepByName = new Map<string, Step>()
  for (const s of steps) if (!stepByName.has(s.name)) stepByName.set(s.name, s)
  for (const [g, gp] of walked.groupPaths) {
    if (stepByName.has(g)) add([...gp, 'group'], `group '${g}' has the name of a step`, 'DUPLICATE_NAME', 'Steps and groups share one namespace (kfp steps, --start-step); rename the group.')
  }
  const outputsOf = (s: Step) => {
    const c = own(components, s.component)
    return c ? stepOutputs(s, c) : undefined
  }
  const tree: Tree = {nodes: walked.nodes, groups: walked.groups, steps: stepByName}
  const refCtx: RefContext = {tree, params: paramByName, stepByName, stepNames, outputsOf}
  for (const step of steps) {
    const sp = stepAt.get(step)!.path
    const rawStep = stepAt.get(step)!.raw
    const who = `step '${step.name}'`
    const comp = own(components, step.component)
    for (const [k, b] of Object.entries(step.inputs)) {
      const p: YamlPath = [...sp, 'inputs', k]
      const decl = comp?.inputs.find((x) => x.name === k)
      if (comp && !decl) {
        const names = comp.inputs.map((x) => x.name)
        add(p, `${who}: component '${comp.name}' has no input '${k}'${didYouMeanSuffix(k, names)}`, 'UNKNOWN_INPUT', names.length > 0 ? `Inputs of ${comp.name}: ${names.join(', ')}.` : `Component '${comp.name}' declares no inputs; add one under inputs: in ${comp.dir}/component.yaml.`, 'key')
      }
      // Resolve every reference where the step sits; remember the type each one carries.
      let resolved = true
      const refTypes: Array<{what: string; type: RefType; runStatus?: boolean}> = []
      for (const r of bindingRefs(b)) {
        const c = checkReference(refCtx, r, {kind: 'input', step: step.name})
        if (!c.ok) {
          resolved = false
          if (c.message) add(p, `${who}: input '${k}': ${c.message}`, c.code ?? 'BAD_REFERENCE', c.hint)
          continue
        }
        refTypes.push(c)
      }
      if (!decl || !resolved) continue
      checkInputType(step, k, b, decl, refTypes, comp!, (message, code, hint) => add(p, message, code, hint))
    }
    if (comp) {
      const unbound = comp.inputs.filter((x) => !x.optional && x.default === undefined && !(x.name in step.inputs))
      const isFinal = isWithin(tree, {step: step.name}, nodeName(finalNode(tree) ?? {step: ''}))
      for (const u of unbound) {
        const hasInputs = isObj(rawStep.inputs)
        const where: YamlPath = hasInputs ? [...sp, 'inputs'] : [...sp, 'name']
        if (u.finalStatus && !isFinal) continue
        const example = u.finalStatus ? '${{ run.status }}' : '${{ params.NAME }}'
        add(where, `${who}: required input '${u.name}' of component '${comp.name}' is not bound`, 'UNBOUND_INPUT', `Add it under inputs:, e.g. ${/^[\w-]+$/.test(u.name) ? u.name : JSON.stringify(u.name)}: ${example}${u.finalStatus ? '' : `, or give it a default in ${comp.dir}/component.yaml`}.`, hasInputs ? 'key' : 'value')
      }
    }
    step.after.forEach((a, j) => {
      const p: YamlPath = typeof rawStep.after === 'string' ? [...sp, 'after'] : [...sp, 'after', j]
      if (!stepByName.has(a)) {
        const renamed = renamedStep(a, [...stepByName.values()])
        add(p, `${who}: after: unknown step '${a}'${renamed ? ` — did you mean '${renamed}'?` : didYouMeanSuffix(a, stepNames)}`, 'UNKNOWN_STEP', renamed ? `Step '${renamed}' runs components/${a}: if it was renamed from '${a}', rename it here too: after: [${renamed}].` : `Steps: ${nameList(stepNames)}.`)
        return
      }
      const first = outputsOf(stepByName.get(a)!)?.[0]
      if (!first && !components[stepByName.get(a)!.component]) return
      const c = checkAfter(refCtx, a, step.name)
      if (c) add(p, `${who}: after: ${c.message}`, c.code, c.hint)
    })
  }
  // forEach:, when:, finally: of every step and group.
  for (const step of steps) checkControl(refCtx, {step: step.name}, step, stepAt.get(step)!.path, add)
  for (const [g, group] of Object.entries(walked.groups)) checkControl(refCtx, {group: g}, group, walked.groupPaths.get(g)!, add)

  // Cycles through outputs and `after`.
  for (const cycle of findCycles(steps, stepByName, tree)) {
    const firstPath = stepAt.get(stepByName.get(cycle[0])!)!.path
    const pathText = [...cycle, cycle[0]].join(' → ')
    add([...firstPath, 'name'], cycle.length === 1 ? `step '${cycle[0]}' depends on itself: ${pathText}` : `dependency cycle: ${pathText}`, 'CYCLE', 'Steps cannot depend on themselves through outputs or after:; remove one of these references.')
  }

  // Targets.
  const targets: Record<string, TargetConfig> = {local: {name: 'local', type: 'local'}}
  if (isObj(data.targets)) {
    for (const [tname, raw] of Object.entries(data.targets)) {
      if (!isObj(raw) || (raw.type !== 'local' && raw.type !== 'kfp')) continue
      if (tname === 'local' && raw.type !== 'local') {
        add(['targets', 'local', 'type'], "target 'local' is the embedded engine; its type must be local", 'INVALID_TARGET', 'Give your KFP target another name, e.g. `prod: {type: kfp, endpoint: …}`.')
        continue
      }
      if (raw.type === 'kfp' && raw.runner !== undefined) {
        add(['targets', tname, 'runner'], `target '${tname}' is a KFP server: runner: only applies to local targets`, 'INVALID_TARGET', 'Servers run every step in their own pods; pin a runner on a local target, e.g. `local: {type: local, runner: docker}`.', 'key')
        continue
      }
      targets[tname] = {...raw, name: tname, type: raw.type}
    }
  }
  const defaultTarget = typeof data.defaultTarget === 'string' ? data.defaultTarget : 'local'
  if (!Object.hasOwn(targets, defaultTarget)) {
    add(['defaultTarget'], `unknown target '${defaultTarget}'${didYouMeanSuffix(defaultTarget, Object.keys(targets))}`, 'UNKNOWN_TARGET', `Targets: ${Object.keys(targets).join(', ')}.`)
  }

  const images: Record<string, string> = {}
  if (isObj(data.images)) {
    const used = new Set(steps.map((st) => st.component))
    for (const [comp, repo] of Object.entries(data.images)) {
      if (typeof repo !== 'string') continue
      if (!used.has(comp)) {
        add(['images', comp], `images: no step uses a component '${comp}'${didYouMeanSuffix(comp, used)}`, 'UNKNOWN_COMPONENT', 'Keys of images: are component names (folders under components/).', 'key')
        continue
      }
      images[comp] = repo.replace(/\/+$/, '')
    }
  }

  const sorted = sortIssues(issues, [file, ...componentFiles])
  if (sorted.length > 0) return {issues: sorted}

  const project: Project = {root, file, name, params, steps, nodes: walked.nodes, groups: walked.groups, components, targets, defaultTarget}
  if (typeof data.description === 'string') project.description = data.description.trim()
  if (typeof data.registry === 'string') project.registry = data.registry.replace(/\/+$/, '')
  if (isObj(data.gcp)) {
    const g: NonNullable<Project['gcp']> = {}
    for (const k of ['project', 'region', 'zone', 'bucket'] as const) if (typeof data.gcp[k] === 'string') g[k] = data.gcp[k] as string
    project.gcp = g
  }
  if (typeof data.pipelineRoot === 'string') project.pipelineRoot = data.pipelineRoot
  if (Object.keys(images).length > 0) project.images = images
  return {project, issues: []}
}

/** Checks that what an input is bound to fits the input's declared type (reporting through `report`). */
function checkInputType(
  step: Step,
  k: string,
  b: Binding,
  decl: ComponentIO,
  refTypes: Array<{what: string; type: RefType; runStatus?: boolean}>,
  comp: Component,
  report: (message: string, code: string, hint?: string) => void,
): void {
  const who = `step '${step.name}'`
  const to: ParamType | 'artifact' = decl.kind === 'artifact' ? 'artifact' : decl.paramType ?? 'string'
  const expects = `${who}: input '${k}' expects ${typeWord(to)}`
  if (Boolean(decl.finalStatus) !== (b.kind === 'runStatus')) {
    if (decl.finalStatus) report(`${who}: input '${k}' is of type PipelineTaskFinalStatus and takes only \${{ run.status }}`, 'TYPE_MISMATCH', `Bind it as ${k}: \${{ run.status }} in the finally: step.`)
    else report(`${who}: input '${k}': \${{ run.status }} needs an input declared type: PipelineTaskFinalStatus (the SDK's name; IR TASK_FINAL_STATUS)`, 'TYPE_MISMATCH', `Declare '${k}' with type: PipelineTaskFinalStatus in ${comp.dir}/component.yaml.`)
    return
  }
  switch (b.kind) {
    case 'runStatus':
      return
    case 'import': {
      if (to !== 'artifact') {
        report(`${who}: input '${k}' is ${typeWord(to)}; only an artifact input can import an artifact`, 'TYPE_MISMATCH', `Give '${k}' an artifact type such as Dataset in ${comp.dir}/component.yaml, or bind a value.`)
        return
      }
      if (b.type !== undefined && decl.type !== undefined && artifactTitle(b.type) !== artifactTitle(decl.type)) {
        report(`${who}: input '${k}' is a ${decl.type}, but the import says type ${b.type}`, 'TYPE_MISMATCH', `Import it as type: ${decl.type}, or change the input's type.`)
      }
      return
    }
    case 'literal':
      if (to === 'artifact') {
        report(`${expects} (type ${decl.type ?? 'untyped'}), which can only come from another step's output or an import, got ${describeValue(b.value)}`, 'TYPE_MISMATCH', `Bind it to \${{ steps.STEP.outputs.OUTPUT }} or {import: "gs://…", type: ${decl.type ?? 'Artifact'}}, or give '${k}' a parameter type (String, Integer, …) in ${comp.dir}/component.yaml.`)
      } else if (to === 'string') {
        if (b.value !== null) step.inputs[k] = {kind: 'literal', value: toStringValue(b.value)}
      } else if (!valueMatchesType(b.value, to)) {
        report(`${expects}, got ${describeValue(b.value)}`, 'TYPE_MISMATCH', literalHint(b.value, to))
      }
      return
    case 'template': {
      const art = refTypes.find((t) => t.type === 'artifact')
      if (art) report(`${who}: input '${k}': ${art.what} is an artifact and cannot be used inside text`, 'TYPE_MISMATCH', 'Bind the artifact on its own: ${{ steps.STEP.outputs.OUTPUT }}.')
      else if (to !== 'string') report(`${expects}, but text with references is a string`, 'TYPE_MISMATCH', `Bind '${k}' to a single reference, e.g. \${{ params.NAME }}, or change its type to String.`)
      return
    }
    default: {
      const from = refTypes[0]
      if (!from) return
      if (from.type === 'any') {
        if (to === 'artifact') report(`${expects}, but ${from.what} is a parameter value`, 'TYPE_MISMATCH', 'Artifacts only connect to artifact inputs; parameters to parameter inputs.')
        return
      }
      if (!isCompatible(from.type, to)) {
        report(`${expects}, but ${from.what} is ${typeWord(from.type)}`, 'TYPE_MISMATCH', to === 'artifact' || from.type === 'artifact' ? 'Artifacts only connect to artifact inputs; parameters to parameter inputs.' : `Make the types match (an integer may feed a float; anything may feed a string${from.type === 'list' ? '; a collected output is a list: declare the input JsonArray' : ''}).`)
      }
    }
  }
}

/** The schema title an artifact type name stands for (Dataset and system.Dataset are the same). */
function artifactTitle(type: string): string {
  return type.replace(/^system\./, '').toLowerCase()
}

function nameIssue(what: string, name: string, pos: {file: string; line: number; col: number}): ProjectIssue {
  const fix = suggestK8sName(name)
  const why = name.length > MAX_NAME_LENGTH ? `it is longer than ${MAX_NAME_LENGTH} characters` : "use lowercase letters, digits and '-', starting and ending with a letter or digit"
  const issue: ProjectIssue = {...pos, message: `${what} '${name}' is not a valid Kubernetes name: ${why}`, code: 'INVALID_NAME'}
  if (fix) issue.hint = `Use '${fix}'.`
  return issue
}

/** A hint for a literal of the wrong type. */
function literalHint(value: unknown, type: ParamType): string {
  if (typeof value === 'string') {
    const s = value.trim()
    if ((type === 'integer' && /^[-+]?\d+$/.test(s)) || (type === 'float' && s !== '' && Number.isFinite(Number(s)))) {
      return `Write ${s} without quotes.`
    }
    if (type === 'boolean' && /^(true|false)$/i.test(s)) return `Write ${s.toLowerCase()} without quotes.`
  }
  const examples: Record<ParamType, string> = {
    string: "text, e.g. 'abc'",
    integer: 'a whole number, e.g. 2000',
    float: 'a number, e.g. 0.5',
    boolean: 'true or false',
    list: 'a list, e.g. [a, b]',
    struct: 'a mapping, e.g. {key: value}',
  }
  return `Use ${examples[type]}.`
}

/** The steps a node's forEach: and when: read outputs of. */
function controlRefs(c: Control | undefined): string[] {
  const out: string[] = []
  if (c?.loop?.items.kind === 'output') out.push(c.loop.items.step)
  for (const o of c?.when ? whenOperands(c.when.expr) : []) if (o.kind === 'output') out.push(o.step)
  return out
}

/** Every dependency cycle (once each, starting at its earliest-listed step). */
function findCycles(steps: Step[], byName: Map<string, Step>, tree: Tree): string[][] {
  const deps = new Map<string, string[]>()
  for (const s of steps) {
    if (deps.has(s.name)) continue
    const d: string[] = []
    for (const b of Object.values(s.inputs)) for (const r of bindingRefs(b)) if ('step' in r && byName.has(r.step) && !d.includes(r.step)) d.push(r.step)
    // The forEach:/when: of the step and of its groups run before it (references into the node itself are reported apart).
    for (const owner of [...ancestors(tree, {step: s.name}), s.name]) {
      for (const r of controlRefs(tree.groups[owner] ?? byName.get(owner))) {
        if (byName.has(r) && !d.includes(r) && !isWithin(tree, {step: r}, owner)) d.push(r)
      }
    }
    for (const a of s.after) if (byName.has(a) && !d.includes(a)) d.push(a)
    deps.set(s.name, d)
  }
  const order = [...deps.keys()]
  const state = new Map<string, 'active' | 'done'>()
  const stack: string[] = []
  const cycles: string[][] = []
  const seen = new Set<string>()
  const visit = (n: string) => {
    state.set(n, 'active')
    stack.push(n)
    for (const d of deps.get(n) ?? []) {
      if (state.get(d) === 'active') {
        const cyc = stack.slice(stack.indexOf(d)).reverse()
        // Rotate so the cycle starts at its earliest-listed step, and read in execution order (producer first).
        const start = cyc.reduce((best, x) => (order.indexOf(x) < order.indexOf(best) ? x : best), cyc[0])
        const k = cyc.indexOf(start)
        const rotated = [...cyc.slice(k), ...cyc.slice(0, k)]
        const key = [...rotated].sort().join('|')
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push(rotated)
        }
      } else if (!state.has(d)) visit(d)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of order) if (!state.has(n)) visit(n)
  return cycles
}

function sortIssues(issues: ProjectIssue[], fileOrder: string[]): ProjectIssue[] {
  const rank = (f: string) => {
    const i = fileOrder.indexOf(f)
    return i === -1 ? fileOrder.length : i
  }
  return issues
    .map((x, i) => ({x, i}))
    .sort((a, b) => rank(a.x.file) - rank(b.x.file) || a.x.line - b.x.line || a.x.col - b.x.col || a.i - b.i)
    .map(({x}) => x)
}
