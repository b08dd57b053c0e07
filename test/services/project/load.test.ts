import {cp, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {Project} from '../../../src/core/project/types.js'
import type {CliError} from '../../../src/lib/errors.js'
import {loadProject, stepByRef} from '../../../src/services/project/load.js'
import {repoRoot} from '../../helpers/cli.js'
import {tmpdir} from '../../helpers/tmp.js'

const fixture = path.join(repoRoot, 'test', 'fixtures', 'projects', 'babyweight')
const ctx = {env: {}}

async function rejects(p: Promise<unknown>): Promise<CliError> {
  try {
    await p
  } catch (e) {
    return e as CliError
  }
  throw new Error('expected the call to throw')
}

const t = suite('loadProject')
let dir = ''
let cleanup = async () => {}
t.before.each(async () => {
  const tmp = await tmpdir('kfp-project-')
  dir = path.join(tmp.dir, 'bw')
  cleanup = tmp.cleanup
  await cp(fixture, dir, {recursive: true})
})
t.after.each(() => cleanup())

t('finds kfp.yaml in a parent folder and reads every component', async () => {
  // Given: running inside a component folder
  const cwd = path.join(dir, 'components', 'preprocess')
  // When
  const project = await loadProject({cwd}, ctx)
  // Then
  assert.is(project.root, dir)
  assert.is(project.file, path.join(dir, 'kfp.yaml'))
  assert.equal(Object.keys(project.components).sort(), ['deploy', 'hypertrain', 'preprocess', 'traintuned'])
  assert.is(project.components.preprocess.dir, 'components/preprocess')
  assert.is(project.components.preprocess.hasDockerfile, true)
})

t('--project takes a folder or a file; KFP_PROJECT is used when --project is not given', async () => {
  const elsewhere = path.dirname(dir)
  assert.is((await loadProject({cwd: elsewhere, project: 'bw'}, ctx)).root, dir)
  assert.is((await loadProject({cwd: elsewhere, project: 'bw/kfp.yaml'}, ctx)).root, dir)
  assert.is((await loadProject({cwd: '/', project: undefined}, {env: {KFP_PROJECT: dir}})).root, dir)
  // the flag wins over the environment
  const e = await rejects(loadProject({cwd: elsewhere, project: 'nope'}, {env: {KFP_PROJECT: dir}}))
  assert.is(e.kfpCode, 'PROJECT_NOT_FOUND')
  assert.is(e.message, 'No project file at nope.')
  assert.match(e.hints.join('\n'), /--project/)
})

t('no kfp.yaml anywhere: PROJECT_NOT_FOUND, exit 3, hint to run kfp init', async () => {
  const e = await rejects(loadProject({cwd: '/'}, ctx))
  assert.is(e.kfpCode, 'PROJECT_NOT_FOUND')
  assert.is(e.exitCode, 3)
  assert.is(e.message, 'No kfp.yaml in this folder or above (/).')
  assert.match(e.hints[0], /kfp init/)
})

t('a YAML syntax error: YAML_SYNTAX with the relative file:line:col', async () => {
  // Given
  await writeFile(path.join(dir, 'kfp.yaml'), 'name: bw\nsteps:\n  - name: a\n   bad: x\n')
  // When
  const e = await rejects(loadProject({cwd: dir}, ctx))
  // Then
  assert.is(e.kfpCode, 'YAML_SYNTAX')
  assert.is(e.exitCode, 3)
  assert.match(e.message, /^kfp\.yaml:4:\d+: YAML syntax error: /)
  const issues = (e.data as {issues: Array<{file: string; line: number}>}).issues
  assert.is(issues[0].file, 'kfp.yaml')
  assert.is(issues[0].line, 4)
})

t('several problems: PROJECT_INVALID lists each as file:line:col with its hint, paths relative to the cwd', async () => {
  // Given: a typo in a step reference and an undeclared placeholder in a component
  const kfp = path.join(dir, 'kfp.yaml')
  await writeFile(kfp, (await readFile(kfp, 'utf8')).replace('${{ steps.hypertrain.outputs.jobname }}', '${{ steps.hypertrian.outputs.jobname }}'))
  const compFile = path.join(dir, 'components', 'deploy', 'component.yaml')
  await writeFile(compFile, (await readFile(compFile, 'utf8')).replace('{outputPath: version}', '{outputPath: versoin}'))
  // When: run from the project's parent folder
  const e = await rejects(loadProject({cwd: path.dirname(dir), project: 'bw'}, ctx))
  // Then
  assert.is(e.kfpCode, 'PROJECT_INVALID')
  assert.is(e.exitCode, 3)
  const lines = e.message.split('\n')
  assert.is(lines[0], 'bw/kfp.yaml has 2 problems:')
  assert.is(lines[1], "bw/kfp.yaml:23:16: step 'traintuned': input 'jobname': unknown step 'hypertrian' — did you mean 'hypertrain'?")
  assert.is(lines[2], '    Steps: preprocess, hypertrain, traintuned, deploy.')
  assert.match(lines[3], /^bw\/components\/deploy\/component\.yaml:\d+:\d+: \{outputPath: versoin\} names an output that is not declared — did you mean 'version'\?$/)
  const issues = (e.data as {issues: Array<{file: string; code: string}>}).issues
  assert.equal(issues.map((i) => [i.file, i.code]), [
    ['bw/kfp.yaml', 'UNKNOWN_STEP'],
    ['bw/components/deploy/component.yaml', 'PLACEHOLDER'],
  ])
})

t('a single problem is the message itself, its hint a CliError hint', async () => {
  await rm(path.join(dir, 'components', 'hypertrain'), {recursive: true})
  const e = await rejects(loadProject({cwd: dir}, ctx))
  assert.is(e.kfpCode, 'PROJECT_INVALID')
  assert.is(e.message, "kfp.yaml:18:11: step 'hypertrain': component 'hypertrain' not found: components/hypertrain/component.yaml does not exist")
  assert.equal(e.hints, ['Create it with `kfp component add hypertrain`.'])
})

t('component.yml is accepted; a folder without a Dockerfile is noted', async () => {
  const c = path.join(dir, 'components', 'deploy')
  await cp(path.join(c, 'component.yaml'), path.join(c, 'component.yml'))
  await rm(path.join(c, 'component.yaml'))
  await rm(path.join(c, 'Dockerfile'))
  const project = await loadProject({cwd: dir}, ctx)
  assert.is(project.components.deploy.hasDockerfile, false)
  assert.is(project.components.deploy.image, 'python:3.11-slim')
})

t('a component folder name is never used to leave components/', async () => {
  // Given a step pointing outside components/ (a file exists there)
  await mkdir(path.join(dir, 'evil'), {recursive: true})
  await cp(path.join(dir, 'components', 'deploy', 'component.yaml'), path.join(dir, 'evil', 'component.yaml'))
  const kfp = path.join(dir, 'kfp.yaml')
  await writeFile(kfp, (await readFile(kfp, 'utf8')).replace('  - name: deploy\n', '  - name: deploy\n    component: ../evil\n'))
  // When
  const e = await rejects(loadProject({cwd: dir}, ctx))
  // Then
  assert.is(e.message, "kfp.yaml:27:16: component name '../evil' is not a valid Kubernetes name: use lowercase letters, digits and '-', starting and ending with a letter or digit")
})

const s = suite('stepByRef')
let project: Project
s.before(async () => {
  project = await loadProject({cwd: fixture}, ctx)
})

s('by number, numeric string or name', () => {
  assert.is(stepByRef(project, 3).name, 'traintuned')
  assert.is(stepByRef(project, '4').name, 'deploy')
  assert.is(stepByRef(project, 'hypertrain').number, 2)
})

s('an unknown name: STEP_NOT_FOUND with did-you-mean and the list of steps', () => {
  try {
    stepByRef(project, 'traintune')
    assert.unreachable()
  } catch (e) {
    const err = e as CliError
    assert.is(err.kfpCode, 'STEP_NOT_FOUND')
    assert.is(err.exitCode, 2)
    assert.is(err.message, "Unknown step 'traintune' — did you mean 'traintuned'?")
    assert.equal(err.hints, ['Steps: 1 preprocess, 2 hypertrain, 3 traintuned, 4 deploy.'])
  }
})

s('a number out of range', () => {
  try {
    stepByRef(project, 7)
    assert.unreachable()
  } catch (e) {
    assert.is((e as CliError).message, 'There is no step 7: the pipeline has 4 steps.')
  }
})

t.run()
s.run()
