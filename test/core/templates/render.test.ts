import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {checkName, toValidName, uniqueName} from '../../../src/core/templates/names.js'
import {
  outputPathOf,
  planTemplateFiles,
  renderTemplate,
  templatePlaceholders,
  TemplateRenderError,
  yamlScalar,
} from '../../../src/core/templates/render.js'

const render = suite('renderTemplate')

render('replaces {{name}} placeholders, with or without spaces inside the braces', () => {
  // Given
  const text = 'name: {{name}}\nregistry: {{ registry }}\n'
  // When
  const out = renderTemplate(text, {name: 'demo', registry: 'localhost:5000'})
  // Then
  assert.is(out, 'name: demo\nregistry: localhost:5000\n')
})

render("leaves kfp.yaml's ${{ params.x }} and ${{ steps.a.outputs.b }} references alone", () => {
  // Given
  const text = '  - name: {{component}}\n    inputs:\n      message: ${{ params.message }}\n      x: ${{steps.a.outputs.b}}\n'
  // When
  const out = renderTemplate(text, {component: 'hello'})
  // Then
  assert.is(out, '  - name: hello\n    inputs:\n      message: ${{ params.message }}\n      x: ${{steps.a.outputs.b}}\n')
})

render('throws TemplateRenderError naming the placeholder and template when a value is missing', () => {
  // When
  let err: unknown
  try {
    renderTemplate('image: {{registry}}/{{imgae}}', {registry: 'r'}, 'components/python/component.yaml.tmpl')
  } catch (e) {
    err = e
  }
  // Then
  assert.instance(err, TemplateRenderError)
  assert.is((err as TemplateRenderError).placeholder, 'imgae')
  assert.match((err as Error).message, 'components/python/component.yaml.tmpl uses {{imgae}}')
})

render('values are inserted literally (no recursive expansion, $ is not special)', () => {
  assert.is(renderTemplate('a={{a}}', {a: '{{b}} $1 $&'}), 'a={{b}} $1 $&')
})

render('templatePlaceholders lists each placeholder once, in order, ignoring ${{ }}', () => {
  assert.equal(templatePlaceholders('{{b}} {{a}} {{b}} ${{ params.c }}'), ['b', 'a'])
})

const plan = suite('planTemplateFiles')

plan('renders .tmpl files, copies others verbatim, maps _gitignore, places files under a prefix, sorted', () => {
  // Given
  const files = [
    {path: 'main.py', content: 'print(f"{{x}}")\n'},
    {path: 'component.yaml.tmpl', content: 'name: {{name}}\n'},
    {path: '_gitignore', content: '.kfp/\n'},
    {path: 'run.sh', content: '#!/bin/sh\n', executable: true},
  ]
  // When
  const out = planTemplateFiles(files, {name: 'train'}, 'components/train/')
  // Then
  assert.equal(out, [
    {path: 'components/train/.gitignore', content: '.kfp/\n'},
    {path: 'components/train/component.yaml', content: 'name: train\n'},
    {path: 'components/train/main.py', content: 'print(f"{{x}}")\n'},
    {path: 'components/train/run.sh', content: '#!/bin/sh\n', executable: true},
  ])
})

plan('outputPathOf keeps folders and strips only the .tmpl suffix', () => {
  assert.is(outputPathOf('components/a/kfp.yaml.tmpl'), 'components/a/kfp.yaml')
  assert.is(outputPathOf('a/_gitignore'), 'a/.gitignore')
  assert.is(outputPathOf('tmpl/x.tmpl.py'), 'tmpl/x.tmpl.py')
})

const scalar = suite('yamlScalar')

for (const [value, expected] of [
  ['A Kubeflow pipeline made with kfp.', 'A Kubeflow pipeline made with kfp.'],
  ['gcr.io/my-project', 'gcr.io/my-project'],
  ["Predict a baby's weight: fast", '"Predict a baby\'s weight: fast"'],
  ['yes', '"yes"'],
  ['2000', '"2000"'],
  ['# not a comment', '"# not a comment"'],
  ['- item', '"- item"'],
  ['', '""'],
] as const) {
  scalar(`${JSON.stringify(value)} → ${expected}, and parses back to the same string`, () => {
    // When
    const out = yamlScalar(value)
    // Then
    assert.is(out, expected)
    assert.is(parse(`k: ${out}`).k, value)
  })
}

const names = suite('component and pipeline names')

for (const c of [
  {name: 'train', ok: true},
  {name: 'train-2', ok: true},
  {name: 'My_Step', ok: false, reason: /uppercase/, suggestion: 'my-step'},
  {name: '../x', ok: false, reason: /path/, suggestion: 'x'},
  {name: 'a/b', ok: false, reason: /path/, suggestion: 'a-b'},
  {name: '2fast', ok: false, reason: /start with a lowercase letter/, suggestion: 'fast'},
  {name: 'data_prep', ok: false, reason: /only lowercase letters/, suggestion: 'data-prep'},
  {name: 'trailing-', ok: false, reason: /end with '-'/, suggestion: 'trailing'},
  {name: 'x'.repeat(41), ok: false, reason: /41 characters long \(at most 40\)/, suggestion: 'x'.repeat(40)},
  {name: '', ok: false, reason: /empty/},
]) {
  names(`checkName(${JSON.stringify(c.name)}) is ${c.ok ? 'ok' : 'rejected'}`, () => {
    // When
    const r = checkName(c.name)
    // Then
    assert.is(r.ok, c.ok)
    if (!r.ok) {
      assert.match(r.reason, c.reason!)
      assert.is(r.suggestion, c.suggestion)
    }
  })
}

names('pipeline names may be up to 63 characters', () => {
  assert.is(checkName('p'.repeat(63), 'pipeline').ok, true)
  assert.is(checkName('p'.repeat(64), 'pipeline').ok, false)
})

names('toValidName turns folder names into pipeline names', () => {
  assert.is(toValidName('My Project'), 'my-project')
  assert.is(toValidName('babyWeight_v2'), 'baby-weight-v2')
  assert.is(toValidName('2024 pipeline'), 'pipeline')
  assert.is(toValidName('___'), '')
})

names('uniqueName appends -2, -3, … until the name is free', () => {
  assert.is(uniqueName('train', ['prep']), 'train')
  assert.is(uniqueName('train', ['train', 'train-2']), 'train-3')
})

render.run()
plan.run()
scalar.run()
names.run()
