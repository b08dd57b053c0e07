import {cp, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

// CLI-level: spawns the built kfp (run `npm run build` first).
const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')

const v = suite('kfp validate')
let dir = ''
let cleanup = async () => {}
v.before.each(async () => {
  const tmp = await tmpdir('kfp-validate-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
})
v.after.each(() => cleanup())

async function edit(file: string, from: string | RegExp, to: string) {
  const p = path.join(dir, file)
  const text = await readFile(p, 'utf8')
  const next = text.replace(from, to)
  assert.is.not(next, text, `edit of ${file} did not match`)
  await writeFile(p, next)
}

v('a valid project: one result line on stdout, exit 0', async () => {
  // When
  const r = await runCli(['validate'], {cwd: dir})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '✔ kfp.yaml is valid: 4 steps, 3 params\n')
})

v('--project and KFP_PROJECT point at the project from elsewhere', async () => {
  const a = await runCli(['validate', '--project', 'bw'], {cwd: path.dirname(dir)})
  assert.is(a.code, 0, a.stderr)
  assert.is(a.stdout, '✔ bw/kfp.yaml is valid: 4 steps, 3 params\n')
  const b = await runCli(['validate'], {cwd: path.dirname(dir), env: {KFP_PROJECT: path.join(dir, 'kfp.yaml')}})
  assert.is(b.code, 0, b.stderr)
  assert.is(b.stdout, '✔ bw/kfp.yaml is valid: 4 steps, 3 params\n')
})

v('--json: {valid, steps, params} in the success envelope', async () => {
  const r = await runCli(['validate', '--json'], {cwd: dir})
  assert.is(r.code, 0)
  assert.is(r.json.status, 0)
  assert.equal(
    {valid: r.json.result.valid, steps: r.json.result.steps, params: r.json.result.params, name: r.json.result.name},
    {valid: true, steps: 4, params: 3, name: 'babyweight'},
  )
})

v('an unknown key: message with file:line:col and did-you-mean, exit 3', async () => {
  // Given
  await edit('kfp.yaml', /^steps:/m, 'stpes:')
  // When
  const r = await runCli(['validate'], {cwd: dir})
  // Then
  assert.is(r.code, 3)
  assert.is(r.stdout, '')
  assert.match(r.stderr, "kfp.yaml:11:1: unknown key 'stpes' — did you mean 'steps'?")
  assert.match(r.stderr, 'PROJECT_INVALID')
})

v('several problems are all listed with hints; --json carries them in error.data.issues', async () => {
  // Given
  await edit('kfp.yaml', 'bucket: ${{ steps.preprocess.outputs.bucket }}\n  - name: traintuned', 'bucket: ${{ steps.preproces.outputs.bucket }}\n  - name: traintuned')
  await edit('kfp.yaml', 'memory: 2G', 'memory: 2GB')
  await edit('kfp.yaml', 'start_year: ${{ params.startYear }}', 'start_year: abc')
  // When
  const human = await runCli(['validate'], {cwd: dir, env: {COLUMNS: '300'}})
  const json = await runCli(['validate', '--json'], {cwd: dir})
  // Then
  assert.is(human.code, 3)
  for (const text of [
    'kfp.yaml has 3 problems:',
    "kfp.yaml:16:19: step 'preprocess': input 'start_year' expects an integer, got 'abc' (a string)",
    "kfp.yaml:20:15: step 'hypertrain': input 'bucket': unknown step 'preproces' — did you mean 'preprocess'?",
    "kfp.yaml:25:33: step 'traintuned': memory '2GB' is not a memory quantity",
    "Write '2G' or '2Gi'.",
  ]) {
    assert.ok(human.stderr.replace(/\s*›\s*/g, ' ').includes(text), `stderr should contain: ${text}\n${human.stderr}`)
  }
  assert.is(json.code, 3)
  assert.is(json.json.status, 3)
  assert.is(json.json.error.code, 'PROJECT_INVALID')
  assert.equal(
    json.json.error.data.issues.map((i: {file: string; line: number; col: number; code: string}) => `${i.file}:${i.line}:${i.col} ${i.code}`),
    ['kfp.yaml:16:19 TYPE_MISMATCH', 'kfp.yaml:20:15 UNKNOWN_STEP', 'kfp.yaml:25:33 INVALID_RESOURCE'],
  )
})

v('a YAML syntax error: YAML_SYNTAX with line and column, exit 3', async () => {
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: bw\nsteps:\n  - name: a\n   bad: x\n')
  const r = await runCli(['validate', '--json'], {cwd: dir})
  assert.is(r.code, 3)
  assert.is(r.json.error.code, 'YAML_SYNTAX')
  assert.match(r.json.error.message, /^kfp\.yaml:4:\d+: YAML syntax error/)
})

v('a bad component.yaml is reported in that file', async () => {
  await edit('components/hypertrain/component.yaml', '    image: python:3.11-slim\n', '')
  const r = await runCli(['validate', '--json'], {cwd: dir})
  assert.is(r.code, 3)
  assert.match(r.json.error.message, /^components\/hypertrain\/component\.yaml:\d+:\d+: implementation\.container: missing required key 'image'$/)
})

v('no project: PROJECT_NOT_FOUND, exit 3, hint to run kfp init', async () => {
  const r = await runCli(['validate'], {cwd: path.dirname(dir)})
  assert.is(r.code, 3)
  assert.match(r.stderr, 'No kfp.yaml in this folder or above')
  assert.match(r.stderr, 'kfp init')
})

// Each kind of bad input, end to end: exit 3, the error code, and the located message.
const kinds = suite('kfp validate: each kind of bad input')
let kdir = ''
let kcleanup = async () => {}
kinds.before.each(async () => {
  const tmp = await tmpdir('kfp-validate-')
  kdir = path.join(tmp.dir, 'bw')
  kcleanup = tmp.cleanup
  await cp(fixture, kdir, {recursive: true})
})
kinds.after.each(() => kcleanup())

/** 1-based line:col of `needle` (searched from `after`). */
function posOf(text: string, needle: string, after = ''): string {
  const i = text.indexOf(needle, Math.max(0, text.indexOf(after)))
  const before = text.slice(0, i).split('\n')
  return `${before.length}:${before.at(-1)!.length + 1}`
}

const cases: Array<{name: string; file?: string; from: string | RegExp; to: string; at: string; after?: string; message: string; code?: string}> = [
  {name: 'duplicate step names', from: '  - name: deploy', to: '  - name: hypertrain', at: 'hypertrain', after: 'name: hypertrain\n    inputs:\n      modeldir', message: "duplicate step name 'hypertrain': step 2 (line 18) has it too"},
  {name: 'unknown param', from: '${{ params.bucket }}', to: '${{ params.bukcet }}', at: '${{ params.bukcet', message: "step 'preprocess': input 'bucket': unknown param 'bukcet' — did you mean 'bucket'?"},
  {name: 'an output the component does not declare', from: 'traintuned.outputs.train', to: 'traintuned.outputs.model', at: '${{ steps.traintuned', message: "step 'deploy': input 'modeldir': step 'traintuned' has no output 'model'"},
  {name: 'an input the component does not declare', from: '      version: mlp', to: '      versoin: mlp', at: 'versoin', message: "step 'deploy': component 'deploy' has no input 'versoin' — did you mean 'version'?"},
  {name: 'a required input left unbound', from: '      modeldir: ${{ steps.traintuned.outputs.train }}\n', to: '', at: 'inputs', after: '- name: deploy', message: "step 'deploy': required input 'modeldir' of component 'deploy' is not bound"},
  {name: 'a dependency cycle', from: 'bucket: ${{ steps.preprocess.outputs.bucket }}\n  - name: traintuned', to: 'bucket: ${{ steps.traintuned.outputs.train }}\n  - name: traintuned', at: 'hypertrain', after: '- name: hypertrain', message: 'dependency cycle: hypertrain → traintuned → hypertrain'},
  {name: 'a param default of the wrong type', from: 'default: 2000', to: 'default: soon', at: 'soon', message: "param 'startYear': default 'soon' (a string) is not an integer"},
  {name: 'an invalid pipeline name', from: 'name: babyweight', to: 'name: BabyWeight', at: 'BabyWeight', message: "pipeline name 'BabyWeight' is not a valid Kubernetes name: use lowercase letters, digits and '-', starting and ending with a letter or digit"},
  {name: 'an invalid step name', from: /preprocess/g, to: 'pre_process', at: 'pre_process', after: '- name: pre_process', message: "step name 'pre_process' is not a valid Kubernetes name", code: 'PROJECT_INVALID'},
  {name: 'an invalid cpu', from: 'cpu: 1', to: 'cpu: lots', at: 'lots', message: "step 'traintuned': cpu 'lots' is not a CPU quantity"},
  {name: 'a missing component folder', from: '  - name: deploy', to: '  - name: deploy\n    component: serve', at: 'serve', message: "step 'deploy': component 'serve' not found: components/serve/component.yaml does not exist"},
  {name: 'a placeholder naming an undeclared input', file: 'components/hypertrain/component.yaml', from: '{inputValue: bucket}', to: '{inputValue: bukket}', at: 'bukket', message: "{inputValue: bukket} names an input that is not declared — did you mean 'bucket'?"},
]

for (const c of cases) {
  kinds(c.name, async () => {
    // Given
    const file = c.file ?? 'kfp.yaml'
    const p = path.join(kdir, file)
    const text = (await readFile(p, 'utf8')).replace(c.from, c.to)
    await writeFile(p, text)
    // When
    const r = await runCli(['validate', '--json'], {cwd: kdir})
    // Then
    assert.is(r.code, 3, r.stderr)
    assert.is(r.json.status, 3)
    assert.is(r.json.error.code, c.code ?? 'PROJECT_INVALID')
    const expected = `${file}:${posOf(text, c.at, c.after)}: ${c.message}`
    assert.ok(
      r.json.error.message.split('\n').some((l: string) => l.startsWith(expected)),
      `expected a line starting with\n${expected}\ngot\n${r.json.error.message}`,
    )
  })
}

v.run()
kinds.run()
