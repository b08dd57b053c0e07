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
  assert.match(r.stderr, 'No kfp.yaml found in')
  assert.match(r.stderr, 'kfp init')
})

v.run()
