// The local engine on SDK-compiled pipelines with control flow (test/fixtures/ir/sdk: the SDK's DAGs byte for
// byte, Python executors rewritten to busybox sh): conditions, If/Elif/Else with dsl.OneOf, nested pipelines,
// loops (items from a parameter, an upstream output, raw struct items with selectors), nested loops,
// dsl.Collected, exit handlers with PipelineTaskFinalStatus, ignore_upstream_failure. The built CLI with the
// process runner; assertions on what `kfp run`, `kfp runs get` and `kfp logs` print and on the run record.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {repoRoot, runCli} from '../helpers/cli.js'
import {tmpdir} from '../helpers/tmp.js'

const SDK = path.join(repoRoot, 'test', 'fixtures', 'ir', 'sdk')
const fx = (name: string) => path.join(SDK, `${name}.yaml`)

let tmp: {dir: string; cleanup: () => Promise<void>}
const run = (args: string[], env: Record<string, string> = {}) => runCli(['run', '--runner', 'process', '--no-cache', ...args], {cwd: tmp.dir, env})
const cli = (args: string[]) => runCli(args, {cwd: tmp.dir})

/** The record of the run `kfp run` printed ("Run NAME (ID): …"). */
function recordOf(r: {stderr: string}): any {
  const id = /^Run \S+ \(([^)]+)\)/m.exec(r.stderr)![1]
  return JSON.parse(readFileSync(path.join(tmp.dir, '.kfp', 'runs', id, 'run.json'), 'utf8'))
}
const statusOf = (rec: any) => Object.fromEntries(rec.tasks.map((t: any) => [t.name, t.status]))
/** The `kfp runs get` table rows as [#, step (indented label), status, …]. */
const rows = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.includes('\t'))
    .slice(1)
    .map((l) => l.split('\t'))

const C = suite('local engine: conditions and nested pipelines (process runner)')
C.before.each(async () => {
  tmp = await tmpdir()
})
C.after.each(async () => {
  await tmp.cleanup()
})

C('dsl.Condition: the branch runs when true; when false the group is skipped with the condition and the value it saw', async () => {
  // When the coin says heads
  const heads = await run(['--local', fx('pipeline_with_condition')], {TEST_COIN: 'heads'})
  assert.is(heads.code, 0, heads.stderr)
  assert.match(heads.stderr, '[print-op-3] condition test')
  // Then the group and its steps ran
  assert.equal(statusOf(recordOf(heads)), {
    'flip-coin-op': 'succeeded',
    'condition-1': 'succeeded',
    'print-op': 'succeeded',
    'condition-1/flip-coin-op-2': 'succeeded',
    'condition-1/print-op-2': 'succeeded',
    'condition-1/print-op-3': 'succeeded',
  })
  // When it says tails
  const tails = await run(['--local', fx('pipeline_with_condition')], {TEST_COIN: 'tails'})
  assert.is(tails.code, 0, tails.stderr)
  const rec = recordOf(tails)
  assert.equal(statusOf(rec), {'flip-coin-op': 'succeeded', 'condition-1': 'skipped', 'print-op': 'succeeded'})
  const cond = rec.tasks.find((t: any) => t.name === 'condition-1')
  assert.equal(cond.condition, {expression: "inputs.parameter_values['pipelinechannel--flip-coin-op-Output'] == 'heads'", values: {'pipelinechannel--flip-coin-op-Output': 'tails'}, result: false})
  // And kfp runs get shows the skip with the condition and the value
  const got = await cli(['runs', 'get', 'latest'])
  assert.is(got.code, 0, got.stderr)
  const row = rows(got.stdout).find((r) => r[1] === 'condition-1')!
  assert.equal(row.slice(0, 3), ['', 'condition-1', 'skipped'])
  assert.match(row[4], `condition false: flip-coin-op.Output == 'heads' (with flip-coin-op.Output="tails")`)
})

