/**
 * kfp.yaml control flow: groups, forEach/parallelism, when, finally, items, collected outputs, imports, run.status.
 * Every mistake the issue lists is a located error with a fix; valid projects load into the tree the compiler uses.
 */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parseWhen} from '../../../src/core/project/when.js'
import type {ProjectIssue} from '../../../src/core/project/types.js'
import {CONTROL_COMPONENTS} from '../compile/control-helpers.js'
import {parse, posOf, summary, where} from './helpers.js'

const COMPONENTS = CONTROL_COMPONENTS

function load(steps: string, params = 'params:\n  rates: {type: list, default: [0.01, 0.1]}\n  maxRmse: 1.2\n  flag: true\n  bucket: b\n') {
  const text = `name: p\n${params}steps:\n${steps}`
  return {text, ...parse(text, COMPONENTS)}
}

/** Exactly one issue containing `message`, at the position of `needle` in the text (its `nth` occurrence). */
function expectOne(r: {text: string; issues: ProjectIssue[]}, message: string, needle: string, hint?: RegExp) {
  const found = r.issues.filter((i) => i.message.includes(message))
  assert.is(found.length, 1, `expected one issue "${message}", got:\n${summary(r.issues)}`)
  assert.is(where(found[0]), posOf(r.text, needle), `position of "${message}"`)
  assert.ok(found[0].hint && found[0].hint.length > 0, 'every issue has a fix')
  if (hint) assert.match(found[0].hint ?? '', hint)
}

const valid = suite('control flow: valid projects')

valid('the issue example loads: numbers run depth-first through groups, items, collected outputs, finally', () => {
  const r = load(`  - name: prep
  - name: train
    forEach: \${{ params.rates }}
    parallelism: 2
    inputs: {rate: "\${{ item }}", data: "\${{ steps.prep.outputs.train }}"}
  - {name: pick, inputs: {rmses: "\${{ steps.train.outputs.rmse }}"}}
  - name: deploy
    when: \${{ steps.pick.outputs.best }} < \${{ params.maxRmse }}
    inputs: {model: {import: "gs://\${{ params.bucket }}/model", type: Model}}
  - name: notify
    finally: true
    inputs: {status: "\${{ run.status }}", note: done}
  - group: evaluate
    when: \${{ params.flag }} == true
    steps:
      - {name: score, component: echo, inputs: {msg: "\${{ steps.pick.outputs.name }}"}}
      - {name: report, component: echo, inputs: {msg: x}}
`)
  assert.equal(r.issues, [], summary(r.issues))
  const p = r.project!
  assert.equal(p.steps.map((s) => `${s.number} ${s.name}`), ['1 prep', '2 train', '3 pick', '4 deploy', '5 notify', '6 score', '7 report'])
  assert.equal(p.nodes, [{step: 'prep'}, {step: 'train'}, {step: 'pick'}, {step: 'deploy'}, {step: 'notify'}, {group: 'evaluate'}])
  assert.equal(p.groups!.evaluate.children, [{step: 'score'}, {step: 'report'}])
  assert.is(p.steps[5].parent, 'evaluate')
  assert.equal(p.steps[1].loop, {items: {kind: 'param', param: 'rates'}, parallelism: 2})
  assert.is(p.steps[4].final, true)
  assert.equal(p.steps[3].inputs.model, {kind: 'import', uri: {kind: 'template', parts: [{text: 'gs://'}, {param: 'bucket'}, {text: '/model'}]}, type: 'Model', reimport: false})
})

valid('when: parses comparisons, and/or/not and parentheses with the usual precedence', () => {
  const w = parseWhen("not ${{ params.a }} == 1 or ${{ params.b }} > 2.5 and (${{ item.x }} != 'y')")
  assert.ok('expr' in w)
  assert.equal(w.expr, {
    op: 'or',
    left: {op: 'not', arg: {op: 'cmp', cmp: '==', left: {kind: 'param', param: 'a'}, right: {kind: 'literal', value: 1, text: '1'}}},
    right: {
      op: 'and',
      left: {op: 'cmp', cmp: '>', left: {kind: 'param', param: 'b'}, right: {kind: 'literal', value: 2.5, text: '2.5'}},
      right: {op: 'cmp', cmp: '!=', left: {kind: 'item', field: 'x'}, right: {kind: 'literal', value: 'y', text: 'y'}},
    },
  })
})

