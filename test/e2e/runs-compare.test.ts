// kfp runs compare on the built CLI: local runs (process runner) and a run on the fake KFP server, side by side.
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {createKfpApi} from '../../src/clients/kfp-api.js'
import {parseCompiledPipeline} from '../../src/core/remote/spec.js'
import {repoRoot, runCli} from '../helpers/cli.js'
import {startFakeKfp} from '../helpers/kfp-server.js'
import {helloSpec} from '../helpers/remote-ctx.js'
import {tmpdir} from '../helpers/tmp.js'

const metricsIr = path.join(repoRoot, 'test', 'fixtures', 'ir', 'insight', 'metrics.yaml')
let tmp: {dir: string; cleanup: () => Promise<void>}
const C = suite('kfp runs compare')
C.before(async () => {
  tmp = await tmpdir('kfp-compare-')
  for (const [name, lr] of [['slow', '0.25'], ['fast', '0.5']]) {
    const r = await runCli(['run', '--local', metricsIr, '--runner', 'process', '--param', `lr=${lr}`, '--name', name], {cwd: tmp.dir})
    assert.is(r.code, 0, r.stderr)
  }
})
C.after(async () => {
  await tmp.cleanup()
})

/** TSV rows of one section of the output. */
function section(stdout: string, title: string): string[][] {
  const part = stdout.split(`${title}:\n`)[1]
  return part ? part.split('\n\n')[0].split('\n').map((l) => l.split('\t')) : []
}

C('two local runs: parameters, metrics and step outputs side by side, differences marked ≠', async () => {
  const r = await runCli(['runs', 'compare', 'slow', 'fast'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  assert.equal(section(r.stdout, 'Parameters'), [['diff', 'field', 'slow', 'fast'], ['≠', 'lr', '0.25', '0.5']])
  assert.equal(section(r.stdout, 'Metrics'), [
    ['diff', 'field', 'slow', 'fast'],
    ['≠', 'train > metrics > accuracy', '0.75', '0.5'],
    ['≠', 'train > metrics > loss', '0.5', '1'],
    ['', 'train > metrics > optimizer', 'sgd', 'sgd'],
    ['', 'evaluate > scores > f1', '16', '15'].map((v, i) => (i === 0 ? '≠' : v)),
  ])
  const steps = section(r.stdout, 'Steps')
  const byField = Object.fromEntries(steps.slice(1).map((x) => [x[1], x]))
  assert.equal(byField['train status'], ['', 'train status', 'succeeded', 'succeeded'])
  assert.is(byField['train duration'][0], '', 'durations are never marked')
  assert.match(byField['train duration'][2], /ms|s$/)
  assert.is(byField['train > model'][0], '≠')
  assert.match(byField['train > model'][2], /^sha256:[0-9a-f]{12}$/)
  assert.match(r.stderr, /\d+ fields differ\./)
  // --diff keeps only the marked rows
  const diff = await runCli(['runs', 'compare', 'slow', 'fast', '--diff'], {cwd: tmp.dir})
  assert.ok(section(diff.stdout, 'Metrics').slice(1).every((x) => x[0] === '≠'))
  assert.not.match(diff.stdout, 'optimizer')
  // A run compared with itself differs nowhere
  const same = await runCli(['runs', 'compare', 'slow', 'slow'], {cwd: tmp.dir})
  assert.match(same.stderr, 'No differences (besides durations).')
  assert.ok(same.stdout.split('\n').filter((l) => l.startsWith('≠')).length === 0)
})

C('--json: runs, then rows of {field, values, differs} per section', async () => {
  const r = await runCli(['runs', 'compare', 'slow', 'fast', '--json'], {cwd: tmp.dir})
  assert.is(r.code, 0, r.stderr)
  const res = r.json.result
  assert.equal(res.runs.map((x: any) => [x.name, x.status, x.target]), [['slow', 'succeeded', 'local'], ['fast', 'succeeded', 'local']])
  assert.equal(res.parameters, [{field: 'lr', values: ['0.25', '0.5'], differs: true}])
  assert.equal(res.metrics[0], {field: 'train > metrics > accuracy', values: ['0.75', '0.5'], differs: true})
})

C('fewer than two runs, or an unknown one: usage/not-found errors, never 1', async () => {
  const one = await runCli(['runs', 'compare', 'slow'], {cwd: tmp.dir})
  assert.is(one.code, 2)
  assert.match(one.stderr, 'kfp runs compare needs at least two runs.')
  const missing = await runCli(['runs', 'compare', 'slow', 'nope'], {cwd: tmp.dir})
  assert.is(missing.code, 3)
  assert.match(missing.stderr, "No run 'nope'")
})

C('a local run next to a server run (TARGET:RUN): parameters and step statuses from the server', async () => {
  const server = await startFakeKfp()
  try {
    const api = createKfpApi({endpoint: server.url})
    const {spec} = parseCompiledPipeline(helloSpec(), 'pipeline.yaml')
    const exp = await api.createExperiment({display_name: 'blog'})
    const run = await api.createRun({display_name: 'remote-try', experiment_id: exp.experiment_id, pipeline_spec: spec, runtime_config: {parameters: {who: 'you'}}})
    server.setRunState(run.run_id!, 'SUCCEEDED', [{display_name: 'train', state: 'SUCCEEDED'}])
    const env = {KFP_CONFIG_DIR: path.join(tmp.dir, '.cfg'), KFP_ENDPOINT: server.url}
    const r = await runCli(['runs', 'compare', 'local:fast', `env:${run.run_id}`], {cwd: tmp.dir, env})
    assert.is(r.code, 0, r.stderr)
    assert.equal(section(r.stdout, 'Parameters')[0], ['diff', 'field', 'fast', 'env:remote-try'])
    assert.equal(section(r.stdout, 'Parameters').slice(1), [['≠', 'lr', '0.5', '–'], ['≠', 'who', '–', 'you']])
    const steps = section(r.stdout, 'Steps')
    assert.equal(steps.find((x) => x[1] === 'train status'), ['', 'train status', 'succeeded', 'succeeded'])
    assert.equal(steps.find((x) => x[1] === 'evaluate status'), ['≠', 'evaluate status', 'succeeded', '–'])
    assert.equal(server.violations, [])
  } finally {
    await server.close()
  }
})

C.run()
