import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {didYouMean, irName, isValidK8sName, isValidParamName, nameList, suggestK8sName} from '../../../src/core/project/names.js'

const k8s = suite('isValidK8sName / irName / suggestK8sName')

const cases: Array<[string, boolean, string, string | undefined]> = [
  // name, valid, irName, suggestion
  ['preprocess', true, 'preprocess', 'preprocess'],
  ['train-2', true, 'train-2', 'train-2'],
  ['Train', false, 'train', 'train'],
  ['trainTuned', false, 'traintuned', 'train-tuned'],
  ['deploy_cmle', false, 'deploy-cmle', 'deploy-cmle'],
  ['-lead', false, 'lead', 'lead'],
  ['trail-', false, 'trail', 'trail'],
  ['a..b', false, 'a-b', 'a-b'],
  ['x'.repeat(63), true, 'x'.repeat(63), 'x'.repeat(63)],
  ['x'.repeat(64), false, 'x'.repeat(64), 'x'.repeat(63)],
  ['___', false, '', undefined],
]
for (const [name, valid, ir, suggestion] of cases) {
  k8s(`'${name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name}'`, () => {
    assert.is(isValidK8sName(name), valid)
    assert.is(irName(name), ir)
    assert.is(suggestK8sName(name), suggestion)
  })
}

k8s('param names are identifiers', () => {
  assert.ok(isValidParamName('startYear'))
  assert.ok(isValidParamName('_x1'))
  assert.not.ok(isValidParamName('start-year'))
  assert.not.ok(isValidParamName('1st'))
})

const dym = suite('didYouMean')

dym('finds typos, swapped letters and case/separator differences; ignores unrelated names', () => {
  const keys = ['name', 'description', 'registry', 'params', 'steps', 'targets', 'defaultTarget']
  assert.is(didYouMean('stpes', keys), 'steps')
  assert.is(didYouMean('step', keys), 'steps')
  assert.is(didYouMean('default_target', keys), 'defaultTarget')
  assert.is(didYouMean('preproces', ['preprocess', 'hypertrain']), 'preprocess')
  assert.is(didYouMean('zzz', keys), undefined)
  assert.is(didYouMean('x', []), undefined)
})

const lists = suite('nameList')
lists('names for a hint: all of a few, the first 30 of many and how many more', () => {
  assert.is(nameList([]), '')
  assert.is(nameList(['a', 'b']), 'a, b')
  const many = Array.from({length: 20_000}, (_, i) => `p${i}`)
  assert.is(nameList(many.slice(0, 30)), many.slice(0, 30).join(', '))
  assert.is(nameList(many), `${many.slice(0, 30).join(', ')} and 19970 more`)
  assert.is(nameList(many, 2), 'p0, p1 and 19998 more')
})

k8s.run()
lists.run()
dym.run()
