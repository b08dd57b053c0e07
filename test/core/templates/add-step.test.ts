import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {addStepToKfpYaml, stepNamesOf} from '../../../src/core/templates/add-step.js'

// A kfp.yaml with every kind of comment and layout a user might have.
const KFP_YAML = `# kfp.yaml: my pipeline
name: demo                            # aligned trailing comment
description: Demo.
params:
  message: {type: string, default: hi}   # flow map
steps:   # the steps
  # about prep
  - name: prep
    inputs: {message: "\${{ params.message }}"}
    resources: {cpu: 1, memory: 2G}   # requests

  # about train, after a blank line
  - name: train
    inputs:
      data: \${{ steps.prep.outputs.result }}   # wired
# trailing comment of the list
targets:
  local: {type: local}
defaultTarget: local
`

const add = suite('addStepToKfpYaml')

add('appends a step after the last one; every other byte of the file is unchanged', () => {
  // When
  const r = addStepToKfpYaml(KFP_YAML, {name: 'deploy', inputs: {message: '${{ steps.train.outputs.result }}'}})
  // Then
  assert.ok(r.ok)
  if (!r.ok) return
  const inserted = '  - name: deploy\n    inputs:\n      message: ${{ steps.train.outputs.result }}\n'
  const at = KFP_YAML.indexOf('# trailing comment of the list')
  assert.is(r.text, KFP_YAML.slice(0, at) + inserted + KFP_YAML.slice(at))
  assert.is(r.index, 2)
  assert.equal(stepNamesOf(r.text), ['prep', 'train', 'deploy'])
  assert.equal(parse(r.text).steps[2], {name: 'deploy', inputs: {message: '${{ steps.train.outputs.result }}'}})
})

add('inserts right after --after STEP, before the comments that belong to the next step', () => {
  // When
  const r = addStepToKfpYaml(KFP_YAML, {name: 'check', inputs: {message: 'hello from check'}}, {after: 'prep'})
  // Then
  assert.ok(r.ok)
  if (!r.ok) return
  const at = KFP_YAML.indexOf('\n  # about train') // the blank line after prep's last line
  const inserted = '  - name: check\n    inputs:\n      message: hello from check\n'
  assert.is(r.text, KFP_YAML.slice(0, at) + inserted + KFP_YAML.slice(at))
  assert.is(r.index, 1)
  assert.equal(stepNamesOf(r.text), ['prep', 'check', 'train'])
})

add("follows the file's list indentation (dash at column 0)", () => {
  // Given
  const text = 'name: x\nsteps:\n- name: a\n  inputs: {m: 1}\n'
  // When
  const r = addStepToKfpYaml(text, {name: 'b', inputs: {m: 'x'}})
  // Then
  assert.ok(r.ok)
  if (r.ok) assert.is(r.text, text + '- name: b\n  inputs:\n    m: x\n')
})

add('a file without a final newline gets the step on a new line', () => {
  const r = addStepToKfpYaml('steps:\n  - name: a', {name: 'b'})
  assert.ok(r.ok)
  if (r.ok) assert.is(r.text, 'steps:\n  - name: a\n  - name: b\n')
})

add('an empty or missing steps list is created through the Document API, keeping the comments', () => {
  // Given
  const empty = '# top comment\nname: x   # name\nsteps: []\n'
  const missing = '# top comment\nname: x\n'
  // When
  const r1 = addStepToKfpYaml(empty, {name: 'a', inputs: {message: 'hi'}})
  const r2 = addStepToKfpYaml(missing, {name: 'a'})
  // Then
  assert.ok(r1.ok && r2.ok)
  if (!r1.ok || !r2.ok) return
  assert.match(r1.text, '# top comment')
  assert.match(r1.text, '# name')
  assert.equal(parse(r1.text).steps, [{name: 'a', inputs: {message: 'hi'}}])
  assert.match(r2.text, /^# top comment\nname: x\nsteps:\n  - name: a\n$/)
})

add('rejects a duplicate step name and an unknown --after step', () => {
  // When
  const dup = addStepToKfpYaml(KFP_YAML, {name: 'train'})
  const after = addStepToKfpYaml(KFP_YAML, {name: 'x'}, {after: 'trian'})
  // Then
  assert.equal(dup, {ok: false, problem: {kind: 'duplicate', name: 'train'}})
  assert.equal(after, {ok: false, problem: {kind: 'after-not-found', after: 'trian', steps: ['prep', 'train']}})
})

add('reports YAML syntax errors with line and column, and a steps key that is not a list', () => {
  // When
  const bad = addStepToKfpYaml('name: x\nsteps:\n  - name: [a\n', {name: 'b'})
  const notList = addStepToKfpYaml('steps: {a: 1}\n', {name: 'b'})
  // Then
  assert.is(bad.ok, false)
  if (!bad.ok && bad.problem.kind === 'yaml') assert.ok(bad.problem.line! >= 3)
  else assert.unreachable('expected a yaml problem')
  assert.equal(notList, {ok: false, problem: {kind: 'steps-not-a-list'}})
})

add.run()

const groups = suite('addStepToKfpYaml with groups')

const GROUPED = `name: demo
steps:
  - name: prep
  - group: sweep          # the loop
    forEach: [1, 2]
    steps:
      # inside the loop
      - name: train
      - name: score       # scores
  - name: pick
`

groups('--after a step inside a group: the new step joins that group, numbered depth-first; comments stay', () => {
  const r = addStepToKfpYaml(GROUPED, {name: 'check'}, {after: 'train'})
  assert.ok(r.ok)
  if (!r.ok) return
  assert.is(r.text, GROUPED.replace('      - name: train\n', '      - name: train\n      - name: check\n'))
  assert.is(r.index, 2) // 0-based: step number 3
  assert.equal(stepNamesOf(r.text), ['prep', 'train', 'check', 'score', 'pick'])
})

groups('without --after the step goes to the end of the top level; names inside groups count as taken', () => {
  const r = addStepToKfpYaml(GROUPED, {name: 'deploy'})
  assert.ok(r.ok)
  if (!r.ok) return
  assert.is(r.text, `${GROUPED}  - name: deploy\n`)
  assert.is(r.index, 4) // 0-based: step number 5
  const dup = addStepToKfpYaml(GROUPED, {name: 'score'})
  assert.equal(dup, {ok: false, problem: {kind: 'duplicate', name: 'score'}})
})

groups.run()

