// Artifacts and metrics of local runs: what each step produced (or reused), where the file is, its type and size,
// the scalar metrics of its Metrics artifacts (core/artifacts/metrics.ts), and copying or opening one.
import {existsSync} from 'node:fs'
import {cp, mkdir, open, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {isMetricsArtifact, metricsOf, type MetricValue} from '../../core/artifacts/metrics.js'
import {labelOf, uniqueLabels} from '../../core/engine/naming.js'
import type {ArtifactValue, RunRecord, TaskRecord} from '../../core/engine/record.js'
import type {JsonValue} from '../../core/project/types.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {readSpec, resolveRun, runDir} from '../run/store.js'
import {runsStateDir, type RunsScope} from '../runs/index.js'
import {findSteps, stepNotFound, stepsInOrder} from '../runs/steps.js'

/**
 * One output artifact of one step of a run: the same shape for a local run and a server run (services/artifacts/
 * server-view.ts makes it from ML Metadata), in `kfp artifacts list|get|open --json`.
 */
export interface ArtifactInfo {
  /** The step's record key (`exit-handler-1/for-loop-2[0]/train`). */
  task: string
  /** The step as users see it in `kfp runs get` and `kfp logs` (core/engine/naming.ts labelOf: `train[0]`). */
  step: string
  /** Its step number (absent when a server run does not say). */
  number?: number
  name: string
  /** Its type's schema title, e.g. system.Model, system.Metrics. */
  type?: string
  uri: string
  /** The local file or folder (undefined for a remote URI that has no local copy). */
  path?: string
  kind: 'file' | 'folder' | 'missing' | 'remote'
  sizeBytes?: number
  /** The step was a cache hit: the artifact is an earlier execution's. */
  cached: boolean
  /** The run it was reused from (cache, --start-step), where known. */
  fromRun?: RunRef
  /** The artifact's metadata (executor output / ML Metadata custom properties). */
  metadata: Record<string, JsonValue>
  /** Scalar metrics of a Metrics artifact. */
  metrics?: Record<string, MetricValue>
}

/** A run another one refers to (`fromRun` in artifacts, `kfp run --dry-run`, `kfp logs`, a run's startStep). */
export interface RunRef {
  id: string
  name: string
}

/** The scalar metrics of one Metrics artifact of a run. */
export interface StepMetrics {
  /** Record key. */
  task: string
  /** The label users see (`train[0]`). */
  step: string
  number?: number
  artifact: string
  metrics: Record<string, MetricValue>
}

/** A task's reuse source as a RunRef. */
export function fromRunOf(t: Pick<TaskRecord, 'reusedFrom'>): RunRef | undefined {
  const r = t.reusedFrom
  return r?.runId ? {id: r.runId, name: r.runName ?? r.runId} : undefined
}

/** A Metrics file larger than this is not a metrics object: not read. */
const METRICS_FILE_LIMIT = 1024 * 1024

/** The declared schema title of a task's output (the spec the run ran; root-DAG task keys). */
function declaredType(spec: PipelineSpec | undefined, task: string, name: string): string | undefined {
  const comp = spec?.components?.[spec.root?.dag?.tasks?.[task]?.componentRef?.name ?? '']
  return comp?.outputDefinitions?.artifacts?.[name]?.artifactType?.schemaTitle
}


async function sizeOf(p: string): Promise<number> {
  const st = await stat(p)
  if (!st.isDirectory()) return st.size
  let total = 0
  for (const n of await readdir(p)) total += await sizeOf(path.join(p, n)).catch(() => 0)
  return total
}

/** At most `limit` bytes of a file, or undefined when it is larger or unreadable. */
async function smallText(p: string, limit: number): Promise<string | undefined> {
  try {
    const fh = await open(p, 'r')
    try {
      const {size} = await fh.stat()
      if (size > limit) return undefined
      return (await fh.readFile()).toString('utf8')
    } finally {
      await fh.close()
    }
  } catch {
    return undefined
  }
}

async function describe(t: TaskRecord, step: string, name: string, a: ArtifactValue, spec: PipelineSpec | undefined): Promise<ArtifactInfo> {
  const type = a.type?.schemaTitle ?? declaredType(spec, t.name, name)
  const local = a.customPath || (a.uri.includes('://') ? undefined : a.uri)
  const from = fromRunOf(t)
  const base: ArtifactInfo = {
    task: t.name,
    step,
    number: t.number,
    name,
    uri: a.uri,
    kind: 'remote',
    ...(type ? {type} : {}),
    cached: t.status === 'cached',
    ...(from ? {fromRun: from} : {}),
    metadata: a.metadata ?? {},
  }
  if (!local) return base
  const st = await stat(local).catch(() => undefined)
  if (!st) return {...base, path: local, kind: 'missing'}
  const info: ArtifactInfo = {...base, path: local, kind: st.isDirectory() ? 'folder' : 'file', sizeBytes: await sizeOf(local)}
  if (isMetricsArtifact({type: a.type}, type)) info.metrics = metricsOf(a.metadata, st.isDirectory() ? undefined : await smallText(local, METRICS_FILE_LIMIT))
  return info
}

/** The run an artifact list is of: the same fields for a local and a server run. */
export interface ArtifactsRun {
  id: string
  name: string
  status: string
  /** `local`, or the KFP target's name. */
  target: string
}

export interface ListArtifactsResult {
  run: ArtifactsRun
  artifacts: ArtifactInfo[]
}

/** The step records in display order (kfp runs get's: by step number, iterations in item order), with their labels. */
export function orderedSteps(run: RunRecord, tasks?: TaskRecord[]): Array<{task: TaskRecord; step: string}> {
  const steps = stepsInOrder(run)
  const labels = uniqueLabels(steps.map((t) => t.name))
  const wanted = tasks && new Set(tasks)
  return (wanted ? steps.filter((t) => wanted.has(t)) : steps)
    .sort((a, b) => a.number - b.number)
    .map((t) => ({task: t, step: labels.get(t.name) ?? labelOf(t.name)}))
}

/** The artifacts of a run's steps (or of one step), in step order. */
export async function listArtifacts(o: RunsScope & {run: string; step?: string}, ctx: Pick<Ctx, 'env'>): Promise<ListArtifactsResult> {
  const {record, artifacts} = await collectArtifacts(o, ctx)
  return {run: {id: record.id, name: record.name, status: record.status, target: 'local'}, artifacts}
}

async function collectArtifacts(o: RunsScope & {run: string; step?: string}, ctx: Pick<Ctx, 'env'>): Promise<{record: RunRecord; artifacts: ArtifactInfo[]}> {
  const stateDir = await runsStateDir(o, ctx)
  const run = await resolveRun(stateDir, o.run)
  const tasks = o.step ? findSteps(stepsInOrder(run), o.step) : undefined
  if (o.step && !tasks?.length) throw stepNotFound(run, o.step)
  const spec = await readSpec(runDir(stateDir, run.id), run)
  const artifacts: ArtifactInfo[] = []
  for (const {task: t, step} of orderedSteps(run, tasks))
    for (const [n, a] of Object.entries(t.outputs.artifacts)) artifacts.push(await describe(t, step, n, a, spec))
  return {record: run, artifacts}
}

/** The scalar metrics of a run, per Metrics artifact (for `kfp runs get` and `kfp runs compare`); `spec` is the run's (store readSpec). */
export async function runMetrics(run: RunRecord, spec: PipelineSpec | undefined): Promise<StepMetrics[]> {
  const out: StepMetrics[] = []
  for (const {task: t, step} of orderedSteps(run)) {
    for (const [n, a] of Object.entries(t.outputs.artifacts)) {
      if (!isMetricsArtifact(a, declaredType(spec, t.name, n))) continue
      const info = await describe(t, step, n, a, spec)
      if (info.metrics && Object.keys(info.metrics).length) out.push({task: t.name, step, number: t.number, artifact: n, metrics: info.metrics})
    }
  }
  return out
}

/** One artifact by run, step and name. */
export async function findArtifact(o: RunsScope & {run: string; step: string; name: string}, ctx: Pick<Ctx, 'env'>): Promise<{run: RunRecord; artifact: ArtifactInfo}> {
  const {record: run, artifacts} = await collectArtifacts(o, ctx)
  const matches = artifacts.filter((a) => a.name === o.name)
  if (matches.length === 0) {
    const names = [...new Set(artifacts.map((a) => a.name))]
    throw new CliError('ARTIFACT_NOT_FOUND', `Step ${o.step} of run ${run.name} has no artifact '${o.name}'.`, {
      exit: EXIT.USAGE,
      hints: [names.length ? `Its artifacts: ${names.join(', ')}` : 'It has no output artifacts.', `kfp artifacts list ${run.id}`],
    })
  }
  if (matches.length > 1) {
    throw new CliError('USAGE', `'${o.step}' names ${matches.length} tasks with an artifact '${o.name}': ${matches.map((a) => a.step).join(', ')}.`, {
      exit: EXIT.USAGE,
      hints: [`Name one: kfp artifacts get ${run.id} '${matches[0].step}' ${o.name}`],
    })
  }
  const a = matches[0]
  if (a.kind === 'remote') {
    throw new CliError('ARTIFACT_NOT_FOUND', `Artifact ${o.name} of step ${a.step} lives at ${a.uri}, which has no local copy.`, {exit: EXIT.CONFIG})
  }
  if (a.kind === 'missing') {
    throw new CliError('ARTIFACT_NOT_FOUND', `The file of artifact ${o.name} of step ${a.step} is gone (${a.path}).`, {
      exit: EXIT.CONFIG,
      hints: ['It was removed (kfp runs delete/prune keep files other runs use); run the step again to make it.'],
    })
  }
  return {run, artifact: a}
}

export interface GetArtifactResult {
  artifact: ArtifactInfo
  /** Where it was copied to (-o). */
  written?: string
}

/** Copies an artifact (file or folder) to `output`; refuses to overwrite unless `force`. */
export async function copyArtifact(a: ArtifactInfo, output: string, o: {cwd: string; force?: boolean}): Promise<string> {
  const dest = path.resolve(o.cwd, output)
  if (existsSync(dest) && !o.force) {
    throw new CliError('FILE_EXISTS', `${output} exists already.`, {exit: EXIT.USAGE, hints: ['Pass --force to overwrite it, or choose another -o path.']})
  }
  await mkdir(path.dirname(dest), {recursive: true})
  await cp(a.path!, dest, {recursive: true, force: true})
  return dest
}

/** HTML and Markdown artifacts open in a browser; by type, else by file extension. */
export function viewKind(a: ArtifactInfo): 'html' | 'markdown' | undefined {
  if (a.type === 'system.HTML' || /\.html?$/i.test(a.path ?? '')) return 'html'
  if (a.type === 'system.Markdown' || /\.(md|markdown)$/i.test(a.path ?? '')) return 'markdown'
  return undefined
}

/** True where a browser can be opened: macOS, Windows, or a Linux/BSD session with a display. */
export function hasDesktop(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY)
}

