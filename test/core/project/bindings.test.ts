import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {describeBinding, parseBinding} from '../../../src/core/project/bindings.js'

const b = suite('parseBinding')

const good: Array<[unknown, unknown, string]> = [
  ['mlp', {kind: 'literal', value: 'mlp'}, '"mlp"'],
  [3, {kind: 'literal', value: 3}, '3'],
  [true, {kind: 'literal', value: true}, 'true'],
  [[1, 2], {kind: 'literal', value: [1, 2]}, '[1,2]'],
  ['${{ params.bucket }}', {kind: 'param', param: 'bucket'}, 'params.bucket'],
  ['${{params.bucket}}', {kind: 'param', param: 'bucket'}, 'params.bucket'],
  ['${{ steps.preprocess.outputs.bucket }}', {kind: 'output', step: 'preprocess', output: 'bucket'}, 'preprocess.bucket'],
  [
    'gs://${{ params.bucket }}/m/${{ steps.train.outputs.dir }}',
    {kind: 'template', parts: [{text: 'gs://'}, {param: 'bucket'}, {text: '/m/'}, {step: 'train', output: 'dir'}]},
    '"gs://{params.bucket}/m/{train.dir}"',
  ],
]
for (const [input, binding, shown] of good) {
  b(`${JSON.stringify(input)}`, () => {
    const r = parseBinding(input)
    assert.equal(r.errors, [])
    assert.equal(r.binding, binding)
    assert.is(describeBinding(r.binding!), shown)
  })
}

const bad: Array<[unknown, string]> = [
  ['${{ param.x }}', "'param.x' is not a reference — did you mean 'params.x'?"],
  ['${{ steps.a.output.b }}', "'steps.a.output.b' is not a reference — write steps.a.outputs.b"],
  ['${{ foo }}', "'foo' is not a reference"],
  ['${{ params.x', "unclosed '${{' in '${{ params.x'"],
  [['${{ params.x }}'], 'references are only allowed in text values, not inside lists or mappings'],
]
for (const [input, message] of bad) {
  b(`${JSON.stringify(input)} is rejected`, () => {
    const r = parseBinding(input)
    assert.is(r.binding, undefined)
    assert.is(r.errors[0].message, message)
    assert.match(r.errors[0].hint, /\$\{\{/)
  })
}

b.run()
