// `kfp run` on the local target: load the pipeline (compile the project, or read an IR file), check what the engine
// supports, resolve parameters and --start-step, pick the runner, then execute and record the run.
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {Ctx} from '../../ctx.js'
import {createObjectStore} from '../../clients/gcs.js'
import {processAlive, spawnDetached} from '../../clients/process.js'
import {assertSupported} from '../../core/engine/dag.js'
import {resolveRunArtifacts, resolveRunParams} from '../../core/engine/params.js'
import type {RunRecord, RunSource, TaskRecord} from '../../core/engine/record.js'
import {missingOutputsError, planStartStep, resolveStartTask, userStepName, type StartStepPlan} from '../../core/engine/start-step.js'
import {planTreeStartStep, reusedRecord, type TreeStartStepPlan} from '../../core/engine/start-step-tree.js'
import {leavesOf, planTree, toPlanned, type TaskNode} from '../../core/engine/tree.js'
import {labelOf, templatePathOf} from '../../core/engine/naming.js'
import {loadIrDocuments} from '../../core/ir/read.js'
import type {PipelineSpec} from '../../core/ir/types.js'
import type {JsonValue} from '../../core/project/types.js'
import {CliError, EXIT} from '../../lib/errors.js'
import {resolveInputArtifacts} from './artifact-fetch.js'
import {shellQuote} from '../../lib/shell.js'
import {executeRun, pipelineArtifactLists} from './execute.js'
import {readParamsFile} from './params-file.js'
import {buildForRun} from './build-for-run.js'
import {assertProcessRunnable, selectRunner} from './runner-select.js'
import {listRunRecords, newRunId, readRunRaw, resolveRun, runDir, runPipelineRoot, writeRun} from './store.js'
import type {RunEventHandler, RunOptions, RunResult} from './types.js'

/** A pipeline ready to run locally, from a project or an IR file. */
export interface LoadedPipeline {
  spec: PipelineSpec
  source: RunSource
  /** The `.kfp` folder the run history lives in. */
  stateDir: string
  /** Task → project step number and step name. */
  stepNumbers?: Record<string, number>
  stepNames?: Record<string, string>
  /** Task → component folder (process runner cwd). */
  taskDirs?: Record<string, string>
  /** Images `kfp build` makes from the project's Dockerfiles (not pulled by `--runner auto` when missing). */
  buildableImages?: string[]
}

/** Reads a compiled pipeline (YAML or JSON; the first YAML document is the PipelineSpec). */
export async function readIrFile(file: string, cwd: string): Promise<PipelineSpec> {
  const abs = path.resolve(cwd, file)
  let text: string
  try {
    text = await readFile(abs, 'utf8')
  } catch {
    throw new CliError('FILE_NOT_FOUND', `No pipeline file at ${file}.`, {exit: EXIT.CONFIG, hints: ['Compile one with `kfp compile -o pipeline.yaml`.']})
  }
  // Read as the SDK reads (and writes) it: PyYAML-compatible (core/ir/read.ts).
  const first = loadIrDocuments(text, file)[0]
  if (first === undefined || first === null) throw new CliError('IR_INVALID', `${file} is empty.`, {exit: EXIT.CONFIG})
  const spec = first as PipelineSpec
  if (!spec || typeof spec !== 'object' || !spec.pipelineInfo || !spec.root || !spec.deploymentSpec) {
    throw new CliError('IR_INVALID', `${file} is not a compiled KFP v2 pipeline (no pipelineInfo, root or deploymentSpec).`, {
      exit: EXIT.CONFIG,
      hints: ['Pass a file written by `kfp compile` or the KFP SDK (`kfp dsl compile`).'],
    })
  }
  return spec
}

/** Loads the pipeline to run: `--local FILE`, or the project compiled in memory. */
export async function loadPipeline(o: Pick<RunOptions, 'cwd' | 'project' | 'localFile'>, ctx: Ctx): Promise<LoadedPipeline> {
  if (o.localFile) {
    const spec = await readIrFile(o.localFile, o.cwd)
    return {spec, source: {kind: 'ir', file: path.resolve(o.cwd, o.localFile)}, stateDir: path.join(o.cwd, '.kfp')}
  }
  const {compileProject} = await import('../compile.js')
  const compiled = await compileProject({cwd: o.cwd, project: o.project, write: false}, ctx)
  const project = compiled.project
  const stepNumbers: Record<string, number> = {}
  const stepNames: Record<string, string> = {}
  const taskDirs: Record<string, string> = {}
  for (const s of project.steps) {
    const task = compiled.taskOfStep[s.name]
    if (!task) continue
    stepNumbers[task] = s.number
    stepNames[task] = s.name
    const comp = project.components[s.component]
    if (comp) taskDirs[task] = path.resolve(project.root, comp.dir)
  }
  const buildableImages = Object.values(project.components)
    .filter((c) => c.hasDockerfile && compiled.images[c.name])
    .map((c) => compiled.images[c.name])
  const stateDir = path.join(project.root, '.kfp')
  return {
    spec: compiled.spec,
    source: {kind: 'project', projectDir: project.root, file: project.file},
    stateDir,
    stepNumbers,
    stepNames,
    taskDirs,
    buildableImages,
  }
}