const bad = suite('control flow: every mistake is a located error with a fix')

bad('${{ item }} outside a loop', () => {
  const r = load(`  - {name: prep}\n  - name: train\n    inputs: {rate: "\${{ item }}", data: "\${{ steps.prep.outputs.train }}"}\n`)
  expectOne(r, "input 'rate': ${{ item }} is only defined inside a forEach: loop", '"${{ item }}"', /forEach/)
})

bad('finally: twice', () => {
  const r = load(`  - {name: a, component: echo, inputs: {msg: x}, finally: true}\n  - {name: b, component: echo, inputs: {msg: y}, finally: true}\n  - {name: c, component: echo, inputs: {msg: z}}\n`)
  expectOne(r, "step 'b': finally: true is already set on step 'a'", 'finally: true}\n  - {name: c', /one exit handler/)
})

bad('finally: inside a group', () => {
  const r = load(`  - group: g\n    steps:\n      - {name: a, component: echo, inputs: {msg: x}, finally: true}\n  - {name: c, component: echo, inputs: {msg: z}}\n`)
  expectOne(r, 'finally: true is only allowed at the top level', 'finally: true', /top level/)
})

bad('a condition comparing a Dataset', () => {
  const r = load(`  - {name: prep}\n  - name: deploy\n    when: \${{ steps.prep.outputs.train }} == 'x'\n    inputs: {model: {import: gs://b/m, type: Model}}\n`)
  expectOne(r, "output 'train' of step 'prep' is an artifact; conditions compare only text, numbers and booleans", "${{ steps.prep.outputs.train }} == 'x'", /parameter output/)
})

bad('a condition comparing text with a number (a type error at validate, not the SDK cast)', () => {
  const r = load(`  - {name: prep}\n  - name: echo\n    when: \${{ steps.prep.outputs.label }} > 3\n    inputs: {msg: x}\n`)
  expectOne(r, "output 'label' of step 'prep' is a string but 3 is an integer", '${{ steps.prep.outputs.label }} > 3', /quote text/)
})

bad('forEach over a non-list', () => {
  const r = load(`  - {name: prep}\n  - name: echo\n    forEach: \${{ params.maxRmse }}\n    inputs: {msg: "\${{ item }}"}\n`)
  expectOne(r, "forEach: over param 'maxRmse', which is a float, not a list", '${{ params.maxRmse }}\n', /type: list/)
  const r2 = load(`  - {name: prep}\n  - name: echo\n    forEach: \${{ steps.prep.outputs.rows }}\n    inputs: {msg: "\${{ item }}"}\n`)
  expectOne(r2, "forEach: over output 'rows' of step 'prep', which is an integer, not a list", '${{ steps.prep.outputs.rows }}', /JsonArray/)
  const r3 = load(`  - name: echo\n    forEach: {a: 1}\n    inputs: {msg: "\${{ item }}"}\n`)
  assert.ok(r3.issues.some((i) => i.message.includes('forEach')), summary(r3.issues))
})

bad('a collected output used inside its own loop', () => {
  const r = load(`  - group: sweep
    forEach: \${{ steps.pick.outputs.name }}
    steps:
      - {name: prep}
      - {name: pick, inputs: {rmses: "\${{ steps.prep.outputs.lrs }}"}}
`)
  expectOne(r, "forEach: uses step 'pick', which runs inside this loop (a collected output used inside its own loop)", '${{ steps.pick.outputs.name }}', /before the loop/)
})

bad('a collected output where a single value is expected, and collected artifacts', () => {
  const r = load(`  - {name: prep}
  - name: train
    forEach: [0.1, 0.2]
    inputs: {rate: "\${{ item }}", data: "\${{ steps.prep.outputs.train }}"}
  - {name: deploy, inputs: {model: "\${{ steps.train.outputs.model }}"}}
  - {name: echo, inputs: {msg: "\${{ steps.train.outputs.rmse }}"}}
`)
  expectOne(r, "output 'model' of step 'train' is an artifact made in a forEach: loop; collecting artifacts from a loop is not supported", '"${{ steps.train.outputs.model }}"', /parameter output/)
  // A collected list into a String input is its JSON text (anything feeds a string), so only the artifact is an error.
  assert.is(r.issues.length, 1, summary(r.issues))
})

