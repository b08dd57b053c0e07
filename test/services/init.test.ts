import {spawnSync} from 'node:child_process'
import {mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {initProject} from '../../src/services/init.js'
import {missingInput, type Prompter} from '../../src/ui/prompts.js'
import {expectCliError} from '../helpers/errors.js'
import {tmpdir} from '../helpers/tmp.js'

/** A prompter that cannot prompt: every question throws MISSING_INPUT naming the flag, like the real one without a TTY. */
const noPrompt: Prompter = {
  canPrompt: false,
  input: async (o) => {
    throw missingInput(o.flag, o.message)
  },
  confirm: async (o) => {
    throw missingInput(o.flag, o.message)
  },
  select: async (o) => {
    throw missingInput(o.flag, o.message)
  },
}

/** A prompter that answers from a script keyed by flag, and records the questions asked. */
function scriptedPrompter(answers: Record<string, string>): Prompter & {asked: string[]; messages: string[]} {
  const asked: string[] = []
  const messages: string[] = []
  const answer = (flag: string, def?: string) => {
    asked.push(flag)
    return flag in answers ? answers[flag] : (def ?? '')
  }
  return {
    canPrompt: true,
    asked,
    messages,
    input: async (o) => {
      const v = answer(o.flag, o.default)
      const ok = o.validate ? o.validate(v) : true
      if (ok !== true) throw new Error(`prompt validation failed for ${o.flag}: ${ok}`)
      return v
    },
    confirm: async (o) => {
      messages.push(o.message)
      return answer(o.flag) === 'true'
    },
    select: async <T extends string>(o: {flag: string; default?: T}) => answer(o.flag, o.default) as T,
  }
}

async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(path.join(dir, rel), {withFileTypes: true})) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...(await listFiles(dir, r)))
    else out.push(r)
  }
  return out.sort()
}

const init = suite('initProject')
let tmp: {dir: string; cleanup: () => Promise<void>}
init.before.each(async () => {
  tmp = await tmpdir('kfp-init-')
})
init.after.each(async () => tmp.cleanup())