C('nested pipelines, If/Else and dsl.OneOf: the DAG outputs come from the branch that ran, through three levels', async () => {
  for (const [coin, text] of [
    ['heads', 'Got heads!'],
    ['tails', 'Got tails!'],
  ]) {
    const r = await run(['--local', fx('parameter_oneof')], {TEST_COIN: coin})
    assert.is(r.code, 0, r.stderr)
    // crust-comp (root) receives mantle's output, which is core's OneOf output
    assert.match(r.stderr, `[crust-comp] input : ${text}`)
    const rec = recordOf(r)
    assert.equal(rec.tasks.find((t: any) => t.name === 'mantle').outputs.parameters, {Output: text})
    assert.is(statusOf(rec)[`mantle/core/condition-branches-1/${coin === 'heads' ? 'condition-3' : 'condition-2'}`], 'skipped')
  }
  // And runs get shows the tree, indented, groups without a number
  const got = await cli(['runs', 'get', 'latest'])
  assert.equal(
    rows(got.stdout).map((r) => `${r[0]}|${r[1]}|${r[2]}`),
    ['|mantle|succeeded', '|  core|succeeded', '1|    flip-coin|succeeded', '|    condition-branches-1|succeeded', '|      condition-2|skipped', '|      condition-3|succeeded', '3|        core-output-comp|succeeded', '4|crust-comp|succeeded'],
  )
})

C('If/Elif/Else chains: exactly one branch runs and the outer pipeline prints its OneOf value', async () => {
  for (const [coin, text] of [
    ['heads', 'Got heads!'],
    ['tails', 'Got tails!'],
    ['draw', 'Draw!'],
  ]) {
    const r = await run(['--local', fx('if_elif_else_with_oneof_parameters')], {TEST_COIN: coin})
    assert.is(r.code, 0, r.stderr)
    const rec = recordOf(r)
    const ran = ['condition-2', 'condition-3', 'condition-4'].filter((c) => statusOf(rec)[`roll-die-pipeline/condition-branches-1/${c}`] === 'succeeded')
    assert.is(ran.length, 1, `${coin}: ${ran}`)
    assert.equal(rec.tasks.find((t: any) => t.name === 'print-and-return').outputs.parameters, {Output: text})
  }
})

C('if_elif_else_complex: nested If/Elif/Else inside a loop, int() conditions, OneOf per iteration, Collected ints', async () => {
  // [number the random component returns, the branch steps that print in each of the 3 iterations, their text]
  const cases: Array<[string, string[], string]> = [
    ['4242', ['print-and-return-2', 'print-and-return-4'], 'Got a low even number!'],
    ['4243', ['print-and-return-3', 'print-and-return-4'], 'Got a low odd number!'],
    ['7001', ['print-and-return-6', 'print-and-return-7'], 'Got a high odd number!'],
  ]
  for (const [n, steps, text] of cases) {
    const r = await run(['--local', fx('if_elif_else_complex')], {TEST_NUMBER: n})
    assert.is(r.code, 0, r.stderr)
    const printed = [...r.stderr.matchAll(/^\[(print-and-return[-\d]*)\[(\d)\]\] (.*)$/gm)].filter((m) => m[3] !== 'Adding drumroll on last trial!')
    assert.equal([...new Set(printed.map((m) => m[1]))].sort(), steps, n)
    assert.ok(printed.every((m) => m[3] === text), n)
    assert.is(printed.length, 6, n)
    // The drumroll only on the last trial (trial == 3), and the collected ints
    assert.equal([...r.stderr.matchAll(/^\[print-and-return\[(\d)\]\] Adding drumroll/gm)].map((m) => m[1]), ['2'], n)
    assert.match(r.stderr, `[print-ints] [${n},${n},${n}]`)
  }
  // 5000: the Else branch, with a loop inside it
  const lucky = await run(['--local', fx('if_elif_else_complex')], {TEST_NUMBER: '5000'})
  assert.is([...lucky.stderr.matchAll(/^\[print-and-return-9\[\d\]\[\d\]\] Announcing again/gm)].length, 6)
})