/** The command that resumes a run from `task`. */
export function resumeCommand(
  rec: RunRecord,
  task: TaskRecord,
  o: Pick<RunOptions, 'project' | 'localFile' | 'runner' | 'build'>,
  stepRef: string,
  /** Where the long parameter values were written (see writeLongParams); they are not repeated on the command line. */
  paramsFile?: string,
): string {
  const parts = ['kfp', 'run']
  if (o.localFile) parts.push('--local', shellQuote(o.localFile))
  if (o.project) parts.push('--project', shellQuote(o.project))
  parts.push('--start-step', shellQuote(stepRef), '--from-run', rec.id)
  if (paramsFile) parts.push('--params-file', shellQuote(paramsFile))
  for (const [k, v] of Object.entries(rec.explicitParameters)) if (!(paramsFile && isLongParam(v))) parts.push('--param', shellQuote(`${k}=${v}`))
  for (const [k, a] of Object.entries(rec.inputArtifacts ?? {})) parts.push('--artifact', shellQuote(`${k}=${a.uri}`))
  if (o.build) parts.push('--build')
  else if (o.runner && o.runner !== 'auto') parts.push('--runner', o.runner)
  return parts.join(' ')
}

/** A value too long (or multi-line) to repeat in a printed command. */
function isLongParam(text: string): boolean {
  return text.length > 200 || text.includes('\n')
}

/** Writes the run's long explicit parameters to `<run>/params.json` for the resume command; returns its path, if any. */
async function writeLongParams(rec: RunRecord, dir: string): Promise<string | undefined> {
  const long = Object.keys(rec.explicitParameters).filter((k) => isLongParam(rec.explicitParameters[k]))
  if (long.length === 0) return undefined
  const file = path.join(dir, 'params.json')
  await writeFile(file, JSON.stringify(Object.fromEntries(long.map((k) => [k, rec.parameters[k]])), null, 2) + '\n')
  return file
}

export interface Prepared {
  loaded: LoadedPipeline
  tree: TaskNode[]
  params: {values: Record<string, JsonValue>; explicit: Record<string, string>}
  /** --artifact values as given, by input artifact name. */
  artifacts: Record<string, string>
  /** --start-step of a pipeline without groups (root tasks only). */
  plan?: StartStepPlan
  /** --start-step of a pipeline with sub-DAGs, conditions or loops. */
  treePlan?: TreeStartStepPlan
}

/** The record of a root task before the run starts: pending, or skipped with the outputs --start-step reuses. */
function rootRecord(t: TaskNode, p: Pick<Prepared, 'plan' | 'treePlan'>): TaskRecord {
  const skipped = p.plan?.skipped[t.name] ?? (p.treePlan ? reusedRecord(p.treePlan, t.path, t) : undefined)
  return {
    name: t.name,
    displayName: t.displayName,
    number: t.number,
    status: skipped ? 'skipped' : 'pending',
    outputs: skipped ? skipped.outputs : {parameters: {}, artifacts: {}},
    ...(t.kind === 'dag' || t.kind === 'loop' ? {kind: t.kind} : {}),
    ...(skipped?.reusedFrom ? {reusedFrom: skipped.reusedFrom} : {}),
    ...(skipped && 'message' in skipped && typeof skipped.message === 'string' ? {message: skipped.message} : {}),
    ...(t.container ? {image: t.container.image} : {}),
  }
}

/** True when the template path `path` does not run in this run (--start-step). */
function notRun(p: Pick<Prepared, 'plan' | 'treePlan'>, path: string): boolean {
  return Boolean(p.plan?.skipped[path] || p.treePlan?.skipped.has(path))
}

