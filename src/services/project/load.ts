import {existsSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {componentNamesIn, findProjectComponentNames, parseProject, type ComponentSource, type ProjectSource} from '../../core/project/load.js'
import {parseYamlFile} from '../../core/project/yaml-doc.js'
import {findStep} from '../../core/project/model.js'
import type {Project, ProjectIssue, Step} from '../../core/project/types.js'
import {CliError, EXIT} from '../../lib/errors.js'

/** The project file name kfp looks for. */
export const PROJECT_FILE = 'kfp.yaml'

export interface LoadProjectOptions {
  /** Where the command runs; relative paths and the upward search start here. */
  cwd: string
  /** --project: a kfp.yaml file or the folder holding it (relative to cwd). Falls back to $KFP_PROJECT. */
  project?: string
}

/**
 * Finds kfp.yaml: `opts.project` (a file or a folder), else $KFP_PROJECT, else the nearest kfp.yaml in cwd or a parent.
 * Throws PROJECT_NOT_FOUND (exit 3) with a hint to run `kfp init` when there is none.
 */
export function findProjectFile(opts: LoadProjectOptions, ctx: Pick<Ctx, 'env'>): string {
  const given = opts.project ?? ctx.env.KFP_PROJECT
  if (given !== undefined && given !== '') {
    const abs = path.resolve(opts.cwd, given)
    const file = existsSync(abs) && statSync(abs).isDirectory() ? path.join(abs, PROJECT_FILE) : abs
    if (existsSync(file) && statSync(file).isFile()) return file
    throw new CliError('PROJECT_NOT_FOUND', `No project file at ${rel(opts.cwd, file)}.`, {
      exit: EXIT.CONFIG,
      hints: [
        opts.project !== undefined ? 'Check --project: it takes a kfp.yaml file or the folder that holds one.' : 'Check KFP_PROJECT: it takes a kfp.yaml file or the folder that holds one.',
        'Create a project with `kfp init`.',
      ],
    })
  }
  let dir = path.resolve(opts.cwd)
  for (;;) {
    const file = path.join(dir, PROJECT_FILE)
    if (existsSync(file) && statSync(file).isFile()) return file
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new CliError('PROJECT_NOT_FOUND', `No ${PROJECT_FILE} in this folder or above (${opts.cwd}).`, {
    exit: EXIT.CONFIG,
    hints: ['Create a project here with `kfp init`, or `kfp init --example babyweight` for the example pipeline.', 'Or point to one with --project PATH (or KFP_PROJECT).'],
  })
}

/** Reads kfp.yaml and the component.yaml of every component it refers to. */
export async function readProjectSources(file: string): Promise<ProjectSource> {
  const root = path.dirname(file)
  const text = await readText(file)
  if (text === undefined) throw new CliError('PROJECT_NOT_FOUND', `Cannot read ${file}.`, {exit: EXIT.CONFIG})
  const components: Record<string, ComponentSource> = {}
  // Parsed once here (kfp.yaml can hold 20,000 params) and handed to parseProject; on a syntax error, the tolerant
  // findProjectComponentNames still finds what it can.
  const parsed = parseYamlFile(file, text)
  const names = parsed.yaml ? componentNamesIn(parsed.yaml.data) : findProjectComponentNames(text)
  await Promise.all(
    names.map(async (name) => {
      const dir = path.join(root, 'components', name)
      let compFile = path.join(dir, 'component.yaml')
      let compText = await readText(compFile)
      if (compText === undefined) {
        const alt = path.join(dir, 'component.yml')
        const altText = await readText(alt)
        if (altText !== undefined) {
          compFile = alt
          compText = altText
        }
      }
      components[name] = {dir: `components/${name}`, file: compFile, text: compText, hasDockerfile: existsSync(path.join(dir, 'Dockerfile'))}
    }),
  )
  return {root, file, text, components, parsed}
}

/**
 * Loads and validates the project (kfp.yaml + components/<name>/component.yaml).
 * Throws PROJECT_NOT_FOUND, YAML_SYNTAX (file:line:col of the syntax error) or PROJECT_INVALID listing every issue as
 * `file:line:col: message` with its hint, paths relative to the cwd; all exit 3. The issues are also in the error's
 * `data.issues` for --json.
 */
export async function loadProject(opts: LoadProjectOptions, ctx: Pick<Ctx, 'env'>): Promise<Project> {
  const file = findProjectFile(opts, ctx)
  const sources = await readProjectSources(file)
  const {project, issues} = parseProject(sources)
  if (project && issues.length === 0) return project
  throw projectError(issues, opts.cwd, rel(opts.cwd, file))
}

/** The CliError for a list of issues (YAML_SYNTAX when any is a syntax error, else PROJECT_INVALID). */
export function projectError(issues: ProjectIssue[], cwd: string, projectFile: string): CliError {
  const shown = issues.map((i) => ({...i, file: rel(cwd, i.file)}))
  const syntax = shown.some((i) => i.code === 'YAML_SYNTAX')
  const lines = shown.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}${i.hint ? `\n    ${i.hint}` : ''}`)
  const data = {issues: shown}
  if (shown.length === 1) {
    const [only] = shown
    return new CliError(syntax ? 'YAML_SYNTAX' : 'PROJECT_INVALID', `${only.file}:${only.line}:${only.col}: ${only.message}`, {
      exit: EXIT.CONFIG,
      hints: only.hint ? [only.hint] : [],
      data,
    })
  }
  const files = [...new Set(shown.map((i) => i.file))]
  const head = `${files.length === 1 ? files[0] : projectFile} has ${shown.length} problems:`
  return new CliError(syntax ? 'YAML_SYNTAX' : 'PROJECT_INVALID', [head, ...lines].join('\n'), {exit: EXIT.CONFIG, data})
}

/**
 * The step `ref` names: a 1-based number (number or numeric string, as in --start-step 4) or a step name.
 * Throws STEP_NOT_FOUND (exit 2, a usage error) with did-you-mean and the list of steps.
 */
export function stepByRef(project: Project, ref: string | number): Step {
  const r = findStep(project, ref)
  if ('step' in r) return r.step
  throw new CliError('STEP_NOT_FOUND', r.message, {exit: EXIT.USAGE, hints: r.hints})
}

function rel(cwd: string, file: string): string {
  if (!path.isAbsolute(file)) return file
  const r = path.relative(cwd, file)
  return r === '' ? file : r
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw new CliError('FILE_NOT_FOUND', `Cannot read ${file}: ${(e as Error).message}`, {exit: EXIT.CONFIG})
  }
}