C('nested pipelines pass their defaults to optional component inputs (ir-golden nested_pipeline_opt_inputs_parent_level)', async () => {
  const r = await run(['--local', fx('nested_pipeline_opt_inputs_parent_level_compiled')])
  assert.is(r.code, 0, r.stderr)
  for (const line of ['[component-nil-str-default] componentInput: Input - parent pipeline', '[component-int-default] componentInput: 1', '[component-nil-bool-default] componentInput: true'])
    assert.match(r.stderr, line)
})

const L = suite('local engine: loops (process runner)')
L.before.each(async () => {
  tmp = await tmpdir()
})
L.after.each(async () => {
  await tmp.cleanup()
})

L('ParallelFor over a pipeline parameter, an upstream output and raw struct items; iterations named print-text[0] in events, runs get and logs', async () => {
  const r = await run(['--local', fx('pipeline_with_loops'), '--param', 'loop_parameter=["x","y","z"]'])
  assert.is(r.code, 0, r.stderr)
  // Events carry the iteration's label
  assert.match(r.stderr, '[print-text[2]] z')
  assert.match(r.stderr, '✔ 2. print-text[1] succeeded')
  // Struct fields through parameterExpressionSelector
  assert.match(r.stderr, '[print-text-2[1]] 10')
  assert.match(r.stderr, '[print-text-5[0]] 2')
  const rec = recordOf(r)
  assert.is(rec.tasks.find((t: any) => t.name === 'for-loop-1').iterations, 3)
  assert.is(statusOf(rec)['for-loop-2[1]/print-text-3'], 'succeeded')
  // kfp logs by label and by record key
  const one = await cli(['logs', 'latest', 'print-text[1]'])
  assert.is(one.stdout.trim(), 'y', one.stderr)
  const byKey = await cli(['logs', 'latest', 'for-loop-4[1]/print-text-4'])
  assert.is(byKey.stdout.trim(), '10')
  // kfp runs get: iterations in item order under their loop
  const got = await cli(['runs', 'get', 'latest'])
  const labels = rows(got.stdout).map((x) => x[1].trim())
  assert.equal(labels.slice(0, 9), ['args-generator-op', 'for-loop-1', 'for-loop-1[0]', 'print-text[0]', 'for-loop-1[1]', 'print-text[1]', 'for-loop-1[2]', 'print-text[2]', 'for-loop-2'])
})

L('nested loops: print-op[i][j] for every pair, items from struct fields', async () => {
  const r = await run(['--local', fx('pipeline_with_nested_loops')])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, '[print-op[1][1]] msg: 22, msg2: None')
  assert.match(r.stderr, '[print-op-3[1][2]] msg: 2, msg2: 300')
  const keys = recordOf(r).tasks.map((t: any) => t.name)
  assert.ok(keys.includes('for-loop-4[1]/for-loop-6[2]/print-op-3'), keys.join(' '))
  assert.ok(keys.includes('for-loop-1[1]/for-loop-2[1]/print-op'), keys.join(' '))
})

L('dsl.Collected: the list of every iteration output, in item order, across a nested pipeline', async () => {
  const r = await run(['--local', fx('collected_parameters')])
  assert.is(r.code, 0, r.stderr)
  const rec = recordOf(r)
  assert.equal(rec.tasks.find((t: any) => t.name === 'collecting-parameters').outputs.parameters, {Output: ['model_id_s1', 'model_id_s2', 'model_id_s3']})
  assert.match(r.stderr, '[consume-ids] Consuming: ["model_id_s1","model_id_s2","model_id_s3"]')
})

L('dsl.Collected artifacts: lists in item order, nested loops flattened, through a nested pipeline output', async () => {
  const r = await run(['--local', fx('collected_artifacts')])
  assert.is(r.code, 0, r.stderr)
  // Inside outer iteration 1, the inner loop's models, in item order
  const inner = [...r.stderr.matchAll(/\[read-models\[1\]\] Model raw data: (.*)/g)].map((m) => m[1])
  assert.equal(inner, ['x-s2', 'y-s2', 'z-s2'])
  // At the root, every model of every iteration of both loops, outer index first
  const all = [...r.stderr.matchAll(/\[read-models\] Model raw data: (.*)/g)].map((m) => m[1])
  assert.equal(all, ['x-s1', 'y-s1', 'z-s1', 'x-s2', 'y-s2', 'z-s2', 'x-s3', 'y-s3', 'z-s3'])
  const rec = recordOf(r)
  assert.is(rec.tasks.find((t: any) => t.name === 'collecting-artifacts').outputs.artifactLists.Output.length, 9)
})

