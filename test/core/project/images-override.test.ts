import {cp} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {imageRepository} from '../../../src/core/build/naming.js'
import {resolveImages} from '../../../src/services/images.js'
import {tmpdir} from '../../helpers/tmp.js'
import {fixtureText, parse, summary, where} from './helpers.js'

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/projects/babyweight')

const t = suite('kfp.yaml images: per-component image repository')

function withImages(block: string): string {
  return fixtureText('babyweight').replace(/^steps:/m, `${block}\nsteps:`)
}

t('images: overrides <registry>/<pipeline>-<component> for that component only', async () => {
  // Given
  const {project, issues} = parse(withImages('images:\n  preprocess: gcr.io/other-project/prep'))
  assert.equal(issues, [], summary(issues))
  const work = await tmpdir()
  await cp(FIXTURE, work.dir, {recursive: true})
  // When
  const images = await resolveImages({...project!, root: work.dir}, {env: {}})
  await work.cleanup()
  // Then
  assert.equal(project!.images, {preprocess: 'gcr.io/other-project/prep'})
  assert.is(imageRepository(project!.registry, project!.name, 'preprocess', project!.images?.preprocess), 'gcr.io/other-project/prep')
  assert.is(imageRepository(project!.registry, project!.name, 'deploy', project!.images?.deploy), 'localhost:5000/babyweight-deploy')
  assert.match(images.preprocess, /^gcr\.io\/other-project\/prep[:@]/)
  assert.match(images.deploy, /^localhost:5000\/babyweight-deploy[:@]/)
})

t('an images: key that no step uses is an error at the key, with did-you-mean', () => {
  // When
  const {project, issues} = parse(withImages('images:\n  preproces: gcr.io/x/prep'))
  // Then
  assert.is(project, undefined)
  const issue = issues.find((i) => i.message.includes("no step uses a component 'preproces'"))
  assert.ok(issue, summary(issues))
  assert.match(issue!.message, /did you mean 'preprocess'/)
  assert.match(where(issue!), /^\d+:3$/)
})

t('an images: value with a tag is rejected by the schema', () => {
  // When
  const {issues} = parse(withImages('images:\n  preprocess: gcr.io/x/prep:v1'))
  // Then
  assert.ok(issues.some((i) => i.message.includes('images') || i.message.includes('prep:v1')), summary(issues))
})

t('without a registry, a component named in images: still compiles to its repository at the content tag', async () => {
  // Given a project with no registry and one override
  const text = withImages('images:\n  deploy: gcr.io/shared/deployer').replace(/^registry:.*$/m, '')
  const {project, issues} = parse(text)
  assert.equal(issues, [], summary(issues))
  assert.is(project!.registry, undefined)
  const work = await tmpdir()
  await cp(FIXTURE, work.dir, {recursive: true})
  // When
  const images = await resolveImages({...project!, root: work.dir}, {env: {}})
  await work.cleanup()
  // Then
  assert.match(images.deploy, /^gcr\.io\/shared\/deployer:[0-9a-f]{12,}/)
  assert.is(images.preprocess, project!.components.preprocess.image)
})

t.run()
