import {readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {closest} from 'fastest-levenshtein'
import {isMap, isSeq, parse, parseDocument} from 'yaml'
import type {Ctx} from '../ctx.js'
import {addStepToKfpYaml, flatSteps, type StepEntry} from '../core/templates/add-step.js'
import {checkName, uniqueName} from '../core/templates/names.js'
import {CliError, EXIT} from '../lib/errors.js'
import {templatesDir} from '../lib/paths.js'
import {findProjectFile} from './project/load.js'
import {componentVars, exists, planComponentFiles, writePlannedFiles, type ComponentTemplate} from './init.js'

export interface ComponentAddOptions {
  /** Component (and step) name: components/<name>/. */
  name: string
  template?: ComponentTemplate
  /** Insert the step right after this step (default: at the end). */
  after?: string
  /** Add the step to kfp.yaml (default true). */
  register?: boolean
  /** Overwrite files of an existing component folder. */
  force?: boolean
  /** --project: kfp.yaml or its folder (default: $KFP_PROJECT, else the nearest kfp.yaml upwards). */
  projectFile?: string
  description?: string
  templatesDir?: string
}

export interface ComponentAddResult {
  component: string
  template: ComponentTemplate
  /** Component folder relative to the project root. */
  dir: string
  /** Files written, relative to the project root. */
  files: string[]
  overwritten: string[]
  /** kfp.yaml (absolute). */
  projectFile: string
  registered: boolean
  /** The new step when registered: its 1-based number and input bindings as written. */
  step?: {name: string; number: number; inputs: Record<string, string>}
}

/**
 * Scaffolds components/<name>/ from a template and registers it as a step in kfp.yaml (after the last step, or after
 * `after`). kfp.yaml is edited by splicing the new step into the text at positions taken from the yaml Document, so
 * comments and layout elsewhere stay byte-for-byte. The new step's `message` input is wired to the first output of
 * the step before it (or a literal), inputs named like a pipeline parameter to that parameter.
 */
export async function addComponent(opts: ComponentAddOptions, ctx: Pick<Ctx, 'cwd' | 'env'>): Promise<ComponentAddResult> {
  const template = opts.template ?? 'python'
  const register = opts.register ?? true
  const check = checkName(opts.name, 'component')
  if (!check.ok) {
    throw new CliError('NAME_INVALID', `Invalid component name '${opts.name}': ${check.reason}.`, {
      exit: EXIT.USAGE,
      hints: [
        check.suggestion
          ? `Try: kfp component add ${check.suggestion}`
          : "Use lowercase letters, digits and '-', starting with a letter (it becomes a folder, an image and a step name).",
      ],
    })
  }

  const projectFile = findProjectFile({cwd: ctx.cwd, project: opts.projectFile}, ctx)
  const root = path.dirname(projectFile)
  const text = await readFile(projectFile, 'utf8')
  const doc = parseDocument(text)
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const at = e.linePos?.[0] ? `${projectFile}:${e.linePos[0].line}:${e.linePos[0].col}` : projectFile
    throw new CliError('YAML_SYNTAX', `${at}: ${e.message.split('\n')[0]}`, {exit: EXIT.CONFIG, hints: ['Fix the YAML syntax, then run the command again.']})
  }
  const model = (doc.toJS() ?? {}) as {name?: unknown; registry?: unknown; gcp?: {project?: unknown}; params?: unknown; steps?: unknown}
  // Depth-first through groups: the numbering of `kfp steps`.
  const steps = flatSteps(model.steps)
  const stepNames = steps.map((s) => String(s.name))

  if (register && stepNames.includes(opts.name)) {
    const suggestion = uniqueName(opts.name, stepNames)
    throw new CliError('NAME_INVALID', `A step named '${opts.name}' already exists in ${path.basename(projectFile)}.`, {
      exit: EXIT.USAGE,
      hints: [`Pick another name, e.g.: kfp component add ${suggestion}`],
    })
  }
  if (register && opts.after !== undefined && !stepNames.includes(opts.after)) {
    const near = stepNames.length > 0 ? closest(opts.after, stepNames) : undefined
    throw new CliError('STEP_NOT_FOUND', `Unknown step '${opts.after}' in --after${near ? ` — did you mean '${near}'?` : ''}`, {
      exit: EXIT.CONFIG,
      hints: [stepNames.length > 0 ? `Steps: ${stepNames.join(', ')}.` : 'kfp.yaml has no steps yet; leave out --after.'],
    })
  }

  const pipeline = typeof model.name === 'string' ? model.name : path.basename(root)
  const vars = componentVars(opts.name, template, {
    pipeline,
    registry: typeof model.registry === 'string' ? model.registry : undefined,
    gcpProject: typeof model.gcp?.project === 'string' ? model.gcp.project : undefined,
    description: opts.description,
  })
  const planned = await planComponentFiles(template, vars, opts.templatesDir ?? templatesDir())
  const existing: string[] = []
  for (const f of planned) if (await exists(path.join(root, f.path))) existing.push(f.path)
  if (existing.length > 0 && !opts.force) {
    throw new CliError('FILE_EXISTS', `components/${opts.name}/ already has ${existing.length} of the files to write:\n${existing.map((f) => `  ${f}`).join('\n')}`, {
      exit: EXIT.CONFIG,
      hints: ['Pass --force to overwrite them, or pick another name.'],
      data: {files: existing},
    })
  }

  let step: ComponentAddResult['step']
  let newText: string | undefined
  if (register) {
    const prevIndex = opts.after !== undefined ? stepNames.indexOf(opts.after) : steps.length - 1
    const prev = prevIndex >= 0 ? steps[prevIndex] : undefined
    const componentYaml = planned.find((f) => f.path.endsWith('/component.yaml'))?.content ?? ''
    const inputs = await wireInputs(componentYaml, prev, model.params, root, opts.name)
    const entry: StepEntry = {name: opts.name, inputs}
    const r = addStepToKfpYaml(text, entry, {after: opts.after})
    if (!r.ok) {
      const pr = r.problem
      const message =
        pr.kind === 'steps-not-a-list'
          ? `'steps' in ${projectFile} is not a list.`
          : pr.kind === 'yaml'
            ? `${projectFile}:${pr.line ?? 1}:${pr.col ?? 1}: ${pr.message}`
            : pr.kind === 'duplicate'
              ? `A step named '${pr.name}' already exists.`
              : `Unknown step '${pr.after}'.`
      throw new CliError(pr.kind === 'duplicate' ? 'NAME_INVALID' : 'PROJECT_INVALID', message, {exit: pr.kind === 'duplicate' ? EXIT.USAGE : EXIT.CONFIG})
    }
    newText = r.text
    step = {name: opts.name, number: r.index + 1, inputs}
  }

  await writePlannedFiles(root, planned)
  if (newText !== undefined) {
    // Temp file + rename: an interrupted write never leaves a half-written kfp.yaml.
    const tmp = `${projectFile}.${process.pid}.tmp`
    await writeFile(tmp, newText)
    await rename(tmp, projectFile)
  }

  return {
    component: opts.name,
    template,
    dir: `components/${opts.name}`,
    files: planned.map((f) => f.path),
    overwritten: existing,
    projectFile,
    registered: register,
    ...(step ? {step} : {}),
  }
}

