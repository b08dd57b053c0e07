// Steps are named by the label users see in `kfp runs get` (`trial[0]`) in every command, local and server, and group
// records (exit handler, loop, iterations, condition) are not shown as steps (issue 12 items 3, 11, 12, 13):
// kfp runs get (group outputs, metrics), kfp runs compare, kfp artifacts list, kfp logs RUN N over a loop's iterations.
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp, type FakeKfpServer} from '../helpers/kfp-server.js'
import {tmpdir} from '../helpers/tmp.js'

const L = suite('step labels, local (the tuning example) and on a KFP server')
let tmp: {dir: string; cleanup: () => Promise<void>}
let project: string
let server: FakeKfpServer
let serverRun: string
L.before(async () => {
  tmp = await tmpdir('kfp-labels-')
  project = path.join(tmp.dir, 'sweep')
  const init = await runCli(['init', project, '--example', 'tuning', '-y'], {cwd: tmp.dir})
  assert.is(init.code, 0, init.stderr)
  const run = await runCli(['run', '--runner', 'process', '--name', 'sweep1'], {cwd: project})
  assert.is(run.code, 0, run.stderr)
  server = await startFakeKfp()
  const {spec} = parseCompiledPipeline(await readFile(path.join(repoRoot, 'test/fixtures/ir/pipeline_with_loops.yaml'), 'utf8'), 'p.yaml')
  serverRun = (await createKfpApi({endpoint: server.url}).createRun({display_name: 'loops', pipeline_spec: spec})).run_id!
  server.setRunState(serverRun, 'SUCCEEDED', [
    {display_name: 'args-generator-op', state: 'SUCCEEDED', outputs: {Output: [{A_a: '1', B_b: '2'}, {A_a: '10', B_b: '20'}]}, log: 'gen\n'},
    {display_name: 'for-loop-1[0]/print-text', state: 'SUCCEEDED', log: 'first\n'},
    {display_name: 'for-loop-1[1]/print-text', state: 'SUCCEEDED', log: 'second\n'},
  ])
})
L.after(async () => {
  assert.equal(server.violations, [])
  await server.close()
  await tmp.cleanup()
})
const remoteEnv = () => ({KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg'), KFP_ENDPOINT: server.url, HOME: tmp.dir, KUBECONFIG: path.join(tmp.dir, 'no-kubeconfig')})

L('runs get: a loop shows its collected output as trial.rmse (not pipelinechannel--…); the metrics table names trial[0]', async () => {
  const r = await runCli(['runs', 'get', 'sweep1'], {cwd: project})
  assert.is(r.code, 0, r.stderr)
  assert.not.match(r.stdout, 'pipelinechannel--')
  assert.match(r.stdout, /\n\t  for-loop-2\tsucceeded\t[^\t]*\ttrial\.rmse=\[[\d.,]+\]\n/)
  assert.match(r.stdout, /\n\t    for-loop-2\[0\]\tsucceeded\t[^\t]*\t\n/, 'an iteration repeats nothing its steps show')
  const metrics = r.stdout.split('Metrics:\n')[1].trim().split('\n').map((l) => l.split('\t')[0])
  assert.equal([...new Set(metrics.slice(1))], ['2. trial[0]', '2. trial[1]', '2. trial[2]', '2. trial[3]', '4. train-final'])
  const js = await runCli(['runs', 'get', 'sweep1', '--json'], {cwd: project})
  assert.equal(js.json.result.metrics[0].step, 'trial[0]')
  assert.equal(js.json.result.metrics[0].task, 'exit-handler-1/for-loop-2[0]/trial')
})

L('a false condition reads with the names users know (pick-best.best_rmse, maxRmse), in runs get and --dry-run', async () => {
  const low = await runCli(['run', '--runner', 'process', '--name', 'strict', '--param', 'maxRmse=0.1'], {cwd: project})
  assert.is(low.code, 0, low.stderr)
  const get = await runCli(['runs', 'get', 'strict'], {cwd: project})
  assert.match(get.stdout, /\t *condition-3\tskipped\t\tcondition false: pick-best\.best_rmse < maxRmse \(with pick-best\.best_rmse=[\d.]+, maxRmse=0\.1\)\n/)
  assert.not.match(get.stdout, 'pipelinechannel--')
  const plan = await runCli(['run', '--runner', 'process', '--dry-run', '--param', 'maxRmse=0.1'], {cwd: project})
  assert.is(plan.code, 0, plan.stderr)
  assert.not.match(plan.stdout, 'pipelinechannel--')
  assert.match(plan.stdout, 'pick-best.best_rmse < maxRmse')
})

L('runs compare (local): steps by label, no group records', async () => {
  const r = await runCli(['runs', 'compare', 'sweep1', 'sweep1', '--json'], {cwd: project})
  assert.is(r.code, 0, r.stderr)
  const steps = [...new Set(r.json.result.steps.map((s: {field: string}) => s.field.split(/ status| duration| > /)[0]))]
  assert.equal(steps, ['make-data', 'trial[0]', 'trial[1]', 'trial[2]', 'trial[3]', 'pick-best', 'train-final', 'deploy', 'summary'])
  assert.ok(r.json.result.metrics.some((m: {field: string}) => m.field === 'trial[3] > metrics > rmse'))
  const table = await runCli(['runs', 'compare', 'sweep1', 'sweep1'], {cwd: project})
  assert.not.match(table.stdout, /exit-handler-1|for-loop-2|condition-3|pipelinechannel/)
})

L('runs compare (server): steps by label, as kfp runs get shows them', async () => {
  const r = await runCli(['runs', 'compare', serverRun, serverRun, '--json'], {cwd: tmp.dir, env: remoteEnv()})
  assert.is(r.code, 0, r.stderr)
  const steps = [...new Set(r.json.result.steps.map((s: {field: string}) => s.field.split(/ status| duration| > /)[0]))]
  assert.ok(steps.includes('print-text[0]') && steps.includes('print-text[1]'), String(steps))
  assert.not.ok(steps.some((s) => String(s).includes('/')), String(steps))
})

L('artifacts list (local): steps by label, groups left out; a label selects one iteration', async () => {
  const r = await runCli(['artifacts', 'list', 'sweep1'], {cwd: project})
  assert.is(r.code, 0, r.stderr)
  const steps = [...new Set(r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[0]))]
  assert.equal(steps, ['1. make-data', '2. trial[0]', '2. trial[1]', '2. trial[2]', '2. trial[3]', '3. pick-best', '4. train-final', '5. deploy', '6. summary'])
  const one = await runCli(['artifacts', 'list', 'sweep1', 'trial[1]', '--json'], {cwd: project})
  assert.is(one.code, 0, one.stderr)
  assert.equal(one.json.result.artifacts.map((a: {step: string; name: string}) => `${a.step}.${a.name}`), ['trial[1].model', 'trial[1].metrics'])
  const bad = await runCli(['artifacts', 'list', 'sweep1', 'nope'], {cwd: project})
  assert.is(bad.code, 2)
  assert.match(bad.stderr, 'Steps: 1. make-data, 2. trial[0], 2. trial[1]')
  assert.not.match(bad.stderr, 'exit-handler-1')
})

L('logs RUN N of a loop step: each line carries its iteration; one iteration or one step prints bare lines', async () => {
  const all = await runCli(['logs', 'sweep1', '2'], {cwd: project})
  assert.is(all.code, 0, all.stderr)
  const lines = all.stdout.trim().split('\n')
  assert.ok(lines.length >= 4, all.stdout)
  assert.ok(lines.every((l) => /^\[trial\[[0-3]\]\] /.test(l)), all.stdout)
  assert.equal([...new Set(lines.map((l) => l.slice(0, l.indexOf('] ') + 1)))], ['[trial[0]]', '[trial[1]]', '[trial[2]]', '[trial[3]]'])
  const one = await runCli(['logs', 'sweep1', 'trial[1]'], {cwd: project})
  assert.is(one.code, 0, one.stderr)
  assert.not.match(one.stdout, /^\[/m)
  const step = await runCli(['logs', 'sweep1', 'pick-best'], {cwd: project})
  assert.not.match(step.stdout, /^\[/m)
})

L('logs RUN N of a loop step on a server: each line carries its iteration', async () => {
  const all = await runCli(['logs', serverRun, '2'], {cwd: tmp.dir, env: remoteEnv()})
  assert.is(all.code, 0, all.stderr)
  assert.equal(all.stdout.trim().split('\n'), ['[print-text[0]] first', '[print-text[1]] second'])
  const one = await runCli(['logs', serverRun, 'print-text[1]'], {cwd: tmp.dir, env: remoteEnv()})
  assert.is(one.code, 0, one.stderr)
  assert.equal(one.stdout.trim(), 'second')
})

L.run()
