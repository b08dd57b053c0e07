import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const add = suite('kfp component add (built CLI)')
let tmp: {dir: string; cleanup: () => Promise<void>}
let cwd: string
add.before.each(async () => {
  tmp = await tmpdir('kfp-add-cli-')
  const r = await runCli(['init', 'bw', '--example', 'babyweight', '--yes'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  cwd = path.join(tmp.dir, 'bw')
})
add.after.each(async () => tmp.cleanup())

add('adds a step after --after STEP, keeps the comments, and the project still validates', async () => {
  // Given
  const before = await readFile(path.join(cwd, 'kfp.yaml'), 'utf8')
  // When
  const r = await runCli(['component', 'add', 'evaluate', '--after', 'traintuned', '--template', 'bash'], {cwd})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, 'Created components/evaluate/ from the bash template:')
  assert.match(r.stdout, "Added step 4 'evaluate' to kfp.yaml (message: ${{ steps.traintuned.outputs.train }}).")
  const after = await readFile(path.join(cwd, 'kfp.yaml'), 'utf8')
  const inserted = '  - name: evaluate\n    inputs:\n      message: ${{ steps.traintuned.outputs.train }}\n'
  const at = before.indexOf('  - name: deploy')
  assert.is(after, before.slice(0, at) + inserted + before.slice(at))
  const validate = await runCli(['validate'], {cwd})
  assert.is(validate.code, 0, validate.stderr)
  assert.match(validate.stdout, '5 steps')
})

add('--json result shape', async () => {
  // When
  const r = await runCli(['component', 'add', 'report', '--json'], {cwd})
  // Then
  assert.is(r.code, 0, r.stderr)
  assert.equal(r.json.result, {
    component: 'report',
    template: 'python',
    dir: 'components/report',
    files: ['components/report/Dockerfile', 'components/report/component.yaml', 'components/report/main.py'],
    overwritten: [],
    projectFile: path.join(cwd, 'kfp.yaml'),
    registered: true,
    step: {name: 'report', number: 5, inputs: {message: '${{ steps.deploy.outputs.model }}'}},
  })
})

add('invalid and duplicate names exit 2 with a suggestion; an unknown --after exits 3', async () => {
  // When
  const bad = await runCli(['component', 'add', 'My_Step'], {cwd})
  const dup = await runCli(['component', 'add', 'deploy'], {cwd})
  const after = await runCli(['component', 'add', 'x', '--after', 'hypertrian'], {cwd})
  // Then
  assert.is(bad.code, 2)
  assert.match(bad.stderr, "Invalid component name 'My_Step'")
  assert.match(bad.stderr, 'kfp component add my-step')
  assert.is(dup.code, 2)
  assert.match(dup.stderr, "A step named 'deploy' already exists")
  assert.match(dup.stderr, 'kfp component add deploy-2')
  assert.is(after.code, 3)
  assert.match(after.stderr, "did you mean 'hypertrain'?")
})

add.run()
