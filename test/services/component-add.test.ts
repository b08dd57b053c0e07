import {mkdir, readFile, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {addComponent} from '../../src/services/component-add.js'
import {expectCliError} from '../helpers/errors.js'
import {tmpdir} from '../helpers/tmp.js'

const KFP_YAML = `# kfp.yaml: my pipeline   (comments everywhere)
name: demo                            # aligned trailing comment
description: Demo.
registry: gcr.io/proj-1
gcp: {project: proj-1, region: us-central1}
params:
  message: {type: string, default: hi}   # flow map
  project: {type: string, default: proj-1}
steps:   # the steps
  # about prep
  - name: prep
    inputs: {message: "\${{ params.message }}"}
    resources: {cpu: 1, memory: 2G}   # requests

  # about train
  - name: train
    component: trainer
# trailing comment of the list
targets:
  local: {type: local}
defaultTarget: local
`

const PREP_COMPONENT = `name: prep
inputs:
- {name: message, type: String}
outputs:
- {name: data, type: String}
implementation:
  container: {image: x, command: [python3, main.py], args: [{inputValue: message}, {outputPath: data}]}
`

const add = suite('addComponent')
let tmp: {dir: string; cleanup: () => Promise<void>}
let ctx: {cwd: string; env: Record<string, string | undefined>}

add.before.each(async () => {
  tmp = await tmpdir('kfp-add-')
  ctx = {cwd: tmp.dir, env: {}}
  await writeFile(path.join(tmp.dir, 'kfp.yaml'), KFP_YAML)
  await mkdir(path.join(tmp.dir, 'components/prep'), {recursive: true})
  await writeFile(path.join(tmp.dir, 'components/prep/component.yaml'), PREP_COMPONENT)
})
add.after.each(async () => tmp.cleanup())

add('scaffolds components/NAME/ and appends the step; comments and layout elsewhere are byte-for-byte unchanged', async () => {
  // When
  const r = await addComponent({name: 'evaluate'}, ctx)
  // Then
  assert.equal(r.files, ['components/evaluate/Dockerfile', 'components/evaluate/component.yaml', 'components/evaluate/main.py'])
  assert.equal(await readdir(path.join(tmp.dir, 'components/evaluate')).then((f) => f.sort()), ['Dockerfile', 'component.yaml', 'main.py'])
  const spec = parse(await readFile(path.join(tmp.dir, 'components/evaluate/component.yaml'), 'utf8'))
  assert.is(spec.name, 'evaluate')
  assert.is(spec.implementation.container.image, 'gcr.io/proj-1/demo-evaluate:latest')
  const text = await readFile(path.join(tmp.dir, 'kfp.yaml'), 'utf8')
  const at = KFP_YAML.indexOf('# trailing comment of the list')
  // The last step uses component `trainer`, which does not exist: message falls back to the `message` param.
  assert.is(text, KFP_YAML.slice(0, at) + '  - name: evaluate\n    inputs:\n      message: ${{ params.message }}\n' + KFP_YAML.slice(at))
  assert.equal(r.step, {name: 'evaluate', number: 3, inputs: {message: '${{ params.message }}'}})
  assert.is(r.registered, true)
  assert.is(r.projectFile, path.join(tmp.dir, 'kfp.yaml'))
})

add("--after STEP inserts after it and wires `message` to that step's first output", async () => {
  // When
  const r = await addComponent({name: 'check', after: 'prep', template: 'bash'}, ctx)
  // Then
  const text = await readFile(path.join(tmp.dir, 'kfp.yaml'), 'utf8')
  const at = KFP_YAML.indexOf('\n  # about train')
  assert.is(text, KFP_YAML.slice(0, at) + '  - name: check\n    inputs:\n      message: ${{ steps.prep.outputs.data }}\n' + KFP_YAML.slice(at))
  assert.equal(r.step, {name: 'check', number: 2, inputs: {message: '${{ steps.prep.outputs.data }}'}})
  assert.equal(r.files, ['components/check/Dockerfile', 'components/check/component.yaml', 'components/check/main.sh'])
})

add('inputs named like a pipeline parameter are bound to it (gcloud template: project)', async () => {
  // When
  const r = await addComponent({name: 'cloudy', template: 'gcloud', after: 'prep'}, ctx)
  // Then
  assert.equal(r.step?.inputs, {project: '${{ params.project }}', message: '${{ steps.prep.outputs.data }}'})
  const spec = parse(await readFile(path.join(tmp.dir, 'components/cloudy/component.yaml'), 'utf8'))
  assert.is(spec.inputs[0].default, 'proj-1')
})

add('without a message param or a previous output, message is a literal', async () => {
  // Given
  await writeFile(path.join(tmp.dir, 'kfp.yaml'), 'name: solo\nsteps: []\n')
  // When
  const r = await addComponent({name: 'first', template: 'container'}, ctx)
  // Then
  assert.equal(parse(await readFile(path.join(tmp.dir, 'kfp.yaml'), 'utf8')).steps, [{name: 'first', inputs: {message: 'hello from first'}}])
  assert.equal(r.files, ['components/first/component.yaml'])
  assert.is(r.step?.number, 1)
})

add('--no-register scaffolds only; kfp.yaml is untouched', async () => {
  // When
  const r = await addComponent({name: 'spare', register: false}, ctx)
  // Then
  assert.is(r.registered, false)
  assert.is(r.step, undefined)
  assert.is(await readFile(path.join(tmp.dir, 'kfp.yaml'), 'utf8'), KFP_YAML)
  assert.ok((await readdir(path.join(tmp.dir, 'components/spare'))).includes('main.py'))
})

for (const c of [
  {name: 'My_Step', message: "Invalid component name 'My_Step': it has uppercase letters", hint: 'Try: kfp component add my-step'},
  {name: '../x', message: "Invalid component name '../x': it would be a path", hint: 'Try: kfp component add x'},
  {name: 'a'.repeat(45), message: 'is 45 characters long (at most 40)', hint: `Try: kfp component add ${'a'.repeat(40)}`},
  {name: 'prep', message: "A step named 'prep' already exists in kfp.yaml.", hint: 'kfp component add prep-2'},
]) {
  add(`rejects the name ${JSON.stringify(c.name.slice(0, 12))} with exit 2 and a suggestion, writing nothing`, async () => {
    // When
    const err = await expectCliError(addComponent({name: c.name}, ctx))
    // Then
    assert.is(err.kfpCode, 'NAME_INVALID')
    assert.is(err.exitCode, 2)
    assert.match(err.message, c.message)
    assert.match(err.hints.join('\n'), c.hint)
    assert.is(await readFile(path.join(tmp.dir, 'kfp.yaml'), 'utf8'), KFP_YAML)
    assert.equal((await readdir(path.join(tmp.dir, 'components'))).sort(), ['prep'])
  })
}

add('an unknown --after step exits 3 with a did-you-mean', async () => {
  // When
  const err = await expectCliError(addComponent({name: 'x', after: 'prpe'}, ctx))
  // Then
  assert.is(err.kfpCode, 'STEP_NOT_FOUND')
  assert.is(err.exitCode, 3)
  assert.match(err.message, "Unknown step 'prpe' in --after — did you mean 'prep'?")
  assert.match(err.hints[0], 'Steps: prep, train.')
})

add('existing component files are not overwritten without --force (exit 3, nothing written)', async () => {
  // Given
  await mkdir(path.join(tmp.dir, 'components/newone'))
  await writeFile(path.join(tmp.dir, 'components/newone/main.py'), 'mine\n')
  // When
  const err = await expectCliError(addComponent({name: 'newone'}, ctx))
  const r = await addComponent({name: 'newone', force: true}, ctx)
  // Then
  assert.is(err.kfpCode, 'FILE_EXISTS')
  assert.is(err.exitCode, 3)
  assert.match(err.message, 'components/newone/main.py')
  assert.match(err.hints[0], '--force')
  assert.equal(r.overwritten, ['components/newone/main.py'])
  assert.not.match(await readFile(path.join(tmp.dir, 'components/newone/main.py'), 'utf8'), 'mine')
})

add('no kfp.yaml: PROJECT_NOT_FOUND (exit 3) with a kfp init hint; a broken kfp.yaml: file:line:col', async () => {
  // Given
  const empty = await tmpdir('kfp-add-empty-')
  await writeFile(path.join(tmp.dir, 'kfp.yaml'), 'name: x\nsteps:\n  - name: [a\n')
  try {
    // When
    const missing = await expectCliError(addComponent({name: 'x'}, {cwd: empty.dir, env: {}}))
    const broken = await expectCliError(addComponent({name: 'x'}, ctx))
    // Then
    assert.is(missing.kfpCode, 'PROJECT_NOT_FOUND')
    assert.is(missing.exitCode, 3)
    assert.match(missing.hints.join(' '), 'kfp init')
    assert.is(broken.kfpCode, 'YAML_SYNTAX')
    assert.match(broken.message, new RegExp(`${path.join(tmp.dir, 'kfp.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `))
  } finally {
    await empty.cleanup()
  }
})

add('--project points at a kfp.yaml elsewhere (a folder works too)', async () => {
  // Given
  const other = await tmpdir('kfp-add-cwd-')
  try {
    // When
    const r = await addComponent({name: 'remote', projectFile: tmp.dir}, {cwd: other.dir, env: {}})
    // Then
    assert.is(r.projectFile, path.join(tmp.dir, 'kfp.yaml'))
    assert.match(await readFile(path.join(tmp.dir, 'kfp.yaml'), 'utf8'), '  - name: remote\n')
  } finally {
    await other.cleanup()
  }
})

add.run()