/**
 * Bindings for the new step's inputs: `message` ← the previous step's first output (else a parameter `message`, else
 * a literal greeting); an input named like a pipeline parameter ← that parameter; other inputs keep the component's defaults.
 */
async function wireInputs(
  componentYaml: string,
  prev: Record<string, unknown> | undefined,
  params: unknown,
  root: string,
  name: string,
): Promise<Record<string, string>> {
  const spec = (parse(componentYaml) ?? {}) as {inputs?: Array<{name?: string; default?: unknown}>}
  const paramNames = params && typeof params === 'object' && !Array.isArray(params) ? Object.keys(params) : []
  const prevOutput = prev ? await firstOutputOf(prev, root) : undefined
  const out: Record<string, string> = {}
  for (const input of spec.inputs ?? []) {
    if (!input.name) continue
    if (input.name === 'message' && prevOutput) out.message = `\${{ steps.${String(prev!.name)}.outputs.${prevOutput} }}`
    else if (paramNames.includes(input.name)) out[input.name] = `\${{ params.${input.name} }}`
    else if (input.name === 'message') out.message = `hello from ${name}`
  }
  return out
}

async function firstOutputOf(step: Record<string, unknown>, root: string): Promise<string | undefined> {
  const component = typeof step.component === 'string' ? step.component : String(step.name)
  try {
    const doc = parseDocument(await readFile(path.join(root, 'components', component, 'component.yaml'), 'utf8'))
    const outputs = doc.get('outputs', true)
    if (isSeq(outputs) && isMap(outputs.items[0])) {
      const n = outputs.items[0].get('name')
      if (typeof n === 'string') return n
    }
  } catch {
    // The previous step's component is unreadable: fall back to a literal (kfp validate reports the real problem).
  }
  const fileOutputs = step.fileOutputs
  if (fileOutputs && typeof fileOutputs === 'object') return Object.keys(fileOutputs)[0]
  return undefined
}