L('artifactIterator: a ParallelFor over a collected artifact list, one iteration per artifact', async () => {
  const r = await run(['--local', fx('pipeline_with_parallelfor_list_artifacts_GH-12033')])
  assert.is(r.code, 0, r.stderr)
  const seen = [0, 1, 2, 3].map((i) => new RegExp(`\\[print-artifact-name\\[${i}\\]\\] \\[(.*)\\]`).exec(r.stderr)?.[1])
  assert.equal(seen, ['Hello', ',', ' ', 'world!'])
})

L('a loop over an empty list runs no iteration and succeeds; its collected outputs are empty', async () => {
  const r = await run(['--local', fx('pipeline_with_loops'), '--param', 'loop_parameter=[]'])
  assert.is(r.code, 0, r.stderr)
  const loop = recordOf(r).tasks.find((t: any) => t.name === 'for-loop-1')
  assert.is(loop.status, 'succeeded')
  assert.is(loop.iterations, 0)
  assert.not.ok(recordOf(r).tasks.some((t: any) => t.name.startsWith('for-loop-1[')))
})

const E = suite('local engine: exit handlers (process runner)')
E.before.each(async () => {
  tmp = await tmpdir()
})
E.after.each(async () => {
  await tmp.cleanup()
})

E('dsl.ExitHandler: the exit task runs after the body failed and gets PipelineTaskFinalStatus; the run stays failed', async () => {
  const r = await run(['--local', fx('pipeline_with_task_final_status')])
  assert.is(r.code, 7, r.stderr)
  const status = /\[exit-op\] status: (.*)/.exec(r.stderr)![1]
  const rec = recordOf(r)
  assert.equal(JSON.parse(status), {state: 'FAILED', pipelineJobResourceName: `${rec.pipelineName}-${rec.id}`, pipelineTaskName: 'exit-handler-1', error: {code: 1, message: 'Task exit-handler-1 failed.'}})
  assert.is(rec.status, 'failed')
  assert.equal(statusOf(rec), {'exit-handler-1': 'failed', 'exit-op': 'succeeded', 'exit-handler-1/fail-op': 'failed', 'exit-handler-1/print-op': 'succeeded'})
  assert.match(r.stderr, 'step 1 (fail-op) exited with code 1')
})

E('with the cache on, two runs of the same name each run their exit task: its final status names the run (resolve.go TaskFinalStatus)', async () => {
  const again = () => runCli(['run', '--runner', 'process', '--name', 'same', '--local', fx('pipeline_with_task_final_status')], {cwd: tmp.dir})
  const first = recordOf(await again())
  const second = recordOf(await again())
  assert.is(first.name, second.name)
  assert.is(statusOf(first)['exit-op'], 'succeeded')
  assert.is(statusOf(second)['exit-op'], 'succeeded')
  assert.is(statusOf(second)['exit-handler-1/print-op'], 'cached')
})

E('--fail-fast still runs the exit handler; ignore_upstream_failure uses the input default when the upstream failed', async () => {
  const ff = await run(['--local', fx('pipeline_with_exit_handler'), '--fail-fast'])
  assert.is(ff.code, 7, ff.stderr)
  assert.match(ff.stderr, '[print-op] Exit handler has worked!')
  const ig = await run(['--local', fx('pipeline_with_task_using_ignore_upstream_failure')])
  assert.is(ig.code, 7, ig.stderr)
  assert.match(ig.stderr, '[print-op] default')
  assert.equal(statusOf(recordOf(ig)), {'fail-op': 'failed', 'print-op': 'succeeded'})
})

C.run()
L.run()
E.run()