/** Everything that can fail before a run starts: load, support check, params, start-step. */
export async function prepareRun(o: RunOptions, ctx: Ctx, onEvent: RunEventHandler): Promise<Prepared> {
  if (!o.startStep && (o.fromRun || o.setOutputs.length))
    throw new CliError('USAGE', `${o.fromRun ? '--from-run' : '--set-output'} only makes sense with --start-step.`, {
      exit: EXIT.USAGE,
      hints: ['Add --start-step N to run from step N and reuse the outputs of the steps before it.'],
    })
  const loaded = await loadPipeline(o, ctx)
  assertSupported(loaded.spec)
  const tree = planTree(loaded.spec, loaded.stepNumbers)
  // --no-cache STEP…: unknown steps are a usage error before anything runs.
  const steps = leavesOf(tree).map(toPlanned)
  for (const ref of o.noCacheSteps ?? []) resolveStartTask(steps, ref, loaded.stepNames)
  const file = o.paramsFile ? await readParamsFile(o.paramsFile, o.cwd) : undefined
  const params = resolveRunParams(loaded.spec.root.inputDefinitions?.parameters ?? {}, o.params, file?.values, file?.origin)
  const artifacts = resolveRunArtifacts(loaded.spec.root.inputDefinitions?.artifacts ?? {}, o.artifacts ?? [])
  let plan: StartStepPlan | undefined
  let treePlan: TreeStartStepPlan | undefined
  if (o.startStep) {
    const pipelineName = loaded.spec.pipelineInfo.name
    const samePipeline = (r: RunRecord) => r.pipelineName === pipelineName && r.id !== o.runId
    const candidates = o.fromRun ? [await resolveRun(loaded.stateDir, o.fromRun, samePipeline)] : (await listRunRecords(loaded.stateDir)).filter(samePipeline)
    const common = {startStep: o.startStep, params: params.values, setOutputs: o.setOutputs, candidates, fromRunExplicit: Boolean(o.fromRun), stepNames: loaded.stepNames}
    const started = tree.some((n) => n.children) ? (treePlan = planTreeStartStep({tree, ...common})) : (plan = planStartStep({tasks: tree.map(toPlanned), ...common}))
    if (started.missing.length) throw missingOutputsError(started.missing, started.sourceRun)
    for (const w of started.warnings) onEvent({type: 'warning', message: w})
  }
  return {loaded, tree, params, artifacts, plan, treePlan}
}

