import {readFile, writeFile, mkdir} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {checkPipelineYaml, formatProblems} from '../helpers/proto.js'
import {tmpdir} from '../helpers/tmp.js'

const init = suite('kfp init (built CLI)')
let tmp: {dir: string; cleanup: () => Promise<void>}
init.before.each(async () => {
  tmp = await tmpdir('kfp-init-cli-')
})
init.after.each(async () => tmp.cleanup())

init('kfp init demo --yes: lists the files and next steps; the project validates, lists its step and runs as processes', async () => {
  // When
  const r = await runCli(['init', 'demo', '--yes'], {cwd: tmp.dir})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, 'Created pipeline demo in demo from a python component:\n  .gitignore\n  README.md\n  components/hello/Dockerfile\n')
  assert.match(r.stdout, 'Next steps:\n  cd demo\n  kfp validate\n')
  const cwd = path.join(tmp.dir, 'demo')
  const validate = await runCli(['validate'], {cwd})
  assert.is(validate.code, 0, validate.stderr)
  assert.match(validate.stdout, 'kfp.yaml is valid: 1 step, 1 param')
  const steps = await runCli(['steps', '--json'], {cwd})
  assert.is(steps.code, 0, steps.stderr)
  assert.equal(steps.json.result.steps.map((s: {name: string}) => s.name), ['hello'])
  const compile = await runCli(['compile', '-o', 'pipeline.yaml'], {cwd})
  assert.is(compile.code, 0, compile.stderr)
  const ir = await readFile(path.join(cwd, 'pipeline.yaml'), 'utf8')
  assert.match(ir, 'schemaVersion: 2.1.0')
  const problems = checkPipelineYaml(ir)
  assert.is(problems.length, 0, formatProblems(problems))
  const run = await runCli(['run', '--runner', 'process', '--json'], {cwd})
  assert.is(run.code, 0, run.stderr)
  assert.match(JSON.stringify(run.json.result), 'Hello from demo (processed by hello)')
})

init('kfp init bw --example babyweight --yes --json: the result envelope, then validate, steps and a process run of all four steps', async () => {
  // When
  const r = await runCli(['init', 'bw', '--example', 'babyweight', '--yes', '--json'], {cwd: tmp.dir})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.json.status, 0)
  const result = r.json.result
  assert.is(result.dir, path.join(tmp.dir, 'bw'))
  assert.is(result.name, 'bw')
  assert.is(result.example, 'babyweight')
  assert.ok(!('template' in result))
  for (const f of ['kfp.yaml', '.gitignore', 'README.md', 'components/preprocess/main.py', 'components/hypertrain/component.yaml', 'components/traintuned/Dockerfile', 'components/deploy/main.py'])
    assert.ok(result.files.includes(f), f)
  assert.equal(r.json.warnings, [])
  const cwd = path.join(tmp.dir, 'bw')
  const validate = await runCli(['validate', '--json'], {cwd})
  assert.is(validate.code, 0, validate.stderr)
  const steps = await runCli(['steps', '--json'], {cwd})
  assert.equal(steps.json.result.steps.map((s: {name: string}) => s.name), ['preprocess', 'hypertrain', 'traintuned', 'deploy'])
  const compile = await runCli(['compile', '-o', 'pipeline.yaml'], {cwd})
  assert.is(compile.code, 0, compile.stderr)
  const ir = await readFile(path.join(cwd, 'pipeline.yaml'), 'utf8')
  assert.match(ir, /memoryRequest: 2/)
  const problems = checkPipelineYaml(ir)
  assert.is(problems.length, 0, formatProblems(problems))
  const run = await runCli(['run', '--runner', 'process'], {cwd, timeoutMs: 180_000})
  assert.is(run.code, 0, run.stderr)
  assert.match(run.stdout, /deploy\s+succeeded.*model=babyweight, version=mlp/)
})

init('every --template gives a project that validates and compiles to strictly valid IR', async () => {
  for (const template of ['bash', 'gcloud', 'container']) {
    // When
    const r = await runCli(['init', template, '--template', template, '--yes'], {cwd: tmp.dir})
    // Then
    assert.is(r.code, 0, r.stderr)
    const cwd = path.join(tmp.dir, template)
    const validate = await runCli(['validate'], {cwd})
    assert.is(validate.code, 0, `${template}: ${validate.stderr}`)
    const compile = await runCli(['compile'], {cwd})
    assert.is(compile.code, 0, `${template}: ${compile.stderr}`)
    const problems = checkPipelineYaml(await readFile(path.join(cwd, 'pipeline.yaml'), 'utf8'))
    assert.is(problems.length, 0, `${template}: ${formatProblems(problems)}`)
  }
})

init('existing files: exit 3, the files listed, a --force hint; --json gives the error envelope', async () => {
  // Given
  await mkdir(path.join(tmp.dir, 'demo'))
  await writeFile(path.join(tmp.dir, 'demo/kfp.yaml'), 'mine\n')
  // When
  const human = await runCli(['init', 'demo', '--yes'], {cwd: tmp.dir})
  const json = await runCli(['init', 'demo', '--yes', '--json'], {cwd: tmp.dir})
  // Then
  assert.is(human.code, 3)
  assert.match(human.stderr, 'Not overwriting 1 existing file(s)')
  assert.match(human.stderr, 'kfp.yaml')
  assert.match(human.stderr, '--force')
  assert.is(json.code, 3)
  assert.equal(json.json.error.code, 'FILE_EXISTS')
  assert.equal(json.json.error.data, {files: ['kfp.yaml']})
  assert.is(await readFile(path.join(tmp.dir, 'demo/kfp.yaml'), 'utf8'), 'mine\n')
})

init('not on a terminal and no --yes: exit 2 naming --gcp-project', async () => {
  // When
  const r = await runCli(['init', 'demo'], {cwd: tmp.dir})
  // Then
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Missing --gcp-project')
  assert.match(r.stderr, 'Code: MISSING_INPUT')
})

init('bad flag values exit 2: an invalid name, --template and --example together, an unknown template', async () => {
  // When
  const name = await runCli(['init', 'x', '--yes', '--name', 'Bad_Name'], {cwd: tmp.dir})
  const both = await runCli(['init', 'x', '--yes', '--template', 'bash', '--example', 'babyweight'], {cwd: tmp.dir})
  const unknown = await runCli(['init', 'x', '--yes', '--template', 'java'], {cwd: tmp.dir})
  // Then
  assert.is(name.code, 2)
  assert.match(name.stderr, "Invalid pipeline name 'Bad_Name'")
  assert.match(name.stderr, '--name bad-name')
  assert.is(both.code, 2)
  assert.match(both.stderr, /cannot also be provided/)
  assert.is(unknown.code, 2)
  assert.match(unknown.stderr.replace(/\s+›\s+/g, " "), /Expected --template=java to be one of: python, bash, gcloud, container/)
})

init.run()
