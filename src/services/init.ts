import {constants as fsc} from 'node:fs'
import {access, chmod, lstat, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import type {Ctx} from '../ctx.js'
import {ensureCloudResources, parseArtifactRegistry, type CloudResourcesResult} from './cloud-resources.js'
import {checkName, MAX_PIPELINE_NAME, toValidName} from '../core/templates/names.js'
import {planTemplateFiles, yamlScalar, type PlannedFile, type TemplateFile, type TemplateVars} from '../core/templates/render.js'
import {CliError, EXIT} from '../lib/errors.js'
import {templatesDir} from '../lib/paths.js'

/** The component scaffolds shipped in templates/components/. */
export const COMPONENT_TEMPLATES = ['python', 'bash', 'gcloud', 'container'] as const
export type ComponentTemplate = (typeof COMPONENT_TEMPLATES)[number]
/** The example projects shipped in templates/examples/. */
export const EXAMPLES = ['babyweight', 'tuning'] as const

/** How each example is offered in the interactive menu. */
const EXAMPLE_LABELS: Record<(typeof EXAMPLES)[number], string> = {
  babyweight: 'babyweight example (4 steps, the KFP tutorial)',
  tuning: 'tuning example (a hyperparameter sweep: loop, condition, exit handler, artifacts)',
}
export type Example = (typeof EXAMPLES)[number]

/** The name of the first component of a project made from a component template. */
export const FIRST_COMPONENT = 'hello'

const TEMPLATE_DESCRIPTIONS: Record<ComponentTemplate, string> = {
  python: 'A Python 3 step: argparse inputs, writes its output to the file it is given.',
  bash: 'A POSIX shell step: parses its arguments and writes its output to the file it is given.',
  gcloud: 'A shell step that calls gcloud (image google/cloud-sdk:slim).',
  container: 'Runs an existing image (bring your own container); nothing to build.',
}

export interface InitOptions {
  /** Target folder, relative to ctx.cwd (default: the cwd). */
  dir?: string
  /** Accept defaults for everything not given; never prompt. */
  yes?: boolean
  name?: string
  description?: string
  gcpProject?: string
  region?: string
  zone?: string
  registry?: string
  bucket?: string
  template?: ComponentTemplate
  example?: Example
  /** Overwrite files that exist. */
  force?: boolean
  /** Folder holding the templates (default: the package's templates/). */
  templatesDir?: string
  /**
   * Create the GCP resources the pipeline needs (APIs, Artifact Registry repository, bucket) once the files are written:
   * true = do it, false = don't, undefined = ask when interactive and a GCP project was given.
   */
  cloudSetup?: boolean
}

export interface InitResult {
  /** Absolute folder of the new project. */
  dir: string
  name: string
  /** Files written, relative to dir, sorted. */
  files: string[]
  /** Files that existed and were overwritten (only with --force). */
  overwritten: string[]
  template?: ComponentTemplate
  example?: Example
  /** Commands to try next, in order. */
  nextSteps: string[]
  /** The GCP resources found or created (with --cloud-setup, or when accepted at the prompt). */
  cloud?: CloudResourcesResult
}

/** The answers init works from, after flags, prompts and defaults. */
interface Answers {
  name: string
  description: string
  gcpProject?: string
  /** Only with a GCP project, or given as a flag; `regionOrDefault` fills the example's inputs otherwise. */
  region?: string
  zone?: string
  registry: string
  bucket?: string
  template?: ComponentTemplate
  example?: Example
}

const DEFAULT_REGION = 'us-central1'
/** The Artifact Registry Docker repository kfp proposes for a GCP project: `REGION-docker.pkg.dev/PROJECT/kfp`. */
export function artifactRegistry(region: string, project: string): string {
  return `${region}-docker.pkg.dev/${project}/kfp`
}

const GCP_PROJECT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/
const REGION = /^[a-z]+-[a-z]+\d+$/
const ZONE = /^[a-z]+-[a-z]+\d+-[a-z]$/
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/
const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/

type Check = (v: string) => true | string

const checks: Record<'name' | 'gcpProject' | 'region' | 'zone' | 'registry' | 'bucket', Check> = {
  name: (v) => {
    const c = checkName(v, 'pipeline')
    return c.ok ? true : `Invalid pipeline name '${v}': ${c.reason}.${c.suggestion ? ` Try '${c.suggestion}'.` : ''}`
  },
  gcpProject: (v) => GCP_PROJECT.test(v) || `Invalid GCP project id '${v}': 6-30 lowercase letters, digits or '-', starting with a letter.`,
  region: (v) => REGION.test(v) || `Invalid region '${v}' (expected e.g. us-central1).`,
  zone: (v) => ZONE.test(v) || `Invalid zone '${v}' (expected e.g. us-central1-a).`,
  registry: (v) =>
    REGISTRY.test(v) || `Invalid registry '${v}' (expected e.g. gcr.io/my-project, us-docker.pkg.dev/my-project/repo or localhost:5000; no scheme, lowercase).`,
  bucket: (v) => BUCKET.test(v) || `Invalid bucket name '${v}': 3-63 lowercase letters, digits, '-', '_' or '.'; no gs:// prefix.`,
}

const FLAG_OF: Record<keyof typeof checks, string> = {
  name: '--name',
  gcpProject: '--gcp-project',
  region: '--region',
  zone: '--zone',
  registry: '--registry',
  bucket: '--bucket',
}

function validated(key: keyof typeof checks, value: string): string {
  const r = checks[key](value)
  if (r !== true) {
    const hints = [`Fix the value of ${FLAG_OF[key]}.`]
    if (key === 'name') {
      const c = checkName(value, 'pipeline')
      if (!c.ok && c.suggestion) hints.unshift(`Pass ${FLAG_OF[key]} ${c.suggestion}`)
    }
    throw new CliError(key === 'name' ? 'NAME_INVALID' : 'USAGE', r, {exit: EXIT.USAGE, hints})
  }
  return value
}

/**
 * Creates a kfp project in a folder: kfp.yaml (commented), .gitignore, README.md and the first component(s), from a
 * component template or an example. Asks through ctx.prompter for what flags do not give (unless `yes`); plans every
 * file first and writes nothing when a file exists and `force` is not set.
 */
export async function initProject(opts: InitOptions, ctx: Pick<Ctx, 'cwd' | 'prompter'> & Partial<Ctx>): Promise<InitResult> {
  const dir = path.resolve(ctx.cwd, opts.dir ?? '.')
  await assertFolderUsable(dir)
  const answers = await resolveAnswers(opts, dir, ctx)
  const root = opts.templatesDir ?? templatesDir()
  const planned = await planProjectFiles(answers, root)

  const existing: string[] = []
  for (const f of planned) if (await exists(path.join(dir, f.path))) existing.push(f.path)
  if (existing.length > 0 && !opts.force) {
    throw new CliError('FILE_EXISTS', `Not overwriting ${existing.length} existing file(s) in ${dir}:\n${existing.map((f) => `  ${f}`).join('\n')}`, {
      exit: EXIT.CONFIG,
      hints: ['Pass --force to overwrite them, or choose another folder: kfp init NEW-DIR.'],
      data: {files: existing},
    })
  }
  await writePlannedFiles(dir, planned)

  const files = planned.map((f) => f.path)
  // The folder as the user typed it (`/tmp/bw`, `../bw`, `~/bw` expanded by the shell), not re-derived from the cwd.
  const cd = dir === path.resolve(ctx.cwd) ? undefined : opts.dir
  const nextSteps = [
    ...(cd ? [`cd ${/[\s"'$`\\]/.test(cd) ? JSON.stringify(cd) : cd}`] : []),
    'kfp validate',
    'kfp steps',
    'kfp run --runner process',
    ...(answers.example === 'babyweight'
      ? ['kfp run --start-step 4 --param startYear=2001']
      : answers.example === 'tuning'
        ? ['kfp run --runner process --param maxRmse=0.1']
        : ['kfp component add train --template python']),
    'kfp compile',
  ]
  const cloud = await maybeSetUpCloud(opts, answers, dir, ctx)
  return {
    dir,
    name: answers.name,
    files,
    overwritten: existing,
    ...(cloud ? {cloud} : {}),
    ...(answers.example ? {example: answers.example} : {template: answers.template}),
    nextSteps,
  }
}

/** After the files are written: offers (or, with --cloud-setup, goes on) to create the project's GCP resources. */
async function maybeSetUpCloud(
  opts: InitOptions,
  a: Answers,
  dir: string,
  ctx: Pick<Ctx, 'cwd' | 'prompter'> & Partial<Ctx>,
): Promise<CloudResourcesResult | undefined> {
  if (!a.gcpProject || opts.cloudSetup === false) return undefined
  let want: boolean | undefined = opts.cloudSetup
  if (want === undefined) {
    if (opts.yes || !ctx.prompter.canPrompt) return undefined
    want = await ctx.prompter.confirm({
      message: `Create what the pipeline needs in ${a.gcpProject} now (${cloudPlanText(a)})?`,
      flag: '--cloud-setup',
      default: false,
    })
  }
  if (!want) return undefined
  if (!ctx.env || !ctx.exec) throw new Error('initProject: cloud setup needs the full command context')
  const repo = parseArtifactRegistry(a.registry)
  return ensureCloudResources(
    {project: a.gcpProject, region: repo?.location ?? a.region, bucket: a.bucket, repository: repo?.project === a.gcpProject ? repo.repository : undefined},
    {...(ctx as Ctx), cwd: dir},
  )
}

/** What `kfp cloud setup` will create for these answers, as the prompt says it (and only that). */
function cloudPlanText(a: Answers): string {
  const repo = parseArtifactRegistry(a.registry)
  return [
    'the GKE, Artifact Registry and Cloud Storage APIs',
    ...(a.bucket ? [`bucket gs://${a.bucket}`] : []),
    ...(repo && repo.project === a.gcpProject ? [`Artifact Registry repository ${repo.repository} in ${repo.location}`] : []),
  ].join(', ')
}

async function assertFolderUsable(dir: string): Promise<void> {
  try {
    const st = await stat(dir)
    if (!st.isDirectory()) {
      throw new CliError('FILE_EXISTS', `${dir} exists and is not a folder.`, {exit: EXIT.CONFIG, hints: ['Pass another folder: kfp init NEW-DIR.']})
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

async function resolveAnswers(opts: InitOptions, dir: string, ctx: Pick<Ctx, 'prompter'>): Promise<Answers> {
  const p = ctx.prompter
  // --yes accepts defaults; without a terminal, values that have a default take it silently.
  const ask = !opts.yes && p.canPrompt
  const useDefaults = opts.yes || !p.canPrompt

  if (opts.template && opts.example) {
    throw new CliError('USAGE', 'Pass either --template or --example, not both.', {exit: EXIT.USAGE})
  }

  const defaultName = toValidName(path.basename(dir), MAX_PIPELINE_NAME) || 'pipeline'
  const name = validated(
    'name',
    opts.name ?? (ask ? await p.input({message: 'Pipeline name', flag: '--name', default: defaultName, validate: checks.name}) : defaultName),
  )

  let template = opts.template
  let example = opts.example
  if (!template && !example) {
    if (ask) {
      const choice = await p.select<string>({
        message: 'Start from',
        flag: '--template',
        default: 'python',
        choices: [
          ...COMPONENT_TEMPLATES.map((t) => ({name: `${t} component`, value: t, description: TEMPLATE_DESCRIPTIONS[t]})),
          ...EXAMPLES.map((e) => ({name: EXAMPLE_LABELS[e], value: `example:${e}`})),
        ],
      })
      if (choice.startsWith('example:')) example = choice.slice('example:'.length) as Example
      else template = choice as ComponentTemplate
    } else template = 'python'
  }

  let gcpProject = opts.gcpProject
  if (gcpProject === undefined && !opts.yes) {
    if (!p.canPrompt) {
      throw new CliError('MISSING_INPUT', 'Missing --gcp-project (the Google Cloud project id).', {
        exit: EXIT.USAGE,
        hints: ['Pass --gcp-project <id> when not running interactively, or --yes to create the project without one.'],
      })
    }
    gcpProject = await p.input({
      message: 'Google Cloud project id (empty: none, local runs only)',
      flag: '--gcp-project',
      default: '',
      validate: (v) => v === '' || checks.gcpProject(v),
    })
  }
  gcpProject = gcpProject ? validated('gcpProject', gcpProject) : undefined

  const pick = async (key: 'region' | 'zone' | 'registry' | 'bucket', given: string | undefined, def: string, message: string, optional = false) => {
    if (given !== undefined) return given === '' && optional ? undefined : validated(key, given)
    if (useDefaults) return def === '' ? undefined : def
    const v = await p.input({message, flag: FLAG_OF[key], default: def, validate: (x) => (optional && x === '') || checks[key](x)})
    return v === '' ? undefined : validated(key, v)
  }
  // A zone given without a region names its region (europe-west4-b → europe-west4).
  const regionDefault = opts.zone && ZONE.test(opts.zone) ? opts.zone.replace(/-[a-z]$/, '') : DEFAULT_REGION
  // Region and zone only mean something with a GCP project: without one they are neither asked nor written
  // (unless given as flags).
  const region = gcpProject ? (await pick('region', opts.region, regionDefault, 'Region'))! : opts.region === undefined ? undefined : validated('region', opts.region)
  const zone = gcpProject ? (await pick('zone', opts.zone, `${region}-a`, 'Zone'))! : opts.zone === undefined ? undefined : validated('zone', opts.zone)
  // Container Registry (gcr.io) is retired: a GCP project gets an Artifact Registry repository, which
  // `kfp cloud setup` (or --cloud-setup) creates.
  const registry = (await pick('registry', opts.registry, gcpProject ? artifactRegistry(region ?? DEFAULT_REGION, gcpProject) : 'localhost:5000', 'Image registry'))!
  const bucket = gcpProject ? await pick('bucket', opts.bucket, `${gcpProject}-kfp`, 'Cloud Storage bucket (empty: none)', true) : opts.bucket ? validated('bucket', opts.bucket) : undefined

  const description =
    opts.description ??
    (example === 'babyweight'
      ? "Predict a baby's weight from the natality data."
      : example === 'tuning'
        ? 'A hyperparameter sweep: trials in parallel, pick the best, deploy it when it is good enough.'
        : 'A Kubeflow pipeline made with kfp.')
  return {name, description, gcpProject, region, zone, registry, bucket, template, example}
}

/** Reads every file of a template folder (recursively), as posix paths relative to it. Skips __pycache__. */
export async function readTemplateDir(dir: string): Promise<TemplateFile[]> {
  const out: TemplateFile[] = []
  const walk = async (rel: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(path.join(dir, rel), {withFileTypes: true})
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new CliError('TEMPLATE_NOT_FOUND', `Template folder ${dir} not found.`, {
          exit: EXIT.BUG,
          hints: ['The kfp installation is incomplete: reinstall the package.'],
        })
      }
      throw err
    }
    for (const e of entries) {
      if (e.name === '__pycache__' || e.name === '.DS_Store') continue
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) await walk(r)
      else {
        const abs = path.join(dir, r)
        const mode = (await stat(abs)).mode
        out.push({path: r, content: await readFile(abs, 'utf8'), ...(mode & 0o111 ? {executable: true} : {})})
      }
    }
  }
  await walk('')
  return out
}

/** The gcp flow map for kfp.yaml, e.g. `{project: p, region: us-central1, zone: us-central1-a, bucket: b}`. */
function gcpFlowMap(a: Answers): string {
  const parts = [
    a.gcpProject ? `project: ${a.gcpProject}` : undefined,
    a.region ? `region: ${a.region}` : undefined,
    a.zone ? `zone: ${a.zone}` : undefined,
    a.bucket ? `bucket: ${a.bucket}` : undefined,
  ].filter(Boolean)
  return `{${parts.join(', ')}}`
}

/** Without a GCP project (and no --region/--zone) kfp.yaml gets no `gcp:` section at all, rather than `gcp: {}`. */
function withoutEmptyGcp(files: PlannedFile[]): PlannedFile[] {
  return files.map((f) => (f.path === 'kfp.yaml' ? {...f, content: f.content.replace(/\n# Google Cloud settings[^\n]*\ngcp: \{\}\n/, '\n')} : f))
}

async function planProjectFiles(a: Answers, root: string): Promise<PlannedFile[]> {
  const gitignore = (await readTemplateDir(path.join(root, 'project'))).filter((f) => f.path === '_gitignore')
  if (a.example) {
    const vars: TemplateVars = {
      name: a.name,
      description: a.description,
      descriptionYaml: yamlScalar(a.description),
      registry: a.registry,
      gcp: gcpFlowMap(a),
      region: a.region ?? DEFAULT_REGION,
      project: a.gcpProject ?? '',
      projectYaml: JSON.stringify(a.gcpProject ?? ''),
      bucket: a.bucket ?? `${a.name}-data`,
      bucketYaml: JSON.stringify(a.bucket ?? `${a.name}-data`),
    }
    const files = await readTemplateDir(path.join(root, 'examples', a.example))
    return withoutEmptyGcp(planTemplateFiles([...files, ...gitignore], vars))
  }
  const template = a.template ?? 'python'
  const message = `Hello from ${a.name}`
  const projectVars: TemplateVars = {
    name: a.name,
    description: a.description,
    descriptionYaml: yamlScalar(a.description),
    registry: a.registry,
    gcp: gcpFlowMap(a),
    message,
    messageYaml: JSON.stringify(message),
    component: FIRST_COMPONENT,
    componentDescription: TEMPLATE_DESCRIPTIONS[template],
  }
  const projectFiles = await readTemplateDir(path.join(root, 'project'))
  const componentFiles = await readTemplateDir(path.join(root, 'components', template))
  return [
    ...withoutEmptyGcp(planTemplateFiles(projectFiles, projectVars)),
    ...planTemplateFiles(
      componentFiles,
      componentVars(FIRST_COMPONENT, template, {pipeline: a.name, registry: a.registry, gcpProject: a.gcpProject}),
      `components/${FIRST_COMPONENT}`,
    ),
  ].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
}

/** Variables of a component template: `{{name}}`, `{{descriptionYaml}}`, `{{image}}`, `{{gcpProject}}`, … */
export function componentVars(
  component: string,
  template: ComponentTemplate,
  p: {pipeline: string; registry?: string; gcpProject?: string; description?: string},
): TemplateVars {
  const description = p.description ?? TEMPLATE_DESCRIPTIONS[template]
  return {
    name: component,
    description,
    descriptionYaml: yamlScalar(description),
    pipeline: p.pipeline,
    registry: p.registry ?? 'localhost:5000',
    image: `${p.registry ?? 'localhost:5000'}/${p.pipeline}-${component}:latest`,
    gcpProject: p.gcpProject ?? '',
  }
}

/** The planned files of one component template, placed under components/<name>/. */
export async function planComponentFiles(template: ComponentTemplate, vars: TemplateVars, root = templatesDir()): Promise<PlannedFile[]> {
  const files = await readTemplateDir(path.join(root, 'components', template))
  return planTemplateFiles(files, vars, `components/${vars.name}`)
}

/** Writes planned files under dir, creating folders; keeps the executable bit of scripts. */
export async function writePlannedFiles(dir: string, files: PlannedFile[]): Promise<void> {
  for (const f of files) {
    const abs = path.join(dir, ...f.path.split('/'))
    await mkdir(path.dirname(abs), {recursive: true})
    await writeFile(abs, f.content)
    if (f.executable) await chmod(abs, 0o755)
  }
}

/** Whether a path exists (a dangling symlink counts: writing through it would surprise the user). */
export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p)
    return true
  } catch {
    try {
      await access(p, fsc.F_OK)
      return true
    } catch {
      return false
    }
  }
}