export interface OpenArtifactResult {
  artifact: ArtifactInfo
  /** The file a browser shows (a Markdown artifact is rendered to HTML first). */
  file: string
  /** Whether a browser was asked to open it (else the path is the result). */
  opened: boolean
}

/** The HTML file for an artifact: the file itself, a folder's index.html, or a Markdown file rendered beside the temp dir. */
async function viewFile(a: ArtifactInfo, kind: 'html' | 'markdown', runId: string): Promise<string> {
  let file = a.path!
  if (a.kind === 'folder') {
    const index = ['index.html', 'index.htm', 'index.md', 'README.md'].map((n) => path.join(file, n)).find((p) => existsSync(p))
    if (!index) throw new CliError('USAGE', `Artifact ${a.name} of step ${a.step} is a folder without an index.html.`, {exit: EXIT.USAGE, hints: [`Copy it: kfp artifacts get ${runId} '${a.step}' ${a.name} -o DIR`]})
    file = index
  }
  if (kind === 'html' || /\.html?$/i.test(file)) return file
  const {marked} = await import('marked')
  const body = await marked.parse(await readFile(file, 'utf8'))
  const out = path.join(os.tmpdir(), 'kfp-artifacts', `${runId}-${a.task.replace(/[^\w.-]+/g, '_')}-${a.name}.html`)
  await mkdir(path.dirname(out), {recursive: true})
  await writeFile(out, `<!doctype html>\n<meta charset="utf-8">\n<title>${a.name} (${a.step})</title>\n<body>\n${body}</body>\n`)
  return out
}

/** Opens an HTML or Markdown artifact in the browser on a desktop; elsewhere returns its path. */
export async function openArtifact(
  o: RunsScope & {run: string; step: string; name: string; browser?: boolean},
  ctx: Pick<Ctx, 'env'>,
  opener: (file: string) => Promise<void> = defaultOpen,
): Promise<OpenArtifactResult> {
  const {run, artifact} = await findArtifact(o, ctx)
  const kind = viewKind(artifact)
  if (!kind) {
    throw new CliError('USAGE', `Artifact ${artifact.name} of step ${artifact.step} is ${artifact.type ?? 'not HTML or Markdown'}; only HTML and Markdown artifacts open in a browser.`, {
      exit: EXIT.USAGE,
      hints: [`Copy it: kfp artifacts get ${run.id} '${artifact.step}' ${artifact.name} -o PATH`],
    })
  }
  if (!(o.browser ?? true) || !hasDesktop(ctx.env)) return {artifact, file: artifact.kind === 'folder' ? artifact.path! : artifact.path!, opened: false}
  const file = await viewFile(artifact, kind, run.id)
  await opener(file)
  return {artifact, file, opened: true}
}

async function defaultOpen(file: string): Promise<void> {
  const {default: open} = await import('open')
  await open(file)
}
