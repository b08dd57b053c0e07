import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {resolveSelfReferences} from '../../../src/core/engine/self-references.js'

const S = suite('resolveSelfReferences (kfp.local resolve_self_references_in_executor_input)')

const ref = (n: string) => `{{$.inputs.parameters['${n}']}}`

const cases: Array<[string, Record<string, any>, Record<string, any>]> = [
  ['a string reference', {msg: `pre-${ref('pipelinechannel--message')}`, 'pipelinechannel--message': 'hi'}, {msg: 'pre-hi'}],
  ['two references, one a number', {msg: `${ref('pipelinechannel--a')}-${ref('pipelinechannel--n')}`, 'pipelinechannel--a': 'x', 'pipelinechannel--n': 3}, {msg: 'x-3'}],
  ['a list as JSON', {msg: `items=${ref('pipelinechannel--l')}`, 'pipelinechannel--l': [1, 'b']}, {msg: 'items=[1,"b"]'}],
  ['a reference to nothing stays', {msg: `x${ref('pipelinechannel--gone')}`}, {msg: `x${ref('pipelinechannel--gone')}`}],
  ['one pass: a value that itself holds a placeholder is not expanded again', {msg: ref('pipelinechannel--a'), 'pipelinechannel--a': ref('pipelinechannel--b'), 'pipelinechannel--b': 'deep'}, {msg: ref('pipelinechannel--b')}],
  ['not strings are left alone', {n: 4, s: 'plain'}, {n: 4, s: 'plain'}],
]
for (const [name, input, expected] of cases) {
  S(name, () => {
    const out = resolveSelfReferences(input)
    for (const [k, v] of Object.entries(expected)) assert.equal(out[k], v)
  })
}

S.run()