init('--yes writes kfp.yaml, .gitignore, README.md and a python component named hello, with defaults', async () => {
  // When
  const r = await initProject({dir: 'demo', yes: true}, {cwd: tmp.dir, prompter: noPrompt})
  // Then
  const dir = path.join(tmp.dir, 'demo')
  const expected = ['.gitignore', 'README.md', 'components/hello/Dockerfile', 'components/hello/component.yaml', 'components/hello/main.py', 'kfp.yaml']
  assert.equal(r, {dir, name: 'demo', files: expected, overwritten: [], template: 'python', nextSteps: r.nextSteps})
  assert.equal(await listFiles(dir), expected)
  assert.equal(r.nextSteps, ['cd demo', 'kfp validate', 'kfp steps', 'kfp run --runner process', 'kfp component add train --template python', 'kfp compile'])
  const kfpText = await readFile(path.join(dir, 'kfp.yaml'), 'utf8')
  assert.match(kfpText, /^# kfp\.yaml: the whole pipeline in one file/)
  assert.match(kfpText, '# Pipeline parameters, set per run with `kfp run --param NAME=VALUE`.')
  assert.equal(parse(kfpText), {
    name: 'demo',
    description: 'A Kubeflow pipeline made with kfp.',
    registry: 'localhost:5000',
    params: {message: {type: 'string', default: 'Hello from demo', description: 'What the first step is told'}},
    steps: [{name: 'hello', inputs: {message: '${{ params.message }}'}}],
    targets: {local: {type: 'local'}},
    defaultTarget: 'local',
  })
  const gitignore = await readFile(path.join(dir, '.gitignore'), 'utf8')
  for (const line of ['.kfp/', 'pipeline.yaml', '__pycache__/']) assert.ok(gitignore.split('\n').includes(line), line)
  const readme = await readFile(path.join(dir, 'README.md'), 'utf8')
  for (const cmd of ['kfp validate', 'kfp steps', 'kfp run', 'kfp runs list', 'kfp logs latest hello', 'kfp build', 'kfp compile', 'kfp upload'])
    assert.match(readme, cmd)
  const component = parse(await readFile(path.join(dir, 'components/hello/component.yaml'), 'utf8'))
  assert.is(component.name, 'hello')
  assert.is(component.implementation.container.image, 'localhost:5000/demo-hello:latest')
  assert.equal(component.implementation.container.command, ['python3', 'main.py'])
  assert.match(await readFile(path.join(dir, 'components/hello/Dockerfile'), 'utf8'), /FROM python:3\.11-slim\nWORKDIR \/app\n/)
})

init('the python component runs as the process runner runs it and writes its output file', async () => {
  // Given
  await initProject({dir: 'demo', yes: true}, {cwd: tmp.dir, prompter: noPrompt})
  const out = path.join(tmp.dir, 'outputs', 'result')
  // When
  const r = spawnSync('python3', ['main.py', '--message', 'hi there', '--result', out], {cwd: path.join(tmp.dir, 'demo/components/hello'), encoding: 'utf8'})
  // Then
  assert.is(r.status, 0, r.stderr)
  assert.is(await readFile(out, 'utf8'), 'hi there (processed by hello)')
})

for (const template of ['bash', 'gcloud', 'container'] as const) {
  init(`--template ${template} scaffolds that component`, async () => {
    // When
    const r = await initProject({dir: 'p', yes: true, template, gcpProject: 'my-project-1'}, {cwd: tmp.dir, prompter: noPrompt})
    // Then
    assert.is(r.template, template)
    const spec = parse(await readFile(path.join(tmp.dir, 'p/components/hello/component.yaml'), 'utf8'))
    assert.equal(spec.outputs.map((o: {name: string}) => o.name), ['result'])
    assert.ok(spec.inputs.some((i: {name: string}) => i.name === 'message'))
    const files = await listFiles(path.join(tmp.dir, 'p/components/hello'))
    if (template === 'container') {
      assert.equal(files, ['component.yaml'])
      assert.is(spec.implementation.container.image, 'alpine:3.20')
    } else {
      assert.equal(files, ['Dockerfile', 'component.yaml', 'main.sh'])
      assert.equal(spec.implementation.container.command, ['sh', 'main.sh'])
      assert.is(spec.implementation.container.image, 'us-central1-docker.pkg.dev/my-project-1/kfp/p-hello:latest')
    }
    if (template === 'gcloud') {
      assert.match(await readFile(path.join(tmp.dir, 'p/components/hello/Dockerfile'), 'utf8'), 'FROM google/cloud-sdk:slim')
      assert.is(spec.inputs[0].default, 'my-project-1')
    }
  })
}

init('the bash and container components run as plain processes and write their output', async () => {
  // Given
  await initProject({dir: 'b', yes: true, template: 'bash'}, {cwd: tmp.dir, prompter: noPrompt})
  await initProject({dir: 'c', yes: true, template: 'container'}, {cwd: tmp.dir, prompter: noPrompt})
  const container = parse(await readFile(path.join(tmp.dir, 'c/components/hello/component.yaml'), 'utf8')).implementation.container
  const outB = path.join(tmp.dir, 'o', 'b', 'result')
  const outC = path.join(tmp.dir, 'o', 'c', 'result')
  // When
  const b = spawnSync('sh', ['main.sh', '--message', 'yo', '--result', outB], {cwd: path.join(tmp.dir, 'b/components/hello'), encoding: 'utf8'})
  const argv = container.command.map((a: string | Record<string, string>) => (typeof a === 'string' ? a : 'inputValue' in a ? 'yo' : outC))
  const c = spawnSync(argv[0], argv.slice(1), {cwd: path.join(tmp.dir, 'c/components/hello'), encoding: 'utf8'})
  const bad = spawnSync('sh', ['main.sh', '--nope'], {cwd: path.join(tmp.dir, 'b/components/hello'), encoding: 'utf8'})
  // Then
  assert.is(b.status, 0, b.stderr)
  assert.is(await readFile(outB, 'utf8'), 'yo (processed by hello)')
  assert.is(c.status, 0, c.stderr)
  assert.is(await readFile(outC, 'utf8'), 'yo (from a container)')
  assert.is(bad.status, 2)
  assert.match(bad.stderr, 'unknown argument: --nope')
})

init('--gcp-project derives the registry and bucket; flags override defaults', async () => {
  // When
  await initProject({dir: 'x', yes: true, gcpProject: 'my-proj', region: 'europe-west4'}, {cwd: tmp.dir, prompter: noPrompt})
  await initProject({dir: 'y', yes: true, gcpProject: 'my-proj', registry: 'us-docker.pkg.dev/my-proj/kfp', bucket: 'bkt-1', zone: 'europe-west4-b', name: 'other'}, {cwd: tmp.dir, prompter: noPrompt})
  // Then
  const x = parse(await readFile(path.join(tmp.dir, 'x/kfp.yaml'), 'utf8'))
  assert.is(x.registry, 'europe-west4-docker.pkg.dev/my-proj/kfp')
  assert.equal(x.gcp, {project: 'my-proj', region: 'europe-west4', zone: 'europe-west4-a', bucket: 'my-proj-kfp'})
  const y = parse(await readFile(path.join(tmp.dir, 'y/kfp.yaml'), 'utf8'))
  assert.is(y.name, 'other')
  assert.is(y.registry, 'us-docker.pkg.dev/my-proj/kfp')
  assert.equal(y.gcp, {project: 'my-proj', region: 'europe-west4', zone: 'europe-west4-b', bucket: 'bkt-1'})
})

init('never overwrites: lists the existing files, exits 3 with a --force hint, and writes nothing', async () => {
  // Given
  const dir = path.join(tmp.dir, 'demo')
  await mkdir(path.join(dir, 'components/hello'), {recursive: true})
  await writeFile(path.join(dir, 'kfp.yaml'), 'mine\n')
  await writeFile(path.join(dir, 'components/hello/main.py'), 'mine\n')
  // When
  const err = await expectCliError(initProject({dir: 'demo', yes: true}, {cwd: tmp.dir, prompter: noPrompt}))
  // Then
  assert.is(err.kfpCode, 'FILE_EXISTS')
  assert.is(err.exitCode, 3)
  assert.match(err.message, 'Not overwriting 2 existing file(s)')
  assert.match(err.message, '  components/hello/main.py\n  kfp.yaml')
  assert.match(err.hints[0], '--force')
  assert.equal(await listFiles(dir), ['components/hello/main.py', 'kfp.yaml'])
  assert.is(await readFile(path.join(dir, 'kfp.yaml'), 'utf8'), 'mine\n')
})

init('--force overwrites and reports what it overwrote', async () => {
  // Given
  const dir = path.join(tmp.dir, 'demo')
  await mkdir(dir)
  await writeFile(path.join(dir, 'kfp.yaml'), 'mine\n')
  await writeFile(path.join(dir, 'notes.txt'), 'keep\n')
  // When
  const r = await initProject({dir: 'demo', yes: true, force: true}, {cwd: tmp.dir, prompter: noPrompt})
  // Then
  assert.equal(r.overwritten, ['kfp.yaml'])
  assert.match(await readFile(path.join(dir, 'kfp.yaml'), 'utf8'), 'name: demo')
  assert.is(await readFile(path.join(dir, 'notes.txt'), 'utf8'), 'keep\n')
})

init('not interactive and no --yes: fails with MISSING_INPUT naming --gcp-project (exit 2) and writes nothing', async () => {
  // When
  const err = await expectCliError(initProject({dir: 'demo', name: 'demo'}, {cwd: tmp.dir, prompter: noPrompt}))
  // Then
  assert.is(err.kfpCode, 'MISSING_INPUT')
  assert.is(err.exitCode, 2)
  assert.match(err.message, 'Missing --gcp-project')
  assert.match(err.hints.join(' '), '--yes')
  await assert.not.ok(await stat(path.join(tmp.dir, 'demo')).catch(() => undefined))
})

init('not interactive with --gcp-project: every other value takes its default', async () => {
  // When
  const r = await initProject({dir: 'demo', gcpProject: 'proj-123'}, {cwd: tmp.dir, prompter: noPrompt})
  // Then
  assert.is(r.name, 'demo')
  assert.is(parse(await readFile(path.join(tmp.dir, 'demo/kfp.yaml'), 'utf8')).registry, 'us-central1-docker.pkg.dev/proj-123/kfp')
})

init('on a terminal, asks for name, template, project, region, zone, registry, bucket, then whether to set up the cloud', async () => {
  // Given
  const prompter = scriptedPrompter({'--name': 'asked', '--template': 'example:babyweight', '--gcp-project': 'proj-777', '--bucket': 'bw-data'})
  // When
  const r = await initProject({dir: 'p'}, {cwd: tmp.dir, prompter})
  // Then
  // (the cloud set-up question is answered "no": nothing in GCP is touched)
  assert.equal(prompter.asked, ['--name', '--template', '--gcp-project', '--region', '--zone', '--registry', '--bucket', '--cloud-setup'])
  assert.is(r.cloud, undefined)
  // The question names what kfp cloud setup creates: the APIs, the bucket and the registry's repository.
  assert.equal(prompter.messages, ['Create what the pipeline needs in proj-777 now (the GKE, Artifact Registry and Cloud Storage APIs, bucket gs://bw-data, Artifact Registry repository kfp in us-central1)?'])
  assert.is(r.name, 'asked')
  assert.is(r.example, 'babyweight')
  const kfp = parse(await readFile(path.join(tmp.dir, 'p/kfp.yaml'), 'utf8'))
  assert.equal(kfp.gcp, {project: 'proj-777', region: 'us-central1', zone: 'us-central1-a', bucket: 'bw-data'})
  assert.is(kfp.params.bucket.default, 'bw-data')
  assert.is(kfp.params.project.default, 'proj-777')
})

init('without a GCP project: no region or zone question, no gcp section, registry localhost:5000', async () => {
  // Given a terminal where the GCP project is left empty
  const prompter = scriptedPrompter({'--name': 'local-only', '--template': 'bash', '--gcp-project': ''})
  // When
  await initProject({dir: 'lo'}, {cwd: tmp.dir, prompter})
  // Then
  assert.equal(prompter.asked, ['--name', '--template', '--gcp-project', '--registry'])
  const text = await readFile(path.join(tmp.dir, 'lo/kfp.yaml'), 'utf8')
  assert.not.match(text, /^gcp:/m)
  assert.not.match(text, /us-central1/)
  assert.is(parse(text).registry, 'localhost:5000')
  // --yes without a project, and --region alone, likewise write only what was given.
  await initProject({dir: 'lo2', yes: true, region: 'europe-west1'}, {cwd: tmp.dir, prompter: noPrompt})
  assert.equal(parse(await readFile(path.join(tmp.dir, 'lo2/kfp.yaml'), 'utf8')).gcp, {region: 'europe-west1'})
})

init('the folder in the next steps is the one the user gave, not re-derived from the cwd', async () => {
  const abs = path.join(tmp.dir, 'elsewhere', 'bw')
  const r = await initProject({dir: abs, yes: true}, {cwd: path.join(tmp.dir), prompter: noPrompt})
  assert.is(r.nextSteps[0], `cd ${abs}`)
  const here = await initProject({dir: '.', yes: true}, {cwd: abs.replace(/bw$/, ''), prompter: noPrompt})
  assert.not.match(here.nextSteps[0], /^cd /)
})

init('flags skip their questions even on a terminal; --yes asks nothing', async () => {
  // Given
  const some = scriptedPrompter({})
  const none = scriptedPrompter({})
  // When
  await initProject({dir: 'a', name: 'a', template: 'bash', gcpProject: 'proj-123', region: 'us-east1'}, {cwd: tmp.dir, prompter: some})
  await initProject({dir: 'b', yes: true}, {cwd: tmp.dir, prompter: none})
  // Then
  assert.equal(some.asked, ['--zone', '--registry', '--bucket', '--cloud-setup'])
  assert.equal(none.asked, [])
})

for (const c of [
  {opts: {name: 'My_Pipeline'}, code: 'NAME_INVALID', message: "Invalid pipeline name 'My_Pipeline'", hint: 'Pass --name my-pipeline'},
  {opts: {gcpProject: 'X'}, code: 'USAGE', message: "Invalid GCP project id 'X'", hint: '--gcp-project'},
  {opts: {registry: 'https://gcr.io/x'}, code: 'USAGE', message: "Invalid registry 'https://gcr.io/x'", hint: '--registry'},
  {opts: {bucket: 'gs://b'}, code: 'USAGE', message: 'no gs:// prefix', hint: '--bucket'},
  {opts: {region: 'central'}, code: 'USAGE', message: "Invalid region 'central'", hint: '--region'},
]) {
  init(`rejects ${JSON.stringify(c.opts)} with exit 2 and a hint`, async () => {
    // When
    const err = await expectCliError(initProject({dir: 'demo', yes: true, ...c.opts}, {cwd: tmp.dir, prompter: noPrompt}))
    // Then
    assert.is(err.kfpCode, c.code)
    assert.is(err.exitCode, 2)
    assert.match(err.message, c.message)
    assert.match(err.hints.join('\n'), c.hint)
  })
}

init('a folder name that is not a valid pipeline name gives a valid default name', async () => {
  // When
  const r = await initProject({dir: 'My Project_2', yes: true}, {cwd: tmp.dir, prompter: noPrompt})
  // Then
  assert.is(r.name, 'my-project-2')
  assert.equal(r.nextSteps[0], 'cd "My Project_2"')
})

init('--example babyweight writes the four tutorial steps with their wiring and resources', async () => {
  // When
  const r = await initProject({dir: 'bw', example: 'babyweight', yes: true}, {cwd: tmp.dir, prompter: noPrompt})
  // Then
  assert.is(r.example, 'babyweight')
  assert.is(r.template, undefined)
  const kfp = parse(await readFile(path.join(tmp.dir, 'bw/kfp.yaml'), 'utf8'))
  assert.equal(kfp.steps.map((s: {name: string}) => s.name), ['preprocess', 'hypertrain', 'traintuned', 'deploy'])
  assert.equal(Object.keys(kfp.params), ['project', 'bucket', 'startYear', 'mode', 'maxRmse'])
  assert.equal(kfp.params.maxRmse, {type: 'float', default: 1.2, description: 'Deploy only a model whose eval RMSE is below this'})
  assert.equal(kfp.params.startYear.type, 'integer')
  assert.equal(kfp.params.startYear.default, 2000)
  assert.equal(kfp.params.mode.default, 'local')
  assert.equal(kfp.steps[2].resources, {cpu: 1, memory: '2G'})
  assert.is(kfp.steps[1].inputs.bucket, '${{ steps.preprocess.outputs.bucket }}')
  assert.is(kfp.steps[2].inputs.jobname, '${{ steps.hypertrain.outputs.jobname }}')
  assert.is(kfp.steps[3].inputs.modeldir, '${{ steps.traintuned.outputs.train }}')
  // Locally the data and the model pass as artifacts; deploy runs only when the model is good enough.
  assert.is(kfp.steps[1].inputs.data, '${{ steps.preprocess.outputs.data }}')
  assert.is(kfp.steps[3].inputs.trained, '${{ steps.traintuned.outputs.model }}')
  assert.is(kfp.steps[3].when, '${{ steps.traintuned.outputs.rmse }} < ${{ params.maxRmse }}')
  for (const step of kfp.steps) {
    const spec = parse(await readFile(path.join(tmp.dir, 'bw/components', step.name, 'component.yaml'), 'utf8'))
    assert.is(spec.name, step.name)
    assert.equal(spec.implementation.container.command, ['python3', 'main.py'])
    assert.is(spec.implementation.container.image, `localhost:5000/bw-${step.name}:latest`)
    assert.match(await readFile(path.join(tmp.dir, 'bw/components', step.name, 'Dockerfile'), 'utf8'), /FROM python:3\.11-slim[\s\S]*WORKDIR \/app\nCOPY \. \./)
    // Only the standard library: every import is a stdlib module or the component's own package.
    const main = await readFile(path.join(tmp.dir, 'bw/components', step.name, 'main.py'), 'utf8')
    for (const m of main.matchAll(/^(?:import|from) ([\w.]+)/gm))
      assert.ok(['argparse', 'csv', 'glob', 'hashlib', 'io', 'json', 'math', 'os', 'posixpath', 'random', 'shutil', 'subprocess', 'sys', 'tempfile', 'time', 'trainer'].includes(m[1]), `${step.name} imports ${m[1]}`)
  }
  const readme = await readFile(path.join(tmp.dir, 'bw/README.md'), 'utf8')
  assert.match(readme, 'kfp run --start-step 4 --param startYear=2001')
  assert.match(readme, 'kfp logs latest traintuned')
})

init.run()