bad('an output of a step inside a condition, used outside it', () => {
  const r = load(`  - {name: prep}
  - name: train
    when: \${{ params.flag }}
    inputs: {rate: 0.1, data: "\${{ steps.prep.outputs.train }}"}
  - {name: deploy, inputs: {model: "\${{ steps.train.outputs.model }}"}}
`)
  expectOne(r, "step 'train' runs inside the when: condition of step 'train', so its outputs may not exist here", '"${{ steps.train.outputs.model }}"', /same group/)
})

bad('${{ run.status }} outside the finally step, and into an input of another type', () => {
  const r = load(`  - {name: a, component: echo, inputs: {msg: "\${{ run.status }}"}}\n`)
  expectOne(r, "${{ run.status }} is only defined in the finally: step", '"${{ run.status }}"', /finally: true/)
  const r2 = load(`  - {name: a, component: echo, finally: true, inputs: {msg: "\${{ run.status }}"}}\n  - {name: b, component: echo, inputs: {msg: x}}\n`)
  expectOne(r2, "needs an input declared type: PipelineTaskFinalStatus", '"${{ run.status }}"', /PipelineTaskFinalStatus/)
})

bad('the finally step cannot wait for other steps', () => {
  const r = load(`  - {name: prep}\n  - {name: notify, finally: true, inputs: {status: "\${{ run.status }}", note: "\${{ steps.prep.outputs.label }}"}}\n`)
  expectOne(r, "the finally: part cannot wait for step 'prep'", '"${{ steps.prep.outputs.label }}"', /exit_task cannot depend/)
})

bad('parallelism without forEach; when: syntax errors point into the expression', () => {
  const r = load(`  - {name: a, component: echo, inputs: {msg: x}, parallelism: 2}\n`)
  expectOne(r, 'parallelism: without forEach:', 'parallelism', /forEach/)
  const r2 = load(`  - name: a\n    component: echo\n    when: \${{ params.maxRmse }} = 2\n    inputs: {msg: x}\n`)
  expectOne(r2, "when: '=' is not a comparison: write '=='", '= 2', /comparisons/)
  const r3 = load(`  - name: a\n    component: echo\n    when: \${{ params.maxRmse }} < big\n    inputs: {msg: x}\n`)
  expectOne(r3, "'big' is not a reference", 'big', /Quote text/)
})

bad('import only into an artifact input, of the same type', () => {
  const r = load(`  - name: echo\n    inputs: {msg: {import: gs://b/x, type: Dataset}}\n`)
  expectOne(r, "only an artifact input can import an artifact", '{import: gs://b/x', /artifact type/)
  const r2 = load(`  - name: deploy\n    inputs: {model: {import: gs://b/x, type: Dataset}}\n`)
  expectOne(r2, "input 'model' is a Model, but the import says type Dataset", '{import: gs://b/x', /type: Model/)
})

bad('a group named like a step, a group without steps, item fields the items do not have', () => {
  const r = load(`  - group: echo\n    steps:\n      - {name: echo, inputs: {msg: x}}\n  - group: empty\n    steps: []\n`)
  expectOne(r, "group 'echo' has the name of a step", 'echo\n    steps', /rename/)
  expectOne(r, "group 'empty' has no steps", 'empty\n', /steps:/)
  const r2 = load(`  - name: echo\n    forEach: [{lr: 0.1}, {depth: 2}]\n    inputs: {msg: "\${{ item.lr }}"}\n`)
  expectOne(r2, "item 2 of the loop of 'echo' has no field 'lr'", '"${{ item.lr }}"', /Fields: lr, depth/)
})

bad('unknown keys in a group are schema errors with a did-you-mean', () => {
  const r = load(`  - group: g\n    wen: \${{ params.flag }}\n    steps:\n      - {name: echo, inputs: {msg: x}}\n`)
  const found = r.issues.filter((i) => i.message.includes("unknown key 'wen'"))
  assert.is(found.length, 1, summary(r.issues))
  assert.match(found[0].message, /did you mean 'when'/)
})

valid.run()
bad.run()
