// The babyweight example's step programs, run with python3 the way the local process runner runs them:
// cwd = the component folder, `command` + `args` from component.yaml with {inputValue}/{outputPath} resolved,
// inputs bound as kfp.yaml says, KFP_PIPELINE_ROOT set to an absolute folder.
import {spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {initProject} from '../../../src/services/init.js'
import type {Prompter} from '../../../src/ui/prompts.js'
import {tmpdir} from '../../helpers/tmp.js'

const noPrompt: Prompter = {
  canPrompt: false,
  input: async () => assert.unreachable('no prompt expected') as never,
  confirm: async () => assert.unreachable('no prompt expected') as never,
  select: async () => assert.unreachable('no prompt expected') as never,
}

type Arg = string | {inputValue: string} | {inputPath: string} | {outputPath: string}

interface StepRun {
  outputs: Record<string, string>
  /** Output artifacts: name → the local path the step wrote. */
  artifacts: Record<string, string>
  stdout: string
  stderr: string
  status: number | null
}

const PARAMETER_TYPES = new Set(['String', 'Integer', 'Float', 'Boolean', 'JsonArray', 'JsonObject'])

interface Ctx {
  params: Record<string, unknown>
  outputs: Record<string, Record<string, string>>
  artifacts: Record<string, Record<string, string>>
  root: string
  outDir: string
}

/**
 * Runs one step as the process runner would; returns the values written to its output files and the paths of its
 * output artifacts ({outputPath} of an artifact type is a path the step writes a file or folder at; {inputPath} of an
 * artifact input is the producer's path).
 */
function runStep(projectDir: string, step: {name: string; inputs: Record<string, unknown>}, ctx: Ctx, extraEnv: Record<string, string> = {}): StepRun {
  const compDir = path.join(projectDir, 'components', step.name)
  const spec = parse(readFileSync(path.join(compDir, 'component.yaml'), 'utf8'))
  const values: Record<string, string> = {}
  for (const input of spec.inputs) if (input.default !== undefined) values[input.name] = String(input.default)
  for (const [k, v] of Object.entries(step.inputs)) {
    values[k] = String(v).replace(/\$\{\{\s*(params\.(\w+)|steps\.([\w-]+)\.outputs\.(\w+))\s*\}\}/g, (_m, _all, p, s, o) =>
      p ? String(ctx.params[p]) : ctx.outputs[s]?.[o] ?? ctx.artifacts[s]?.[o],
    )
  }
  const isArtifact = (name: string) => !PARAMETER_TYPES.has(spec.outputs.find((o: {name: string}) => o.name === name)?.type)
  const outPaths: Record<string, string> = {}
  const artifacts: Record<string, string> = {}
  const resolve = (a: Arg): string => {
    if (typeof a === 'string') return a
    if ('inputValue' in a) return values[a.inputValue]
    if ('inputPath' in a) return values[a.inputPath]
    const p = path.join(ctx.outDir, step.name, a.outputPath, 'data')
    if (isArtifact(a.outputPath)) artifacts[a.outputPath] = p
    else outPaths[a.outputPath] = p
    return p
  }
  const argv = [...spec.implementation.container.command, ...spec.implementation.container.args].map(resolve)
  const r = spawnSync(argv[0], argv.slice(1), {cwd: compDir, encoding: 'utf8', env: {PATH: process.env.PATH, KFP_PIPELINE_ROOT: ctx.root, ...extraEnv}})
  const outputs: Record<string, string> = {}
  for (const [name, p] of Object.entries(outPaths)) if (existsSync(p)) outputs[name] = readFileSync(p, 'utf8')
  return {outputs, artifacts, stdout: r.stdout, stderr: r.stderr, status: r.status}
}

const bw = suite('babyweight example steps (python3, local mode)')
let tmp: {dir: string; cleanup: () => Promise<void>}
let project: string

bw.before(async () => {
  tmp = await tmpdir('kfp-bw-')
  await initProject({dir: 'bw', example: 'babyweight', yes: true}, {cwd: tmp.dir, prompter: noPrompt})
  project = path.join(tmp.dir, 'bw')
})
bw.after(async () => tmp.cleanup())

function pipelineRun(params: Record<string, unknown> = {}) {
  const kfp = parse(readFileSync(path.join(project, 'kfp.yaml'), 'utf8'))
  const defaults = Object.fromEntries(Object.entries(kfp.params).map(([k, v]) => [k, (v as {default: unknown}).default]))
  const ctx: Ctx = {params: {...defaults, ...params}, outputs: {}, artifacts: {}, root: path.join(tmp.dir, 'root'), outDir: path.join(tmp.dir, `out-${Date.now()}`)}
  return {kfp, ctx}
}

bw('the four steps run in sequence, passing the data and the model as artifacts (each run its own folders)', () => {
  // Given
  const {kfp, ctx} = pipelineRun()
  const runs: Record<string, StepRun> = {}
  // When
  for (const step of kfp.steps) {
    runs[step.name] = runStep(project, step, ctx)
    assert.is(runs[step.name].status, 0, `${step.name} failed:\n${runs[step.name].stderr}`)
    ctx.outputs[step.name] = runs[step.name].outputs
    ctx.artifacts[step.name] = runs[step.name].artifacts
  }
  // Then: preprocess → the data Dataset (this run's folder) with the CSV files of the start year only; bucket names it
  const data = ctx.artifacts.preprocess.data
  assert.is(ctx.outputs.preprocess.bucket, data)
  assert.equal(readdirSync(data).sort(), ['eval.2000.csv', 'train.2000.csv'])
  const train = readFileSync(path.join(data, 'train.2000.csv'), 'utf8').trim().split('\n')
  const evals = readFileSync(path.join(data, 'eval.2000.csv'), 'utf8').trim().split('\n')
  assert.is(train.length + evals.length, 400)
  assert.ok(evals.length > 20 && train.length > evals.length)
  assert.ok(train.every((l) => Number(l.split(',')[5]) >= 2000), 'every row is from the start year on')
  assert.not.ok(existsSync(path.join(ctx.root, String(ctx.params.bucket))), 'nothing in the shared folder')
  // hypertrain → jobname, and the job artifact: a record of sorted trials
  const job = ctx.outputs.hypertrain.jobname
  assert.match(job, /^babyweight_hyperparam_\d{8}_\d{6}_\d{3}$/)
  const record = JSON.parse(readFileSync(ctx.artifacts.hypertrain.job, 'utf8'))
  const scores = record.trainingOutput.trials.map((t: {finalMetric: {objectiveValue: number}}) => t.finalMetric.objectiveValue)
  assert.is(scores.length, 6)
  assert.equal(scores, [...scores].sort((a: number, b: number) => a - b))
  // traintuned → the model artifact, its rmse (what deploy's when: compares), and train naming the model dir
  const modelDir = ctx.artifacts.traintuned.model
  assert.is(ctx.outputs.traintuned.train, modelDir)
  const model = JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8'))
  assert.equal(model.features, ['is_male', 'mother_age', 'plurality', 'gestation_weeks'])
  assert.ok(model.eval_rmse > 0.5 && model.eval_rmse < 1.2, `eval rmse ${model.eval_rmse} (under the default maxRmse 1.2)`)
  assert.is(Number(ctx.outputs.traintuned.rmse), model.eval_rmse)
  assert.ok(model.weights[3] > 0.1, 'longer gestation means a heavier baby')
  // deploy → model and version; the model is copied into a versioned folder
  assert.equal(ctx.outputs.deploy, {model: 'babyweight', version: 'mlp'})
  const deployed = path.join(path.dirname(path.dirname(modelDir)), 'models', 'babyweight', 'mlp')
  assert.equal(JSON.parse(readFileSync(path.join(deployed, 'model.json'), 'utf8')), model)
  assert.is(JSON.parse(readFileSync(path.join(deployed, 'deployment.json'), 'utf8')).origin, modelDir)
})

bw('retraining with a later start year keeps the earlier files (any start year works, also after the data)', () => {
  // Given
  const {kfp, ctx} = pipelineRun({startYear: 2031})
  // When
  const r = runStep(project, kfp.steps[0], ctx)
  // Then
  assert.is(r.status, 0, r.stderr)
  const files = readdirSync(r.outputs.bucket).sort()
  assert.ok(files.includes('train.2031.csv') && files.includes('eval.2031.csv'))
  const rows = readFileSync(path.join(r.outputs.bucket, 'train.2031.csv'), 'utf8').trim().split('\n')
  assert.ok(rows.length > 100)
  assert.ok(rows.every((l) => Number(l.split(',')[5]) === 2031))
})

bw('hypertrain without preprocessed data fails with a clear message, not a traceback', () => {
  // Given
  const {kfp, ctx} = pipelineRun()
  ctx.outputs.preprocess = {bucket: path.join(tmp.dir, 'empty', 'babyweight', 'preproc')}
  ctx.artifacts.preprocess = {data: path.join(tmp.dir, 'empty', 'data')}
  // When
  const r = runStep(project, kfp.steps[1], ctx)
  // Then
  assert.is(r.status, 1)
  assert.match(r.stderr, `hypertrain: no train.*.csv files in ${path.join(tmp.dir, 'empty', 'data')}`)
  assert.not.match(r.stderr, 'Traceback')
})

bw('wrong arguments exit 2 with usage (the original exited 0)', () => {
  // When
  const r = spawnSync('python3', ['main.py', '--bucket', 'b', '--output', '/tmp/x', '--mode', 'bogus'], {cwd: path.join(project, 'components', 'preprocess'), encoding: 'utf8'})
  // Then
  assert.is(r.status, 2)
  assert.match(r.stderr, "invalid choice: 'bogus'")
})

const cloud = suite('babyweight example steps (--mode cloud --dry-run: argument lists)')

function dryRun(component: string, args: string[]) {
  const r = spawnSync('python3', ['main.py', '--mode', 'cloud', '--dry-run', ...args], {cwd: path.join(project, 'components', component), encoding: 'utf8', env: {PATH: process.env.PATH}})
  assert.is(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

cloud.before(async () => {
  tmp = await tmpdir('kfp-bw-cloud-')
  await initProject({dir: 'bw', example: 'babyweight', yes: true}, {cwd: tmp.dir, prompter: noPrompt})
  project = path.join(tmp.dir, 'bw')
})
cloud.after(async () => tmp.cleanup())

cloud('preprocess: bq mk, then a query and an extract per split, filtered by the start year', () => {
  // When
  const plan = dryRun('preprocess', ['--project', 'my-proj', '--bucket', 'my-bkt', '--start_year', '2003', '--output', '/tmp/o'])
  // Then
  const argvs = plan.commands.map((c: {argv: string[]}) => c.argv)
  assert.equal(argvs[0], ['bq', '--project_id=my-proj', '--location=US', 'mk', '-f', '--dataset', 'my-proj:babyweight'])
  assert.equal(argvs[1].slice(0, 7), ['bq', '--project_id=my-proj', '--location=US', 'query', '--use_legacy_sql=false', '--replace', '--destination_table=my-proj:babyweight.preproc_train_2003'])
  assert.match(argvs[1][7], 'WHERE year >= 2003')
  assert.match(argvs[1][7], ') < 3')
  assert.equal(argvs[2], ['bq', '--project_id=my-proj', '--location=US', 'extract', '--destination_format=CSV', 'my-proj:babyweight.preproc_train_2003', 'gs://my-bkt/babyweight/preproc/train.2003-*.csv'])
  assert.match(argvs[3][7], ') = 3')
  assert.is(argvs[4][6], 'gs://my-bkt/babyweight/preproc/eval.2003-*.csv')
  assert.equal(plan.outputs, {bucket: 'gs://my-bkt/babyweight/preproc'})
})

cloud('hypertrain: gcloud ai-platform jobs submit training with the tuning config', () => {
  // When
  const plan = dryRun('hypertrain', ['--bucket', 'gs://b/babyweight/preproc', '--project', 'p1', '--region', 'europe-west1', '--jobname', 'job_1', '--output', '/tmp/o'])
  // Then
  const argv: string[] = plan.commands[0].argv
  assert.equal(argv.slice(0, 9), ['gcloud', 'ai-platform', 'jobs', 'submit', 'training', 'job_1', '--project=p1', '--region=europe-west1', '--job-dir=gs://b/babyweight/hyperparam/job_1'])
  assert.ok(argv.includes('--module-name=trainer.task') && argv.includes('--stream-logs'))
  assert.ok(argv.some((a) => a.startsWith('--package-path=') && a.endsWith(path.join('hypertrain', 'trainer'))))
  assert.equal(argv.slice(-2), ['--', '--data=gs://b/babyweight/preproc'])
  assert.equal(plan.config.trainingInput.hyperparameters.hyperparameterMetricTag, 'rmse')
  assert.is(plan.config.trainingInput.hyperparameters.maxTrials, 20)
  assert.equal(plan.outputs, {jobname: 'job_1'})
})

cloud('traintuned: describe the job, copy data down and the model up; outputs the gs:// model dir', () => {
  // When
  const plan = dryRun('traintuned', ['--jobname', 'job_1', '--bucket', 'gs://b/babyweight/preproc', '--project', 'p1', '--output', '/tmp/o'])
  // Then
  const argvs = plan.commands.map((c: {argv: string[]}) => c.argv)
  assert.equal(argvs[0], ['gcloud', 'ai-platform', 'jobs', 'describe', 'job_1', '--project=p1', '--format=json'])
  assert.equal(argvs[1].slice(0, 4), ['gcloud', 'storage', 'cp', 'gs://b/babyweight/preproc/*.csv'])
  assert.is(argvs[2].at(-1), 'gs://b/babyweight/traintuned/job_1/model.json')
  assert.equal(plan.outputs, {train: 'gs://b/babyweight/traintuned/job_1'})
})

cloud('deploy: create the model when missing, replace the version, and pass the version on', () => {
  // When
  const plan = dryRun('deploy', ['--modeldir', 'gs://b/babyweight/traintuned/job_1', '--version', 'v2', '--project', 'p1', '--model-output', '/tmp/m', '--version-output', '/tmp/v'])
  // Then
  assert.equal(
    plan.commands.map((c: {argv: string[]; when: string}) => [c.argv.slice(2, 5).join(' '), c.when]),
    [
      ['models describe babyweight', 'always'],
      ['models create babyweight', 'if the model does not exist'],
      ['versions describe v2', 'always'],
      ['versions delete v2', 'if the version exists'],
      ['versions create v2', 'always'],
    ],
  )
  assert.ok(plan.commands[4].argv.includes('--origin=gs://b/babyweight/traintuned/job_1'))
  assert.ok(plan.commands[4].argv.includes('--model=babyweight'))
  assert.equal(plan.outputs, {model: 'babyweight', version: 'v2'})
})

cloud('cloud mode without a project fails with a message, exit 1', () => {
  const r = spawnSync('python3', ['main.py', '--mode', 'cloud', '--bucket', 'b', '--output', '/tmp/o'], {cwd: path.join(project, 'components', 'preprocess'), encoding: 'utf8'})
  assert.is(r.status, 1)
  assert.match(r.stderr, 'preprocess: --project is required with --mode cloud')
})

bw.run()
cloud.run()