async function startDetached(o: RunOptions, ctx: Ctx, p: Prepared): Promise<RunResult> {
  const id = newRunId(ctx.now())
  const dir = runDir(p.loaded.stateDir, id)
  await mkdir(dir, {recursive: true})
  // The images are built already: the child runs them in Docker without building again.
  const argv = o.detach!.argv.filter((a) => a !== '--detach').flatMap((a) => (a === '--build' ? ['--runner', 'docker'] : [a]))
  const pid = spawnDetached(process.execPath, [o.detach!.entry, ...argv, '--run-id', id, '--no-input'], {
    cwd: o.cwd,
    env: ctx.env,
    logFile: path.join(dir, 'detached.log'),
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    const rec = await readRunRaw(p.loaded.stateDir, id)
    if (rec) return {run: rec, runDir: dir, detached: true}
    if (!processAlive(pid) || Date.now() > deadline) {
      const log = existsSync(path.join(dir, 'detached.log')) ? await readFile(path.join(dir, 'detached.log'), 'utf8') : ''
      throw new CliError('RUN_FAILED', `The background run did not start.${log ? `\n${log.trim().split('\n').slice(-15).join('\n')}` : ''}`, {
        exit: EXIT.RUN_FAILED,
      })
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function lastLines(file: string, n: number): Promise<string[]> {
  try {
    const lines = (await readFile(file, 'utf8')).split('\n')
    if (lines.at(-1) === '') lines.pop()
    return lines.slice(-n)
  } catch {
    return []
  }
}

/** Runs the pipeline on this machine. Returns the final record; a failed run is a result, not an exception. */
export async function runLocal(o: RunOptions, ctx: Ctx, onEvent: RunEventHandler = () => {}): Promise<RunResult> {
  // --build first: the compiled pipeline then names the images it built.
  if (o.build) await buildForRun(o, ctx, onEvent)
  const p = await prepareRun(o, ctx, onEvent)
  const {loaded, tree, params, plan, treePlan} = p
  const toRun = leavesOf(tree)
    .filter((t) => !notRun(p, t.path) && t.container)
    .map(toPlanned)
  const mode = o.build ? 'docker' : (o.runner ?? o.runnerPin?.runner ?? 'auto')
  const pinnedBy = o.build ? '--build' : o.runner === undefined ? o.runnerPin?.by : undefined
  const runner = await selectRunner({mode, pinnedBy, tasks: toRun, buildable: loaded.buildableImages ?? [], stepNames: loaded.stepNames}, ctx, onEvent)
  if (runner.kind === 'process') assertProcessRunnable(toRun)
  if (o.detach) return startDetached(o, ctx, p)

  await runner.prepare(
    toRun.map((t) => t.container.image),
    (image, ev) => onEvent({type: 'image', image, status: ev.status ?? '', id: 'id' in ev ? ev.id : undefined, progress: 'progress' in ev ? ev.progress : undefined}),
  )

  const now = ctx.now()
  const id = o.runId ?? newRunId(now)
  const dir = runDir(loaded.stateDir, id)
  const pipelineRoot = runPipelineRoot(loaded.stateDir, loaded.spec.pipelineInfo.name, id)
  await mkdir(dir, {recursive: true})
  await mkdir(pipelineRoot, {recursive: true})
  await writeFile(path.join(dir, 'pipeline.json'), JSON.stringify(loaded.spec, null, 2) + '\n')
  const inputArtifacts = await resolveInputArtifacts(loaded.spec.root.inputDefinitions?.artifacts ?? {}, p.artifacts, {
    cwd: o.cwd,
    stateDir: loaded.stateDir,
    runDir: dir,
    objectStore: () => (ctx.clients.objectStore ? ctx.clients.objectStore() : createObjectStore(ctx.env)),
  })
  const pipelineName = loaded.spec.pipelineInfo.name
  const started = plan ?? treePlan
  const rec: RunRecord = {
    version: 1,
    id,
    name: o.name ?? `${pipelineName}-${id.slice(0, 15)}`,
    experiment: o.experiment ?? 'Default',
    pipelineName,
    status: 'pending',
    createdAt: now.toISOString(),
    pid: process.pid,
    runner: runner.kind,
    source: loaded.source,
    parameters: params.values,
    explicitParameters: params.explicit,
    ...(Object.keys(inputArtifacts).length ? {inputArtifacts} : {}),
    spec: 'pipeline.json',
    pipelineRoot,
    ...(started ? {startStep: {number: started.startNumber, task: started.startTask, ...(started.sourceRun ? {fromRun: {id: started.sourceRun.id, name: started.sourceRun.name}} : {})}} : {}),
    ...(o.noCache ? {noCache: true} : {}),
    // Root tasks exist from the start; tasks inside groups are added when their group starts.
    tasks: tree.map((t) => rootRecord(t, p)),
  }
  // Not flushed: a pending run lost in a machine crash held no results yet.
  await writeRun(loaded.stateDir, rec, {durable: false})
  onEvent({type: 'run-start', runId: id, name: rec.name, runDir: dir, runner: runner.kind, tasks: toRun.length})

  const {record: final, fault, recordError} = await executeRun({
    stateDir: loaded.stateDir,
    record: rec,
    tree,
    runner,
    parallelism: Math.max(1, o.parallelism ?? os.availableParallelism()),
    noCache: o.noCache,
    failFast: o.failFast,
    forceRun: new Set([...(started ? [started.startTask] : []), ...(o.noCacheSteps ?? []).map((ref) => resolveStartTask(leavesOf(tree).map(toPlanned), ref, loaded.stepNames).name)]),
    reuse: treePlan ? (key, node) => reusedRecord(treePlan, key, node) : undefined,
    inputArtifacts: pipelineArtifactLists(rec),
    objectStore: () => (ctx.clients.objectStore ? ctx.clients.objectStore() : createObjectStore(ctx.env)),
    cwdOf: (t) => loaded.taskDirs?.[t.path],
    env: {KFP_PIPELINE_ROOT: pipelineRoot},
    signal: ctx.signal,
    onEvent,
    now: ctx.now,
  })

  const result: RunResult = {run: final, runDir: dir, spec: loaded.spec, ...(fault ? {fault} : {}), ...(recordError ? {recordError} : {})}
  const failedTasks = final.tasks.filter((t) => t.status === 'failed' && t.kind === undefined)
  if (failedTasks.length) {
    result.failedLogs = await Promise.all(
      failedTasks.slice(0, 10).map(async (t) => ({task: labelOf(t.name), number: t.number, lines: t.log ? await lastLines(path.join(dir, t.log), 10) : []})),
    )
    const first = failedTasks.reduce((a, b) => (b.number < a.number ? b : a))
    const node = leavesOf(tree).find((t) => t.path === templatePathOf(first.name))!
    const paramsFile = await writeLongParams(final, dir).catch(() => undefined)
    result.resumeCommand = resumeCommand(final, first, o, o.localFile ? userStepName(toPlanned(node), loaded.stepNames) : String(first.number), paramsFile && path.relative(o.cwd, paramsFile))
  }
  return result
}
