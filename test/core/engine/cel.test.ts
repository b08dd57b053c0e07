import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {applySelector, CelError, checkCondition, checkSelector, evaluateCondition} from '../../../src/core/engine/cel.js'
import type {JsonValue} from '../../../src/core/project/types.js'

const C = suite('core/engine cel: conditions the SDK writes')

const pv = (k: string) => `inputs.parameter_values['pipelinechannel--${k}']`

C('evaluates the SDK condition forms (goldens under test_data/sdk_compiled_pipelines) with CEL semantics', () => {
  // [expression, parameter values (JSON as the executor input holds them), expected]
  const cases: Array<[string, Record<string, JsonValue>, boolean]> = [
    [`${pv('flip-coin-op-Output')} == 'heads'`, {'pipelinechannel--flip-coin-op-Output': 'heads'}, true],
    [`${pv('flip-coin-op-Output')} == 'heads'`, {'pipelinechannel--flip-coin-op-Output': 'tails'}, false],
    [`!(${pv('flip-coin-Output')} == 'heads')`, {'pipelinechannel--flip-coin-Output': 'tails'}, true],
    // if_elif_else_complex.yaml condition-9: int() of a number (a double in google.protobuf.Value)
    [`!(int(${pv('x')}) < 5000) && int(${pv('x')}) > 5000`, {'pipelinechannel--x': 7000}, true],
    [`!(int(${pv('x')}) < 5000) && int(${pv('x')}) > 5000`, {'pipelinechannel--x': 5000}, false],
    // int() of a string (an upstream STRING output holding a number)
    [`int(${pv('x')}) == 3`, {'pipelinechannel--x': '3'}, true],
    // int() truncates a double
    [`int(${pv('x')}) == 2`, {'pipelinechannel--x': 2.9}, true],
    // booleans (pipeline_with_condition: `== true`)
    [`${pv('pick_a')} == true`, {'pipelinechannel--pick_a': true}, true],
    [`${pv('pick_a')} == true`, {'pipelinechannel--pick_a': false}, false],
    // numeric literal vs a JSON number: ints and doubles compare by value
    [`${pv('n')} == 1`, {'pipelinechannel--n': 1}, true],
    [`double(${pv('n')}) >= 0.5`, {'pipelinechannel--n': 1}, true],
    // `==` across kinds is false (CEL heterogeneous equality), `!=` true
    [`${pv('s')} == 1`, {'pipelinechannel--s': '1'}, false],
    [`${pv('s')} != 1`, {'pipelinechannel--s': '1'}, true],
    // string comparisons, escapes, double-quoted literals
    [`${pv('s')} < 'b' || ${pv('s')} == "it's"`, {'pipelinechannel--s': "it's"}, true],
    [`${pv('s')} == 'a\\'b'`, {'pipelinechannel--s': "a'b"}, true],
    // && / || absorb an error on the side that does not decide
    [`false && int(${pv('s')}) == 1`, {'pipelinechannel--s': 'x'}, false],
    [`true || ${pv('missing')} == 1`, {}, true],
    // negative numbers and precedence
    [`${pv('n')} > -1 && !(${pv('n')} > 3) || false`, {'pipelinechannel--n': 2}, true],
  ]
  for (const [expr, values, want] of cases) assert.is(evaluateCondition(expr, values).value, want, expr)
})

C('reports the parameter values a condition read (shown for a skipped task)', () => {
  const r = evaluateCondition(`int(${pv('a')}) > 1 && ${pv('b')} == 'x'`, {'pipelinechannel--a': 0, 'pipelinechannel--b': 'y', other: 1})
  assert.equal(r, {value: false, seen: {'pipelinechannel--a': 0, 'pipelinechannel--b': 'y'}})
})

C('fails evaluation clearly: a missing input, a bad conversion, ordering across kinds, a non-bool result', () => {
  const cases: Array<[string, Record<string, JsonValue>, RegExp]> = [
    [`${pv('a')} == 'x'`, {}, /no such key: 'pipelinechannel--a'/],
    [`int(${pv('a')}) == 1`, {'pipelinechannel--a': 'one'}, /int\(\) cannot convert string one/],
    [`${pv('a')} < 1`, {'pipelinechannel--a': 'x'}, /cannot order string and int/],
    [`${pv('a')}`, {'pipelinechannel--a': 'x'}, /not a bool/],
    [`!${pv('a')}`, {'pipelinechannel--a': 'x'}, /! needs a bool/],
  ]
  for (const [expr, values, msg] of cases) assert.throws(() => evaluateCondition(expr, values), (e: Error) => e instanceof CelError && msg.test(e.message), expr)
})

C('refuses up front what is outside the subset, naming why (never eval)', () => {
  const cases: Array<[string, RegExp | undefined]> = [
    [`${pv('a')} == 'x'`, undefined],
    [`int(${pv('a')}) >= 2 || !(${pv('b')} == true)`, undefined],
    [`${pv('a')}.matches('x')`, /expected|unexpected/],
    [`size(${pv('a')}) > 1`, undefined],
    [`${pv('a')} in ['x']`, /unexpected 'in'/],
    [`outputs.parameter_values['x'] == 1`, /refers to 'outputs'/],
    [`process.exit(1)`, /function|refers to 'process'|unexpected/],
    [`${pv('a')} == 'x`, /unterminated string literal/],
    [`${pv('a')} + 1 == 2`, /unexpected character '\+'/],
    [`matches(${pv('a')}, 'x')`, /the function matches\(\) is not supported/],
  ]
  for (const [expr, why] of cases) {
    const got = checkCondition(expr)
    if (why === undefined) assert.is(got, undefined, expr)
    else assert.match(got ?? '', why, expr)
  }
})

const S = suite('core/engine cel: parameterExpressionSelector')

S('reads struct item fields as resolve.go handleParameterExpressionSelector does', () => {
  const cases: Array<[string, JsonValue, JsonValue]> = [
    ['parseJson(string_value)["A_a"]', {A_a: '1', B_b: '2'}, '1'],
    ['parseJson(string_value)["p_a"]', {p_a: [{q_a: '1'}], p_b: 'hello'}, [{q_a: '1'}]],
    // a struct item given as JSON text (an upstream STRING output)
    ['parseJson(string_value)["a"]', '{"a": 3}', 3],
    ['parseJson(string_value)[1]', [5, 6], 6],
    ['string_value', 7, '7'],
  ]
  for (const [expr, v, want] of cases) assert.equal(applySelector(expr, v), want, expr)
  assert.throws(() => applySelector('parseJson(string_value)["nope"]', {a: 1}), /no such key: 'nope'/)
  assert.is(checkSelector('parseJson(string_value)["A_a"]'), undefined)
  assert.match(checkSelector('parseJson(other)["A_a"]') ?? '', /refers to 'other'/)
})

C.run()
S.run()
